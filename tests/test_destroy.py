"""`councilkit destroy`: it completes, it says before what it keeps and where, and it records after.

The Automation API is replaced by a recorder (no pulumi binary, no cloud) whose `destroy` emits
the engine's delete events for the resources in its state, so the record's "deleted" list is what
the engine reported. The stack program's `--delete-backups` transformation runs under Pulumi's
mocks (the offline engine). The AWS CLI commands the record gives are checked against botocore's
own API models (operation and parameter names, required parameters).
"""

from __future__ import annotations

import json
import shlex

import pytest
import yaml

from helpers import planned, run_main

from councilkit.cli import automation, retire
from councilkit.cli.newstack import new_stack
from councilkit.stacks import program
from councilkit.stacks.cloud import CLOUDS, Kept

pytestmark = pytest.mark.usefixtures("no_cloud_questions")  # destroy asks no cloud in tests

COUNCIL = dict(council="Borsetshire County Council", domain="files.borsetshire.gov.uk",
               contact="it@borsetshire.gov.uk")
TRIAL = "borsetshire-county-council-nextcloud-trial"
PROD = "borsetshire-county-council-nextcloud-production"
# What a production stack exports about what its destroy keeps (stacks/aws/stack.py `details`).
PROD_OUTPUTS = {
    "cloud": "aws", "region": "eu-west-2", "url": "https://files.borsetshire.gov.uk",
    "final_snapshot": "ck-borsetshire-county-council-nextcloud-p7a1e9d-final-1a2b3c4d",
    "backup_vault": "nextcloud-backup-vault-5e6f7a8",
    "access_logs_bucket": "nextcloud-access-logs-9b8c7d6",
    "kms_key": "0f1e2d3c-aaaa-bbbb-cccc-123456789012",
}
KEEPING_TYPES = ("aws:backup/vault:Vault", "aws:s3/bucket:Bucket", "aws:kms/key:Key")


# --- a recording Automation API ------------------------------------------------------------


class World:
    """What the fake backend holds: the stack's outputs and the URNs in its state."""

    def __init__(self):
        self.outputs: dict = {}
        self.state: list = []  # (urn, type, retain_on_delete)
        self.fail_destroy: BaseException | None = None


class FakeStack:
    def __init__(self, name, log, world):
        self.name, self.log, self.world = name, log, world

    def outputs(self):
        from pulumi.automation import OutputValue

        self.log.append(("outputs",))
        return {k: OutputValue(v, False) for k, v in self.world.outputs.items()}

    def export_stack(self):
        from pulumi.automation import Deployment

        self.log.append(("export_stack",))
        return Deployment(version=3, deployment={"resources": [{"urn": u} for u, _, _ in self.world.state]})

    def set_config(self, key, value, path=False):
        self.log.append(("set_config", key, value.value))

    def remove_config(self, key, path=False):
        self.log.append(("remove_config", key))

    def up(self, **kwargs):
        self.log.append(("up", kwargs.get("target")))

    def destroy(self, on_event=None, **kwargs):
        from pulumi.automation import (EngineEvent, OpType, ResOutputsEvent, StepEventMetadata,
                                       StepEventStateMetadata)

        self.log.append(("destroy",))
        if self.world.fail_destroy is not None:
            raise self.world.fail_destroy
        for i, (urn, type_, retain) in enumerate(reversed(self.world.state)):
            old = StepEventStateMetadata(type=type_, urn=urn, id="x", parent="", provider="",
                                         custom=True, retain_on_delete=retain)
            meta = StepEventMetadata(op=OpType.DELETE, urn=urn, type=type_, provider="", old=old)
            on_event(EngineEvent(sequence=i, timestamp=0, res_outputs_event=ResOutputsEvent(metadata=meta)))
        self.world.state = []
        self.world.outputs = {}


@pytest.fixture
def world():
    return World()


@pytest.fixture
def calls(monkeypatch, tmp_path, world):
    import pulumi.automation as auto

    log: list = []

    def select(stack_name, work_dir=None, opts=None, **kwargs):
        log.append(("select_stack", stack_name))
        return FakeStack(stack_name, log, world)

    monkeypatch.setattr(auto, "select_stack", select)
    monkeypatch.setattr(automation.shutil, "which", lambda name: "/opt/pulumi/bin/pulumi")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse")
    monkeypatch.setenv("AWS_PROFILE", "council")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    return log


