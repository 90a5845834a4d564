"""`councilkit up | outputs | refresh | destroy`: the checks before Pulumi, and the Automation API
calls up to the CLI boundary.

No test here deploys anything. The checks run the real CLI in a subprocess with a PATH and HOME
that hold no `pulumi` and no credentials. The Automation API tests replace
`pulumi.automation.create_or_select_stack` / `select_stack` with recorders and assert what
councilkit hands them: stack name, work dir, backend, secrets provider, config, targets.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from councilkit.blueprints.deployment import build_deployment
from councilkit.cli import automation
from councilkit.stacks.aws.settings import final_snapshot_prefix
from councilkit.stacks.cloud import CLOUDS, WHOLE_STACK
from councilkit.cli.newstack import new_stack

from helpers import run_main

pytestmark = pytest.mark.usefixtures("no_cloud_questions")  # destroy asks no cloud in tests

STACK = "borsetshire-county-council-nextcloud-trial"
ANSWERS = dict(cloud="aws", tier="trial", council="Borsetshire County Council",
               domain="files.borsetshire.gov.uk", contact="it@borsetshire.gov.uk")
CLOUD_ENV = ("AWS_", "ARM_", "AZURE_", "PULUMI_", "COUNCILKIT_SKIP")


@pytest.fixture
def folder(tmp_path):
    return new_stack("nextcloud", **ANSWERS, folder=str(tmp_path / STACK)).path


@pytest.fixture
def production(tmp_path):
    return new_stack("nextcloud", **{**ANSWERS, "tier": "production"}, folder=str(tmp_path / "prod")).path


def bare_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment with no pulumi on PATH, no cloud credentials and an empty HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(CLOUD_ENV)}
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    return {**env, "PATH": str(empty), "HOME": str(home), **extra}


def fake_pulumi(tmp_path: Path) -> tuple[Path, Path]:
    """A `pulumi` on PATH that only records that it was called (and fails)."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir(exist_ok=True)
    calls = tmp_path / "pulumi-calls"
    script = bin_dir / "pulumi"
    script.write_text(f"#!/bin/sh\necho \"$@\" >> {calls}\nexit 1\n")
    script.chmod(0o755)
    return bin_dir, calls


def run(args, env):
    return subprocess.run([sys.executable, "-c", "from councilkit.cli.main import main; main()", *args],
                          capture_output=True, text=True, env=env, timeout=120)


# --- checks before anything calls Pulumi ------------------------------------------------------


@pytest.mark.parametrize("command", ["up", "outputs", "refresh", "destroy"])
def test_missing_pulumi_cli_is_one_exact_error_line(command, folder, tmp_path):
    result = run([command, str(folder)], bare_env(tmp_path, PULUMI_CONFIG_PASSPHRASE="x", AWS_PROFILE="council"))
    assert result.returncode == 2
    assert result.stderr == (
        "error: the pulumi CLI is not installed (no `pulumi` on PATH); install it "
        "(see https://www.pulumi.com/docs/install/) and run this again\n"
    )


