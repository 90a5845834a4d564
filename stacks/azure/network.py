"""Network: one VNet per deployment, a subnet per job, private DNS for everything private.

- `apps` (/23) is delegated to Microsoft.App/environments: the Container Apps environment runs in it.
- `database` (/24) is delegated to the flexible server (PostgreSQL or MySQL), which lives only there;
  a self-managed database (database_vm.py) is a VM in it instead, so it is not delegated (a
  delegated subnet takes only its service), and it reaches the internet only through a NAT
  gateway (the distribution's package archive and Azure's patching), never by a public IP of its own.
- `endpoints` (/24) holds the private endpoints of Key Vault, the file storage account and Redis.
Each private endpoint registers its address in a private DNS zone linked to the VNet, so apps
resolve e.g. `<vault>.vault.azure.net` to a private address and the public endpoints can be off.

Each subnet has its own network security group admitting only what that subnet needs
(`security_rules`):
- `apps`: Azure's defaults (VNet and Azure Load Balancer in, everything else in denied) plus, in a
  trial, HTTPS (and HTTP, answered only with a redirect) from the internet to the public ingress.
  Production has no rule from the internet: its environment takes no public traffic (Front Door
  reaches it over Private Link, see edge.py). Outbound (`outbound_rules`) is limited as on AWS:
  HTTPS and mail submission (587, 465) to the internet, each data port only to its own subnet,
  what Container Apps itself needs (Microsoft's NSG table for workload-profile environments),
  and everything else denied.
- `database`: the database port from the apps subnet, and the subnet to itself (the standby of
  zone-redundant HA replicates within it); everything else from the VNet denied.
  A self-managed database VM also reaches Key Vault and its dump storage through the endpoints
  subnet (443), which admits it.
- `endpoints`: from the apps subnet only, only the ports the private endpoints serve: 443 (Key
  Vault), 2049 (NFS shares), 10000 (Azure Managed Redis, TLS only: cache.py); everything else from
  the VNet denied.
Private endpoint network policies are on for the endpoints subnet, so its NSG applies to them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.network as network
import pulumi_azure_native.privatedns as privatedns

from councilkit.blueprints.deployment import Deployment
from councilkit.stacks.spec import NETWORK_CIDR

SUBNETS = {"apps": "10.20.0.0/23", "database": "10.20.2.0/24", "endpoints": "10.20.3.0/24"}
# The flexible server's delegation, per engine (MariaDB runs on MySQL flexible server: database.py,
# or self-managed on a VM: database_vm.py, in an undelegated subnet).
DATABASE_DELEGATION = {
    "postgres": "Microsoft.DBforPostgreSQL/flexibleServers",
    "mysql": "Microsoft.DBforMySQL/flexibleServers",
}
# Private Link DNS zones, per sub-resource (group id) of a private endpoint.
PRIVATE_LINK_ZONES = {
    "vault": "privatelink.vaultcore.azure.net",
    "file": "privatelink.file.core.windows.net",
    # Azure Managed Redis (redisEnterprise), Managed Redis docs private-link.md.
    "redisEnterprise": "privatelink.redis.azure.net",
    # Container Registry, sub-resource `registry` (MicrosoftDocs/azure-management-docs
    # container-registry/container-registry-private-link.md: `--group-ids registry`, zone
    # privatelink.azurecr.io).
    "registry": "privatelink.azurecr.io",
    # Blob storage, sub-resource `blob` (the self-managed database's dumps, database_vm.py):
    # "Azure Private Endpoint DNS configuration", Storage - Blob: privatelink.blob.core.windows.net.
    "blob": "privatelink.blob.core.windows.net",
}
# MariaDB listens where MySQL does (3306; the self-managed server, database_vm.py).
DATABASE_PORT = {"postgres": 5432, "mysql": 3306, "mariadb": 3306}
# Azure Managed Redis serves TLS on 10000 (Managed Redis docs, private-link.md; cache.TLS_PORT).
KEY_VAULT_PORT, NFS_PORT, REDIS_TLS_PORT = 443, 2049, 10000
# Below Azure's default rules (65000+), above every allow rule here.
DENY_PRIORITY = 4000


def _rule(name: str, priority: int, description: str, *, source: str, destination: str,
          ports: list[int] | None = None, access: str = "Allow", protocol: str = "Tcp",
          direction: str = "Inbound") -> network.SecurityRuleArgs:
    return network.SecurityRuleArgs(
        name=name,
        priority=priority,
        direction=direction,
        access=access,
        protocol=protocol,
        source_address_prefix=source,
        source_port_range="*",
        destination_address_prefix=destination,
        destination_port_ranges=[str(p) for p in ports] if ports else None,
        destination_port_range=None if ports else "*",
        description=description,
    )


# What a Container Apps workload-profiles environment needs outbound (MicrosoftDocs/azure-docs
# articles/container-apps/firewall-integration.md, "Securing a custom VNET in Azure Container Apps",
# Outbound, workload profiles tab): TCP 443 to the AzureMonitor, MicrosoftContainerRegistry and
# AzureFrontDoor.FirstParty (a dependency of MCR) service tags, UDP 123 (NTP) to any, and any
# protocol within the apps subnet. Its AzureCloud 443 row is covered by HTTPS to the internet.
PLATFORM_TAGS = ("AzureMonitor", "MicrosoftContainerRegistry", "AzureFrontDoor.FirstParty")
HTTPS_PORT, NTP_PORT = 443, 123
MAIL_SUBMISSION_PORTS = [587, 465]  # as on AWS (stacks/aws/firewall.py MAIL_PORTS): RFC 6409, RFC 8314


def outbound_rules(d: Deployment) -> list[network.SecurityRuleArgs]:
    """The apps subnet's outbound rules: named ports only, then deny everything else.

    The deny sits below Azure's AllowVnetOutBound/AllowInternetOutBound (65000, 65001), so it
    ends them; the same page warns that denies below 65000 can interrupt the platform, which is
    why every row of its table is allowed above it. Azure's DNS (168.63.129.16) is not filtered
    by NSGs (its rule is not needed, and the page says never to deny it explicitly: not done here).
    """
    apps, db, endpoints = SUBNETS["apps"], SUBNETS["database"], SUBNETS["endpoints"]

    def out(name, priority, description, destination, ports=None, protocol="Tcp", access="Allow"):
        return _rule(name, priority, description, source=apps if access == "Allow" else "*",
                     destination=destination, ports=ports, protocol=protocol, access=access,
                     direction="Outbound")

    rules = [out(f"allow-{tag.lower().replace('.', '-')}-out", 100 + 10 * i,
                 f"Container Apps platform: {tag} over HTTPS", tag, [HTTPS_PORT])
             for i, tag in enumerate(PLATFORM_TAGS)]
    rules += [
        out("allow-ntp-out", 130, "Container Apps platform: NTP", "*", [NTP_PORT], protocol="Udp"),
        out("allow-apps-subnet-out", 140, "within the apps subnet (the environment's own nodes)", apps,
            protocol="*"),
        out("allow-https-out", 150, "HTTPS to the internet: public images, the apps' own calls",
            "Internet", [HTTPS_PORT]),
        out("allow-mail-out", 160, "mail submission to the council's relay", "Internet", MAIL_SUBMISSION_PORTS),
    ]
    if d.blueprint.database:
        rules.append(out("allow-db-out", 170, "the database port, to the database subnet only", db,
                         [DATABASE_PORT[d.database_engine]]))
    rules.append(out("allow-endpoints-out", 180, "Key Vault, file shares and Redis, to the endpoints subnet only",
                     endpoints, endpoint_ports(d)))
    rules.append(out("deny-all-out", DENY_PRIORITY, "nothing else leaves the apps subnet", "*",
                     protocol="*", access="Deny"))
    return rules


def endpoint_ports(d: Deployment) -> list[int]:
    """The ports the endpoints subnet's private endpoints serve (see the module doc)."""
    return [KEY_VAULT_PORT] + ([NFS_PORT] if d.blueprint.files else []) + ([REDIS_TLS_PORT] if d.caches else [])


