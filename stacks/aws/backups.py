"""Restore points on AWS: what the stack protects, read back and taken on demand (boto3).

What the stack sets up (database.py, backup.py): RDS automated backups (point-in-time recovery
for `DATABASE_BACKUP_DAYS`) and, in production, an AWS Backup plan for the database and the EFS
file system into the stack's vault. So the restore points are:

- RDS snapshots of the instance (`rds.describe_db_snapshots`: automated and manual; the
  automated ones live as long as the instance's `BackupRetentionPeriod`);
- the PITR window (`rds.describe_db_instance_automated_backups`: `RestoreWindow.EarliestTime` /
  `LatestTime`, "the earliest and latest time a DB instance can be restored to");
- the vault's recovery points (`backup.list_recovery_points_by_backup_vault`: `ResourceType`,
  `CreationDate`, `BackupSizeInBytes`, `CalculatedLifecycle.DeleteAt`, `CreatedBy.BackupPlanId`
  for those the plan made).

On demand: `rds.create_db_snapshot` (a manual snapshot, kept until deleted) and, where the stack
has a vault, `backup.start_backup_job` of the file system with the stack's backup role and the
daily rule's lifecycle. Every request and response field here is the botocore service model's
(botocore/data/rds/2014-10-31, backup/2018-11-15 service-2.json); tests/test_backups_aws.py runs
each call through botocore's Stubber, which validates them against those models.

boto3 is imported inside `client`, never when the adapter loads.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping

from councilkit.blueprints.errors import UserError
from councilkit.stacks.restore_points import (ALWAYS, AUTOMATED, DATABASE, FILES, MANUAL, ON_DEMAND, VAULT,
                                              RestorePoint, RestorePoints, RestoreWindow, utc)

from .settings import DAILY_RETENTION_DAYS

# The AWS Backup ResourceType of each protected resource → what it restores.
RESOURCE_TYPES = {"RDS": DATABASE, "EFS": FILES}
LABEL_TAG = "councilkit:label"
# CreateDBSnapshot DBSnapshotIdentifier: 1 to 255 letters, numbers or hyphens, first a letter,
# no two hyphens in a row, not ending with one (botocore rds model, CreateDBSnapshotMessage).
SNAPSHOT_ID_MAX = 255
WAIT_SECONDS = 3 * 3600.0
POLL_SECONDS = 30.0
# DescribeBackupJob State values that end a job (BackupJobState enum in the backup model).
JOB_DONE = {"COMPLETED"}
JOB_FAILED = {"ABORTED", "FAILED", "EXPIRED", "PARTIAL"}


def client(service: str, region: str):
    """A boto3 client (tests replace this function with Stubber-backed clients)."""
    import boto3

    return boto3.client(service, region_name=region)


def _client(service: str, region: str):
    """`client`, with a missing profile or region said in one line."""
    from botocore.exceptions import BotoCoreError

    try:
        return client(service, region)
    except BotoCoreError as exc:
        raise UserError(f"AWS {service}: {exc}") from None


@dataclass
class Clock:
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    sleep: Callable[[float], None] = time.sleep


CLOCK = Clock()


def _call(what: str, fn: Callable, **kwargs):
    """One AWS call; a refusal or a missing credential is one line naming the call."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return fn(**kwargs)
    except ClientError as exc:
        err = exc.response.get("Error", {})
        raise UserError(f"{what}: AWS said {err.get('Code', 'error')}: {err.get('Message', '')}".rstrip(": ")) from None
    except BotoCoreError as exc:
        raise UserError(f"{what}: {exc}") from None


def _pages(what: str, c, operation: str, key: str, **kwargs) -> list[dict]:
    from botocore.exceptions import BotoCoreError, ClientError

    found: list[dict] = []
    try:
        for page in c.get_paginator(operation).paginate(**kwargs):
            found += page.get(key, [])
    except ClientError as exc:
        err = exc.response.get("Error", {})
        raise UserError(f"{what}: AWS said {err.get('Code', 'error')}: {err.get('Message', '')}") from None
    except BotoCoreError as exc:
        raise UserError(f"{what}: {exc}") from None
    return found


def _region(d, outputs: Mapping[str, Any]) -> str:
    return str(outputs.get("region") or d.region)


def _missing(output: str, what: str) -> str:
    return (f"{what}: the stack's outputs do not name it (`{output}`, exported since this release); "
            "run `councilkit up` once to export it")


# --- listing -------------------------------------------------------------------------------


