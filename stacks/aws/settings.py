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


def final_snapshot_id(d) -> str:
    """The RDS final snapshot's identifier: starts with a letter, 63 characters at most (RDS)."""
    return f"ck-{short_name(d, 50)}-final"
