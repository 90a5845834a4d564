"""Cache: ElastiCache Redis with TLS in transit, encryption at rest and an auth token.

Production runs a primary and a replica in two AZs with automatic failover; trial one node.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from councilkit.blueprints.deployment import Deployment
from councilkit.blueprints.model import Cache as CacheSpec

def parameter_family(version: str) -> str:
    """ElastiCache's parameter group family for a Redis version: by major from 7 (`redis7`),
    `redis6.x` for every 6, major.minor before (`redis5.0`): the families the API lists
    (ElastiCache API, CacheParameterGroupFamily; checked by the deployability rules)."""
    parts = [int(p) for p in version.split(".")]
    if parts[0] >= 7:
        return f"redis{parts[0]}"
    if parts[0] == 6:
        return "redis6.x"
    return f"redis{parts[0]}.{parts[1] if len(parts) > 1 else 0}"


NODE_TYPE = {"small": "cache.t4g.micro", "medium": "cache.t4g.medium", "large": "cache.m7g.large"}


@dataclass
class CacheArgs:
    deployment: Deployment
    cache: CacheSpec
    subnet_ids: list[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    auth_token: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]


class Cache(pulumi.ComponentResource):
    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:aws:Cache", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        d = args.deployment
        cache = args.cache
        params = aws.elasticache.ParameterGroup(
            f"{name}-params",
            family=parameter_family(cache.version),
            parameters=[aws.elasticache.ParameterGroupParameterArgs(name="maxmemory-policy", value=cache.eviction)],
            opts=child,
        )
        subnets = aws.elasticache.SubnetGroup(f"{name}-subnets", subnet_ids=args.subnet_ids, opts=child)
        prod = d.production
        self.group = aws.elasticache.ReplicationGroup(
            f"{name}-redis",
            description=f"{d.app_id} {cache.name} for {d.council}",
            parameter_group_name=params.name,
            engine="redis",
            engine_version=cache.version,
            node_type=NODE_TYPE[d.sizes.cache.size],
            num_cache_clusters=2 if prod else 1,
            automatic_failover_enabled=prod,
            multi_az_enabled=prod,
            port=6379,
            subnet_group_name=subnets.name,
            security_group_ids=[args.security_group_id],
            at_rest_encryption_enabled=True,
            kms_key_id=args.kms_key_arn,
            transit_encryption_enabled=True,
            auth_token=args.auth_token,
            snapshot_retention_limit=7 if prod else 0,
            auto_minor_version_upgrade=True,
            apply_immediately=not prod,
            opts=child,
        )
        self.port = 6379
        self.register_outputs({"address": self.group.primary_endpoint_address})
