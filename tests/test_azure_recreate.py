"""An Azure stack can be destroyed and re-created with the same answers (issue 12, defects 1 and 6).

Defect 1: a destroyed Key Vault stays soft-deleted with its name reserved (purge protection: for
its whole retention), and a destroy keeps the Recovery Services vault: both take a suffix drawn
once per incarnation (pulumi_random.RandomId), so a second incarnation of the same answers gets
new names, each valid. Defect 6: a production destroy says before and records after what it keeps
(the Key Vault, the Recovery Services vault in its own resource group) with the `az` commands that
finish the job; `--delete-backups` turns the vault's soft delete off and lifts retain_on_delete on
exactly the backup resources. Everything runs offline, under Pulumi's mocks and a recording
Automation API (tests/test_destroy.py's).
"""

from __future__ import annotations

import copy
import re
import shlex
import types

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import planned, run_main
from test_destroy import COUNCIL, calls, record, world  # noqa: F401  (fixtures)

from councilkit.blueprints.deployment import COUNCIL_RE, build_deployment
from councilkit.cli import offline
from councilkit.cli.newstack import new_stack
from councilkit.cli.planning import plan_deployment
from councilkit.stacks.azure import names, settings as azure_settings
from councilkit.stacks.cloud import CLOUDS

pytestmark = pytest.mark.usefixtures("no_cloud_questions")  # destroy asks no cloud in tests

PROD = "borsetshire-county-council-nextcloud-production"
KEY_VAULT = "azure-native:keyvault:Vault"
RECOVERY_VAULT = "azure-native:recoveryservices:Vault"
GROUP = "azure-native:resources:ResourceGroup"
RANDOM_ID = "random:index/randomId:RandomId"
# azure-rest-api-specs keyvault resource-manager Vaults_CreateOrUpdate, `vaultName`.
KEY_VAULT_REST = re.compile(r"^[a-zA-Z0-9-]{3,24}$")
AZURE = CLOUDS["azure"]


# --- two incarnations of the same answers ---------------------------------------------------


def second_incarnation(monkeypatch, d):
    """Plan `d` again as if the engine had drawn other RandomIds (the offline engine derives
    `hex` from a digest of the resource name; a salted digest stands for a second draw)."""
    import hashlib

    salted = types.SimpleNamespace(sha256=lambda data: hashlib.sha256(b"second draw|" + data))
    monkeypatch.setattr(offline, "hashlib", salted)
    try:
        return plan_deployment(d)
    finally:
        monkeypatch.undo()


def kept_names(plan) -> dict[str, str]:
    return {
        "key vault": plan.one(KEY_VAULT).inputs["vaultName"],
        "recovery vault": plan.one(RECOVERY_VAULT).inputs["vaultName"],
        "backup group": next(g.inputs["resourceGroupName"] for g in plan.of_type(GROUP) if g.retain_on_delete),
    }


def test_two_incarnations_of_the_same_answers_get_different_vault_names_each_valid(monkeypatch):
    d, first = planned("nextcloud", "azure", "production", **COUNCIL)
    second = second_incarnation(monkeypatch, d)
    one, two = kept_names(first), kept_names(second)
    for what in one:
        assert one[what] != two[what], f"{what} is the same in both incarnations: {one[what]}"
    for plan_names in (one, two):
        kv = plan_names["key vault"]
        assert KEY_VAULT_REST.fullmatch(kv) and names.KEY_VAULT_RE.fullmatch(kv), kv
        assert kv.startswith("kv-borsetsh-p"), "still readable: council, tier"
        assert names.DNS_LABEL_RE.fullmatch(plan_names["recovery vault"]) and len(plan_names["recovery vault"]) <= 50
        assert len(plan_names["backup group"]) <= 90
    # The exports follow the draw (the destroy prompt reads them).
    assert second.outputs["key_vault"] == two["key vault"]
    assert second.outputs["backup_vault"] == two["recovery vault"]
    assert second.outputs["backup_resource_group"] == two["backup group"]
    # Both incarnations pass the cloud's provider and API rules (stacks/azure/deployability.py).
    from councilkit.stacks.deployability import check

    assert check(first, AZURE) == [] and check(second, AZURE) == []
    # Names freed at once on delete stay as they were (storage account, stack's group).
    assert first.outputs["storage_account"] == second.outputs["storage_account"]
    assert first.outputs["resource_group"] == second.outputs["resource_group"]