def deployed(world, tier: str, outputs: dict | None = None):
    """Fill the fake backend with the planned stack: its resources and (given) outputs."""
    _, plan = planned("nextcloud", "aws", tier, **COUNCIL)
    world.state = [(r.urn, r.type, r.retain_on_delete) for r in plan.resources if r.custom]
    world.outputs = dict(outputs if outputs is not None else {"cloud": "aws", "region": "eu-west-2"})
    return plan


@pytest.fixture
def trial(tmp_path):
    return new_stack("nextcloud", cloud="aws", tier="trial", **COUNCIL, folder=str(tmp_path / "t")).path


@pytest.fixture
def production(tmp_path):
    return new_stack("nextcloud", cloud="aws", tier="production", **COUNCIL, folder=str(tmp_path / "p")).path


def main(argv, capsys, stdin: str = ""):
    return run_main(argv, capsys, stdin)


def record(folder) -> dict:
    return json.loads((folder / retire.MACHINE).read_text())


# --- trial -----------------------------------------------------------------------------------


def test_trial_destroy_touches_no_config_and_records_every_resource_deleted(calls, world, trial, capsys):
    plan = deployed(world, "trial")
    code, out, err = main(["destroy", str(trial), "--yes"], capsys)
    assert code == 0, err
    assert [c[0] for c in calls] == ["select_stack", "outputs", "select_stack", "destroy"]
    assert "Nothing of it is kept." in err
    rec = record(trial)
    assert rec["stack"] == TRIAL and rec["blueprint"] == "nextcloud@1.2.0" and rec["region"] == "eu-west-2"
    assert rec["kept"] == [] and rec["delete_backups"] is False
    custom = sorted((r.type, r.name) for r in plan.resources if r.custom and not r.type.startswith("pulumi:"))
    assert [(r["type"], r["name"]) for r in rec["deleted"]] == custom
    assert rec["retired_at"].endswith("Z")
    assert f"destroyed {TRIAL}: {len(custom)} resources deleted, 0 kept" in out
    assert f"record: {trial / 'RETIRED.md'} (and retired.json beside it)" in out
    md = (trial / "RETIRED.md").read_text()
    assert md.startswith(f"# Retired: {TRIAL}\n") and "Nothing: every resource of the stack was deleted." in md


def test_trial_prompt_says_nothing_is_kept_and_it_cannot_be_undone_and_no_keeps_it(calls, world, trial, capsys):
    deployed(world, "trial")
    code, _, err = main(["destroy", str(trial)], capsys, stdin="n\n")
    assert code == 2 and err.strip().endswith("error: aborted")
    assert (f"This destroys trial stack {TRIAL} (Nextcloud for Borsetshire County Council, aws eu-west-2). "
            "It cannot be undone.\nNothing of it is kept.\n") in err
    assert "destroy" not in [c[0] for c in calls]
    assert not (trial / "RETIRED.md").exists() and not (trial / "retired.json").exists()


# --- production ------------------------------------------------------------------------------


def test_production_prompt_names_each_kept_thing_from_the_outputs(calls, world, production, capsys):
    deployed(world, "production", PROD_OUTPUTS)
    code, _, err = main(["destroy", str(production)], capsys, stdin="yes\n")
    assert code == 2
    assert f"This destroys PRODUCTION stack {PROD} (Nextcloud for Borsetshire County Council, aws eu-west-2). " \
           "It cannot be undone." in err
    assert "  - final database snapshot (RDS): ck-borsetshire-county-council-nextcloud-p7a1e9d-final-1a2b3c4d; " \
           "until you delete it" in err
    assert "  - AWS Backup vault and its recovery points: nextcloud-backup-vault-5e6f7a8; each recovery point " \
           "until its lifecycle expires (daily 35 days, monthly 365 days)" in err
    assert "  - load balancer access-log bucket (S3, versioned): nextcloud-access-logs-9b8c7d6" in err
    assert "  - KMS key that encrypts the snapshot and the recovery points: 0f1e2d3c-aaaa-bbbb-cccc-123456789012" in err
    assert err.strip().splitlines()[-1].endswith(
        f"error: destroy: 'yes' is not the stack name {PROD}; nothing was destroyed")
    assert [c[0] for c in calls] == ["select_stack", "outputs"], "only the outputs were read"


