"""What azure-native would answer for a resource, for the offline engine's mocks (cli/offline.py).

The offline engine echoes a resource's inputs as its outputs. Two things break that for
azure-native, and this module fixes them without any Azure call:

- shape: `identity.userAssignedIdentities` goes in as a list of ids but comes back as a map
  id → {principalId, clientId}; echoed as a list, the SDK cannot read the resource and the whole
  plan fails ("Expected 'list' got 'typing.Mapping[...]'").
- computed values the stack's outputs are built from (the environment's default domain, Front
  Door's host name and domain validation token, identity ids…): without them the plan's outputs
  are unknowns, which plan JSON cannot hold.
"""

from __future__ import annotations

from typing import Any

MOCK_GUID = "00000000-0000-0000-0000-000000000000"
REDIS_CLUSTER = "azure-native:redisenterprise:RedisEnterprise"
# Data-source calls the stack makes while planning, answered with placeholders of the right shape.
INVOKE_RESULTS = {
    "azure-native:redisenterprise:listDatabaseKeys": {"primaryKey": "mock-primary-key", "secondaryKey": "mock-secondary-key"},
    "azure-native:app:getCustomDomainVerificationId": {"value": "(the subscription's verification id)"},
}


def azure_outputs(type_: str, name: str, out: dict[str, Any]) -> dict[str, Any]:
    """`out` (the echoed inputs) reshaped and completed as azure-native returns them."""
    if not type_.startswith("azure-native:"):
        return out
    out = dict(out)
    identity = out.get("identity")
    if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
        out["identity"] = {
            **identity,
            "userAssignedIdentities": {i: {} for i in identity["userAssignedIdentities"]},
        }
    suffix = name.replace("_", "-")
    extras = {
        "principalId": MOCK_GUID,
        "clientId": MOCK_GUID,
        "tenantId": MOCK_GUID,
        "defaultDomain": f"{suffix}.uksouth.azurecontainerapps.io",
        "hostName": f"{suffix}.z01.azurefd.net",
        "customDomainVerificationId": "mock-verification-id",
        "validationProperties": {"validationToken": "mock-certificate-token"},
        "accessKeys": {"primaryKey": "mock-key", "secondaryKey": "mock-key"},
        "loginServer": f"{suffix.replace('-', '')}.azurecr.mock",
    }
    for key, value in extras.items():
        out.setdefault(key, value)
    if type_ == "azure-native:app:ManagedEnvironment":
        # The TXT value Azure checks at `asuid.<domain>` (a read-only property of the environment).
        out.setdefault("customDomainConfiguration", {"customDomainVerificationId": "mock-verification-id"})
    if type_ == REDIS_CLUSTER:
        # Azure names the cluster by its clusterName and serves it at
        # `<name>.<region>.redis.azure.net` (azure-docs articles/redis/private-link.md).
        cluster = out.get("clusterName") or suffix
        out["name"] = cluster
        out["hostName"] = f"{cluster}.{str(out.get('location') or 'uksouth').replace(' ', '').lower()}.redis.azure.net"
    if type_ == "azure-native:app:ManagedCertificate":
        # The DNS TXT token a managed certificate validated by TXT waits for.
        out["properties"] = {**(out.get("properties") or {}), "validationToken": "mock-certificate-token"}
    return out
