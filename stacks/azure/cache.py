"""Cache: one Azure Managed Redis per blueprint cache, TLS only, reachable only privately.

Azure Cache for Redis (`Microsoft.Cache/redis`) is retiring: Basic, Standard and Premium on
30 September 2028, and tenants with no cache before April 2026 can no longer create one; Microsoft
points every cache at Azure Managed Redis (learn.microsoft.com/azure/azure-cache-for-redis/
retirement-faq; docs.azure.cn azure-cache-for-redis/policy-reference banner, read 2026-12-02).
Azure Managed Redis is `Microsoft.Cache/redisEnterprise`: a cluster (compute, SKU, TLS, network,
HA) and its one database (`default`), which holds protocol, clustering, eviction and keys
(terraform-provider-azurerm managedredis/managed_redis_resource.go: "Database is a child of
cluster with 1-1 mapping", `defaultDatabaseName = "default"`).

A blueprint may ask for several caches (`cache` plus `caches`, e.g. a cache and a queue): each is
its own cluster, because their eviction policies differ and a queue must never lose keys
(`NoEviction`) while a cache should drop the least recently used ones (`AllKeysLRU`).

- TLS only: the database's `clientProtocol` is `Encrypted` (Managed Redis serves one mode, TLS or
  plain text, on port 10000) and the cluster's minimum TLS version is 1.2 (MicrosoftDocs
  azure-docs articles/redis/migrate/migrate-basic-standard-premium-understand.md).
- Private only: `publicNetworkAccess` Disabled and a private endpoint (group id `redisEnterprise`)
  in the endpoints subnet, registered in the private DNS zone `privatelink.redis.azure.net`
  (azure-docs articles/redis/private-link.md: `--group-ids "redisEnterprise"`; "A private DNS
  zone, named `*.privatelink.redis.azure.net`"; apps connect to `<name>.<region>.redis.azure.net`
  on port 10000).
- `NoCluster`: the apps we ship use plain (non-cluster) Redis clients and queues run MULTI and
  cross-key scripts, which OSS and Enterprise clustering refuse across slots (CROSSSLOT); the
  non-clustered policy is for caches up to 25 GB, which every size here is (azure-docs
  articles/redis/architecture.md, "Cluster policies", "Multi-key commands").
- Production runs with high availability (a replica, zone redundant where the region has zones);
  trials run without it, which has no SLA and halves the price; HA cannot be turned off later but
  can be turned on (architecture.md "Running without high availability mode enabled").
- Access keys stay enabled (`accessKeysAuthentication`; Managed Redis otherwise expects Entra ID
  tokens the apps' Redis clients cannot fetch). The key is read with `listDatabaseKeys` once the
  database exists and kept in Key Vault (`<cache>-password`), from where containers read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.redisenterprise as redisenterprise

from councilkit.blueprints.deployment import Deployment
from councilkit.blueprints.model import Cache as CacheSpec

from . import names
from .network import Network

# Balanced SKUs by tier and blueprint size: 0.5, 1, 3 and 6 GB (SDK enum SkuName, installed
# pulumi-azure-native 3.29.0 redisenterprise/_enums.py; sizes from architecture.md's SKU table).
# The smallest, B0, for a trial cache; production one size up, as Microsoft maps Standard C1→B1.
SKU = {
    ("trial", "small"): "Balanced_B0",
    ("trial", "medium"): "Balanced_B1",
    ("trial", "large"): "Balanced_B3",
    ("production", "small"): "Balanced_B1",
    ("production", "medium"): "Balanced_B3",
    ("production", "large"): "Balanced_B5",
}
# The blueprint's eviction (Redis spelling) → the API's EvictionPolicy enum (_enums.py).
EVICTION = {"allkeys-lru": "AllKeysLRU", "volatile-lru": "VolatileLRU", "noeviction": "NoEviction"}
TLS_PORT = 10000  # private-link.md: "connect to <cachename>.<region>.redis.azure.net on port 10000"
DATABASE = "default"  # the one database a cluster has (managed_redis_resource.go)
GROUP_ID = "redisEnterprise"  # private-link.md, az network private-endpoint create --group-ids
PRIVATE_ZONE = "privatelink.redis.azure.net"  # private-link.md FAQ; network.PRIVATE_LINK_ZONES holds it
NAME_LIMIT = 60  # clusterName: 1-60 characters (redis_enterprise.py cluster_name docstring)
DEFAULT_CACHE = "cache"


def secret_name(cache: CacheSpec) -> str:
    """The Key Vault secret (and Container Apps secret) holding this cache's access key."""
    return f"{cache.name}-password"


def redis_name(d: Deployment, cache: CacheSpec) -> str:
    """Globally unique cluster name (letters, digits, single hyphens, at most 60); the
    blueprint's default cache keeps the plain `redis-` prefix."""
    prefix = "redis" if cache.name == DEFAULT_CACHE else f"redis-{cache.name}"
    return names.dns_label(d, prefix, NAME_LIMIT)


@dataclass
class CacheArgs:
    deployment: Deployment
    cache: CacheSpec
    resource_group_name: pulumi.Input[str]
    location: str
    network: Network


class Cache(pulumi.ComponentResource):
    """`host`, `port` (TLS), `access_key` (a Pulumi secret); `cluster` and `database`."""

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:azure:Cache", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        d = args.deployment
        spec = args.cache
        cluster_name = redis_name(d, spec)
        rg = args.resource_group_name
        self.cluster = redisenterprise.RedisEnterprise(
            f"{name}-redis",
            cluster_name=cluster_name,
            resource_group_name=rg,
            location=args.location,
            sku=redisenterprise.SkuArgs(name=SKU[(d.tier, d.sizes.cache.size)]),
            minimum_tls_version="1.2",
            public_network_access="Disabled",
            high_availability="Enabled" if d.production else "Disabled",
            opts=child,
        )
        self.database = redisenterprise.Database(
            f"{name}-redis-db",
            cluster_name=self.cluster.name,
            database_name=DATABASE,
            resource_group_name=rg,
            client_protocol="Encrypted",
            clustering_policy="NoCluster",
            eviction_policy=EVICTION[spec.eviction],
            port=TLS_PORT,
            access_keys_authentication="Enabled",
            opts=child,
        )
        # The cluster's private endpoint in the endpoints subnet, in Managed Redis's own zone.
        self.private_endpoint = args.network.private_endpoint(f"{name}-redis", self.cluster.id, GROUP_ID, self)
        # Known before the cluster exists, so env values and plans are concrete: Managed Redis
        # serves `<name>.<region>.redis.azure.net` (private-link.md), `hostName` once created.
        self.host = f"{cluster_name}.{args.location}.redis.azure.net"
        self.port = TLS_PORT
        # Read the key only once the database exists (its id is known): a preview of a new stack
        # makes no call, and the value is always the live one.
        keys = self.database.id.apply(
            lambda _: redisenterprise.list_database_keys_output(
                cluster_name=cluster_name, database_name=DATABASE, resource_group_name=rg
            )
        )
        self.access_key = pulumi.Output.secret(keys.apply(lambda k: k.primary_key))
        self.register_outputs({"host": self.host})