def test_production_prompt_describes_what_is_kept_when_the_outputs_do_not_name_it(calls, world, production, capsys):
    deployed(world, "production", {"region": "eu-west-2"})  # a stack deployed before they were exported
    code, _, err = main(["destroy", str(production)], capsys, stdin="no\n")
    assert code == 2
    assert ("final database snapshot (RDS): <SNAPSHOT_ID> (not in the stack's outputs: the snapshot named "
            "ck-borsetshire-county-council-nextcloud-p7a1e9d-final-<8 hex digits>)") in err
    assert ("AWS Backup vault and its recovery points: <VAULT_NAME> (not in the stack's outputs: find it by its "
            "tags council=borsetshire-county-council, app=nextcloud, tier=production)") in err


def test_production_destroy_releases_protection_in_one_targeted_update_then_destroys_and_records(
    calls, world, production, capsys
):
    plan = deployed(world, "production", PROD_OUTPUTS)
    code, out, err = main(["destroy", str(production)], capsys, stdin=f"{PROD}\n")
    assert code == 0, err
    assert [c[0] for c in calls] == ["select_stack", "outputs", "select_stack", "export_stack", "set_config",
                                    "up", "destroy", "remove_config"]
    assert ("set_config", "councilkit:release-protection", "true") in calls
    [targets] = [c[1] for c in calls if c[0] == "up"]
    assert targets == sorted([
        f"urn:pulumi:{PROD}::councilkit::councilkit:aws:Database$aws:rds/instance:Instance::nextcloud-db",
        f"urn:pulumi:{PROD}::councilkit::councilkit:aws:Edge$aws:lb/loadBalancer:LoadBalancer::nextcloud-alb",
    ])
    assert calls[-1] == ("remove_config", "councilkit:release-protection")
    rec = record(production)
    kept = {k["what"]: k for k in rec["kept"]}
    snapshot = kept["final database snapshot (RDS)"]
    assert snapshot["identifier"] == PROD_OUTPUTS["final_snapshot"]
    assert snapshot["delete"] == ["aws rds delete-db-snapshot --region eu-west-2 --db-snapshot-identifier "
                                  + PROD_OUTPUTS["final_snapshot"]]
    assert kept["AWS Backup vault and its recovery points"]["delete"] == [
        "aws backup list-recovery-points-by-backup-vault --region eu-west-2 --backup-vault-name "
        "nextcloud-backup-vault-5e6f7a8 --query 'RecoveryPoints[].RecoveryPointArn' --output text",
        "aws backup delete-recovery-point --region eu-west-2 --backup-vault-name nextcloud-backup-vault-5e6f7a8 "
        "--recovery-point-arn <EACH_ARN_LISTED>",
        "aws backup delete-backup-vault --region eu-west-2 --backup-vault-name nextcloud-backup-vault-5e6f7a8",
    ]
    assert kept["load balancer access-log bucket (S3, versioned)"]["delete"][-1] == \
        "aws s3 rb --region eu-west-2 s3://nextcloud-access-logs-9b8c7d6"
    assert list(kept)[-1].startswith("KMS key"), "the key goes last: what it encrypts dies with it"
    # Pulumi forgot the retained resources; the record does not call them deleted.
    deleted_types = {r["type"] for r in rec["deleted"]}
    retained = {r.type for r in plan.resources if r.retain_on_delete}
    assert "aws:rds/instance:Instance" in deleted_types
    assert retained >= set(KEEPING_TYPES) and not deleted_types & retained
    md = (production / "RETIRED.md").read_text()
    assert "### final database snapshot (RDS)" in md and "      aws rds delete-db-snapshot" in md
    assert f"{len(rec['kept'])} kept" in out


