"""Backup (production): a Recovery Services vault backing up every file share daily, and a
self-managed database's VM (database_vm.py) daily.

A flexible server backs itself up (database.py: 14 days, geo-redundant); a self-managed
database VM has no such service, so the vault takes a daily backup of the whole VM, its data
disk included (policy `vm-daily`, after the VM's own nightly dump to Blob storage), kept as
long as the file shares'. Daily snapshots are kept 30 days, in a geo-redundant vault
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
from .settings import INCARNATION_SUFFIX_BYTES, RECOVERY_POINT_RETENTION_DAYS, recovery_vault_properties

RETENTION_DAYS = RECOVERY_POINT_RETENTION_DAYS
DAILY_AT = "2020-01-01T02:00:00Z"  # only the time of day counts


def _daily() -> dict:
    """The schedule and retention every policy here shares: daily at DAILY_AT, kept RETENTION_DAYS."""
    return dict(
        schedule_policy=recoveryservices.SimpleSchedulePolicyArgs(
            schedule_policy_type="SimpleSchedulePolicy", schedule_run_frequency="Daily",
            schedule_run_times=[DAILY_AT],
        ),
        retention_policy=recoveryservices.LongTermRetentionPolicyArgs(
            retention_policy_type="LongTermRetentionPolicy",
            daily_schedule=recoveryservices.DailyRetentionScheduleArgs(
                retention_times=[DAILY_AT],
                retention_duration=recoveryservices.RetentionDurationArgs(count=RETENTION_DAYS, duration_type="Days"),
            ),
        ),
    )


@dataclass
class BackupArgs:
    deployment: Deployment
    resource_group_name: pulumi.Input[str]
    location: str
    storage_account_id: pulumi.Input[str] | None
    storage_account_name: str | None
    share_names: list[str]
    vm: tuple[pulumi.Input[str], pulumi.Input[str]] | None = None
    """(id, name) of a self-managed database's VM to protect"""


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
        if args.vm is not None:
            self._protect_vm(name, d, rg, *args.vm)
        if not args.share_names:
            self.register_outputs({"vault": self.vault.name})
            return
        policy = recoveryservices.ProtectionPolicy(
            f"{name}-daily",
            policy_name="files-daily",
            vault_name=self.vault.name,
            resource_group_name=rg,
            properties=recoveryservices.AzureFileShareProtectionPolicyArgs(
                backup_management_type="AzureStorage",
                work_load_type="AzureFileShare",
                time_zone="UTC",
                **_daily(),
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

    def _protect_vm(self, name: str, d: Deployment, rg, vm_id, vm_name) -> None:
        """The VM in the vault: an AzureIaasVM policy and the protected item. Container and item
        names are Azure Backup's own ("Back up an Azure VM using Azure Backup via REST API",
        MicrosoftDocs/azure-docs backup-azure-arm-userestapi-backupazurevms.md: containerName
        "iaasvmcontainer;iaasvmcontainerv2;<group>;<vm>", protectedItemName
        "vm;iaasvmcontainerv2;<group>;<vm>", protectedItemType "Microsoft.Compute/virtualMachines")."""
        policy = recoveryservices.ProtectionPolicy(
            f"{name}-vm-daily",
            policy_name="vm-daily",
            vault_name=self.vault.name,
            resource_group_name=rg,
            properties=recoveryservices.AzureIaaSVMProtectionPolicyArgs(
                backup_management_type="AzureIaasVM",
                time_zone="UTC",
                instant_rp_retention_range_in_days=2,
                **_daily(),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        item = pulumi.Output.concat("iaasvmcontainerv2;", names.resource_group(d), ";", vm_name)
        recoveryservices.ProtectedItem(
            f"{name}-database-vm",
            protected_item_name=pulumi.Output.concat("vm;", item),
            container_name=pulumi.Output.concat("iaasvmcontainer;", item),
            fabric_name="Azure",
            vault_name=self.vault.name,
            resource_group_name=rg,
            properties=recoveryservices.AzureIaaSComputeVMProtectedItemArgs(
                protected_item_type="Microsoft.Compute/virtualMachines",
                source_resource_id=vm_id,
                policy_id=policy.id,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
