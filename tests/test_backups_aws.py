"""AWS restore points: listed from RDS and AWS Backup, taken on demand, through botocore Stubbers.

The Stubber validates every request and response against botocore's service models (rds
2014-10-31, backup 2018-11-15, sts 2011-06-15), so a field name the adapter gets wrong fails
here. The stack's outputs are the planned ones, so the names asked about are the ones the stack
really exports.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import botocore.session
import pytest
from botocore.stub import Stubber
from hypothesis import given
from hypothesis import strategies as st

from helpers import planned

from councilkit.blueprints.errors import UserError
from councilkit.stacks.aws import backups
from councilkit.stacks.cloud import CLOUDS
from councilkit.stacks.restore_points import ALWAYS, AUTOMATED, DATABASE, FILES, MANUAL, ON_DEMAND, VAULT

COUNCIL = dict(council="Borsetshire County Council", domain="files.borsetshire.gov.uk",
               contact="it@borsetshire.gov.uk")
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
ACCOUNT = "123456789012"


def stubbed(service: str):
    client = botocore.session.get_session().create_client(
        service, region_name="eu-west-2", aws_access_key_id="test", aws_secret_access_key="test")
    stub = Stubber(client)
    stub.activate()
    return client, stub


@pytest.fixture
def aws(monkeypatch):
    """Stubbed rds, backup and sts clients the adapter gets from `backups.client`."""
    made = {name: stubbed(name) for name in ("rds", "backup", "sts")}
    asked: list = []

    def client(service, region):
        asked.append((service, region))
        return made[service][0]

    monkeypatch.setattr(backups, "client", client)
    yield {name: stub for name, (_, stub) in made.items()} | {"asked": asked}
    for name, (_, stub) in made.items():
        stub.assert_no_pending_responses()


def production():
    d, plan = planned("nextcloud", "aws", "production", **COUNCIL)
    return d, dict(plan.outputs)


def trial():
    d, plan = planned("nextcloud", "aws", "trial", **COUNCIL)
    return d, dict(plan.outputs)


def test_the_stack_exports_what_the_backup_commands_ask_about():
    """Producers: the instance identifier, the file system's ARN and, in production, the backup role."""
    _, prod = production()
    _, tri = trial()
    for outputs in (prod, tri):
        assert outputs["database_instance"] and outputs["file_system_arn"].startswith("arn:aws:elasticfilesystem:")
    assert prod["backup_role"].startswith("arn:aws:iam:") and prod["backup_vault"]
    assert "backup_role" not in tri and "backup_vault" not in tri


def expect_database(stub, instance, retention=14):
    stub.add_response(
        "describe_db_instance_automated_backups",
        {"DBInstanceAutomatedBackups": [{
            "DBInstanceIdentifier": instance, "Status": "active", "BackupRetentionPeriod": retention,
            "RestoreWindow": {"EarliestTime": NOW - timedelta(days=retention), "LatestTime": NOW - timedelta(minutes=5)},
        }]},
        {"DBInstanceIdentifier": instance})
    stub.add_response(
        "describe_db_snapshots",
        {"DBSnapshots": [
            {"DBSnapshotIdentifier": f"rds:{instance}-2026-11-24-01-05", "DBInstanceIdentifier": instance,
             "SnapshotCreateTime": NOW - timedelta(hours=32), "SnapshotType": "automated", "Status": "available",
             "AllocatedStorage": 20},
            {"DBSnapshotIdentifier": f"{instance}-before-upgrade-20261101-120000", "DBInstanceIdentifier": instance,
             "SnapshotCreateTime": NOW - timedelta(days=24), "SnapshotType": "manual", "Status": "available",
             "AllocatedStorage": 20},
        ]},
        {"DBInstanceIdentifier": instance})