def test_delete_backups_sets_both_configs_targets_what_keeps_backups_and_keeps_nothing(calls, world, production, capsys):
    plan = deployed(world, "production", PROD_OUTPUTS)
    code, out, err = main(["destroy", str(production), "--delete-backups"], capsys, stdin=f"{PROD}\n")
    assert code == 0, err
    assert "--delete-backups: also deleted, for good: final database snapshot (RDS); AWS Backup vault and its " \
           "recovery points; load balancer access-log bucket (S3, versioned); KMS key" in err
    assert "Nothing of it is kept." in err
    assert [c for c in calls if c[0] in ("set_config", "remove_config")] == [
        ("set_config", "councilkit:release-protection", "true"),
        ("set_config", "councilkit:delete-backups", "true"),
        ("remove_config", "councilkit:release-protection"),
        ("remove_config", "councilkit:delete-backups"),
    ]
    order = [c[0] for c in calls]
    assert order.index("up") < order.index("destroy") < order.index("remove_config")
    [targets] = [c[1] for c in calls if c[0] == "up"]
    table = CLOUDS["aws"].delete_backups_props
    wanted = {"aws:rds/instance:Instance", "aws:lb/loadBalancer:LoadBalancer", *table}
    assert targets == sorted(r.urn for r in plan.resources if r.type in wanted)
    assert {r.type for r in plan.resources if r.urn in targets} >= {"aws:backup/vault:Vault", "aws:s3/bucket:Bucket"}
    rec = record(production)
    assert rec["kept"] == [] and rec["delete_backups"] is True
    assert "Destroyed on" in (production / "RETIRED.md").read_text()
    assert "--delete-backups." in (production / "RETIRED.md").read_text()


def test_a_failed_destroy_records_nothing_says_how_to_continue_and_restores_the_config(
    calls, world, production, capsys
):
    from pulumi.automation import CommandError

    deployed(world, "production", PROD_OUTPUTS)
    world.fail_destroy = CommandError("code: 255\n stdout: \n stderr: error: deleting RDS: InvalidDBInstanceState\n")
    code, out, err = main(["destroy", str(production), "--delete-backups", "--yes"], capsys)
    assert code == 2
    assert err.strip().splitlines()[-1] == (
        f"error: pulumi destroy of {PROD} failed: deleting RDS: InvalidDBInstanceState; nothing is recorded as "
        f"retired; `councilkit destroy {production}` again continues where this stopped")
    assert not (production / "RETIRED.md").exists() and not (production / "retired.json").exists()
    assert calls[-2:] == [("remove_config", "councilkit:release-protection"),
                          ("remove_config", "councilkit:delete-backups")], "a later `up` protects it again"
    assert "destroyed" not in out


def test_an_interrupted_destroy_records_nothing_and_says_how_to_continue(calls, world, trial, capsys):
    deployed(world, "trial")
    world.fail_destroy = KeyboardInterrupt()
    code, _, err = main(["destroy", str(trial), "--yes"], capsys)
    assert code == 2
    assert err.strip().splitlines()[-1] == (
        f"error: destroy of {TRIAL} was interrupted; nothing is recorded as retired; "
        f"`councilkit destroy {trial}` again continues where this stopped")
    assert not (trial / "retired.json").exists()


def test_a_continued_destroy_targets_only_what_is_still_in_the_state(calls, world, production, capsys):
    """Targeting a URN the state no longer has would make the update create it again."""
    deployed(world, "production", PROD_OUTPUTS)
    world.state = [s for s in world.state if s[1] != "aws:rds/instance:Instance"]  # deleted by the first try
    code, _, err = main(["destroy", str(production), "--yes"], capsys)
    assert code == 0, err
    [targets] = [c[1] for c in calls if c[0] == "up"]
    assert [t.rsplit("::", 1)[-1] for t in targets] == ["nextcloud-alb"]


def test_a_destroy_with_nothing_left_to_release_runs_no_update(calls, world, production, capsys):
    deployed(world, "production", PROD_OUTPUTS)
    world.state = []
    code, _, err = main(["destroy", str(production), "--yes"], capsys)
    assert code == 0, err
    assert [c[0] for c in calls] == ["select_stack", "outputs", "select_stack", "export_stack", "destroy"]


