"""`councilkit backups | backup STACK_DIR`: what a council sees, from a stack folder.

The Automation API is a fake holding the stack's planned outputs (no pulumi binary); AWS
answers through botocore Stubbers and Azure through a fake `az`, so the table, the JSON and
the messages are what a user would get from those answers.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import datetime, timedelta, timezone

import botocore.session
import pytest
from botocore.stub import Stubber
from hypothesis import given
from hypothesis import strategies as st

from helpers import planned, run_main

from councilkit.cli import automation
from councilkit.cli import backups as cli_backups
from councilkit.cli.newstack import new_stack
from councilkit.stacks.aws import backups as aws_backups
from councilkit.stacks.azure import backups as azure_backups

COUNCIL = dict(council="Borsetshire County Council", domain="files.borsetshire.gov.uk",
               contact="it@borsetshire.gov.uk")
PROD = "borsetshire-county-council-nextcloud-production"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


class FakeStack:
    def __init__(self, outputs):
        self._outputs = outputs

    def outputs(self):
        from pulumi.automation import OutputValue

        return {k: OutputValue(v, False) for k, v in self._outputs.items()}


@pytest.fixture
def deployed(monkeypatch, tmp_path):
    """A stack folder for (cloud, tier) whose backend answers its planned outputs."""
    import pulumi.automation as auto

    held: dict = {}

    def make(cloud="aws", tier="production"):
        folder = new_stack("nextcloud", cloud=cloud, tier=tier, **COUNCIL, folder=str(tmp_path / f"{cloud}-{tier}")).path
        _, plan = planned("nextcloud", cloud, tier, **COUNCIL)
        held["outputs"] = dict(plan.outputs)
        return folder, held["outputs"]

    monkeypatch.setattr(auto, "select_stack", lambda stack_name, work_dir=None, opts=None, **kw: FakeStack(held["outputs"]))
    monkeypatch.setattr(automation.shutil, "which", lambda name: "/opt/pulumi/bin/pulumi")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse")
    monkeypatch.setenv("AWS_PROFILE", "council")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    monkeypatch.setattr(cli_backups, "now", lambda: NOW)
    return make


@pytest.fixture
def aws(monkeypatch):
    made = {}
    with monkeypatch.context() as env:  # the fake profile is for the credentials check, not these clients
        env.delenv("AWS_PROFILE", raising=False)
        for service in ("rds", "backup"):
            client = botocore.session.get_session().create_client(
                service, region_name="eu-west-2", aws_access_key_id="t", aws_secret_access_key="t")
            made[service] = (client, Stubber(client))
            made[service][1].activate()
    monkeypatch.setattr(aws_backups, "client", lambda service, region: made[service][0])
    yield {k: s for k, (_, s) in made.items()}
    for _, stub in made.values():
        stub.assert_no_pending_responses()


def answer_listing(aws, outputs):
    instance = outputs["database_instance"]
    aws["rds"].add_response("describe_db_instance_automated_backups", {"DBInstanceAutomatedBackups": [{
        "BackupRetentionPeriod": 14, "RestoreWindow": {"EarliestTime": datetime(2026, 11, 11, 1, 0, tzinfo=timezone.utc),
                                                       "LatestTime": datetime(2026, 11, 25, 8, 55, tzinfo=timezone.utc)}}]})
    aws["rds"].add_response("describe_db_snapshots", {"DBSnapshots": [
        {"DBSnapshotIdentifier": f"rds:{instance}-2026-11-24-01-05", "SnapshotType": "automated",
         "SnapshotCreateTime": NOW - timedelta(hours=32), "AllocatedStorage": 20, "Status": "available"}]})
    aws["backup"].add_response("list_recovery_points_by_backup_vault", {"RecoveryPoints": [
        {"RecoveryPointArn": "arn:aws:backup:eu-west-2:123456789012:recovery-point:efs-1", "ResourceType": "EFS",
         "ResourceArn": outputs["file_system_arn"], "CreationDate": NOW - timedelta(minutes=40),
         "BackupSizeInBytes": 3_400_000_000, "CreatedBy": {"BackupPlanId": "p"},
         "CalculatedLifecycle": {"DeleteAt": datetime(2026, 12, 30, 2, 0, tzinfo=timezone.utc)}}]})


def test_backups_prints_a_table_and_the_point_in_time_window(deployed, aws, capsys):
    folder, outputs = deployed()
    answer_listing(aws, outputs)
    code, out, err = run_main(["backups", str(folder)], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"restore points of {PROD} (aws): 2"
    assert lines[1].split() == ["what", "id", "created", "age", "size", "kind", "expires"]
    db = next(x for x in lines if x.startswith("database "))
    assert db.split()[:2] == ["database", f"rds:{outputs['database_instance']}-2026-11-24-01-05"]
    assert "2026-11-24 01:00 UTC" in db and "1 d 8 h" in db and "20 GiB allocated" in db
    assert "automated" in db and "2026-12-08 01:00 UTC" in db  # created + the 14 days RDS keeps them
    files = next(x for x in lines if x.startswith("files "))
    assert "40 min" in files and "3.4 GB" in files and "2026-12-30 02:00 UTC" in files
    assert (f"database {outputs['database_instance']}: point-in-time restore to any time from 2026-11-11 01:00 UTC "
            "to 2026-11-25 08:55 UTC") in lines


def test_backups_json_gives_every_field_in_utc(deployed, aws, capsys):
    folder, outputs = deployed()
    answer_listing(aws, outputs)
    code, out, err = run_main(["backups", str(folder), "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["stack"] == PROD and doc["cloud"] == "aws" and doc["listed_at"] == "2026-11-25T09:00:00Z"
    files = next(p for p in doc["points"] if p["what"] == "files")
    assert files == {"what": "files", "source": outputs["file_system_arn"],
                     "id": "arn:aws:backup:eu-west-2:123456789012:recovery-point:efs-1",
                     "created": "2026-11-25T08:20:00Z", "kind": "automated", "expires": "2026-12-30T02:00:00Z",
                     "size_bytes": 3400000000, "size_basis": "backup", "status": "", "label": "",
                     "outlives_stack": "vault"}
    assert doc["windows"] == [{"what": "database", "source": outputs["database_instance"],
                               "earliest": "2026-11-11T01:00:00Z", "latest": "2026-11-25T08:55:00Z"}]


def test_backup_takes_a_labelled_restore_point_and_says_how_to_follow_it(deployed, aws, capsys, monkeypatch):
    folder, outputs = deployed()
    monkeypatch.setattr(aws_backups.CLOCK, "now", lambda: NOW)
    ident = f"{outputs['database_instance']}-before-upgrade-20261125-090000"
    aws["rds"].add_response("create_db_snapshot", {"DBSnapshot": {"DBSnapshotIdentifier": ident, "Status": "creating"}})
    aws["backup"].add_response("start_backup_job", {"BackupJobId": "j1", "RecoveryPointArn": "arn:rp:1",
                                                    "CreationDate": NOW})
    code, out, err = run_main(["backup", str(folder), "--label", "before-upgrade"], capsys)
    assert code == 0, err
    assert out.splitlines() == [
        f"started database restore point {ident} of {outputs['database_instance']} (creating; kept until you delete it)",
        f"started files restore point arn:rp:1 of {outputs['file_system_arn']} (CREATED; expires 2026-12-30 09:00 UTC)",
        f"`councilkit backups {PROD}` shows them once complete (or pass --wait)",
    ]


@pytest.mark.parametrize("label", ["", "has space", "-leading", "x" * 64, "émoji"])
def test_a_bad_label_is_one_error_line_and_nothing_is_asked(deployed, capsys, label, monkeypatch):
    folder, _ = deployed()
    monkeypatch.setattr(aws_backups, "client", lambda *a: pytest.fail("no cloud call for a bad label"))
    code, out, err = run_main(["backup", str(folder), "--label", label], capsys)
    assert code == 2 and out == ""
    assert err.startswith("error: --label: ") and len(err.strip().splitlines()) == 1


def test_without_the_pulumi_cli_or_credentials_it_says_so_in_one_line(deployed, capsys, monkeypatch):
    folder, _ = deployed()
    monkeypatch.setattr(automation.shutil, "which", lambda name: None)
    code, _, err = run_main(["backups", str(folder)], capsys)
    assert (code, err.strip()) == (2, f"error: {automation.MISSING_CLI}")
    monkeypatch.setattr(automation.shutil, "which", lambda name: "/opt/pulumi/bin/pulumi")
    monkeypatch.delenv("AWS_PROFILE")
    for var in ("AWS_ACCESS_KEY_ID", "AWS_DEFAULT_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", automation.SKIP_CREDENTIALS_CHECK):
        monkeypatch.delenv(var, raising=False)
    code, _, err = run_main(["backup", str(folder)], capsys)
    assert code == 2 and err.startswith("error: no AWS credentials found;")


def test_azure_backups_lists_the_servers_backups_through_az(deployed, capsys, monkeypatch):
    folder, outputs = deployed("azure", "trial")
    monkeypatch.setenv("AZURE_CLIENT_ID", "app")
    server = (f"/subscriptions/{{subscriptionId}}/resourceGroups/{outputs['resource_group']}/providers/"
              f"Microsoft.DBforPostgreSQL/flexibleServers/{outputs['database_server']}")
    answers = {
        f"{server}?api-version=2024-08-01": {"properties": {"backup": {
            "backupRetentionDays": 7, "earliestRestoreDate": "2026-11-18T09:05:22Z"}}},
        f"{server}/backups?api-version=2024-08-01": {"value": [{"name": "daily_20261124T160516", "properties": {
            "backupType": "Full", "source": "Automatic", "completedTime": "2026-11-24T16:05:19+00:00"}}]},
    }
    monkeypatch.setattr(azure_backups.shutil, "which", lambda name: "/usr/bin/az")
    monkeypatch.setattr(azure_backups, "RUN", lambda argv, **kw: subprocess.CompletedProcess(
        argv, 0, json.dumps(answers[argv[5]]), ""))
    code, out, err = run_main(["backups", str(folder)], capsys)
    assert code == 0, err
    row = next(x for x in out.splitlines() if x.startswith("database "))
    assert "daily_20261124T160516" in row and "16 h" in row and "2026-12-01 16:05 UTC" in row
    assert (f"database {outputs['database_server']}: point-in-time restore to any time from 2026-11-18 09:05 UTC "
            "to now (the last few minutes)") in out
    assert "note: a trial has no Recovery Services vault: no files restore points are listed" in out


def test_help_lists_both_commands(cli):
    done = cli("--help")
    assert "backups " in done.stdout and "backup " in done.stdout


@given(label=st.text(max_size=80))
def test_any_label_a_user_types_is_refused_in_one_line_or_fits_both_clouds_names(label):
    """What `--label` accepts makes a valid RDS snapshot id and Flexible Server backup name as is."""
    from councilkit.blueprints.errors import UserError

    try:
        checked = cli_backups.check_label(label)
    except UserError as exc:
        assert str(exc).startswith("--label: ") and "\n" not in str(exc)
        return
    assert re.fullmatch(r"[A-Za-z](?!.*--)[A-Za-z0-9-]*(?<!-)", aws_backups.snapshot_id("db-x", checked, NOW))
    assert azure_backups.backup_name(checked, NOW) == f"{checked}-20261125T090000", "kept as typed"
