"""Cache: Azure Cache for Redis, TLS only, reachable only through a private endpoint.

The non-TLS port (6379) is disabled and TLS 1.2 is the minimum, so apps connect on 6380 with TLS.
Production runs Standard (a primary and a replica with an SLA); trials run Basic (one node).
Azure Cache for Redis offers Redis 6 as its newest engine; blueprints asking for 7.x get 6,
which speaks the same commands the apps we ship use (locks, sessions, caching).
The access key is kept in Key Vault (secrets.py) for the apps that take a password.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.redis as redis

from councilkit.blueprints.deployment import Deployment

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


@dataclass
class CacheArgs:
    deployment: Deployment
    resource_group_name: pulumi.Input[str]
    location: str
    network: Network


class Cache(pulumi.ComponentResource):
    """`host`, `port` (TLS), `access_key` (a Pulumi secret), `redis` for alerts."""

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:azure:Cache", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        d = args.deployment
        sku_name, family, capacity = SKU[(d.tier, d.sizes.cache.size)]
        cache_name = names.dns_label(d, "redis")
        self.redis = redis.Redis(
            f"{name}-redis",
            name=cache_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            sku=redis.SkuArgs(name=sku_name, family=family, capacity=capacity),
            redis_version="6",
            enable_non_ssl_port=False,
            minimum_tls_version="1.2",
            public_network_access="Disabled",
            redis_configuration=redis.RedisCommonPropertiesRedisConfigurationArgs(
                maxmemory_policy="allkeys-lru"
            ),
            opts=child,
        )
        args.network.private_endpoint(f"{name}-redis", self.redis.id, "redisCache", owner=self)
        self.host = f"{cache_name}.redis.cache.windows.net"
        self.port = TLS_PORT
        self.access_key = pulumi.Output.secret(
            self.redis.access_keys.apply(lambda keys: getattr(keys, "primary_key", None) or "")
        )
        self.register_outputs({"host": self.host})
