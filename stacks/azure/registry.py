"""Registry: Azure Container Registry for images the council builds from a blueprint's Dockerfile.

Created only when a container uses `build:`. The admin user is off: the apps' managed identity
pulls with AcrPull (scoped to this registry), and the council's CI pushes with its own identity
(AcrPush, granted outside this stack). Premium features (private link, geo-replication) are not
needed: pulls go over HTTPS with the identity's token.

SKU by tier: a trial holds one app's few image tags and pulls them rarely, well inside Basic's
10 GiB and its throughput, at a quarter of Standard's price (£3.95 a month against £15.82).
Basic has everything a trial relies on (managed-identity pulls, admin user off, no anonymous
pull). Production keeps Standard: 100 GiB for a longer history of tags, and higher pull
throughput when replicas scale out or move zones together.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.containerregistry as containerregistry

from councilkit.blueprints.deployment import Deployment

from . import names
from .identity import grant

SKU = {"trial": "Basic", "production": "Standard"}


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
            sku=containerregistry.SkuArgs(name=SKU[d.tier]),
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
