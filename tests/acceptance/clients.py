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


# IAM actions the suite itself calls, besides what the stacks create (README, "Real-cloud
# acceptance tests"). Service prefixes from the IAM Service Authorization Reference (the
# Resource Groups Tagging API's is `tag`); an action is its API operation's name. RDS authorizes
# rds:AddTagsToResource as well when CreateDBSnapshot carries tags (RDS User Guide, "Grant
# permission to tag Amazon RDS resources during creation").
SUITE_ACTIONS = (
    "acm:DescribeCertificate",
    "acm:ListCertificates",
    "logs:DescribeLogGroups",
    "rds:AddTagsToResource",
    "rds:CreateDBSnapshot",
    "rds:DeleteDBSnapshot",
    "rds:DescribeDBSnapshots",
    "route53:ChangeResourceRecordSets",
    "route53:ListHostedZonesByName",
    "tag:GetResources",
)
IAM_PREFIX = {"tagging": "tag", "rds": "rds", "logs": "logs", "acm": "acm", "route53": "route53"}