def test_destroying_a_recreated_stack_again_keeps_the_first_record_under_earlier(calls, world, production, capsys):
    deployed(world, "production", PROD_OUTPUTS)
    assert main(["destroy", str(production), "--yes"], capsys)[0] == 0
    first = record(production)
    second_outputs = {**PROD_OUTPUTS, "final_snapshot": PROD_OUTPUTS["final_snapshot"][:-8] + "99887766"}
    deployed(world, "production", second_outputs)
    assert main(["destroy", str(production), "--yes"], capsys)[0] == 0
    rec = record(production)
    assert rec["kept"][0]["identifier"].endswith("99887766")
    assert rec["earlier"] == [{k: v for k, v in first.items() if k != "earlier"}]
    md = (production / "RETIRED.md").read_text()
    assert f"## Still kept from the destroy of {first['retired_at']}" in md
    assert PROD_OUTPUTS["final_snapshot"] in md, "the first snapshot is still in AWS: it stays on record"


# --- the record ------------------------------------------------------------------------------


def test_record_files_are_written_atomically_and_a_failed_write_leaves_none(tmp_path, monkeypatch):
    from councilkit.blueprints.deployment import build_deployment
    from councilkit.cli import safe_io

    d = build_deployment("nextcloud", cloud="aws", tier="trial", **COUNCIL)
    rec = retire.record(d, TRIAL, "eu-west-2", [], [{"type": "aws:ec2/vpc:Vpc", "name": "nextcloud-vpc"}], False)
    real = safe_io.os.replace

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(safe_io.os, "replace", broken)
    with pytest.raises(OSError):
        retire.write(tmp_path, rec)
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "no half-written or temporary file"
    monkeypatch.setattr(safe_io.os, "replace", real)
    human, machine = retire.write(tmp_path, rec)
    assert json.loads(machine.read_text())["deleted"] == [{"type": "aws:ec2/vpc:Vpc", "name": "nextcloud-vpc"}]
    assert "- aws:ec2/vpc:Vpc `nextcloud-vpc`" in human.read_text()


def test_every_kept_identifier_comes_from_what_the_production_stack_exports():
    """The adapter reads the names the stack really exports: planned outputs name every kept thing."""
    d, plan = planned("nextcloud", "aws", "production", **COUNCIL)
    kept = CLOUDS["aws"].destroy_keeps(d, plan.outputs, False)
    assert [k.identifier for k in kept if "<" in k.identifier] == []
    assert not [c for k in kept for c in k.delete if "<" in c and "<EACH_ARN_LISTED>" not in c]


def _model(service: str) -> dict:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def command_problems(command: str) -> list[str]:
    """What is wrong with an AWS CLI command line, judged by botocore's API models: the command is
    the operation in kebab case (botocore.xform_name, as the AWS CLI derives it), each flag an
    input member, every required member given. `s3 rb` is the CLI's own command (no model)."""
    import botocore

    words = shlex.split(command.replace("<", "'<").replace(">", ">'"))
    if words[:1] != ["aws"] or words[3:5] != ["--region", "eu-west-2"]:
        return [f"not `aws SERVICE OP --region ...`: {command}"]
    service, op, flags = words[1], words[2], dict(zip(words[5::2], words[6::2]))
    if (service, op) == ("s3", "rb"):
        return ["rb --force fails on a versioned bucket"] if "--force" in words else []
    model = _model(service)
    names = {botocore.xform_name(o, "-"): o for o in model.operation_names}
    if op not in names:
        return [f"no operation {service} {op}"]
    shape = model.operation_model(names[op]).input_shape
    members = {"--" + botocore.xform_name(m, "-") for m in shape.members}
    given = {k for k in flags if k not in ("--query", "--output")}
    required = {"--" + botocore.xform_name(m, "-") for m in shape.required_members}
    return [f"{service} {op}: no parameter {f}" for f in sorted(given - members)] + \
           [f"{service} {op}: {f} is required" for f in sorted(required - given)]