def test_a_trial_key_vault_is_named_per_incarnation_too(monkeypatch):
    d, first = planned("nextcloud", "azure", "trial", **COUNCIL)
    second = second_incarnation(monkeypatch, d)
    assert first.one(KEY_VAULT).inputs["vaultName"] != second.one(KEY_VAULT).inputs["vaultName"]
    assert not first.of_type(RECOVERY_VAULT), "a trial has no backup vault"


hexes = st.text("0123456789abcdef", min_size=2 * azure_settings.INCARNATION_SUFFIX_BYTES,
                max_size=2 * azure_settings.INCARNATION_SUFFIX_BYTES)
councils = st.from_regex(COUNCIL_RE, fullmatch=True).map(str.strip).filter(lambda s: COUNCIL_RE.match(s))
BASE = {tier: build_deployment("nextcloud", cloud="azure", tier=tier) for tier in ("trial", "production")}


@settings(max_examples=300, deadline=None)
@given(councils, st.sampled_from(sorted(BASE)), hexes)
def test_per_incarnation_names_are_valid_for_any_council_and_any_draw(council, tier, suffix):
    import dataclasses

    d = dataclasses.replace(BASE[tier], council=council)
    kv = names.key_vault(d, suffix)
    assert KEY_VAULT_REST.fullmatch(kv) and names.KEY_VAULT_RE.fullmatch(kv) and kv.endswith(suffix), kv
    rsv = names.recovery_vault(d, suffix)
    assert names.DNS_LABEL_RE.fullmatch(rsv) and len(rsv) <= 50 and rsv.endswith(suffix), rsv
    group = names.backup_group(d, suffix)
    assert 1 <= len(group) <= 90 and re.fullmatch(r"[-\w._()]+", group) and not group.endswith("."), group


# --- nothing a destroy leaves behind has a name the same answers would give again -------------


def collisions(plan) -> list[str]:
    """Resources that outlive a destroy on Azure (retained ones, and the Key Vault, which is
    soft-deleted with its name reserved) must take their name from a RandomId of the stack."""
    found = []
    random_ids = {r.urn for r in plan.of_type(RANDOM_ID)}
    outliving = [r for r in plan.resources if r.custom and (r.retain_on_delete or r.type == KEY_VAULT)]
    for r in outliving:
        key = next((k for k in ("vaultName", "resourceGroupName") if k in r.inputs), None)
        if key is None:
            found.append(f"{r.type} {r.name} outlives a destroy with no name to check")
        elif not set(r.property_dependencies.get(key, [])) & random_ids:
            found.append(f"{r.type} {r.name} outlives a destroy under the fixed name {r.inputs[key]}")
    return found


@pytest.mark.parametrize("tier", ["trial", "production"])
def test_nothing_an_azure_destroy_leaves_behind_has_a_fixed_name(tier):
    _, plan = planned("nextcloud", "azure", tier, **COUNCIL)
    assert collisions(plan) == []
    retained = {r.type for r in plan.resources if r.retain_on_delete}
    assert retained == ({RECOVERY_VAULT, GROUP} if tier == "production" else set())


def test_the_collision_check_catches_a_planted_fixed_name():
    _, plan = planned("nextcloud", "azure", "production", **COUNCIL)
    bad = copy.deepcopy(plan)
    vault = bad.one(KEY_VAULT)
    vault.inputs["vaultName"] = "kv-borsetshire"
    vault.property_dependencies.pop("vaultName", None)
    bad.one(RECOVERY_VAULT).property_dependencies["vaultName"] = []
    found = collisions(bad)
    assert any("fixed name kv-borsetshire" in f for f in found)
    assert any(RECOVERY_VAULT in f for f in found)


# --- the destroy prompt and record -----------------------------------------------------------


@pytest.fixture
def azure_production(tmp_path, monkeypatch):
    monkeypatch.setenv("ARM_CLIENT_ID", "00000000-0000-0000-0000-000000000001")
    return new_stack("nextcloud", cloud="azure", tier="production", **COUNCIL, folder=str(tmp_path / "p")).path