def security_rules(d: Deployment) -> dict[str, list[network.SecurityRuleArgs]]:
    """Rules per subnet role (see the module doc)."""
    bp = d.blueprint
    apps, db, endpoints = SUBNETS["apps"], SUBNETS["database"], SUBNETS["endpoints"]

    def deny_vnet() -> network.SecurityRuleArgs:
        # Azure's default AllowVnetInBound (65000) would admit every subnet; this comes first.
        return _rule("deny-other-vnet-in", DENY_PRIORITY, "nothing else from inside the VNet",
                     source="VirtualNetwork", destination="*", access="Deny", protocol="*")

    rules: dict[str, list[network.SecurityRuleArgs]] = {"apps": outbound_rules(d)}
    if not d.production:
        rules["apps"].insert(0, _rule(
            "allow-web-in", 100, "the public ingress: HTTPS, and HTTP answered with a redirect",
            source="Internet", destination=apps, ports=[80, 443],
        ))
    if bp.database:
        rules["database"] = [
            _rule("allow-apps-db-in", 100, "the apps to the database port",
                  source=apps, destination=db, ports=[DATABASE_PORT[d.database_engine]]),
            _rule("allow-db-subnet-in", 110, "within the subnet: HA standby replication",
                  source=db, destination=db, protocol="*"),
            deny_vnet(),
        ]
    ports = endpoint_ports(d)
    rules["endpoints"] = [
        _rule("allow-apps-endpoints-in", 100, "the apps to Key Vault, file shares and Redis",
              source=apps, destination=endpoints, ports=ports),
        deny_vnet(),
    ]
    if d.database_hosting == "self-managed":
        rules["endpoints"].insert(1, _rule(
            "allow-db-vm-endpoints-in", 110, "the database VM to Key Vault and its dump storage",
            source=db, destination=endpoints, ports=[KEY_VAULT_PORT]))
    return rules


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
            "database": DATABASE_DELEGATION[d.database_engine] if d.database_hosting == "managed" else None,
            "endpoints": None,
        }
        self.nat_gateway = self._database_egress(name, d)
        self.subnets: dict[str, network.Subnet] = {}
        self.security_groups: dict[str, network.NetworkSecurityGroup] = {}
        rules = security_rules(d)
        previous: list[pulumi.Resource] = []
        for role, prefix in SUBNETS.items():
            if role == "database" and d.blueprint.database is None:
                continue
            service = delegations[role]
            nsg = network.NetworkSecurityGroup(
                f"{name}-{role}-nsg",
                resource_group_name=self._rg,
                location=self._location,
                security_rules=rules[role],
                opts=self._child,
            )
            self.security_groups[role] = nsg
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
                nat_gateway=network.SubResourceArgs(id=self.nat_gateway.id)
                if role == "database" and self.nat_gateway else None,
                network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
                # Azure refuses concurrent changes to one VNet's subnets: create them one by one.
                opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
            )
            previous = [subnet]
            self.subnets[role] = subnet
        self._zones: dict[str, privatedns.PrivateZone] = {}
        self.zone_links: dict[str, privatedns.VirtualNetworkLink] = {}
        self.register_outputs({"vnet_id": self.vnet.id})

    def _database_egress(self, name: str, d: Deployment) -> network.NatGateway | None:
        """A NAT gateway for a self-managed database's subnet, or None: the VM installs and
        patches its packages from the distribution's archive, and Azure's guest patching needs
        "access to the configured update endpoints" (automatic-vm-guest-patching.md,
        Requirements), while the subnet has no default outbound access and the VM no public IP.
        Zonal with the VM (regions.zone_redundant) when the region has zones."""
        if d.database_hosting != "self-managed":
            return None
        from .regions import zone_redundant

        zones = ["1"] if zone_redundant(d.region) else None
        ip = network.PublicIPAddress(
            f"{name}-db-egress-ip",
            resource_group_name=self._rg,
            location=self._location,
            sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
            public_ip_allocation_method="Static",
            zones=zones,
            opts=self._child,
        )
        return network.NatGateway(
            f"{name}-db-egress",
            resource_group_name=self._rg,
            location=self._location,
            sku=network.NatGatewaySkuArgs(name="Standard"),
            public_ip_addresses=[network.SubResourceArgs(id=ip.id)],
            zones=zones,
            opts=self._child,
        )

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