@pytest.mark.parametrize("outputs", [PROD_OUTPUTS, {}], ids=["named", "described"])
def test_every_aws_command_in_the_record_is_a_real_operation_with_its_required_parameters(outputs):
    """Checked against botocore 1.44.8's models, offline."""
    from councilkit.blueprints.deployment import build_deployment

    d = build_deployment("nextcloud", cloud="aws", tier="production", **COUNCIL)
    commands = [c for k in CLOUDS["aws"].destroy_keeps(d, outputs, False) for c in k.delete if not c.startswith("#")]
    assert len(commands) == 6
    assert [p for c in commands for p in command_problems(c)] == []


@pytest.mark.parametrize("bad, caught", [
    ("aws rds delete-db-snapshot --region eu-west-2 --db-snapshot-id x", "no parameter --db-snapshot-id"),
    ("aws rds delete-snapshot --region eu-west-2 --db-snapshot-identifier x", "no operation rds delete-snapshot"),
    ("aws backup delete-recovery-point --region eu-west-2 --recovery-point-arn a", "--backup-vault-name is required"),
    ("aws s3 rb --region eu-west-2 s3://b --force", "versioned bucket"),
])
def test_the_command_check_catches_a_planted_mistake(bad, caught):
    assert any(caught in p for p in command_problems(bad)), command_problems(bad)


def test_the_kms_key_waiting_period_is_one_kms_accepts():
    """ScheduleKeyDeletion: PendingWindowInDays must be between 7 and 30."""
    from councilkit.blueprints.deployment import build_deployment

    d = build_deployment("nextcloud", cloud="aws", tier="production", **COUNCIL)
    [key] = [k for k in CLOUDS["aws"].destroy_keeps(d, PROD_OUTPUTS, False) if k.what.startswith("KMS")]
    days = int(shlex.split(key.delete[0])[-1])
    assert 7 <= days <= 30
    doc = _model("kms").operation_model("ScheduleKeyDeletion").input_shape.members["PendingWindowInDays"].documentation
    assert "between 7 and 30" in doc


def test_a_trial_and_a_delete_backups_destroy_keep_nothing_on_aws():
    from councilkit.blueprints.deployment import build_deployment

    trial = build_deployment("nextcloud", cloud="aws", tier="trial", **COUNCIL)
    prod = build_deployment("nextcloud", cloud="aws", tier="production", **COUNCIL)
    assert CLOUDS["aws"].destroy_keeps(trial, {}, False) == []
    assert CLOUDS["aws"].destroy_keeps(prod, PROD_OUTPUTS, True) == []
    assert all(isinstance(k, Kept) for k in CLOUDS["aws"].destroy_keeps(prod, PROD_OUTPUTS, False))


# --- the program's --delete-backups transformation, under Pulumi's mocks ----------------------


def _program_plan(folder, stack, extra: dict):
    import pulumi.runtime

    from councilkit.cli.offline import run_offline

    config = yaml.safe_load((folder / f"Pulumi.{stack}.yaml").read_text())["config"]
    pulumi.runtime.set_all_config({**config, **extra})
    try:
        return run_offline(lambda: program.run(folder), stack)
    finally:
        pulumi.runtime.set_all_config({})


def test_delete_backups_config_sets_the_adapters_inputs_and_lifts_retain_on_exactly_those_types(production):
    keep = _program_plan(production, PROD, {"councilkit:release-protection": "true"})
    drop = _program_plan(production, PROD, {"councilkit:release-protection": "true", "councilkit:delete-backups": "true"})
    table = CLOUDS["aws"].delete_backups_props
    db = drop.one("aws:rds/instance:Instance")
    assert db.inputs["skipFinalSnapshot"] is True and db.inputs["deleteAutomatedBackups"] is True
    assert keep.one("aws:rds/instance:Instance").inputs["skipFinalSnapshot"] is False, "kept by default"
    assert drop.one("aws:backup/vault:Vault").inputs["forceDestroy"] is True
    assert drop.one("aws:s3/bucket:Bucket").inputs["forceDestroy"] is True
    for t in ("aws:backup/vault:Vault", "aws:s3/bucket:Bucket", "aws:kms/key:Key"):
        assert keep.one(t).retain_on_delete is True, f"{t} is kept by a plain destroy"
        assert drop.one(t).retain_on_delete is False, f"{t} is deleted with --delete-backups"
    # Nothing else changes: same resources, and outside the table the same inputs and options.
    before, after = ({r.urn: r for r in plan.resources} for plan in (keep, drop))
    assert sorted(before) == sorted(after)
    for urn, a in before.items():
        b = after[urn]
        if a.type not in table:
            assert (a.inputs, a.retain_on_delete, a.protect) == (b.inputs, b.retain_on_delete, b.protect), a.urn
    assert drop.one("aws:rds/instance:Instance").inputs["deletionProtection"] is False, "both transformations apply"