def test_production_lists_snapshots_the_pitr_window_and_the_vaults_recovery_points(aws):
    d, outputs = production()
    instance, vault = outputs["database_instance"], outputs["backup_vault"]
    expect_database(aws["rds"], instance)
    aws["backup"].add_response(
        "list_recovery_points_by_backup_vault",
        {"RecoveryPoints": [
            {"RecoveryPointArn": f"arn:aws:backup:eu-west-2:{ACCOUNT}:recovery-point:efs-1", "ResourceType": "EFS",
             "ResourceArn": outputs["file_system_arn"], "CreationDate": NOW - timedelta(hours=7),
             "BackupSizeInBytes": 3_400_000_000, "Status": "COMPLETED",
             "CreatedBy": {"BackupPlanId": "plan-1", "BackupRuleName": "daily"},
             "CalculatedLifecycle": {"DeleteAt": NOW + timedelta(days=34)}},
            {"RecoveryPointArn": f"arn:aws:rds:eu-west-2:{ACCOUNT}:snapshot:awsbackup:job-2", "ResourceType": "RDS",
             "ResourceArn": f"arn:aws:rds:eu-west-2:{ACCOUNT}:db:{instance}", "CreationDate": NOW - timedelta(days=2),
             "Status": "COMPLETED", "CreatedBy": {},
             "CalculatedLifecycle": {"DeleteAt": NOW + timedelta(days=33)}},
        ]},
        {"BackupVaultName": vault})
    found = CLOUDS["aws"].restore_points(d, outputs)
    assert found.notes == []
    assert [(w.what, w.source, w.earliest, w.latest) for w in found.windows] == [
        (DATABASE, instance, NOW - timedelta(days=14), NOW - timedelta(minutes=5))]
    by_id = {p.id: p for p in found.points}
    auto = by_id[f"rds:{instance}-2026-11-24-01-05"]
    assert (auto.kind, auto.expires, auto.size_bytes, auto.size_basis, auto.outlives_stack) == (
        AUTOMATED, NOW - timedelta(hours=32) + timedelta(days=14), 20 * 1024 ** 3, "allocated", "")
    manual = by_id[f"{instance}-before-upgrade-20261101-120000"]
    assert (manual.kind, manual.expires, manual.outlives_stack) == (MANUAL, None, ALWAYS)
    efs = by_id[f"arn:aws:backup:eu-west-2:{ACCOUNT}:recovery-point:efs-1"]
    assert (efs.what, efs.kind, efs.size_bytes, efs.expires, efs.outlives_stack) == (
        FILES, AUTOMATED, 3_400_000_000, NOW + timedelta(days=34), VAULT)
    rds_backup = by_id[f"arn:aws:rds:eu-west-2:{ACCOUNT}:snapshot:awsbackup:job-2"]
    assert (rds_backup.what, rds_backup.kind) == (DATABASE, ON_DEMAND)
    assert {r for _, r in aws["asked"]} == {"eu-west-2"}


def test_a_trial_lists_rds_backups_and_says_its_files_have_no_vault(aws):
    d, outputs = trial()
    expect_database(aws["rds"], outputs["database_instance"], retention=7)
    found = CLOUDS["aws"].restore_points(d, outputs)
    assert found.windows[0].earliest == NOW - timedelta(days=7)
    assert found.notes == ["a trial has no AWS Backup vault: its shared files have no restore points, "
                           "the database has RDS's own automated backups only"]
    assert "backup" not in {s for s, _ in aws["asked"]}


def test_a_stack_deployed_before_the_outputs_existed_is_told_to_run_up_once(aws):
    d, outputs = production()
    outputs.pop("database_instance")
    aws["backup"].add_response("list_recovery_points_by_backup_vault", {"RecoveryPoints": []},
                               {"BackupVaultName": outputs["backup_vault"]})
    found = CLOUDS["aws"].restore_points(d, outputs)
    assert found.notes == ["the RDS instance: the stack's outputs do not name it (`database_instance`, exported "
                           "since this release); run `councilkit up` once to export it"]


def test_taking_one_snapshots_the_database_and_starts_a_backup_job_of_the_files(aws, monkeypatch):
    d, outputs = production()
    monkeypatch.setattr(backups.CLOCK, "now", lambda: NOW)
    instance = outputs["database_instance"]
    ident = f"{instance}-before-upgrade-20261125-090000"
    aws["rds"].add_response(
        "create_db_snapshot",
        {"DBSnapshot": {"DBSnapshotIdentifier": ident, "DBInstanceIdentifier": instance, "Status": "creating",
                        "SnapshotCreateTime": NOW}},
        {"DBSnapshotIdentifier": ident, "DBInstanceIdentifier": instance,
         "Tags": [{"Key": "councilkit:label", "Value": "before-upgrade"}, {"Key": "managed-by", "Value": "councilkit"}]})
    aws["backup"].add_response(
        "start_backup_job",
        {"BackupJobId": "job-42", "RecoveryPointArn": f"arn:aws:backup:eu-west-2:{ACCOUNT}:recovery-point:efs-42",
         "CreationDate": NOW},
        {"BackupVaultName": outputs["backup_vault"], "ResourceArn": outputs["file_system_arn"],
         "IamRoleArn": outputs["backup_role"], "IdempotencyToken": "files-before-upgrade-20261125-090000",
         "Lifecycle": {"DeleteAfterDays": 35},
         "RecoveryPointTags": {"councilkit:label": "before-upgrade", "managed-by": "councilkit"}})
    found = CLOUDS["aws"].take_restore_point(d, outputs, "before-upgrade")
    db, files = found.points
    assert (db.what, db.id, db.kind, db.status, db.label, db.expires) == (
        DATABASE, ident, MANUAL, "creating", "before-upgrade", None)
    assert (files.what, files.id, files.kind, files.expires, files.outlives_stack) == (
        FILES, f"arn:aws:backup:eu-west-2:{ACCOUNT}:recovery-point:efs-42", ON_DEMAND, NOW + timedelta(days=35), VAULT)


