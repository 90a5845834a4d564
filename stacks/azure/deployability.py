"""What Azure Resource Manager refuses that the offline mocks accept: a first few name rules.

Each cites the Azure REST API specification it encodes (Azure/azure-rest-api-specs, which
pulumi-azure-native is generated from). Issue 12 fills in the rest (Container Apps, PostgreSQL and
MySQL flexible servers, Redis, Front Door). Imports no SDK.
"""

from __future__ import annotations

from councilkit.stacks.deployability.model import Rule
from councilkit.stacks.deployability.validators import all_of, field, length, matches

KEY_VAULT_NAME = Rule(
    "AZR-DEP-001", "Key Vault name: 3-24 letters, digits and hyphens",
    ("azure-native:keyvault:Vault",), ("vaultName",),
    field("vaultName", validator=all_of(length(3, 24), matches(r"[a-zA-Z0-9-]+", "may contain only letters, digits and hyphens"))),
    "azure-rest-api-specs specification/keyvault (Microsoft.KeyVault) Vaults_CreateOrUpdate: vaultName "
    "pattern ^[a-zA-Z0-9-]{3,24}$",
    bad={"vaultName": "kv-king's-lynn"}, good={"vaultName": "kv-kings-lynn-p0f074d"},
)
STORAGE_ACCOUNT_NAME = Rule(
    "AZR-DEP-002", "storage account name: 3-24 lowercase letters and digits",
    ("azure-native:storage:StorageAccount",), ("accountName",),
    field("accountName", validator=all_of(length(3, 24), matches(r"[a-z0-9]+", "may contain only lowercase letters and digits"))),
    "azure-rest-api-specs specification/storage (Microsoft.Storage) StorageAccounts_Create accountName, as "
    "pulumi-azure-native documents it (storage.StorageAccount account_name: 3-24 numbers and lower-case letters)",
    bad={"accountName": "st-kings-lynn"}, good={"accountName": "stkingslynnp0f074d"},
)

RULES: tuple[Rule, ...] = (KEY_VAULT_NAME, STORAGE_ACCOUNT_NAME)
