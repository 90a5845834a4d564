"""Pure facts about each cloud that a Deployment needs to validate answers: one home for each.

Kept here, not in `stacks/`, so building a Deployment (and `councilkit --help`, `new`, estates)
never imports a cloud adapter or SDK. Everything else a cloud knows (how to build, price,
check credentials, fake ids offline, run one-off steps) lives in its adapter,
`stacks/<cloud>/cloud.py`, registered in `stacks.cloud.CLOUDS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .regions import botocore_regions


@dataclass(frozen=True)
class CloudFacts:
    name: str
    title: str
    default_region: str
    uk_regions: tuple[str, ...]
    region_pattern: re.Pattern
    managed_engines: tuple[str, ...]
    """Database engines the cloud runs as a managed service."""
    self_managed_engines: Mapping[str, tuple[str, ...]]
    """Engines the cloud does not run as a service but the stack runs itself, on a VM of its own
    (stacks/<cloud>/database_vm.py), each with the versions a supported image ships (that
    module's IMAGES table, which a test keeps equal): used only where the blueprint allows no
    managed engine."""
    type_prefix: str
    """How the cloud's Pulumi resource types start: a plan's resources say which cloud they are."""
    control_prefix: str
    """The middle of its policy controls' ids: CK-AWS-001, CK-AZR-001."""
    max_process: tuple[float, float]
    """The largest container the stack's compute runs: (vCPU, GiB of memory)."""
    known_regions: "Callable[[], frozenset[str]] | None" = None
    """The regions that exist, from the cloud SDK's own data (blueprints/regions.py), or None where
    nothing installed lists them: then a region is checked by `region_pattern` only."""
    managed_database_ca_url: str = ""
    """An https URL of the PEM bundle of the CAs that sign the managed database service's server
    certificates: `${database_ca_url}` of a deployment whose database is managed (blueprints/
    model.py PLACEHOLDERS). "" where councilkit has read no such source; a self-managed database
    (its own private CA, generated on the VM) always gets "" (stacks/spec.py)."""


CLOUD_FACTS: dict[str, CloudFacts] = {
    "aws": CloudFacts(
        name="aws",
        title="Amazon Web Services",
        default_region="eu-west-2",  # Europe (London), the only AWS region in the UK (AWS Regions list)
        uk_regions=("eu-west-2",),
        region_pattern=re.compile(r"^(us|eu|ap|ca|sa|me|af|il|mx)(-gov)?-[a-z]+-\d$"),
        managed_engines=("postgres", "mysql", "mariadb"),  # RDS engines
        self_managed_engines={},
        type_prefix="aws:",
        control_prefix="AWS",
        # Fargate's largest task: 16 vCPU, 120 GiB (ECS task definition parameters, "Task size").
        max_process=(16, 120),
        # The commercial partition of botocore's endpoints.json (the stacks build arn:aws: ARNs).
        known_regions=lambda: botocore_regions("aws"),
        # RDS's global bundle holds every RDS CA of every Region, including rds-ca-rsa2048-g1,
        # which the stack gives its instances (stacks/aws/database.py ca_cert_identifier); "These
        # CA certificates are included in the regional and global certificate bundle" (AWS RDS
        # User Guide, "Using SSL/TLS to encrypt a connection to a DB instance or cluster",
        # docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html, "Certificate
        # bundles by AWS Region"). Public, served over HTTPS only.
        managed_database_ca_url="https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem",
    ),
    "azure": CloudFacts(
        name="azure",
        title="Microsoft Azure",
        default_region="uksouth",  # UK South; UK West is its region pair (Azure region pairs list)
        uk_regions=("uksouth", "ukwest"),
        region_pattern=re.compile(r"^[a-z]+[a-z0-9]*$"),
        # Azure Database for MariaDB is retired (19 September 2025; "What's happening to Azure
        # Database for MariaDB?", learn.microsoft.com/azure/mariadb): MySQL/PostgreSQL flexible servers.
        managed_engines=("postgres", "mysql"),
        # MariaDB itself (Frappe/ERPNext: MySQL 8 does not work, frappe/frappe#16566) runs on a VM
        # the stack builds, from the distribution's own package (stacks/azure/database_vm.py).
        self_managed_engines={"mariadb": ("10.11",)},
        type_prefix="azure-native:",
        control_prefix="AZR",
        # Container Apps consumption profile: at most 4 cores per replica ("Quotas for Azure
        # Container Apps", consumption workload profile) and 2 GiB per vCPU ("Containers",
        # allocations): 4 vCPU / 8 GiB.
        max_process=(4, 8),
        # No managed_database_ca_url: the CA of Azure's flexible servers is not yet read from a
        # source here, and the self-managed MariaDB VM signs its certificate with a private CA
        # made on the VM at first boot (stacks/azure/database_vm.py), which the stack does not
        # know at plan time. A blueprint that verifies its database server (ERPNext 1.0.1) says
        # so and stops on Azure instead of connecting unverified.
    ),
}
CLOUDS: tuple[str, ...] = tuple(CLOUD_FACTS)
UK_REGIONS: dict[str, tuple[str, ...]] = {name: f.uk_regions for name, f in CLOUD_FACTS.items()}


def facts(cloud: str) -> CloudFacts:
    return CLOUD_FACTS[cloud]


def cloud_of_type(type_: str) -> str | None:
    """The cloud a Pulumi resource type or function token belongs to (`aws:rds/instance:Instance`
    and its provider `pulumi:providers:aws` → aws), if any."""
    if type_.startswith("pulumi:providers:"):
        type_ = type_[len("pulumi:providers:"):] + ":"
    for name, f in CLOUD_FACTS.items():
        if type_.startswith(f.type_prefix):
            return name
    return None