def deployed_azure(world, outputs=None):
    _, plan = planned("nextcloud", "azure", "production", **COUNCIL)
    world.state = [(r.urn, r.type, r.retain_on_delete) for r in plan.resources if r.custom]
    world.outputs = dict(plan.outputs if outputs is None else outputs)
    return plan


def test_the_production_prompt_names_the_kept_vaults_from_the_outputs(calls, world, azure_production, capsys):
    plan = deployed_azure(world)
    code, _, err = run_main(["destroy", str(azure_production)], capsys, "no\n")
    assert code == 2 and "nothing was destroyed" in err
    assert f"  - Key Vault (soft-deleted, purge protection on): {plan.outputs['key_vault']}; 90 days after " \
           "the destroy, its name reserved until then; no one can purge it sooner" in err
    assert ("  - Recovery Services vault (in its own resource group) and any soft-deleted file-share backup "
            f"items: {plan.outputs['backup_vault']}; soft-deleted items 14 days") in err
    assert [c[0] for c in calls] == ["select_stack", "outputs"], "only the outputs were read"


def test_the_production_record_lists_the_kept_vaults_with_the_commands_in_order(calls, world, azure_production,
                                                                               capsys):
    plan = deployed_azure(world)
    code, out, err = run_main(["destroy", str(azure_production), "--yes"], capsys)
    assert code == 0, err
    rec = record(azure_production)
    kept = {k["what"]: k for k in rec["kept"]}
    assert list(kept) == ["Key Vault (soft-deleted, purge protection on)",
                          "Recovery Services vault (in its own resource group) and any soft-deleted file-share "
                          "backup items"]
    vault, group = plan.outputs["backup_vault"], plan.outputs["backup_resource_group"]
    steps = [shlex.split(c)[:4] for c in list(kept.values())[1]["delete"]]
    assert steps == [["az", "backup", "vault", "backup-properties"], ["az", "backup", "item", "list"],
                     ["az", "backup", "protection", "undelete"], ["az", "backup", "protection", "disable"],
                     ["az", "backup", "vault", "delete"], ["az", "group", "delete", "--name"]]
    assert list(kept.values())[1]["delete"][-2] == f"az backup vault delete --name {vault} --resource-group {group} --yes"
    # Pulumi forgot the retained vault and its group: the record does not call them deleted.
    deleted = {(r["type"], r["name"]) for r in rec["deleted"]}
    assert (RECOVERY_VAULT, "backup-vault") not in deleted and (GROUP, "backup-group") not in deleted
    shares = {r.name for r in plan.of_type("azure-native:recoveryservices:ProtectedItem")}
    assert shares and {(("azure-native:recoveryservices:ProtectedItem", s)) for s in shares} <= deleted, \
        "protection stops: Pulumi deletes each protected item"
    assert ("azure-native:recoveryservices:ProtectionContainer", "backup-account") in deleted, "unregistered"
    assert (GROUP, "resource-group") in deleted, "the stack's own group goes"
    assert "2 kept" in out
    md = (azure_production / "RETIRED.md").read_text()
    assert "az backup vault backup-properties set" in md and vault in md


def test_delete_backups_says_what_it_also_deletes_and_keeps_only_the_key_vault(calls, world, azure_production,
                                                                              capsys):
    plan = deployed_azure(world)
    code, _, err = run_main(["destroy", str(azure_production), "--delete-backups", "--yes"], capsys)
    assert code == 0, err
    assert ("--delete-backups: also deleted, for good: Recovery Services vault (in its own resource group) and "
            "any soft-deleted file-share backup items.") in err
    [targets] = [c[1] for c in calls if c[0] == "up"]
    assert {u.rsplit("::", 1)[-1] for u in targets} == {"backup-vault", "backup-group", "resource-group"}
    assert ("set_config", "councilkit:delete-backups", "true") in calls
    rec = record(azure_production)
    assert [k["what"] for k in rec["kept"]] == ["Key Vault (soft-deleted, purge protection on)"]
    assert rec["delete_backups"] is True


def test_an_older_stack_without_the_outputs_is_described_not_guessed():
    d = build_deployment("nextcloud", cloud="azure", tier="production", **COUNCIL)
    kv, rsv = AZURE.destroy_keeps(d, {}, False)
    assert "not in the stack's outputs" in kv.identifier and "az keyvault list-deleted" in kv.identifier
    assert rsv.identifier.startswith("<VAULT_NAME> (not in the stack's outputs")
    assert all("<VAULT_NAME>" in c or "group delete" in c for c in rsv.delete)