def database_points(rds, instance: str) -> RestorePoints:
    """The instance's snapshots and its PITR window."""
    found = RestorePoints()
    automated = _pages("rds describe-db-instance-automated-backups", rds, "describe_db_instance_automated_backups",
                       "DBInstanceAutomatedBackups", DBInstanceIdentifier=instance)
    retention = None
    for backup in automated:
        window = backup.get("RestoreWindow") or {}
        retention = backup.get("BackupRetentionPeriod", retention)
        if window.get("EarliestTime"):
            found.windows.append(RestoreWindow(DATABASE, instance, utc(window["EarliestTime"]),
                                               utc(window.get("LatestTime"))))
    for snap in _pages("rds describe-db-snapshots", rds, "describe_db_snapshots", "DBSnapshots",
                       DBInstanceIdentifier=instance):
        created = utc(snap.get("SnapshotCreateTime"))
        automatic = snap.get("SnapshotType") == "automated"
        # An automated snapshot is deleted when it is older than the retention period (RDS User
        # Guide, "Backup retention period"); a manual one is kept until someone deletes it.
        expires = created + timedelta(days=retention) if automatic and created and retention else None
        allocated = snap.get("AllocatedStorage")
        found.points.append(RestorePoint(
            DATABASE, instance, str(snap.get("DBSnapshotIdentifier", "")), created,
            AUTOMATED if automatic else MANUAL, expires,
            allocated * 1024 ** 3 if isinstance(allocated, int) else None, "allocated" if allocated else "",
            str(snap.get("Status", "")),
            # delete_automated_backups (settings.DELETE_BACKUPS; pulumi-aws default true) takes the
            # automated ones with the instance; a manual snapshot outlives it.
            outlives_stack="" if automatic else ALWAYS,
        ))
    return found


def vault_points(backup, vault: str) -> RestorePoints:
    """Every recovery point in the stack's AWS Backup vault (database and files)."""
    found = RestorePoints()
    for rp in _pages("backup list-recovery-points-by-backup-vault", backup, "list_recovery_points_by_backup_vault",
                     "RecoveryPoints", BackupVaultName=vault):
        by_plan = bool((rp.get("CreatedBy") or {}).get("BackupPlanId"))
        size = rp.get("BackupSizeInBytes")
        found.points.append(RestorePoint(
            RESOURCE_TYPES.get(str(rp.get("ResourceType")), str(rp.get("ResourceType") or "resource")),
            str(rp.get("ResourceArn") or rp.get("ResourceName") or ""), str(rp.get("RecoveryPointArn", "")),
            utc(rp.get("CreationDate")), AUTOMATED if by_plan else ON_DEMAND,
            utc((rp.get("CalculatedLifecycle") or {}).get("DeleteAt")),
            size if isinstance(size, int) else None, "backup" if isinstance(size, int) else "",
            str(rp.get("Status", "")), outlives_stack=VAULT,
        ))
    return found


def restore_points(d, outputs: Mapping[str, Any]) -> RestorePoints:
    region = _region(d, outputs)
    found = RestorePoints()
    instance = outputs.get("database_instance")
    if d.blueprint.database is not None:
        if instance:
            found.extend(database_points(_client("rds", region), str(instance)))
        else:
            found.notes.append(_missing("database_instance", "the RDS instance"))
    vault = outputs.get("backup_vault")
    if vault:
        found.extend(vault_points(_client("backup", region), str(vault)))
    elif not d.production:
        found.notes.append("a trial has no AWS Backup vault: " + (
            "its shared files have no restore points, " if d.blueprint.files else "") +
            "the database has RDS's own automated backups only")
    else:
        found.notes.append(_missing("backup_vault", "the AWS Backup vault"))
    return found


# --- taking one ----------------------------------------------------------------------------


def snapshot_id(instance: str, label: str, when: datetime) -> str:
    """`<instance>-<label>-<UTC timestamp>` made a valid DBSnapshotIdentifier."""
    raw = f"{instance}-{label}-{when.astimezone(timezone.utc):%Y%m%d-%H%M%S}"
    cleaned = re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9-]", "-", raw)).strip("-")
    if not cleaned[:1].isalpha():
        cleaned = f"ck-{cleaned}"
    return cleaned[:SNAPSHOT_ID_MAX].rstrip("-")


