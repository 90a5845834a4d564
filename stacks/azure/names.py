"""Azure resource names that are valid for any council name a user can type.

Azure's rules differ per resource type (a storage account: 3–24 lowercase letters and digits,
globally unique; a Key Vault: 3–24 letters, digits and single hyphens, starting with a letter,
globally unique). Every name here is built from `spec.short_name` (readable prefix + a hash of
council|app|tier), so two councils never share a globally unique name, and is checked by a
property-based test (tests/test_azure_names.py).

Re-creating a destroyed stack with the same answers (tests/test_azure_recreate.py): what outlives a
destroy takes a per-incarnation suffix (`key_vault`, `recovery_vault`, `backup_group`). The rest
may keep its fixed name: a deleted storage account's name is free at once (its recovery needs "a
new storage account with the same name has not been created since", learn.microsoft.com
storage-account-recover), and a Front Door endpoint of the same name is meant to be re-created
(endpoint domain reuse, default TenantReuse: the same name in the same tenant gets the same
host name, learn.microsoft.com/azure/frontdoor/endpoint).
"""

from __future__ import annotations

import hashlib
import re
import uuid

from councilkit.blueprints.deployment import Deployment
from councilkit.stacks.spec import short_name

# Azure's own rules, as the tests check them.
STORAGE_ACCOUNT_RE = re.compile(r"^[a-z0-9]{3,24}$")
KEY_VAULT_RE = re.compile(r"^(?=.{3,24}$)[A-Za-z](?!.*--)[A-Za-z0-9-]*[A-Za-z0-9]$")
REGISTRY_RE = re.compile(r"^[a-zA-Z0-9]{5,50}$")
# Flexible servers, Redis, Front Door endpoints: DNS labels.
DNS_LABEL_RE = re.compile(r"^(?=.{3,63}$)[a-z][a-z0-9-]*[a-z0-9]$")
CONTAINER_APP_RE = re.compile(r"^(?=.{2,32}$)[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$")


def _fit(text: str, limit: int) -> str:
    """`text` if it fits, else a prefix plus a hash of the whole, so distinct texts stay distinct."""
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:6]
    return f"{text[: limit - 7].rstrip('-')}-{digest}"


def resource_group(d: Deployment) -> str:
    # 1–90 characters; unique only within the subscription.
    return _fit(f"rg-{d.stack_name}", 90)


def storage_account(d: Deployment) -> str:
    return "st" + short_name(d, 22, sep="")


def dump_account(d: Deployment) -> str:
    """The self-managed database's dump storage account (database_vm.py): `sd…`, beside the file
    share's `st…`; the same 3-24 lowercase letters and digits."""
    return "sd" + short_name(d, 22, sep="")


def vm(d: Deployment) -> str:
    """The self-managed database's VM, also its host name: a Linux VM takes 1-64 characters, no
    `\\/"'[]:|<>+=;,?*@&`, not ending in a period or hyphen (resource-name-rules.md,
    Microsoft.Compute virtualMachines; deployability.VM_NAME)."""
    return dns_label(d, "vm-db", 64)


def key_vault(d: Deployment, suffix: str) -> str:
    """`kv-<council/app/tier, 16>-<suffix>`: 24 at most (azure-rest-api-specs keyvault
    `vaultName` pattern `^[a-zA-Z0-9-]{3,24}$`). `suffix` is the incarnation's RandomId hex
    (secrets.py): "You won't be able to reuse the name of a key vault ... that exists in the
    soft-deleted state" (learn.microsoft.com/azure/key-vault/general/soft-delete-change), so a
    re-created stack needs a new name. short_name may start with a
    digit ("1st Borough…"); the "kv-" prefix keeps a letter first."""
    return f"kv-{short_name(d, 23 - len(suffix) - 3, sep='-')}-{suffix}"


def recovery_vault(d: Deployment, suffix: str) -> str:
    """`rsv-…-<suffix>`, 2–50 letters, digits and hyphens (a DNS label here), unique per
    incarnation: a destroy keeps the vault (settings.DELETE_BACKUPS)."""
    return f"rsv-{short_name(d, 50 - 4 - len(suffix) - 1, sep='-')}-{suffix}"


def backup_group(d: Deployment, suffix: str) -> str:
    """The resource group the kept Recovery Services vault alone lives in, so the stack's own
    group can be deleted while the vault stays (1–90 characters, unique per subscription)."""
    return f"{_fit(f'rg-{d.stack_name}-backup', 90 - len(suffix) - 1)}-{suffix}"


def registry(d: Deployment) -> str:
    return "cr" + short_name(d, 48, sep="")


def dns_label(d: Deployment, prefix: str, limit: int = 63) -> str:
    """A globally unique DNS label (database server, Redis, Front Door endpoint)."""
    return f"{prefix}-" + short_name(d, limit - len(prefix) - 1, sep="-")


def container_app(d: Deployment, container_name: str) -> str:
    # Unique within the deployment's resource group, so the app id and container name suffice.
    return _fit(f"{d.app_id}-{container_name}", 32)


def compact(d: Deployment, prefix: str, limit: int) -> str:
    """Letters and digits only (WAF policy names, action group short names)."""
    return prefix + short_name(d, limit - len(prefix), sep="")


def guid(d: Deployment, purpose: str) -> str:
    """A stable GUID (role assignment names must be GUIDs, unique per scope)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"councilkit:{d.stack_name}:{purpose}"))