def test_every_kept_identifier_comes_from_what_the_stack_exports():
    d, plan = planned("nextcloud", "azure", "production", **COUNCIL)
    kept = AZURE.destroy_keeps(d, plan.outputs, False)
    assert [k.identifier for k in kept if "<" in k.identifier or "not in" in k.identifier] == []
    assert [c for k in kept for c in k.delete if "<" in c and "<EACH_ITEM_LISTED>" not in c] == []
    assert AZURE.destroy_keeps(d, plan.outputs, True) == kept[:1], "--delete-backups keeps the Key Vault only"
    trial, tplan = planned("nextcloud", "azure", "trial", **COUNCIL)
    assert [k.what for k in AZURE.destroy_keeps(trial, tplan.outputs, False)] == [kept[0].what]


# --- the az commands are real ------------------------------------------------------------------

# From Azure/azure-cli src/azure-cli/azure/cli/command_modules/backup: commands.py (the command
# table; `confirmation=True` adds --yes) and _params.py (each command's arguments and enums),
# plus the core arguments every command takes (--resource-group, --query, --output).
# `az group delete` is azure-cli's resource module (`--name`, `--yes`).
CORE = {"--resource-group", "--query", "--output"}
AZ = {
    ("backup", "vault", "backup-properties", "set"): {
        "flags": {"--name", "--backup-storage-redundancy", "--soft-delete-feature-state",
                  "--cross-region-restore-flag", "--hybrid-backup-security-features"},
        "enums": {"--soft-delete-feature-state": {"Enable", "Disable"}}},
    ("backup", "item", "list"): {
        "flags": {"--vault-name", "--container-name", "--backup-management-type", "--workload-type",
                  "--use-secondary-region"},
        "enums": {"--backup-management-type": {"AzureIaasVM", "AzureStorage", "AzureWorkload", "MAB"},
                  "--workload-type": {"VM", "AzureFileShare", "SAPHANA", "MSSQL", "SAPHanaDatabase", "SQLDataBase"}}},
    ("backup", "protection", "undelete"): {
        "flags": {"--vault-name", "--container-name", "--item-name", "--backup-management-type", "--workload-type"},
        "enums": {"--backup-management-type": {"AzureIaasVM", "AzureStorage", "AzureWorkload"}}},
    ("backup", "protection", "disable"): {
        "flags": {"--vault-name", "--container-name", "--item-name", "--backup-management-type", "--workload-type",
                  "--delete-backup-data", "--yes"},
        "enums": {"--delete-backup-data": {"true", "false"}}},
    ("backup", "vault", "delete"): {"flags": {"--name", "--force", "--yes"}, "enums": {}},
    ("group", "delete"): {"flags": {"--name", "--yes", "--no-wait", "--force-deletion-types"}, "enums": {}},
}


def az_problems(command: str) -> list[str]:
    """What is wrong with an `az` command line, judged by the azure-cli tables above."""
    words = shlex.split(command)
    if words[:1] != ["az"]:
        return [f"not an az command: {command}"]
    spec = next(((k, v) for k, v in AZ.items() if tuple(words[1:1 + len(k)]) == k), None)
    if spec is None:
        return [f"no command az {' '.join(words[1:4])}"]
    key, table = spec
    rest = words[1 + len(key):]
    flags = {w: (rest[i + 1] if i + 1 < len(rest) and not rest[i + 1].startswith("--") else None)
             for i, w in enumerate(rest) if w.startswith("--")}
    problems = [f"{' '.join(key)}: no parameter {f}" for f in sorted(set(flags) - table["flags"] - CORE)]
    problems += [f"{' '.join(key)}: {f} {flags[f]} is not one of {sorted(allowed)}"
                 for f, allowed in table["enums"].items() if f in flags and flags[f] not in allowed]
    return problems


