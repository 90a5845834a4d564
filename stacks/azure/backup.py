"""Backup (production): a Recovery Services vault backing up every file share daily.

The database is backed up by the flexible server itself (database.py: 14 days, geo-redundant);
this vault covers the shared files. Daily snapshots are kept 30 days, in a geo-redundant vault
with cross-region restore and soft delete (deleted backups are kept 14 more days). A destroy
keeps the vault, in a resource group of its own (settings.DELETE_BACKUPS says why and what
`--delete-backups` changes).
Note: Azure Backup's support for NFS shares arrived later than for SMB shares; check it is
offered in the deployment's region (uksouth has it) before relying on it, and see the runbook
for restoring from share snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.recoveryservices as recoveryservices
import pulumi_azure_native.resources as resources
import pulumi_random as random

from councilkit.blueprints.deployment import Deployment

from . import names
from .settings import INCARNATION_SUFFIX_BYTES, recovery_vault_properties

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
        # A destroy keeps the vault (settings.DELETE_BACKUPS), so its name and its group's get a
        # suffix drawn once per incarnation: `new` + `up` with the same answers must not meet
        # them. The vault lives in a group of its own, or deleting the stack's group would try
        # to delete the kept vault too (a vault holding backup items, even soft-deleted ones,
        # cannot be deleted; Azure/azure-powershell#4804: a Recovery Services vault blocks
        # removing its resource group).
        suffix = random.RandomId(f"{name}-suffix", byte_length=INCARNATION_SUFFIX_BYTES, opts=child)
        kept = pulumi.ResourceOptions(parent=self, retain_on_delete=True)
        # The names as drawn (the stack exports these: the destroy prompt and record name them).
        self.group_name: pulumi.Output[str] = suffix.hex.apply(lambda h: names.backup_group(d, h))
        self.vault_name: pulumi.Output[str] = suffix.hex.apply(lambda h: names.recovery_vault(d, h))
        self.group = resources.ResourceGroup(
            f"{name}-group",
            resource_group_name=self.group_name,
            location=args.location,
            opts=kept,
        )
        self.vault = recoveryservices.Vault(
            f"{name}-vault",
            vault_name=self.vault_name,
            resource_group_name=self.group.name,
            location=args.location,
            sku=recoveryservices.SkuArgs(name="RS0", tier="Standard"),
            properties=recovery_vault_properties("Enabled"),
            opts=kept,
        )
        rg = self.group.name
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
        # The storage account's own group (the stack's), not the vault's.
        container_name = f"StorageContainer;Storage;{names.resource_group(d)};{args.storage_account_name}"
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