def test_without_the_config_the_program_keeps_the_backups(production):
    plain = _program_plan(production, PROD, {})
    assert plain.one("aws:rds/instance:Instance").inputs["deletionProtection"] is True
    assert plain.one("aws:backup/vault:Vault").retain_on_delete is True


def test_the_config_keys_automation_sets_are_the_ones_the_program_reads():
    assert automation.DELETE_BACKUPS == f"councilkit:{program.DELETE_BACKUPS_KEY}"
    assert automation.RELEASE_PROTECTION == f"councilkit:{program.RELEASE_PROTECTION_KEY}"


def test_a_trial_needs_no_targeted_update_even_with_delete_backups():
    from councilkit.blueprints.deployment import build_deployment
    from councilkit.cli.commands.lifecycle_cmd import protected_urns

    trial = build_deployment("nextcloud", cloud="aws", tier="trial", **COUNCIL)
    assert protected_urns(trial, delete_backups=True) == []


# --- re-creating a destroyed stack with the same answers -------------------------------------


FIXED_NAME = {"aws:backup/vault:Vault": "name", "aws:s3/bucket:Bucket": "bucket", "aws:kms/key:Key": None}


def collisions(plan) -> list[str]:
    """What a destroy of `plan`'s stack leaves in AWS under a name the same answers would give
    again: retained resources must be auto-named by the provider (no physical name input), or be
    a retained bucket's own settings; the final snapshot's identifier must take a RandomId drawn
    per stack; secrets (DeleteSecret: a 7-30 day recovery window) must use name_prefix; a
    fixed-name ECR repository must be force-deleted (images are rebuilt from image/)."""
    found = []
    retained = [r for r in plan.resources if r.retain_on_delete]
    buckets = {r.urn for r in retained if r.type == "aws:s3/bucket:Bucket"}
    for r in retained:
        if r.type in FIXED_NAME:
            key = FIXED_NAME[r.type]
            if key is not None and key in r.inputs:
                found.append(f"retained {r.type} {r.name} has the fixed name {r.inputs[key]}")
        elif not (r.type.startswith("aws:s3/bucket") and set(r.property_dependencies.get("bucket", [])) <= buckets
                  and r.property_dependencies.get("bucket")):
            found.append(f"retained {r.type} {r.name} is neither auto-named nor a retained bucket's setting")
    random_ids = {r.urn for r in plan.of_type("random:index/randomId:RandomId")}
    for db in plan.of_type("aws:rds/instance:Instance"):
        if not db.inputs.get("skipFinalSnapshot") and not set(db.property_dependencies.get("finalSnapshotIdentifier", [])) & random_ids:
            found.append(f"final snapshot {db.inputs.get('finalSnapshotIdentifier')} is the same for every stack of these answers")
    for secret in plan.of_type("aws:secretsmanager/secret:Secret"):
        if "name" in secret.inputs:
            found.append(f"secret {secret.inputs['name']} has a fixed name")
    for repo in plan.of_type("aws:ecr/repository:Repository"):
        if "name" in repo.inputs and repo.inputs.get("forceDelete") is not True:
            found.append(f"repository {repo.inputs['name']} survives a destroy that holds images")
    return found


@pytest.mark.parametrize("app", ["nextcloud", "localgov-drupal"])
def test_nothing_a_destroy_leaves_behind_has_a_fixed_name_a_new_stack_would_reuse(app):
    """`new` + `up` with the same answers after a destroy must not collide with what was kept."""
    _, plan = planned(app, "aws", "production", **COUNCIL)
    assert {r.type for r in plan.resources if r.retain_on_delete} >= set(FIXED_NAME), "the check sees them"
    assert plan.of_type("aws:secretsmanager/secret:Secret") and plan.of_type("random:index/randomId:RandomId")
    assert collisions(plan) == []