@pytest.mark.parametrize("outputs", ["planned", "none"])
def test_every_az_command_in_the_record_is_a_real_command_with_real_flags(outputs):
    d, plan = planned("nextcloud", "azure", "production", **COUNCIL)
    kept = AZURE.destroy_keeps(d, plan.outputs if outputs == "planned" else {}, False)
    commands = [c for k in kept for c in k.delete]
    assert len(commands) == 6
    assert [p for c in commands for p in az_problems(c)] == []


@pytest.mark.parametrize("bad, caught", [
    ("az backup vault backup-properties set --name v --soft-delete-feature-state Disabled", "not one of"),
    ("az backup protection delete --vault-name v", "no command"),
    ("az backup protection disable --vault-name v --delete-data true", "no parameter --delete-data"),
    ("az backup vault delete --vault-name v --yes", "no parameter --vault-name"),
])
def test_the_az_check_catches_a_planted_mistake(bad, caught):
    assert any(caught in p for p in az_problems(bad)), az_problems(bad)


# --- the program's --delete-backups transformation, under Pulumi's mocks ----------------------


def _program_plan(folder, extra):
    import pulumi.runtime
    import yaml

    from councilkit.stacks import program

    config = yaml.safe_load((folder / f"Pulumi.{PROD}.yaml").read_text())["config"]
    pulumi.runtime.set_all_config({**config, **extra})
    try:
        return offline.run_offline(lambda: program.run(folder), PROD)
    finally:
        pulumi.runtime.set_all_config({})


def test_delete_backups_turns_soft_delete_off_and_lifts_retain_on_exactly_the_backup_resources(azure_production):
    keep = _program_plan(azure_production, {"councilkit:release-protection": "true"})
    drop = _program_plan(azure_production, {"councilkit:release-protection": "true",
                                            "councilkit:delete-backups": "true"})
    soft = "properties", "securitySettings", "softDeleteSettings", "softDeleteState"

    def state(plan):
        value = plan.one(RECOVERY_VAULT).inputs
        for key in soft:
            value = value[key]
        return value

    assert state(keep) == "Enabled" and state(drop) == "Disabled"
    # The rest of the vault's settings survive the replacement of `properties`.
    kept_props, dropped_props = (p.one(RECOVERY_VAULT).inputs["properties"] for p in (keep, drop))
    assert {k: v for k, v in kept_props.items() if k != "securitySettings"} == \
           {k: v for k, v in dropped_props.items() if k != "securitySettings"}
    assert kept_props["redundancySettings"] == {"standardTierStorageRedundancy": "GeoRedundant",
                                                "crossRegionRestore": "Enabled"}
    before, after = ({r.urn: r for r in plan.resources} for plan in (keep, drop))
    assert sorted(before) == sorted(after)
    changed_inputs = {a.name for urn, a in before.items() if a.inputs != after[urn].inputs}
    changed_retain = {a.name for urn, a in before.items() if a.retain_on_delete != after[urn].retain_on_delete}
    assert changed_inputs == {"backup-vault"}
    assert changed_retain == {"backup-vault", "backup-group"}
    assert all(not r.retain_on_delete for r in drop.resources), "nothing is retained with --delete-backups"


def test_the_vault_cannot_be_made_always_on_by_mistake():
    """AlwaysON could never be turned off again, and --delete-backups would then fail."""
    assert azure_settings.recovery_vault_properties("Enabled")["security_settings"]["soft_delete_settings"][
        "soft_delete_state"] == "Enabled"
    _, plan = planned("nextcloud", "azure", "production", **COUNCIL)
    assert plan.one(RECOVERY_VAULT).inputs["properties"]["securitySettings"]["softDeleteSettings"] == {
        "softDeleteState": "Enabled", "softDeleteRetentionPeriodInDays": azure_settings.BACKUP_SOFT_DELETE_DAYS}


def test_the_runbook_says_what_a_production_destroy_keeps_and_names_the_outputs(azure_production):
    runbook = (azure_production / "RUNBOOK.md").read_text()
    destroy = runbook[runbook.index("## Destroy"):runbook.index("## Files in this folder")]
    _, plan = planned("nextcloud", "azure", "production", **COUNCIL)
    for output in ("key_vault", "backup_vault", "backup_resource_group"):
        assert f"`{output}`" in destroy and output in plan.outputs, output
    assert "snapshots inside its storage account, deleted with it" in " ".join(destroy.split())
    assert "--delete-backups" in destroy and "90 days" in destroy
