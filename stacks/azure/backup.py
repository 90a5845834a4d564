"""Backup (production): a Recovery Services vault backing up every file share daily.

The database is backed up by the flexible server itself (database.py: 14 days, geo-redundant);
this vault covers the shared files. Daily snapshots are kept 30 days, in a geo-redundant vault
with cross-region restore and soft delete (deleted backups are kept 14 more days).
Note: Azure Backup's support for NFS shares arrived later than for SMB shares; check it is
offered in the deployment's region (uksouth has it) before relying on it, and see the runbook
for restoring from share snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.recoveryservices as recoveryservices

from councilkit.blueprints.deployment import Deployment

from . import names

RETENTION_DAYS = 30
DAILY_AT = "2020-01-01T02:00:00Z"  # only the time of day counts


@dataclass
class BackupArgs:
    deployment: Deployment
    resource_group_name: pulumi.Input[str]
    location: str
    storage_account_id: pulumi.Input[str]
    storage_account_name: str
    share_names: list[str]


class Backup(pulumi.ComponentResource):
    def __init__(self, name: str, args: BackupArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:azure:Backup", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        d = args.deployment
        rg = args.resource_group_name
        self.vault = recoveryservices.Vault(
            f"{name}-vault",
            vault_name=names.dns_label(d, "rsv", 50),
            resource_group_name=rg,
            location=args.location,
            sku=recoveryservices.SkuArgs(name="RS0", tier="Standard"),
            properties=recoveryservices.VaultPropertiesArgs(
                public_network_access="Disabled",
                redundancy_settings=recoveryservices.VaultPropertiesRedundancySettingsArgs(
                    standard_tier_storage_redundancy="GeoRedundant", cross_region_restore="Enabled"
                ),
                security_settings=recoveryservices.SecuritySettingsArgs(
                    soft_delete_settings=recoveryservices.SoftDeleteSettingsArgs(
                        soft_delete_state="Enabled", soft_delete_retention_period_in_days=14
                    )
                ),
            ),
            opts=child,
        )
        policy = recoveryservices.ProtectionPolicy(
            f"{name}-daily",
            policy_name="files-daily",
            vault_name=self.vault.name,
            resource_group_name=rg,
            properties=recoveryservices.AzureFileShareProtectionPolicyArgs(
                backup_management_type="AzureStorage",
                work_load_type="AzureFileShare",
                time_zone="UTC",
                schedule_policy=recoveryservices.SimpleSchedulePolicyArgs(
                    schedule_policy_type="SimpleSchedulePolicy",
                    schedule_run_frequency="Daily",
                    schedule_run_times=[DAILY_AT],
                ),
                retention_policy=recoveryservices.LongTermRetentionPolicyArgs(
                    retention_policy_type="LongTermRetentionPolicy",
                    daily_schedule=recoveryservices.DailyRetentionScheduleArgs(
                        retention_times=[DAILY_AT],
                        retention_duration=recoveryservices.RetentionDurationArgs(
                            count=RETENTION_DAYS, duration_type="Days"
                        ),
                    ),
                ),
            ),
            opts=child,
        )
        rg_name = names.resource_group(d)
        container_name = f"StorageContainer;Storage;{rg_name};{args.storage_account_name}"
        container = recoveryservices.ProtectionContainer(
            f"{name}-account",
            container_name=container_name,
            fabric_name="Azure",
            vault_name=self.vault.name,
            resource_group_name=rg,
            properties=recoveryservices.AzureStorageContainerArgs(
                container_type="StorageContainer",
                backup_management_type="AzureStorage",
                source_resource_id=args.storage_account_id,
                friendly_name=args.storage_account_name,
            ),
            opts=child,
        )
        for share in args.share_names:
            recoveryservices.ProtectedItem(
                f"{name}-{share}",
                protected_item_name=f"AzureFileShare;{share}",
                container_name=container_name,
                fabric_name="Azure",
                vault_name=self.vault.name,
                resource_group_name=rg,
                properties=recoveryservices.AzureFileshareProtectedItemArgs(
                    protected_item_type="AzureFileShareProtectedItem",
                    source_resource_id=args.storage_account_id,
                    policy_id=policy.id,
                    friendly_name=share,
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[container]),
            )
        self.register_outputs({"vault": self.vault.name})