def take_restore_point(d, outputs: Mapping[str, Any], label: str, wait: bool = False,
                       clock: Clock | None = None) -> RestorePoints:
    """A manual RDS snapshot and, where there is a vault, an AWS Backup job of the file system."""
    clock = clock or CLOCK
    region = _region(d, outputs)
    started = clock.now()
    found = RestorePoints()
    jobs: dict[str, str] = {}
    instance = outputs.get("database_instance")
    if d.blueprint.database is not None:
        if not instance:
            found.notes.append(_missing("database_instance", "the RDS instance, so no snapshot was taken"))
        else:
            rds = _client("rds", region)
            ident = snapshot_id(str(instance), label, started)
            snap = _call("rds create-db-snapshot", rds.create_db_snapshot, DBSnapshotIdentifier=ident,
                         DBInstanceIdentifier=str(instance),
                         Tags=[{"Key": LABEL_TAG, "Value": label}, {"Key": "managed-by", "Value": "councilkit"}])
            s = snap.get("DBSnapshot") or {}
            found.points.append(RestorePoint(DATABASE, str(instance), str(s.get("DBSnapshotIdentifier", ident)),
                                             utc(s.get("SnapshotCreateTime")) or started, MANUAL, None,
                                             None, "", str(s.get("Status", "creating")), label, ALWAYS))
    if d.blueprint.files:
        vault, role, fs = (outputs.get(k) for k in ("backup_vault", "backup_role", "file_system_arn"))
        if not vault:
            found.notes.append("files: not backed up on demand: " + (
                "a trial has no AWS Backup vault" if not d.production else _missing("backup_vault", "the vault")))
        elif not role or not fs:
            found.notes.append(_missing("backup_role" if not role else "file_system_arn",
                                        "files: not backed up on demand: the backup role or the file system"))
        else:
            backup = _client("backup", region)
            job = _call("backup start-backup-job", backup.start_backup_job, BackupVaultName=str(vault),
                        ResourceArn=str(fs), IamRoleArn=str(role),
                        IdempotencyToken=snapshot_id("files", label, started),
                        Lifecycle={"DeleteAfterDays": DAILY_RETENTION_DAYS},
                        RecoveryPointTags={LABEL_TAG: label, "managed-by": "councilkit"})
            created = utc(job.get("CreationDate")) or started
            ident = str(job.get("RecoveryPointArn") or f"backup job {job.get('BackupJobId', '')}")
            jobs[ident] = str(job.get("BackupJobId", ""))
            found.points.append(RestorePoint(FILES, str(fs), ident, created, ON_DEMAND,
                                             created + timedelta(days=DAILY_RETENTION_DAYS), None, "",
                                             "CREATED", label, VAULT))
    if wait:
        found.points = [_wait(p, region, jobs, clock) for p in found.points]
    return found


def _wait(point: RestorePoint, region: str, jobs: Mapping[str, str], clock: Clock) -> RestorePoint:
    """Poll until the snapshot is `available` or the backup job `COMPLETED` (its size then known)."""
    from dataclasses import replace

    deadline = clock.now() + timedelta(seconds=WAIT_SECONDS)
    while True:
        if point.what == DATABASE:
            snaps = _call("rds describe-db-snapshots", _client("rds", region).describe_db_snapshots,
                          DBSnapshotIdentifier=point.id).get("DBSnapshots") or [{}]
            status = str(snaps[0].get("Status", ""))
            if status == "available":
                return replace(point, status=status)
            if status in ("failed", "deleted"):
                raise UserError(f"the database snapshot {point.id} is {status}")
        else:
            job = _call("backup describe-backup-job", _client("backup", region).describe_backup_job,
                        BackupJobId=jobs[point.id])
            state = str(job.get("State", ""))
            if state in JOB_DONE:
                size = job.get("BackupSizeInBytes")
                return replace(point, status=state, id=str(job.get("RecoveryPointArn") or point.id),
                               size_bytes=size if isinstance(size, int) else None,
                               size_basis="backup" if isinstance(size, int) else "")
            if state in JOB_FAILED:
                raise UserError(f"the files backup job {jobs[point.id]} ended {state}: "
                                f"{job.get('StatusMessage') or 'no reason given'}")
        if clock.now() >= deadline:
            raise UserError(f"{point.what} restore point {point.id} is not complete after "
                            f"{WAIT_SECONDS / 3600:.0f} hours; `councilkit backups` shows when it is")
        clock.sleep(POLL_SECONDS)


def whoami(d, outputs: Mapping[str, Any]) -> str:
    """The ARN these credentials act as (sts get-caller-identity `Arn`)."""
    found = _call("sts get-caller-identity", _client("sts", _region(d, outputs)).get_caller_identity)
    return str(found.get("Arn") or found.get("UserId") or "")
