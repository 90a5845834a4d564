"""Backup (production): an AWS Backup plan for the database and the shared files.

Daily backups kept 35 days and monthly kept a year, in an encrypted vault, on top of RDS's own
point-in-time recovery, so a council can restore a deleted file or a whole database.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from . import iam
from .settings import DAILY_RETENTION_DAYS, MONTHLY_RETENTION_DAYS

SERVICE_POLICIES = (
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
)


@dataclass
class BackupArgs:
    resource_arns: list[pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]


class Backup(pulumi.ComponentResource):
    def __init__(self, name: str, args: BackupArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:aws:Backup", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # Kept by `destroy` with its recovery points (Pulumi forgets it, AWS keeps it until the
        # points' lifecycle below expires them) unless `--delete-backups` (settings.DELETE_BACKUPS).
        # AWS Backup refuses to delete a vault that holds recovery points; force_destroy deletes
        # them first (terraform-provider-aws aws_backup_vault).
        self.vault = aws.backup.Vault(
            f"{name}-vault", force_destroy=False, kms_key_arn=args.kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
        )
        self.plan = aws.backup.Plan(
            f"{name}-plan",
            rules=[
                aws.backup.PlanRuleArgs(
                    rule_name="daily",
                    target_vault_name=self.vault.name,
                    schedule="cron(0 2 * * ? *)",
                    start_window=60,
                    completion_window=360,
                    lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=DAILY_RETENTION_DAYS),
                ),
                aws.backup.PlanRuleArgs(
                    rule_name="monthly",
                    target_vault_name=self.vault.name,
                    schedule="cron(0 3 1 * ? *)",
                    lifecycle=aws.backup.PlanRuleLifecycleArgs(
                        cold_storage_after=30, delete_after=MONTHLY_RETENTION_DAYS
                    ),
                ),
            ],
            opts=child,
        )
        role = iam.role(f"{name}-role", "backup.amazonaws.com", None, child)
        # The role `councilkit backup` passes to StartBackupJob for an on-demand backup (its IamRoleArn).
        self.role = role
        for i, arn in enumerate(SERVICE_POLICIES):
            aws.iam.RolePolicyAttachment(f"{name}-role-{i}", role=role.name, policy_arn=arn, opts=child)
        aws.backup.Selection(
            f"{name}-selection",
            plan_id=self.plan.id,
            iam_role_arn=role.arn,
            resources=args.resource_arns,
            opts=child,
        )
        self.register_outputs({"vault": self.vault.name})
