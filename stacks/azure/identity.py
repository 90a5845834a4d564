"""Identity: one user-assigned managed identity for all of the deployment's containers.

The identity reads Key Vault secrets (secrets.py) and pulls images from the council's registry
(registry.py); nothing holds a password or registry key. `grant` gives it (or any principal) one
built-in role on one resource: least privilege, scoped to that resource only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.managedidentity as managedidentity

from councilkit.blueprints.deployment import Deployment

from . import names

# Built-in role definition ids (the same GUID in every subscription).
ROLES = {
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    # The self-managed database's dump writer (database_vm.py): "Azure built-in roles for
    # Storage"; the same id in Azure/azure-sdk-for-rust azure_storage_blob perf-resources.bicep.
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
}
_SUBSCRIPTION = re.compile(r"^/subscriptions/[^/]+")


def role_definition_id(scope_id: pulumi.Input[str], role: str) -> pulumi.Output[str]:
    """The subscription-qualified id of a built-in role, read from the scope's own resource id.

    Taken from the scope rather than a `getClientConfig` call so the plan needs no Azure login.
    """

    def qualify(scope: str) -> str:
        match = _SUBSCRIPTION.match(scope or "")
        prefix = match.group(0) if match else ""
        return f"{prefix}/providers/Microsoft.Authorization/roleDefinitions/{ROLES[role]}"

    return pulumi.Output.from_input(scope_id).apply(qualify)


def grant(
    d: Deployment,
    name: str,
    *,
    scope_id: pulumi.Input[str],
    role: str,
    principal_id: pulumi.Input[str],
    parent: pulumi.Resource,
) -> authorization.RoleAssignment:
    return authorization.RoleAssignment(
        name,
        role_assignment_name=names.guid(d, name),
        scope=scope_id,
        role_definition_id=role_definition_id(scope_id, role),
        principal_id=principal_id,
        principal_type="ServicePrincipal",
        description=f"councilkit: {role} for {d.stack_name}",
        opts=pulumi.ResourceOptions(parent=parent),
    )


@dataclass
class IdentityArgs:
    deployment: Deployment
    resource_group_name: pulumi.Input[str]
    location: str


class Identity(pulumi.ComponentResource):
    """`id` (resource id, for apps and Key Vault references), `principal_id`, `client_id`."""

    def __init__(self, name: str, args: IdentityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:azure:Identity", name, None, opts)
        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-apps",
            resource_group_name=args.resource_group_name,
            location=args.location,
            resource_name_=f"id-{args.deployment.app_id}",
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.id = self.identity.id
        self.principal_id = self.identity.principal_id
        self.client_id = self.identity.client_id
        self.tenant_id = self.identity.tenant_id
        self.register_outputs({"id": self.id, "client_id": self.client_id})
