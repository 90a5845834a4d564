"""Azure restore points: Flexible Server backups and Azure Backup recovery points, through a fake `az`.

The fake answers `az rest` with bodies shaped as azure-rest-api-specs' own examples
(PostgreSQL 2024-08-01 ServerGet.json / BackupListByServer.json, MySQL 2023-12-30
BackupPut.json, Recovery Services 2024-04-01 RecoveryPoints_List.json) and refuses any URL or
api-version the adapter was not expected to ask, so a wrong path or version fails here.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import planned

from councilkit.blueprints.errors import UserError
from councilkit.stacks.azure import backups, names
from councilkit.stacks.cloud import CLOUDS
from councilkit.stacks.restore_points import AUTOMATED, DATABASE, DATABASE_VM, FILES, ON_DEMAND, VAULT

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
SUB = "/subscriptions/{subscriptionId}"


class FakeAz:
    """`az` as subprocess.run sees it: answers by (method, url); records every call."""

    def __init__(self):
        self.answers: dict[tuple[str, str], list] = {}
        self.calls: list[list[str]] = []

    def on(self, method: str, url: str, *bodies):
        self.answers.setdefault((method, url), []).extend(bodies)

    def __call__(self, argv, capture_output=True, text=True, timeout=None):
        self.calls.append(argv)
        if argv[:3] == ["az", "account", "show"]:
            key = ("account", "show")
        else:
            assert argv[:2] == ["az", "rest"] and argv[2] == "--method" and argv[4] == "--url", argv
            key = (argv[3], argv[5])
        queue = self.answers.get(key)
        if not queue:
            return subprocess.CompletedProcess(argv, 1, "", f"ERROR: (NotFound) no answer for {key}")
        body = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(body, Exception):
            return subprocess.CompletedProcess(argv, 1, "", str(body))
        return subprocess.CompletedProcess(argv, 0, json.dumps(body) if body is not None else "", "")

    def bodies(self, method: str) -> list[dict]:
        return [json.loads(c[c.index("--body") + 1]) for c in self.calls if c[:4] == ["az", "rest", "--method", method]
                and "--body" in c]


@pytest.fixture
def az(monkeypatch):
    fake = FakeAz()
    monkeypatch.setattr(backups, "RUN", fake)
    monkeypatch.setattr(backups.shutil, "which", lambda name: "/usr/bin/az")
    return fake


def server_url(d, outputs, engine="postgres"):
    provider = {"postgres": "Microsoft.DBforPostgreSQL", "mysql": "Microsoft.DBforMySQL"}[engine]
    return f"{SUB}/resourceGroups/{outputs['resource_group']}/providers/{provider}/flexibleServers/{outputs['database_server']}"


def vault_url(outputs):
    return (f"{SUB}/resourceGroups/{outputs['backup_resource_group']}/providers/Microsoft.RecoveryServices/vaults/"
            f"{outputs['backup_vault']}")


def share_item(outputs, share="data"):
    container = f"StorageContainer;storage;{outputs['resource_group']};{outputs['storage_account']}"
    return {"id": f"{vault_url(outputs).replace('{subscriptionId}', '0000')}/backupFabrics/Azure/protectionContainers/"
                  f"{container}/protectedItems/AzureFileShare;{share}",
            "name": f"AzureFileShare;{share}",
            "properties": {"protectedItemType": "AzureFileShareProtectedItem", "friendlyName": share,
                           "workloadType": "AzureFileShare"}}


def postgres_server(name, retention=14):
    return {"name": name, "properties": {"backup": {"backupRetentionDays": retention, "geoRedundantBackup": "Enabled",
                                                    "earliestRestoreDate": "2026-11-11T09:05:22.1234567Z"}}}


def test_the_stack_exports_the_flexible_servers_name_as_the_database_module_names_it():
    d, plan = planned("nextcloud", "azure", "production")
    assert plan.outputs["database_server"] == names.dns_label(d, "psql")
    d, plan = planned("localgov-drupal", "azure", "trial")
    assert plan.outputs["database_server"] == names.dns_label(d, "mysql")
    _, plan = planned("erpnext", "azure", "production")
    assert "database_server" not in plan.outputs, "a self-managed database has no flexible server"


def test_production_lists_the_servers_backups_its_window_and_the_shares_recovery_points(az):
    d, plan = planned("nextcloud", "azure", "production")
    outputs = dict(plan.outputs)
    server = server_url(d, outputs)
    az.on("get", f"{server}?api-version=2024-08-01", postgres_server(outputs["database_server"]))
    az.on("get", f"{server}/backups?api-version=2024-08-01", {"value": [
        {"name": "daily_20261124T160516", "properties": {"backupType": "Full", "source": "Automatic",
                                                         "completedTime": "2026-11-24T16:05:19.902522+00:00"}},
        {"name": "before-upgrade-20261120T100000", "properties": {"backupType": "Customer On-Demand",
                                                                  "completedTime": "2026-11-20T10:04:00+00:00"}},
    ]})
    item = share_item(outputs)
    az.on("get", f"{vault_url(outputs)}/backupProtectedItems?api-version=2024-04-01", {"value": [item]})
    az.on("get", f"{item['id']}/recoveryPoints?api-version=2024-04-01", {"value": [
        {"name": "22244821112382", "properties": {"objectType": "AzureFileShareRecoveryPoint",
                                                  "recoveryPointType": "FileSystemConsistent",
                                                  "recoveryPointTime": "2026-11-25T02:10:25.4353958Z",
                                                  "recoveryPointSizeInGB": 4}}],
        "nextLink": None})
    found = CLOUDS["azure"].restore_points(d, outputs)
    assert found.notes == []
    assert [(w.what, w.source, w.earliest, w.latest) for w in found.windows] == [
        (DATABASE, outputs["database_server"], datetime(2026, 11, 11, 9, 5, 22, 123456, tzinfo=timezone.utc), None)]
    by_id = {p.id: p for p in found.points}
    daily = by_id["daily_20261124T160516"]
    assert (daily.kind, daily.expires, daily.outlives_stack) == (
        AUTOMATED, datetime(2026, 11, 24, 16, 5, 19, 902522, tzinfo=timezone.utc) + timedelta(days=14), "")
    assert (by_id["before-upgrade-20261120T100000"].kind, by_id["before-upgrade-20261120T100000"].expires) == (ON_DEMAND, None)
    share = by_id["22244821112382"]
    assert (share.what, share.source, share.size_bytes, share.outlives_stack) == (FILES, "data", 4 * 10 ** 9, VAULT)
    assert share.expires == datetime(2026, 11, 25, 2, 10, 25, 435395, tzinfo=timezone.utc) + timedelta(days=30)


def test_a_trial_lists_the_servers_backups_and_says_it_has_no_vault(az):
    d, plan = planned("nextcloud", "azure", "trial")
    outputs = dict(plan.outputs)
    server = server_url(d, outputs)
    az.on("get", f"{server}?api-version=2024-08-01", postgres_server(outputs["database_server"], 7))
    az.on("get", f"{server}/backups?api-version=2024-08-01", {"value": []})
    found = CLOUDS["azure"].restore_points(d, outputs)
    assert found.windows and found.points == []
    assert found.notes == ["a trial has no Recovery Services vault: no files restore points are listed"]


def test_taking_one_puts_a_server_backup_and_triggers_each_vault_item(az, monkeypatch):
    d, plan = planned("nextcloud", "azure", "production")
    outputs = dict(plan.outputs)
    monkeypatch.setattr(backups.CLOCK, "now", lambda: NOW)
    server = server_url(d, outputs)
    az.on("put", f"{server}/backups/before-upgrade-20261125T090000?api-version=2024-08-01", None)  # 202, no body
    item = share_item(outputs)
    az.on("get", f"{vault_url(outputs)}/backupProtectedItems?api-version=2024-04-01", {"value": [item]})
    az.on("post", f"{item['id']}/backup?api-version=2024-04-01", None)
    found = CLOUDS["azure"].take_restore_point(d, outputs, "before-upgrade")
    db, share = found.points
    assert (db.what, db.id, db.kind, db.status) == (DATABASE, "before-upgrade-20261125T090000", ON_DEMAND, "creating")
    assert (share.what, share.source, share.expires) == (FILES, "data", NOW + timedelta(days=30))
    assert az.bodies("post") == [{"properties": {"objectType": "AzureFileShareBackupRequest",
                                                 "recoveryPointExpiryTimeInUTC": "2026-12-25T09:00:00Z"}}]


def test_mysql_backups_use_the_mysql_provider_and_its_api_version(az, monkeypatch):
    d, plan = planned("localgov-drupal", "azure", "trial")
    outputs = dict(plan.outputs)
    monkeypatch.setattr(backups.CLOCK, "now", lambda: NOW)
    server = server_url(d, outputs, "mysql")
    az.on("put", f"{server}/backups/manual-20261125T090000?api-version=2023-12-30", {
        "name": "customer_20261125t090001_bb392c3b_manual",
        "properties": {"backupType": "FULL", "source": "Automatic", "completedTime": "2026-11-25T09:00:31.1498043+00:00"}})
    found = CLOUDS["azure"].take_restore_point(d, outputs, "manual")
    assert [(p.id, p.status) for p in found.points] == [("customer_20261125t090001_bb392c3b_manual", "completed")]
    assert found.notes == ["files: not backed up on demand: a trial has no Recovery Services vault"]


def test_a_self_managed_databases_vm_is_backed_up_with_an_iaas_vm_request(az, monkeypatch):
    d, plan = planned("erpnext", "azure", "production")
    outputs = dict(plan.outputs)
    monkeypatch.setattr(backups.CLOCK, "now", lambda: NOW)
    vm = {"id": f"{vault_url(outputs)}/backupFabrics/Azure/protectionContainers/iaasvmcontainer;x/protectedItems/vm;x",
          "name": "vm;x", "properties": {"protectedItemType": "Microsoft.Compute/virtualMachines",
                                         "friendlyName": outputs["database_vm"], "workloadType": "VM"}}
    az.on("get", f"{vault_url(outputs)}/backupProtectedItems?api-version=2024-04-01", {"value": [vm, share_item(outputs)]})
    az.on("post", f"{vm['id']}/backup?api-version=2024-04-01", None)
    az.on("post", f"{share_item(outputs)['id']}/backup?api-version=2024-04-01", None)
    found = CLOUDS["azure"].take_restore_point(d, outputs, "x")
    assert [(p.what, p.source) for p in found.points] == [(DATABASE_VM, outputs["database_vm"]), (FILES, "data")]
    assert [b["properties"]["objectType"] for b in az.bodies("post")] == ["IaasVMBackupRequest",
                                                                        "AzureFileShareBackupRequest"]
    assert not [c for c in az.calls if "flexibleServers" in " ".join(c)], "no flexible server to ask"


def test_wait_returns_the_recovery_point_the_trigger_made(az):
    d, plan = planned("erpnext", "azure", "production")
    outputs = dict(plan.outputs)
    slept: list = []
    clock = backups.Clock(now=lambda: NOW, sleep=slept.append)
    item = share_item(outputs)
    az.on("get", f"{vault_url(outputs)}/backupProtectedItems?api-version=2024-04-01", {"value": [item]})
    az.on("post", f"{item['id']}/backup?api-version=2024-04-01", None)
    old = {"name": "1", "properties": {"recoveryPointTime": "2026-11-24T02:00:00Z", "recoveryPointSizeInGB": 3}}
    new = {"name": "2", "properties": {"recoveryPointTime": "2026-11-25T09:03:00Z", "recoveryPointSizeInGB": 3}}
    az.on("get", f"{item['id']}/recoveryPoints?api-version=2024-04-01", {"value": [old]}, {"value": [old, new]})
    found = backups.take_restore_point(d, outputs, "x", wait=True, clock=clock)
    assert [(p.id, p.kind, p.label) for p in found.points] == [("2", ON_DEMAND, "x")]
    assert slept == [backups.POLL_SECONDS]


def test_no_az_and_a_signed_out_az_are_each_one_line(az, monkeypatch):
    d, plan = planned("nextcloud", "azure", "trial")
    az.on("get", f"{server_url(d, plan.outputs)}?api-version=2024-08-01",
          RuntimeError("ERROR: Please run 'az login' to setup account."))
    with pytest.raises(UserError, match=r"failed: the Azure CLI is not signed in \(run `az login`\)$"):
        CLOUDS["azure"].restore_points(d, plan.outputs)
    monkeypatch.setattr(backups.shutil, "which", lambda name: None)
    with pytest.raises(UserError, match="^the Azure CLI \\(az\\) is not installed"):
        CLOUDS["azure"].restore_points(d, plan.outputs)


def test_whoami_names_the_signed_in_principal_its_tenant_and_subscription(az):
    d, plan = planned("nextcloud", "azure", "trial")
    az.on("account", "show", {"id": "1111-2222", "tenantId": "tttt-0000", "user": {"name": "jo.bloggs@borsetshire.gov.uk",
                                                                                 "type": "user"}})
    assert CLOUDS["azure"].whoami(d, plan.outputs) == ("user jo.bloggs@borsetshire.gov.uk (tenant tttt-0000, "
                                                       "subscription 1111-2222)")


@given(label=st.text(max_size=200))
def test_any_label_makes_a_backup_name_flexible_server_accepts(label):
    """BackupNameParameter pattern `^[-\\w\\._]+$` (Backups.json, both engines)."""
    assert re.fullmatch(r"[-\w._]+", backups.backup_name(label, NOW), flags=re.ASCII)
