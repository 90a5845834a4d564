"""The AWS API clients the suite calls besides Pulumi, made in one place so tests can stub them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SERVICES = {
    "tagging": "resourcegroupstaggingapi",
    "rds": "rds",
    "logs": "logs",
    "acm": "acm",
    "route53": "route53",
}


@dataclass
class Clients:
    tagging: Any
    rds: Any
    logs: Any
    acm: Any
    route53: Any

    @classmethod
    def for_region(cls, region: str) -> "Clients":
        import boto3  # only here: `councilkit --help` and test collection import no cloud SDK

        session = boto3.session.Session(region_name=region)
        return cls(**{field: session.client(service) for field, service in SERVICES.items()})
