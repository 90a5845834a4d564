"""Cache: one Azure Cache for Redis per blueprint cache, TLS only, reachable only privately.

A blueprint may ask for several caches (`cache` plus `caches`, e.g. ERPNext's cache and queue):
each is its own Redis, because their eviction policies differ and a queue must never lose keys
(`noeviction`) while a cache should drop the least recently used ones (`allkeys-lru`). The
policy is the cache's `redisConfiguration.maxmemoryPolicy`.

- The non-TLS port (6379) is disabled and TLS 1.2 is the minimum: apps connect on 6380 with TLS.
- Public network access is off; each cache has a private endpoint in the endpoints subnet.
- Production runs Standard (a primary and a replica with an SLA); trials run Basic (one node).
- Azure Cache for Redis offers Redis 6 as its newest engine; blueprints asking for 7.x get 6,
  which speaks the commands the apps we ship use (locks, sessions, caching, RQ/Celery queues).
- The access key is read with `listKeys` once the cache exists and kept in Key Vault
  (`<cache>-password`), from where containers read it; it never appears in a template or plan.
  (`accessKeys` on the resource itself is only filled in on create/update responses, so a
  `pulumi refresh` would blank it and the next `up` would write an empty secret.)

Note: Microsoft announced the retirement of Azure Cache for Redis (Basic/Standard/Premium on
30 September 2028) in favour of Azure Managed Redis, and tenants that had no cache before April
2026 can no longer create one. See the Azure stack's notes for the move to Managed Redis.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.redis as redis

from councilkit.blueprints.deployment import Deployment
from councilkit.blueprints.model import Cache as CacheSpec

from . import names
from .network import Network

SKU = {
    ("trial", "small"): ("Basic", "C", 0),
    ("trial", "medium"): ("Basic", "C", 1),
    ("trial", "large"): ("Basic", "C", 2),
    ("production", "small"): ("Standard", "C", 1),
    ("production", "medium"): ("Standard", "C", 2),
    ("production", "large"): ("Standard", "C", 3),
}
TLS_PORT = 6380
DEFAULT_CACHE = "cache"


def secret_name(cache: CacheSpec) -> str:
    """The Key Vault secret (and Container Apps secret) holding this cache's access key."""
    return f"{cache.name}-password"


def redis_name(d: Deployment, cache: CacheSpec) -> str:
    """Globally unique DNS label; the blueprint's default cache keeps the plain `redis-` prefix."""
    prefix = "redis" if cache.name == DEFAULT_CACHE else f"redis-{cache.name}"
    return names.dns_label(d, prefix)


@dataclass
class CacheArgs:
    deployment: Deployment
    cache: CacheSpec
    resource_group_name: pulumi.Input[str]
    location: str
    network: Network


class Cache(pulumi.ComponentResource):
    """`host`, `port` (TLS), `access_key` (a Pulumi secret), `redis` for alerts."""

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:azure:Cache", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        d = args.deployment
        spec = args.cache
        sku_name, family, capacity = SKU[(d.tier, d.sizes.cache.size)]
        cache_name = redis_name(d, spec)
        rg = args.resource_group_name
        self.redis = redis.Redis(
            f"{name}-redis",
            name=cache_name,
            resource_group_name=rg,
            location=args.location,
            sku=redis.SkuArgs(name=sku_name, family=family, capacity=capacity),
            redis_version="6",
            enable_non_ssl_port=False,
            minimum_tls_version="1.2",
            public_network_access="Disabled",
            redis_configuration=redis.RedisCommonPropertiesRedisConfigurationArgs(
                maxmemory_policy=spec.eviction
            ),
            opts=child,
        )
        args.network.private_endpoint(f"{name}-redis", self.redis.id, "redisCache", owner=self)
        self.host = f"{cache_name}.redis.cache.windows.net"
        self.port = TLS_PORT
        # Read the key only once the cache exists (its id is known): a preview of a new stack
        # makes no call, and the value is always the live one.
        keys = self.redis.id.apply(
            lambda _: redis.list_redis_keys_output(name=cache_name, resource_group_name=rg)
        )
        key = keys.apply(lambda k: k.primary_key)
        self.access_key = pulumi.Output.secret(key)
        self.register_outputs({"host": self.host})