def test_missing_passphrase_names_the_variable_to_set(folder, tmp_path):
    bin_dir, calls = fake_pulumi(tmp_path)
    result = run(["up", str(folder)], bare_env(tmp_path, PATH=str(bin_dir), AWS_PROFILE="council"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: PULUMI_CONFIG_PASSPHRASE is not set;")
    assert not calls.exists(), "checked before calling pulumi"


def test_missing_aws_credentials_name_what_to_set_before_pulumi_runs(folder, tmp_path):
    bin_dir, calls = fake_pulumi(tmp_path)
    result = run(["up", str(folder)], bare_env(tmp_path, PATH=str(bin_dir), PULUMI_CONFIG_PASSPHRASE="x"))
    assert result.returncode == 2
    assert result.stderr == f"error: {CLOUDS['aws'].credentials_missing({})}\n"
    assert "AWS_PROFILE" in result.stderr and "AWS_ACCESS_KEY_ID" in result.stderr
    assert not calls.exists()


def test_missing_azure_credentials_name_az_login_and_the_arm_variables(tmp_path):
    azure = new_stack("nextcloud", **{**ANSWERS, "cloud": "azure"}, folder=str(tmp_path / "az")).path
    bin_dir, calls = fake_pulumi(tmp_path)
    result = run(["destroy", str(azure), "--yes"], bare_env(tmp_path, PATH=str(bin_dir), PULUMI_CONFIG_PASSPHRASE="x"))
    assert result.returncode == 2
    assert result.stderr == f"error: {CLOUDS['azure'].credentials_missing({})}\n"
    assert "az login" in result.stderr and "ARM_CLIENT_ID" in result.stderr
    assert not calls.exists()


def test_outputs_needs_no_cloud_credentials(folder, tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith(("AWS_", "ARM_", "AZURE_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    monkeypatch.setattr(automation.shutil, "which", lambda name: "/usr/bin/pulumi")
    session = automation.prepare(folder, None, cloud_credentials=False)
    assert session.stack == STACK


def test_credentials_from_a_profile_file_are_enough(tmp_path, monkeypatch):
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "config").write_text("[default]\nregion = eu-west-2\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert CLOUDS["aws"].credentials_missing({}) is None
    assert CLOUDS["azure"].credentials_missing({}).startswith("no Azure credentials found; run `az login`")
    (tmp_path / ".azure").mkdir()
    (tmp_path / ".azure" / "msal_token_cache.json").write_text("{}")
    assert CLOUDS["azure"].credentials_missing({}) is None


def test_up_refuses_a_placeholder_domain(tmp_path):
    placeholder = new_stack("nextcloud", cloud="aws", tier="trial", council="Borsetshire County Council",
                            folder=str(tmp_path / "p")).path
    result = run(["up", str(placeholder)], bare_env(tmp_path, PULUMI_CONFIG_PASSPHRASE="x", AWS_PROFILE="c"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: domain: nextcloud.borsetshire-county-council.example.org is a placeholder")


def test_a_folder_that_is_not_a_stack_is_one_error_line(tmp_path):
    result = run(["up", str(tmp_path)], bare_env(tmp_path))
    assert result.returncode == 2
    assert result.stderr == f"error: {tmp_path}: no councilkit.lock.json; expected a folder written by `councilkit new`\n"


# --- backend ---------------------------------------------------------------------------------


def test_backend_is_the_flag_then_the_environment_then_the_folder_then_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    assert automation.resolve_backend(None) == f"file://{tmp_path}/.councilkit/state"
    assert automation.resolve_backend(None, "s3://council-state/pulumi") == "s3://council-state/pulumi"
    monkeypatch.setenv("PULUMI_BACKEND_URL", "azblob://state")
    assert automation.resolve_backend(None, "s3://council-state/pulumi") == "azblob://state"
    assert automation.resolve_backend("https://api.pulumi.com", "s3://x") == "https://api.pulumi.com"


# --- the Automation API, faked at its boundary -----------------------------------------------


ONE_OFF = {
    "cluster": "borsetshire-nextcloud-t1a2b3c",
    "subnets": ["subnet-a", "subnet-b"],
    "security_groups": ["sg-tasks"],
    "assign_public_ip": True,
    "upgrade": {"task_definition": "arn:aws:ecs:eu-west-2:1:task-definition/web:7", "container": "web",
                "commands": [["su", "-p", "www-data", "-s", "/bin/sh", "-c", "php /var/www/html/occ upgrade"]]},
}


class FakeStack:
    deployed: dict = {}  # the outputs of the last deploy, before this `up`
    state: list = []  # URNs in the stack's state (what `destroy` may target)

    def __init__(self, name, log):
        self.name, self.log = name, log

    def up(self, **kwargs):
        from pulumi.automation import OutputValue

        self.log.append(("up", kwargs))
        outputs = {
            "url": OutputValue("https://files.borsetshire.gov.uk", False),
            "admin_credentials": OutputValue({"admin-password": "arn:aws:secretsmanager:eu-west-2:1:secret:x"}, False),
            "dns_records": OutputValue([{"name": "_v.files.borsetshire.gov.uk.", "type": "CNAME", "value": "_x.acm."}], False),
            "database_password": OutputValue("s3cr3t", True),
            "one_off": OutputValue(ONE_OFF, False),
            "councilkit": OutputValue({"managed-by": "councilkit", "blueprint": "nextcloud@1.0.0"}, False),
        }
        return type("UpResult", (), {"outputs": outputs})()

    def destroy(self, **kwargs):
        self.log.append(("destroy", kwargs))

    def export_stack(self):
        from pulumi.automation import Deployment

        self.log.append(("export_stack",))
        return Deployment(version=3, deployment={"resources": [{"urn": u} for u in self.state]})

    def refresh(self, **kwargs):
        self.log.append(("refresh", kwargs))

    def outputs(self):
        from pulumi.automation import OutputValue

        self.log.append(("outputs",))
        return {k: OutputValue(v, False) for k, v in self.deployed.items()}

    def set_config(self, key, value, path=False):
        self.log.append(("set_config", key, value.value, value.secret))

    def remove_config(self, key, path=False):
        self.log.append(("remove_config", key))


@pytest.fixture
def fake_automation(monkeypatch, tmp_path):
    """Record every call councilkit makes into pulumi.automation; never run a pulumi binary."""
    import pulumi.automation as auto

    log: list = []

    def opener(kind):
        def open_(stack_name, work_dir=None, opts=None, **kwargs):
            log.append((kind, stack_name, work_dir, opts))
            return FakeStack(stack_name, log)
        return open_

    monkeypatch.setattr(auto, "create_or_select_stack", opener("create_or_select_stack"))
    monkeypatch.setattr(auto, "select_stack", opener("select_stack"))
    # `up` here is one whole-stack update: the go-live phases (certificate, image, app, the
    # outside check) talk to ACM, ECR and the site, and have their own tests (test_golive*.py).
    monkeypatch.setattr(type(CLOUDS["aws"]), "go_live_phases", lambda self, d: [WHOLE_STACK])
    monkeypatch.setattr(automation.shutil, "which", lambda name: "/opt/pulumi/bin/pulumi")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse")
    monkeypatch.setenv("AWS_PROFILE", "council")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    return log


def main(argv, capsys, stdin: str = ""):
    return run_main(argv, capsys, stdin)


def test_up_opens_the_folder_as_a_local_program_with_backend_passphrase_and_this_python(
    fake_automation, folder, tmp_path, capsys
):
    code, out, err = main(["up", str(folder)], capsys)
    assert code == 0, err
    kind, stack_name, work_dir, opts = fake_automation[0]
    assert (kind, stack_name, work_dir) == ("create_or_select_stack", STACK, str(folder.resolve()))
    assert opts.work_dir == str(folder.resolve())
    assert opts.secrets_provider == "passphrase"
    backend = f"file://{tmp_path}/home/.councilkit/state"
    assert opts.env_vars == {
        "PULUMI_BACKEND_URL": backend,
        "PULUMI_PYTHON_CMD": sys.executable,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }
    assert (tmp_path / "home" / ".councilkit" / "state").is_dir(), "a file:// backend's folder is created"
    assert fake_automation[1] == ("outputs",), "what was deployed before, to know which steps are due"
    _, kwargs = fake_automation[2]
    assert callable(kwargs["on_event"]) and callable(kwargs["on_output"]) and kwargs["color"] == "never"
    assert [Path(p) for p in kwargs["policy_packs"]] == [automation.POLICY_PACK]
    assert (automation.POLICY_PACK / "PulumiPolicy.yaml").is_file(), "the UK baseline is enforced on real updates"
    assert "url: https://files.borsetshire.gov.uk" in out
    assert "admin-password: arn:aws:secretsmanager:eu-west-2:1:secret:x" in out
    assert "CNAME _v.files.borsetshire.gov.uk. -> _x.acm." in out
    assert "s3cr3t" not in out and "database_password: [secret]" in out
    assert "steps of" not in out, "nextcloud has no install steps; a first deploy runs none"


def test_up_of_a_new_blueprint_version_prints_its_upgrade_steps_to_run_once(
    fake_automation, folder, capsys, monkeypatch
):
    monkeypatch.setattr(FakeStack, "deployed", {"councilkit": {"blueprint": "nextcloud@0.9.0"}})
    code, out, err = main(["up", str(folder)], capsys)
    assert code == 0, err
    assert "upgrade steps of nextcloud@1.2.0: run once now, in order:" in out
    assert (
        "aws ecs run-task --region eu-west-2 --cluster borsetshire-nextcloud-t1a2b3c --launch-type FARGATE "
        "--task-definition arn:aws:ecs:eu-west-2:1:task-definition/web:7 --network-configuration "
        "'awsvpcConfiguration={subnets=[subnet-a,subnet-b],securityGroups=[sg-tasks],assignPublicIp=ENABLED}' "
        "--overrides '{\"containerOverrides\":[{\"name\":\"web\",\"command\":[\"su\",\"-p\",\"www-data\","
        "\"-s\",\"/bin/sh\",\"-c\",\"php /var/www/html/occ upgrade\"]}]}'"
    ) in out


def test_steps_due_after_a_rollout():
    from councilkit.cli.one_off import commands, due

    assert due(None, "nextcloud@1.0.0") == ["install"]
    assert due("nextcloud@1.0.0", "nextcloud@1.1.0") == ["upgrade"]
    assert due("nextcloud@1.1.0", "nextcloud@1.1.0") == []
    azure = {"upgrade": {"start": "az containerapp job start --resource-group rg --name web-upgrade-job"}}
    assert commands("azure", azure, "upgrade", "uksouth") == ["az containerapp job start --resource-group rg --name web-upgrade-job"]
    assert commands("aws", {}, "install", "eu-west-2") == []


def test_up_never_rewrites_the_stack_config(fake_automation, folder, capsys):
    before = (folder / f"Pulumi.{STACK}.yaml").read_bytes()
    assert main(["up", str(folder)], capsys)[0] == 0
    assert not [c for c in fake_automation if c[0] in ("set_config", "remove_config")]
    assert (folder / f"Pulumi.{STACK}.yaml").read_bytes() == before


def test_backend_flag_reaches_pulumi_and_a_secrets_provider_can_be_chosen(fake_automation, folder, capsys):
    code, _, err = main(["up", str(folder), "--backend", "s3://council-state/pulumi",
                         "--secrets-provider", "awskms://alias/council"], capsys)
    assert code == 0, err
    opts = fake_automation[0][3]
    assert opts.env_vars["PULUMI_BACKEND_URL"] == "s3://council-state/pulumi"
    assert opts.secrets_provider == "awskms://alias/council"


def test_outputs_selects_the_existing_stack_and_says_where_credentials_are(fake_automation, folder, capsys):
    code, out, err = main(["outputs", str(folder)], capsys)
    assert code == 0, err
    assert fake_automation[0][0] == "select_stack"
    assert "url: https://files.borsetshire.gov.uk" in out
    assert "admin credentials: AWS Secrets Manager, eu-west-2:" in out
    assert "aws secretsmanager get-secret-value --region eu-west-2" in out


def test_trial_destroy_with_yes_destroys_without_touching_protection(fake_automation, folder, capsys):
    code, _, err = main(["destroy", str(folder), "--yes"], capsys)
    assert code == 0, err
    assert [c[0] for c in fake_automation] == ["select_stack", "outputs", "select_stack", "destroy"]
    assert (folder / "RETIRED.md").is_file(), "tests/test_destroy.py checks what it says"


def test_trial_destroy_asks_first_and_no_means_nothing_is_destroyed(fake_automation, folder, capsys):
    code, _, err = main(["destroy", str(folder)], capsys, stdin="n\n")
    assert code == 2 and err.strip().endswith("error: aborted")
    assert "destroy" not in [c[0] for c in fake_automation]


def test_production_destroy_wants_the_stack_name_typed(fake_automation, production, capsys):
    code, _, err = main(["destroy", str(production)], capsys, stdin="yes\n")
    assert code == 2
    # The snapshot the stack really keeps (stacks/aws/settings.py); without outputs, how to find it.
    d = build_deployment("nextcloud", cloud="aws", tier="production", council="Borsetshire County Council")
    assert f"final database snapshot (RDS): <SNAPSHOT_ID> (not in the stack's outputs: the snapshot named " \
           f"{final_snapshot_prefix(d)}<8 hex digits>); until you delete it" in err
    assert final_snapshot_prefix(d).startswith("ck-borsetshire-county-council-nextcloud-p")
    assert err.strip().splitlines()[-1].endswith(
        "error: destroy: 'yes' is not the stack name borsetshire-county-council-nextcloud-production; "
        "nothing was destroyed"
    )
    assert [c[0] for c in fake_automation] == ["select_stack", "outputs"], "only the outputs were read"


def test_production_destroy_releases_deletion_protection_then_destroys(
    fake_automation, production, capsys, monkeypatch
):
    stack = "borsetshire-county-council-nextcloud-production"
    protected = sorted([
        f"urn:pulumi:{stack}::councilkit::councilkit:aws:Database$aws:rds/instance:Instance::nextcloud-db",
        f"urn:pulumi:{stack}::councilkit::councilkit:aws:Edge$aws:lb/loadBalancer:LoadBalancer::nextcloud-alb",
    ])
    monkeypatch.setattr(FakeStack, "state", protected)
    code, _, err = main(["destroy", str(production)], capsys, stdin=f"{stack}\n")
    assert code == 0, err
    calls = [c[0] for c in fake_automation]
    assert calls == ["select_stack", "outputs", "select_stack", "export_stack", "set_config", "up", "destroy",
                     "remove_config"]
    assert fake_automation[4] == ("set_config", "councilkit:release-protection", "true", False)
    assert fake_automation[5][1]["target"] == protected
    assert fake_automation[7] == ("remove_config", "councilkit:release-protection")


def test_a_failed_pulumi_run_is_one_error_line_with_its_reason(fake_automation, folder, capsys, monkeypatch):
    from pulumi.automation import CommandError

    def failing_up(self, **kwargs):
        raise CommandError("code: 255\n stdout: \n stderr: error: update failed: AccessDenied\n")

    monkeypatch.setattr(FakeStack, "up", failing_up)
    code, _, err = main(["up", str(folder)], capsys)
    assert code == 2
    assert err.strip().splitlines()[-1] == f"error: pulumi up of {STACK} failed: update failed: AccessDenied"


def test_a_stack_that_was_never_deployed_says_so(fake_automation, folder, capsys, monkeypatch):
    import pulumi.automation as auto

    def missing(stack_name, work_dir=None, opts=None):
        raise auto.StackNotFoundError(auto.CommandResult("", f"no stack named '{stack_name}' found", 255))

    monkeypatch.setattr(auto, "select_stack", missing)
    code, _, err = main(["outputs", str(folder)], capsys)
    assert code == 2
    assert err.startswith(f"error: stack {STACK} does not exist in file://")
    assert f"councilkit up {folder}" in err


def test_progress_counts_resources_and_prints_the_ones_that_change():
    from pulumi.automation import (DiagnosticEvent, EngineEvent, OpType, ResOutputsEvent,
                                   StepEventMetadata)
    from rich.console import Console

    console = Console(file=io.StringIO(), width=200)
    progress = automation.Progress(console, "up", total=3)

    def done(op, urn, type_):
        meta = StepEventMetadata(op=op, urn=urn, type=type_, provider="")
        return EngineEvent(sequence=1, timestamp=0, res_outputs_event=ResOutputsEvent(metadata=meta))

    with progress:
        progress.on_event(done(OpType.CREATE, "urn:pulumi:s::councilkit::aws:ec2/vpc:Vpc::nextcloud-vpc", "aws:ec2/vpc:Vpc"))
        progress.on_event(done(OpType.SAME, "urn:pulumi:s::councilkit::aws:ec2/subnet:Subnet::a", "aws:ec2/subnet:Subnet"))
        progress.on_event(EngineEvent(sequence=2, timestamp=0, diagnostic_event=DiagnosticEvent(
            message="AccessDenied: not allowed\n", color="never", severity="error")))
    text = console.file.getvalue()
    assert progress.done == 2 and progress.changed == {"create": 1}
    assert "+ aws:ec2/vpc:Vpc nextcloud-vpc" in text and "Subnet" not in text
    assert progress.errors == ["AccessDenied: not allowed"]


def test_up_refuses_a_plan_that_fails_a_mandatory_control(fake_automation, folder, capsys, monkeypatch):
    import councilkit.stacks.aws.database as database

    monkeypatch.setattr(database, "FORCE_TLS", {k: (name, "0") for k, (name, _) in database.FORCE_TLS.items()})
    code, out, err = main(["up", str(folder)], capsys)
    assert code == 1
    assert err.startswith("plan fails 1 mandatory control: CK-AWS-002")
    assert not [c for c in fake_automation if c[0] in ("create_or_select_stack", "select_stack")], "nothing deployed"
    code, _, err = main(["up", str(folder), "--allow-failures"], capsys)
    assert code == 0, err


def test_up_runs_the_adapters_go_live_phases_in_order_and_ends_with_the_whole_stack(
    fake_automation, folder, capsys, monkeypatch
):
    from councilkit.stacks.cloud import Phase

    # Phase names the AWS adapter has no hooks for: this is the runner alone (the real phases:
    # tests/test_golive_aws.py).
    phases = [Phase("first", "request the certificate", ("aws:acm/certificate:Certificate",),
                    waits_for="the DNS validation record"),
              Phase("deploy", "everything else")]
    monkeypatch.setattr(type(CLOUDS["aws"]), "go_live_phases", lambda self, d: phases)
    code, out, err = main(["up", str(folder)], capsys)
    assert code == 0, err
    ups = [kwargs for call, *rest in fake_automation if call == "up" for kwargs in rest]
    assert len(ups) == 2
    cert_urn, edge_urn, provider_urn = ups[0]["target"]
    assert cert_urn.endswith("aws:acm/certificate:Certificate::nextcloud-cert")
    assert edge_urn.endswith("pulumi:pulumi:Stack$councilkit:aws:Edge::nextcloud"), "its parent component"
    assert provider_urn.endswith("pulumi:pulumi:Stack$pulumi:providers:aws::aws")
    assert ups[0]["target_dependents"] is False, "not the validation, which waits for DNS"
    assert "target" not in ups[1], "the last phase is the whole stack"
    assert all(u["policy_packs"] == [str(automation.POLICY_PACK)] for u in ups)
    assert "phase first: request the certificate (waits for the DNS validation record)" in " ".join(err.split())
