"""Registry: Azure Container Registry for images the council builds from a blueprint's Dockerfile.

Created only when a container uses `build:`. The admin user is off: the apps' managed identity
pulls with AcrPull (scoped to this registry), and the council's CI pushes with its own identity
(AcrPush, granted outside this stack). Standard SKU: Premium features are not needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.containerregistry as containerregistry

from councilkit.blueprints.deployment import Deployment

from . import names
from .identity import grant


@dataclass
class RegistryArgs:
    deployment: Deployment
    resource_group_name: pulumi.Input[str]
    location: str
    puller_principal_id: pulumi.Input[str]


class Registry(pulumi.ComponentResource):
    """`login_server` (e.g. crborsetshire…azurecr.io); `repository` = login server/blueprint id."""

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:azure:Registry", name, None, opts)
        d = args.deployment
        registry_name = names.registry(d)
        self.registry = containerregistry.Registry(
            f"{name}-acr",
            registry_name=registry_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            sku=containerregistry.SkuArgs(name="Standard"),
            admin_user_enabled=False,
            anonymous_pull_enabled=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.pull = grant(
            d,
            f"{name}-apps-pull",
            scope_id=self.registry.id,
            role="AcrPull",
            principal_id=args.puller_principal_id,
            parent=self,
        )
        # Known at plan time (the registry's name is ours), so image names read well in the plan.
        self.login_server = f"{registry_name.lower()}.azurecr.io"
        self.repository = f"{self.login_server}/{d.app_id}"
        self.register_outputs({"login_server": self.login_server})