def test_wait_polls_until_the_snapshot_is_available_and_the_job_completed(aws, monkeypatch):
    d, outputs = production()
    slept: list = []
    clock = backups.Clock(now=lambda: NOW, sleep=slept.append)
    instance = outputs["database_instance"]
    ident = f"{instance}-nightly-20261125-090000"
    aws["rds"].add_response("create_db_snapshot", {"DBSnapshot": {"DBSnapshotIdentifier": ident, "Status": "creating"}})
    aws["backup"].add_response("start_backup_job", {"BackupJobId": "job-7", "RecoveryPointArn": "arn:rp:7",
                                                    "CreationDate": NOW})
    for status in ("creating", "available"):
        aws["rds"].add_response("describe_db_snapshots", {"DBSnapshots": [{"DBSnapshotIdentifier": ident,
                                                                           "Status": status}]},
                                {"DBSnapshotIdentifier": ident})
    aws["backup"].add_response("describe_backup_job", {"BackupJobId": "job-7", "State": "RUNNING"}, {"BackupJobId": "job-7"})
    aws["backup"].add_response("describe_backup_job", {"BackupJobId": "job-7", "State": "COMPLETED",
                                                       "RecoveryPointArn": "arn:rp:7", "BackupSizeInBytes": 1234},
                               {"BackupJobId": "job-7"})
    found = backups.take_restore_point(d, outputs, "nightly", wait=True, clock=clock)
    assert [(p.what, p.status) for p in found.points] == [(DATABASE, "available"), (FILES, "COMPLETED")]
    assert found.points[1].size_bytes == 1234 and slept == [backups.POLL_SECONDS, backups.POLL_SECONDS]


def test_a_failed_backup_job_is_one_line_with_aws_reason(aws):
    d, outputs = production()
    clock = backups.Clock(now=lambda: NOW, sleep=lambda s: None)
    aws["rds"].add_response("create_db_snapshot", {"DBSnapshot": {"Status": "creating"}})
    aws["backup"].add_response("start_backup_job", {"BackupJobId": "job-9", "RecoveryPointArn": "arn:rp:9"})
    aws["rds"].add_response("describe_db_snapshots", {"DBSnapshots": [{"Status": "available"}]})
    aws["backup"].add_response("describe_backup_job", {"State": "FAILED", "StatusMessage": "Access denied to EFS"})
    with pytest.raises(UserError, match="the files backup job job-9 ended FAILED: Access denied to EFS"):
        backups.take_restore_point(d, outputs, "x", wait=True, clock=clock)


def test_an_aws_refusal_is_one_line_naming_the_call(aws):
    d, outputs = trial()
    aws["rds"].add_client_error("describe_db_instance_automated_backups", "AccessDenied",
                                "User is not authorized to perform rds:DescribeDBInstanceAutomatedBackups")
    with pytest.raises(UserError) as caught:
        CLOUDS["aws"].restore_points(d, outputs)
    assert str(caught.value) == ("rds describe-db-instance-automated-backups: AWS said AccessDenied: User is not "
                                 "authorized to perform rds:DescribeDBInstanceAutomatedBackups")


def test_a_trial_backup_snapshots_the_database_and_says_the_files_have_no_vault(aws, monkeypatch):
    d, outputs = trial()
    monkeypatch.setattr(backups.CLOCK, "now", lambda: NOW)
    aws["rds"].add_response("create_db_snapshot", {"DBSnapshot": {"Status": "creating"}})
    found = CLOUDS["aws"].take_restore_point(d, outputs, "manual")
    assert [p.what for p in found.points] == [DATABASE]
    assert found.notes == ["files: not backed up on demand: a trial has no AWS Backup vault"]


def test_whoami_is_the_callers_arn(aws):
    d, outputs = trial()
    arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/CouncilAdmin/jo.bloggs@borsetshire.gov.uk"
    aws["sts"].add_response("get_caller_identity", {"Arn": arn, "Account": ACCOUNT, "UserId": "AROA:jo"}, {})
    assert CLOUDS["aws"].whoami(d, outputs) == arn


SNAPSHOT_ID = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}(?<!-)$")


@given(instance=st.text(min_size=1, max_size=80), label=st.text(max_size=300))
def test_any_label_makes_a_snapshot_identifier_rds_accepts(instance, label):
    """CreateDBSnapshotMessage.DBSnapshotIdentifier: 1-255 letters, digits, hyphens; a letter first;
    no '--'; no trailing hyphen."""
    ident = backups.snapshot_id(instance, label, NOW)
    assert SNAPSHOT_ID.match(ident) and len(ident) <= 255, ident
