"""Whether Azure credentials are visible, before anything calls Pulumi (one clear line if not).

What the azure-native provider accepts (its installation & configuration page): a service
principal (ARM_CLIENT_ID…), a managed identity (ARM_USE_MSI) or OIDC (ARM_USE_OIDC), else the
Azure CLI's signed-in account, whose token cache lives in ~/.azure (or AZURE_CONFIG_DIR).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

MISSING = ("no Azure credentials found; run `az login`, or set ARM_CLIENT_ID, ARM_CLIENT_SECRET, "
           "ARM_TENANT_ID and ARM_SUBSCRIPTION_ID for a service principal, then run this again")


def present(env: Mapping[str, str]) -> bool:
    if env.get("ARM_CLIENT_ID") or env.get("AZURE_CLIENT_ID"):
        return True
    if env.get("ARM_USE_MSI", "").lower() == "true" or env.get("ARM_USE_OIDC", "").lower() == "true":
        return True
    cache = Path(env.get("AZURE_CONFIG_DIR") or Path(os.path.expanduser("~")) / ".azure")
    return any((cache / name).is_file() for name in ("msal_token_cache.json", "accessTokens.json", "azureProfile.json"))
