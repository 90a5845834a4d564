"""Network: one VNet per deployment, a subnet per job, private DNS for everything private.

- `apps` (/23) is delegated to Microsoft.App/environments: the Container Apps environment runs in it.
- `database` (/24) is delegated to the flexible server (PostgreSQL or MySQL), which lives only there.
- `endpoints` (/24) holds the private endpoints of Key Vault, the file storage account and Redis.
Each private endpoint registers its address in a private DNS zone linked to the VNet, so apps
resolve e.g. `<vault>.vault.azure.net` to a private address and the public endpoints can be off.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.network as network
import pulumi_azure_native.privatedns as privatedns

from councilkit.blueprints.deployment import Deployment
from councilkit.stacks.spec import NETWORK_CIDR

SUBNETS = {"apps": "10.20.0.0/23", "database": "10.20.2.0/24", "endpoints": "10.20.3.0/24"}
# The flexible server's delegation, per engine (MariaDB runs on MySQL flexible server: database.py).
DATABASE_DELEGATION = {
    "postgres": "Microsoft.DBforPostgreSQL/flexibleServers",
    "mysql": "Microsoft.DBforMySQL/flexibleServers",
    "mariadb": "Microsoft.DBforMySQL/flexibleServers",
}
# Private Link DNS zones, per sub-resource (group id) of a private endpoint.
PRIVATE_LINK_ZONES = {
    "vault": "privatelink.vaultcore.azure.net",
    "file": "privatelink.file.core.windows.net",
    "redisCache": "privatelink.redis.cache.windows.net",
}


@dataclass
class NetworkArgs:
    deployment: Deployment
    resource_group_name: pulumi.Input[str]
    location: str


class Network(pulumi.ComponentResource):
    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:azure:Network", name, None, opts)
        self._name = name
        self._child = pulumi.ResourceOptions(parent=self)
        self._rg = args.resource_group_name
        self._location = args.location
        d = args.deployment
        self.cidr = NETWORK_CIDR
        self.vnet = network.VirtualNetwork(
            f"{name}-vnet",
            resource_group_name=self._rg,
            location=self._location,
            address_space=network.AddressSpaceArgs(address_prefixes=[NETWORK_CIDR]),
            opts=self._child,
        )
        delegations = {
            "apps": "Microsoft.App/environments",
            "database": DATABASE_DELEGATION[d.blueprint.database.engine] if d.blueprint.database else None,
            "endpoints": None,
        }
        self.subnets: dict[str, network.Subnet] = {}
        previous: list[pulumi.Resource] = []
        for role, prefix in SUBNETS.items():
            if role == "database" and d.blueprint.database is None:
                continue
            service = delegations[role]
            subnet = network.Subnet(
                f"{name}-{role}",
                resource_group_name=self._rg,
                virtual_network_name=self.vnet.name,
                subnet_name=role,
                address_prefix=prefix,
                delegations=[network.DelegationArgs(name=role, service_name=service)] if service else None,
                # No implicit internet egress: the apps environment has its own managed egress.
                default_outbound_access=False if role != "apps" else None,
                private_endpoint_network_policies="Enabled" if role == "endpoints" else None,
                # Azure refuses concurrent changes to one VNet's subnets: create them one by one.
                opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
            )
            previous = [subnet]
            self.subnets[role] = subnet
        self._zones: dict[str, privatedns.PrivateZone] = {}
        self.zone_links: dict[str, privatedns.VirtualNetworkLink] = {}
        self.register_outputs({"vnet_id": self.vnet.id})

    def private_zone(self, key: str, zone_name: pulumi.Input[str]) -> privatedns.PrivateZone:
        """A private DNS zone linked to the VNet (one per zone name)."""
        if key in self._zones:
            return self._zones[key]
        zone = privatedns.PrivateZone(
            f"{self._name}-zone-{key}",
            resource_group_name=self._rg,
            private_zone_name=zone_name,
            location="global",
            opts=self._child,
        )
        self.zone_links[key] = privatedns.VirtualNetworkLink(
            f"{self._name}-zone-{key}-link",
            resource_group_name=self._rg,
            private_zone_name=zone.name,
            virtual_network_link_name=f"link-{key}",
            virtual_network=privatedns.SubResourceArgs(id=self.vnet.id),
            registration_enabled=False,
            location="global",
            opts=self._child,
        )
        self._zones[key] = zone
        return zone

    def private_endpoint(
        self, key: str, resource_id: pulumi.Input[str], group_id: str, owner: pulumi.Resource
    ) -> network.PrivateEndpoint:
        """A private endpoint for `resource_id` in the endpoints subnet, registered in private DNS.

        Parented to `owner` (the component whose resource it exposes) so the graph reads well.
        """
        zone = self.private_zone(group_id, PRIVATE_LINK_ZONES[group_id])
        child = pulumi.ResourceOptions(parent=owner)
        endpoint = network.PrivateEndpoint(
            f"{key}-pe",
            resource_group_name=self._rg,
            location=self._location,
            subnet=network.SubnetArgs(id=self.subnets["endpoints"].id),
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name=f"{key}-{group_id}", private_link_service_id=resource_id, group_ids=[group_id]
                )
            ],
            opts=child,
        )
        network.PrivateDnsZoneGroup(
            f"{key}-pe-dns",
            resource_group_name=self._rg,
            private_endpoint_name=endpoint.name,
            private_dns_zone_group_name="default",
            private_dns_zone_configs=[
                network.PrivateDnsZoneConfigArgs(name=group_id, private_dns_zone_id=zone.id)
            ],
            opts=child,
        )
        return endpoint
