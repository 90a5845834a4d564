"""Azure stack settings that the runbook, report and stack all read: one home each, no SDK import."""

from __future__ import annotations

# Flexible Server automated backups (point-in-time restore window), days.
DATABASE_BACKUP_DAYS = {"trial": 7, "production": 14}

# Suffixes drawn once per incarnation of a stack (pulumi_random.RandomId, `hex` = 2 digits a
# byte), so `new` + `up` with the same answers after a destroy gets names that are free again.
INCARNATION_SUFFIX_BYTES = 2

# Key Vault soft-delete retention, days (7 to 90, "Azure Key Vault soft delete overview"); the
# name stays taken meanwhile ("You won't be able to reuse the name of a key vault ... that
# exists in the soft-deleted state", learn.microsoft.com/azure/key-vault/general/
# soft-delete-change), and with purge protection no one can purge it sooner.
KEY_VAULT_RETENTION_DAYS = {"trial": 7, "production": 90}

# Recovery Services soft delete: deleted backup items are kept 14 more days (MicrosoftDocs
# azure-docs articles/backup/soft-delete-azure-backup-faq.yml: "fixed to 14 days"), and "a
# Recovery Services vault can't be deleted if there are backup items within it, even
# soft-deleted ones ... Disabling soft-delete is the only way to guarantee immediate deletion"
# (learn.microsoft.com/azure/backup/use-restapi-update-vault-properties).
BACKUP_SOFT_DELETE_DAYS = 14

# How long the Recovery Services vault keeps each daily recovery point (backup.py's policies), and
# each on-demand one `councilkit backup` takes (stacks/azure/backups.py sets the same expiry).
RECOVERY_POINT_RETENTION_DAYS = 30

RECOVERY_VAULT = "azure-native:recoveryservices:Vault"
BACKUP_GROUP = "azure-native:resources:ResourceGroup"


def recovery_vault_properties(soft_delete_state: str) -> dict:
    """The Recovery Services vault's `properties` (the ArgsDict form, so the stack and the
    --delete-backups table below share one definition): private, geo-redundant with
    cross-region restore; soft delete "Enabled" (not "AlwaysON", which could never be turned
    off again: azure-native SoftDeleteState, MicrosoftDocs quick-backup-azure-enable-enhanced-
    soft-delete.md "Once you enable the always-on state for soft delete, you can't disable it")."""
    return {
        "public_network_access": "Disabled",
        "redundancy_settings": {"standard_tier_storage_redundancy": "GeoRedundant",
                                "cross_region_restore": "Enabled"},
        "security_settings": {"soft_delete_settings": {
            "soft_delete_state": soft_delete_state,
            "soft_delete_retention_period_in_days": BACKUP_SOFT_DELETE_DAYS,
        }},
    }


# What a production destroy does with the file backups. Azure Files backup keeps its snapshots
# "in the same storage account as the backed-up file share. If the storage account gets deleted,
# you will lose all your snapshots", and takes a Delete lock on the account (MicrosoftDocs
# azure-docs articles/backup/backup-azure-files-faq.yml; "no data is transferred to the vault").
# So no destroy that deletes the storage account can keep them: the runbook says copy the share
# first. Pulumi deletes dependents first: each protected item (ProtectedItems Delete, "Used to
# disable backup of an item within a container", learn.microsoft.com/rest/api/backup/
# protected-items/delete), then the container registration (the storage account unregistered),
# then the policy; the storage account and the stack's group follow. A vault "that contains
# backup data in the soft deleted state" or "has registered storage accounts" cannot be deleted
# (learn.microsoft.com/azure/backup/backup-azure-delete-vault), so the vault is retained, in a
# group of its own (backup.py), and listed as kept: a plain destroy completes either way.
# `destroy --delete-backups` (stacks/program.py `delete_backups`, which also lifts
# retain_on_delete): the targeted update first turns the vault's soft delete off, so deleted
# items go at once and Pulumi deletes the vault and its group too. The table is keyed by type,
# so the stack's own group is targeted as well: nothing about it changes (never retained, no
# inputs set), so that update leaves it as it is.
DELETE_BACKUPS = {
    RECOVERY_VAULT: {"properties": recovery_vault_properties("Disabled")},
    BACKUP_GROUP: {},
}