def test_the_collision_check_catches_each_planted_fixed_name():
    import copy

    _, plan = planned("localgov-drupal", "aws", "production", **COUNCIL)
    bad = copy.deepcopy(plan)
    bad.one("aws:backup/vault:Vault").inputs["name"] = "council-vault"
    db = bad.one("aws:rds/instance:Instance")
    db.inputs["finalSnapshotIdentifier"] = "ck-council-final"
    db.property_dependencies.pop("finalSnapshotIdentifier", None)
    bad.of_type("aws:secretsmanager/secret:Secret")[0].inputs["name"] = "councilkit/admin"
    bad.one("aws:ecr/repository:Repository").inputs["forceDelete"] = False
    bad.of_type("aws:cloudwatch/logGroup:LogGroup")[0].retain_on_delete = True  # named /councilkit/<stack>
    found = collisions(bad)
    assert any("fixed name council-vault" in f for f in found)
    assert any("ck-council-final is the same for every stack" in f for f in found)
    assert any("secret councilkit/admin" in f for f in found)
    assert any("survives a destroy" in f for f in found)
    assert any("neither auto-named" in f for f in found)


# --- Azure: honest about what it keeps until issue 12 ------------------------------------------


def test_azure_keeps_its_key_vault_for_the_soft_delete_retention_the_stack_sets():
    for tier in ("trial", "production"):
        d, plan = planned("nextcloud", "azure", tier, **COUNCIL)
        days = plan.one("azure-native:keyvault:Vault").inputs["properties"]["softDeleteRetentionInDays"]
        [vault] = CLOUDS["azure"].destroy_keeps(d, plan.outputs, True)
        assert vault.identifier == plan.one("azure-native:keyvault:Vault").inputs["vaultName"]
        assert vault.until.startswith(f"{days} days after the destroy")


def test_azure_delete_backups_prompt_says_what_it_deletes_and_that_the_key_vault_stays():
    from councilkit.blueprints.deployment import build_deployment
    from councilkit.cli.commands.lifecycle_cmd import keeps_text

    d = build_deployment("nextcloud", cloud="azure", tier="production", **COUNCIL)
    kept = CLOUDS["azure"].destroy_keeps(d, {}, True)
    lines = keeps_text(d, kept, True, CLOUDS["azure"].destroy_keeps(d, {}, False))
    assert lines[0] == ("--delete-backups: also deleted, for good: Recovery Services vault (in its own "
                        "resource group) and any soft-deleted file-share backup items.")
    assert lines[2].startswith("  - Key Vault (soft-deleted, purge protection on): kv-")


def test_the_production_runbook_names_the_outputs_that_say_what_destroy_keeps(production):
    """The runbook points at outputs the stack really exports, and at the record destroy writes."""
    runbook = (production / "RUNBOOK.md").read_text()
    destroy = runbook[runbook.index("## Destroy"):runbook.index("## Files in this folder")]
    _, plan = planned("nextcloud", "aws", "production", **COUNCIL)
    for output in ("final_snapshot", "backup_vault", "access_logs_bucket", "kms_key"):
        assert f"`{output}`" in destroy and output in plan.outputs, output
    assert "`councilkit destroy . --delete-backups` deletes them as well. Neither can be undone." in destroy
    assert "`RETIRED.md` and `retired.json` in this folder record what was deleted" in destroy


def test_a_record_the_folder_cannot_take_is_printed_and_the_error_is_one_line(calls, world, trial, capsys, monkeypatch):
    from councilkit.cli import safe_io

    deployed(world, "trial")

    def full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safe_io.os, "replace", full)
    code, out, err = main(["destroy", str(trial), "--yes"], capsys)
    assert code == 2
    assert out.startswith(f"# Retired: {TRIAL}\n")
    assert err.strip().splitlines()[-1] == (
        f"error: {TRIAL} is destroyed, but {trial} could not take its record (No space left on device); "
        "the record is printed above: keep it")
    assert "Traceback" not in err
