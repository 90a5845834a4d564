"""The deletion certificate `destroy` leaves: what an information-governance officer files.

A recording Automation API emits the engine's delete events (with the cloud ids) for the planned
stack; AWS answers `sts get-caller-identity` and the restore-point listing through botocore
Stubbers; Azure through a fake `az`. The tests read the files a user would open.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from datetime import datetime, timedelta, timezone

import botocore.session
import pytest
from botocore.stub import Stubber

from helpers import planned, run_main

from councilkit.blueprints.deployment import build_deployment
from councilkit.cli import automation, deletion_certificate, retire
from councilkit.cli.newstack import new_stack
from councilkit.stacks.aws import backups as aws_backups
from councilkit.stacks.azure import backups as azure_backups
from councilkit.stacks.cloud import CLOUDS

COUNCIL = dict(council="Borsetshire County Council", domain="files.borsetshire.gov.uk",
               contact="it@borsetshire.gov.uk")
PROD = "borsetshire-county-council-nextcloud-production"
ARN = "arn:aws:sts::123456789012:assumed-role/CouncilAdmin/jo.bloggs@borsetshire.gov.uk"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


class FakeStack:
    def __init__(self, world):
        self.world = world

    def outputs(self):
        from pulumi.automation import OutputValue

        return {k: OutputValue(v, False) for k, v in self.world["outputs"].items()}

    def export_stack(self):
        from pulumi.automation import Deployment

        return Deployment(version=3, deployment={"resources": [{"urn": u} for u, *_ in self.world["state"]]})

    def set_config(self, key, value, path=False):
        pass

    def remove_config(self, key, path=False):
        pass

    def up(self, **kwargs):
        pass

    def destroy(self, on_event=None, **kwargs):
        from pulumi.automation import (EngineEvent, OpType, ResOutputsEvent, StepEventMetadata,
                                       StepEventStateMetadata)

        if self.world.get("fail"):
            raise self.world["fail"]
        for i, (urn, type_, retain, ident) in enumerate(reversed(self.world["state"])):
            old = StepEventStateMetadata(type=type_, urn=urn, id=ident, parent="", provider="", custom=True,
                                         retain_on_delete=retain)
            meta = StepEventMetadata(op=OpType.DELETE, urn=urn, type=type_, provider="", old=old)
            on_event(EngineEvent(sequence=i, timestamp=0, res_outputs_event=ResOutputsEvent(metadata=meta)))


@pytest.fixture
def world(monkeypatch, tmp_path):
    import pulumi.automation as auto

    held: dict = {}
    monkeypatch.setattr(auto, "select_stack", lambda stack_name, work_dir=None, opts=None, **kw: FakeStack(held))
    monkeypatch.setattr(automation.shutil, "which", lambda name: "/opt/pulumi/bin/pulumi")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    return held


def deploy(world, tmp_path, cloud="aws", tier="production"):
    folder = new_stack("nextcloud", cloud=cloud, tier=tier, **COUNCIL, folder=str(tmp_path / f"{cloud}-{tier}")).path
    _, plan = planned("nextcloud", cloud, tier, **COUNCIL)
    world["state"] = [(r.urn, r.type, r.retain_on_delete, f"id-of-{r.name}") for r in plan.resources if r.custom]
    world["outputs"] = dict(plan.outputs)
    return folder, world["outputs"], plan


@pytest.fixture
def aws(monkeypatch):
    made = {}
    for service in ("sts", "rds", "backup"):
        client = botocore.session.get_session().create_client(
            service, region_name="eu-west-2", aws_access_key_id="t", aws_secret_access_key="t")
        made[service] = (client, Stubber(client))
        made[service][1].activate()
    monkeypatch.setattr(aws_backups, "client", lambda service, region: made[service][0])
    monkeypatch.setenv("AWS_PROFILE", "council")  # after the clients: the credentials check sees it
    return {k: s for k, (_, s) in made.items()}


def answer_before_destroy(aws, outputs, identity=True):
    if identity:
        aws["sts"].add_response("get_caller_identity", {"Arn": ARN, "Account": "123456789012", "UserId": "AROA:jo"})
    else:
        aws["sts"].add_client_error("get_caller_identity", "ExpiredToken", "The security token included in the request is expired")
    instance = outputs["database_instance"]
    aws["rds"].add_response("describe_db_instance_automated_backups", {"DBInstanceAutomatedBackups": [
        {"BackupRetentionPeriod": 14, "RestoreWindow": {"EarliestTime": NOW - timedelta(days=14), "LatestTime": NOW}}]})
    aws["rds"].add_response("describe_db_snapshots", {"DBSnapshots": [
        {"DBSnapshotIdentifier": f"rds:{instance}-2026-11-24-01-05", "SnapshotType": "automated",
         "SnapshotCreateTime": NOW - timedelta(hours=32)},
        {"DBSnapshotIdentifier": f"{instance}-before-upgrade-20261101-120000", "SnapshotType": "manual",
         "SnapshotCreateTime": datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)}]})
    aws["backup"].add_response("list_recovery_points_by_backup_vault", {"RecoveryPoints": [
        {"RecoveryPointArn": "arn:aws:backup:eu-west-2:123456789012:recovery-point:efs-1", "ResourceType": "EFS",
         "ResourceArn": outputs["file_system_arn"], "CreationDate": datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc),
         "CreatedBy": {"BackupPlanId": "p"},
         "CalculatedLifecycle": {"DeleteAt": datetime(2026, 12, 30, 2, 0, tzinfo=timezone.utc)}}]})


def destroy(folder, capsys, *extra):
    return run_main(["destroy", str(folder), "--yes", *extra], capsys)


def test_a_production_destroy_leaves_a_certificate_naming_who_what_and_what_stays(world, aws, tmp_path, capsys):
    folder, outputs, plan = deploy(world, tmp_path)
    answer_before_destroy(aws, outputs)
    code, out, err = destroy(folder, capsys)
    assert code == 0, err
    cert = folder / deletion_certificate.NAME
    assert f"deletion certificate: {cert} (print it for the records)" in out
    page = cert.read_text()
    assert f"<title>Certificate of deletion: {PROD}</title>" in page
    assert f"<code>{ARN}</code>" in page and "Borsetshire County Council" in page
    rec = json.loads((folder / retire.MACHINE).read_text())
    assert rec["deleted_by"] == ARN
    assert f"<strong>{rec['retired_at']}</strong>" in page
    # every deleted resource, with the id the engine reported
    deleted = [r for r in plan.resources if r.custom and not r.type.startswith("pulumi:") and not r.retain_on_delete]
    assert len(rec["deleted"]) == len(deleted) and all(r["id"] == f"id-of-{r['name']}" for r in rec["deleted"])
    assert page.count("id-of-") == len(deleted)
    # what stays, and where: the final snapshot, the vault, and the restore points left in the cloud
    assert outputs["final_snapshot"] in page and outputs["backup_vault"] in page
    assert "arn:aws:backup:eu-west-2:123456789012:recovery-point:efs-1" in page and "2026-12-30T02:00:00Z" in page
    manual = f"{outputs['database_instance']}-before-upgrade-20261101-120000"
    assert manual in page and "kept until deleted" in page
    assert f"rds:{outputs['database_instance']}-2026-11-24-01-05" not in page, "automated snapshots go with the instance"
    assert [p["id"] for p in rec["retained_restore_points"]] == [
        manual, "arn:aws:backup:eu-west-2:123456789012:recovery-point:efs-1"]


def test_the_certificate_prints_the_sha256_of_the_record_as_written(world, aws, tmp_path, capsys):
    folder, outputs, _ = deploy(world, tmp_path)
    answer_before_destroy(aws, outputs)
    assert destroy(folder, capsys)[0] == 0
    digest = hashlib.sha256((folder / retire.MACHINE).read_bytes()).hexdigest()
    page = (folder / deletion_certificate.NAME).read_text()
    assert f'<p class="hash">{digest}</p>' in page
    assert "sha256sum retired.json" in page


def test_the_certificate_is_one_printable_self_contained_page(world, aws, tmp_path, capsys):
    folder, outputs, _ = deploy(world, tmp_path)
    answer_before_destroy(aws, outputs)
    assert destroy(folder, capsys)[0] == 0
    page = (folder / deletion_certificate.NAME).read_text()
    assert page.startswith("<!DOCTYPE html>") and "@media print" in page and "@page { size: A4" in page
    assert not re.search(r"<script|<link|<img|src=|@import|url\(", page, re.I), "nothing fetched from elsewhere"
    assert "<th>Signature</th>" in page


def test_with_delete_backups_only_the_manual_snapshot_is_left_and_the_page_says_backups_went_too(
        world, aws, tmp_path, capsys):
    folder, outputs, _ = deploy(world, tmp_path)
    answer_before_destroy(aws, outputs)
    code, _, err = destroy(folder, capsys, "--delete-backups")
    assert code == 0, err
    rec = json.loads((folder / retire.MACHINE).read_text())
    assert [p["kind"] for p in rec["retained_restore_points"]] == ["manual"]
    page = (folder / deletion_certificate.NAME).read_text()
    assert "deleted too, at the council's request" in page and "recovery-point:efs-1" not in page


def test_an_identity_the_cloud_will_not_tell_is_recorded_as_not_recorded_with_why(world, aws, tmp_path, capsys):
    folder, outputs, _ = deploy(world, tmp_path)
    answer_before_destroy(aws, outputs, identity=False)
    assert destroy(folder, capsys)[0] == 0
    page = (folder / deletion_certificate.NAME).read_text()
    assert '<span class="none">not recorded</span>' in page
    assert ("the cloud identity could not be read: sts get-caller-identity: AWS said ExpiredToken: The security "
            "token included in the request is expired") in page
    assert "Deleted by: not recorded" in (folder / retire.MARKDOWN).read_text()


def test_a_failed_destroy_leaves_no_certificate(world, aws, tmp_path, capsys):
    from councilkit.blueprints.errors import UserError

    folder, outputs, _ = deploy(world, tmp_path)
    answer_before_destroy(aws, outputs)
    world["fail"] = UserError("destroy failed: the engine stopped")
    code, _, err = destroy(folder, capsys)
    assert code == 2 and "nothing is recorded as retired" in err
    assert not (folder / deletion_certificate.NAME).exists() and not (folder / retire.MACHINE).exists()


def test_what_a_record_holds_is_escaped_not_run():
    d = build_deployment("nextcloud", cloud="aws", tier="trial", **COUNCIL)
    rec = retire.record(d, "s", "eu-west-2", [], [{"type": "aws:s3/bucket:Bucket", "name": "<script>alert(1)</script>"}],
                        False, deleted_by="user <b>x</b>")
    page = deletion_certificate.html({**rec, "earlier": []}, "{}")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_azure_records_the_signed_in_principal_and_the_vaults_recovery_points(monkeypatch):
    d, plan = planned("nextcloud", "azure", "production")
    outputs = dict(plan.outputs)
    vault = (f"/subscriptions/{{subscriptionId}}/resourceGroups/{outputs['backup_resource_group']}/providers/"
             f"Microsoft.RecoveryServices/vaults/{outputs['backup_vault']}")
    server = (f"/subscriptions/{{subscriptionId}}/resourceGroups/{outputs['resource_group']}/providers/"
              f"Microsoft.DBforPostgreSQL/flexibleServers/{outputs['database_server']}")
    item = {"id": f"{vault}/backupFabrics/Azure/protectionContainers/c/protectedItems/AzureFileShare;data",
            "properties": {"protectedItemType": "AzureFileShareProtectedItem", "friendlyName": "data"}}
    answers = {
        ("account", "show"): {"id": "1111", "tenantId": "tttt", "user": {"name": "sp-councilkit", "type": "servicePrincipal"}},
        ("get", f"{server}?api-version=2024-08-01"): {"properties": {"backup": {"backupRetentionDays": 14}}},
        ("get", f"{server}/backups?api-version=2024-08-01"): {"value": [
            {"name": "daily_1", "properties": {"backupType": "Full", "completedTime": "2026-11-24T16:05:19Z"}}]},
        ("get", f"{vault}/backupProtectedItems?api-version=2024-04-01"): {"value": [item]},
        ("get", f"{item['id']}/recoveryPoints?api-version=2024-04-01"): {"value": [
            {"name": "2224", "properties": {"recoveryPointTime": "2026-11-25T02:10:25Z"}}]},
    }

    def run(argv, **kw):
        key = ("account", "show") if argv[1] == "account" else (argv[3], argv[5])
        return subprocess.CompletedProcess(argv, 0, json.dumps(answers[key]), "")

    monkeypatch.setattr(azure_backups, "RUN", run)
    monkeypatch.setattr(azure_backups.shutil, "which", lambda name: "/usr/bin/az")
    identity, points, notes = deletion_certificate.before_destroy(CLOUDS["azure"], d, outputs, False)
    assert identity == "service principal sp-councilkit (tenant tttt, subscription 1111)"
    assert [(p["what"], p["id"], p["expires"]) for p in points] == [("files", "2224", "2026-12-25T02:10:25Z")]
    assert notes == [], "the server's own backups go with the server: not listed as left behind"
    assert deletion_certificate.before_destroy(CLOUDS["azure"], d, outputs, True)[1] == []
