"""AWS's fragments of a stack folder's RUNBOOK.md (cli/templates/RUNBOOK.md.j2 reads `cloud.*`)."""

from __future__ import annotations

from typing import Any

from .settings import DAILY_RETENTION_DAYS, DATABASE_BACKUP_DAYS, MONTHLY_RETENTION_DAYS, final_snapshot_prefix


def runbook(d, stack: str) -> dict[str, Any]:
    return {
        "name": "AWS",
        "region_key": "aws:region",
        "uk_regions": "eu-west-2",
        "secret_name": "AWS Secrets Manager",
        "secret_store": f"AWS Secrets Manager ({d.region}, secrets named `councilkit/{stack}/...`)",
        "open_app": f"Open https://{d.domain} once the DNS records from `councilkit outputs .` are in place.",
        "dns_steps": [],
        "credentials": "`aws sso login` with `AWS_PROFILE`, or `AWS_ACCESS_KEY_ID` and "
        "`AWS_SECRET_ACCESS_KEY`, for an account that may create VPCs, ECS, RDS, EFS, load balancers "
        "and IAM roles.",
        "read_secret": f"aws secretsmanager get-secret-value --region {d.region} --secret-id <ARN> "
        "--query SecretString --output text",
        "registry_output": "image_repository output",
        "image_build": ("`councilkit up` builds it in AWS CodeBuild from `image/` (the build files locked "
                        "with this stack) and pushes it before the app starts. To build it by hand instead:"),
        "backups": f"The database (RDS) keeps automated backups with point-in-time restore for "
        f"{DATABASE_BACKUP_DAYS[d.tier]} days. Shared files live on EFS, encrypted.",
        "production_backups": f"AWS Backup also copies the database and the shared files daily "
        f"(kept {DAILY_RETENTION_DAYS} days) and monthly (kept {MONTHLY_RETENTION_DAYS} days) into an "
        "encrypted vault.",
        "manual_backup": "in the RDS console take a snapshot of the instance tagged "
        f"`council={d.council_slug}`, `app={d.app_id}` (or `aws rds create-db-snapshot`).",
        "restore": "RDS restores into a new instance, never in place: restore to a point in time (RDS "
        "console, Automated backups, or `aws rds restore-db-instance-to-point-in-time`) or from a "
        "snapshot, check it, then copy the data back into the stack's database with the engine's "
        "dump tool (or have a cloud engineer swap the instance in with `pulumi import`). "
        + (
            "Files: AWS Backup restores into the same EFS file system, under a new "
            "`aws-backup-restore_...` folder; copy back what you need."
            if d.production
            else "Files on a trial have no backup beyond EFS's own durability."
        ),
        "destroy_trial": "Nothing of a trial is kept.",
        "destroy_production": "Deletion protection on the database and the load balancer is turned off "
        "first (a targeted update), then everything is destroyed except what holds the backups: the "
        f"database's final snapshot `{final_snapshot_prefix(d)}<8 hex digits>` (the exact name is the stack "
        "output `final_snapshot`, unique to this database so a re-created stack never collides with it), "
        "the AWS Backup vault with its recovery points (output `backup_vault`; each point expires with its "
        "lifecycle), the load balancer's access-log bucket (`access_logs_bucket`) and the KMS key that "
        "encrypts them (`kms_key`). AWS keeps them until you delete them; the prompt names each first. "
        "`councilkit destroy . --delete-backups` deletes them as well. Neither can be undone.",
    }
