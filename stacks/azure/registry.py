"""Registry: Azure Container Registry for images the council builds from a blueprint's Dockerfile.

Created only when a container uses `build:`. The admin user is off: the apps' managed identity
pulls with AcrPull (scoped to this registry), and the council's CI pushes with its own identity
(AcrPush, granted outside this stack).

SKU by tier: a trial holds one app's few image tags and pulls them rarely, well inside Basic's
10 GiB and its throughput, at a quarter of Standard's price (£3.95 a month against £15.82).
Basic has everything a trial relies on (managed-identity pulls, admin user off, no anonymous
pull), and a trial's pulls go over HTTPS with the identity's token.

Production given the network (`RegistryArgs.network`) is Premium (£39.54 a month, 1.30 a day in prices/azure-uksouth.yaml, against
Standard's £15.82) so that its apps pull through a private endpoint in the endpoints subnet:
private endpoints are a Premium feature (MicrosoftDocs/azure-management-docs
container-registry/container-registry-private-link.md: "available in the Premium container registry
service tier"; container-registry-skus.md), and Microsoft's Container Apps NSG page says to give ACR
a private endpoint so the environment pulls through the virtual network (azure-docs
container-apps/firewall-integration.md, Outbound note). The private endpoint adds £5.48 a month.

Production keeps public network access on, for one reason: the go-live image phase
(golive.py) runs `az acr build` from the council's machine, and the same private-link page says
"If you disable public access to a registry, `az acr build` commands no longer work": Tasks push
from shared public IPs unless a dedicated agent pool is used. The trusted-services bypass does
not rescue it: the current trusted-services page (allow-access-trusted-services.md, 2025) no
longer lists ACR Tasks, and its older entry covered only tasks with their own identity, not a
quick build. Dedicated agent pools are not in pulumi-azure-native 3.29's containerregistry
module. So `networkRuleBypassOptions` is AzureServices and advisory control CK-AZR-032 reports
the open public endpoint until the image phase builds in an agent pool; admin user and anonymous
pull stay off, so the public endpoint still answers only Entra identities.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.containerregistry as containerregistry

from councilkit.blueprints.deployment import Deployment

from . import names
from .identity import grant
from .network import Network

SKU = {"trial": "Basic", "production": "Standard"}
# Private endpoints need Premium (module doc): a production registry given the network gets both.
PRIVATE_SKU = "Premium"


@dataclass
class RegistryArgs:
    deployment: Deployment
    resource_group_name: pulumi.Input[str]
    location: str
    puller_principal_id: pulumi.Input[str]
    network: Network | None = None
    """production: the private endpoint (group `registry`) goes in its endpoints subnet"""


class Registry(pulumi.ComponentResource):
    """`login_server` (e.g. crborsetshire…azurecr.io); `repository` = login server/blueprint id."""

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:azure:Registry", name, None, opts)
        d = args.deployment
        registry_name = names.registry(d)
        private = d.production and args.network is not None
        self.registry = containerregistry.Registry(
            f"{name}-acr",
            registry_name=registry_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            sku=containerregistry.SkuArgs(name=PRIVATE_SKU if private else SKU[d.tier]),
            admin_user_enabled=False,
            anonymous_pull_enabled=False,
            # Kept on for `az acr build` (see the module doc); trusted Azure services bypass rules.
            public_network_access="Enabled",
            network_rule_bypass_options="AzureServices",
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.private_endpoint = None
        if private:
            self.private_endpoint = args.network.private_endpoint(
                f"{name}-acr", self.registry.id, "registry", owner=self)
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
