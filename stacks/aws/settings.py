"""AWS stack settings that the runbook, report and stack all read: one home each, no SDK import."""

from __future__ import annotations

from councilkit.stacks.spec import short_name

LOG_RETENTION_DAYS = {"trial": 30, "production": 365}
MONTHLY_BUDGET_USD = {"trial": 100, "production": 900}
# RDS automated backups (point-in-time restore window), days.
DATABASE_BACKUP_DAYS = {"trial": 7, "production": 14}
# AWS Backup plan (production): daily recovery points kept 35 days, monthly kept 365.
DAILY_RETENTION_DAYS = 35
MONTHLY_RETENTION_DAYS = 365
# Settings that make AWS refuse to delete a resource; `councilkit destroy` of a production
# stack turns them off (config councilkit:release-protection) in a targeted update first.
PROTECTION_PROPS = {
    "aws:rds/instance:Instance": "deletion_protection",
    "aws:lb/loadBalancer:LoadBalancer": "enable_deletion_protection",
}


# Every stack's final snapshot gets a random suffix fixed when the database is created (a
# pulumi-random RandomId in database.py): destroying a production stack, re-creating it with the
# same answers and destroying it again would otherwise fail with DBSnapshotAlreadyExists, since
# the first final snapshot is still kept. RDS snapshot identifiers: 1-255 letters, digits and
# hyphens, a letter first, no `--`, no hyphen last (RDS API CreateDBSnapshot,
# DBSnapshotIdentifier; terraform-provider-aws internal/service/rds validFinalSnapshotIdentifier).
FINAL_SNAPSHOT_SUFFIX_BYTES = 4


def final_snapshot_prefix(d) -> str:
    return f"ck-{short_name(d, 44)}-final-"


def final_snapshot_id(d, suffix: str = "0" * 2 * FINAL_SNAPSHOT_SUFFIX_BYTES) -> str:
    """The RDS final snapshot's identifier for a suffix (the stack's RandomId hex): 63 characters
    at most, so it also fits the tighter limit of the instance identifier rules."""
    return final_snapshot_prefix(d) + suffix


# What `councilkit destroy` keeps unless told `--delete-backups`, and the inputs that delete it
# instead (applied by stacks/program.py to the types below, with retain_on_delete turned off):
# the final database snapshot (RDS DeleteDBInstance SkipFinalSnapshot), the AWS Backup vault and
# its recovery points (terraform-provider-aws aws_backup_vault force_destroy deletes them), the
# load balancer's access-log bucket (force_destroy empties it) and the stack's KMS key, which
# must outlive every backup it encrypts.
DELETE_BACKUPS = {
    "aws:rds/instance:Instance": {"skip_final_snapshot": True, "delete_automated_backups": True},
    "aws:backup/vault:Vault": {"force_destroy": True},
    "aws:s3/bucket:Bucket": {"force_destroy": True},
    "aws:kms/key:Key": {},
}

# WAF per-address rate limit, requests per 5 minutes (production; trials have no WAF). AWS's
# own example (the 2,000 the review found) suits one client, but a council office is hundreds of
# staff behind one NAT address, each page or sync pulling tens of requests from the app itself:
# 2,000 blocked a whole office. 20,000 (about 67 a second from one address, sustained for five
# minutes) sits above an office's busiest hour and still stops a single-source flood. WAF allows
# 10 to 2,000,000,000 (botocore wafv2 RateLimit).
RATE_LIMIT_PER_5_MIN = {"trial": 20000, "production": 20000}
