"""Cloud-neutral facts both stacks need: names, env with placeholders filled, sizes per process."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from councilkit.blueprints.clouds import facts
from councilkit.blueprints.deployment import Deployment
from councilkit.blueprints.model import PLACEHOLDER_RE, SERVICE_PREFIX, Container, ProcessSize

NETWORK_CIDR = "10.20.0.0/16"


@dataclass
class SecretSpec:
    """A secret the stack generates (pulumi-random) and keeps in the cloud's secret store."""

    name: str
    description: str
    length: int = 32
    special: bool = False


def blueprint_secrets(d: Deployment) -> list[SecretSpec]:
    """The secrets a blueprint asks for; each cloud adds its own (database password, cache keys)."""
    return [SecretSpec(s.name, s.description, s.length, s.special) for s in d.blueprint.secrets]


def short_name(d: Deployment, limit: int, sep: str = "-") -> str:
    """A name unique to council+app+tier that fits `limit` characters: readable prefix + hash.

    Cloud names have tight limits (an AWS load balancer 32, an Azure storage account 24 lowercase
    alphanumerics); a hash of the full identity keeps two long council names from colliding.
    """
    digest = hashlib.sha256(f"{d.council_slug}|{d.app_id}|{d.tier}".encode()).hexdigest()[:6]
    tier = "p" if d.production else "t"
    tail = f"{sep}{tier}{digest}"
    head = f"{d.council_slug}{sep}{d.app_id}".replace("-", sep)
    if not sep:
        head = re.sub(r"[^a-z0-9]", "", head)
    return (head[: limit - len(tail)].rstrip("-_") + tail)[:limit]


def placeholders(d: Deployment, network_cidr: str = NETWORK_CIDR) -> dict[str, str]:
    return {
        "domain": d.domain,
        "url": f"https://{d.domain}",
        "council": d.council,
        "contact": d.contact,
        "network_cidr": network_cidr,
        "database_ca_url": database_ca_url(d),
    }


def database_ca_url(d: Deployment) -> str:
    """Where the CAs of the deployment's database server certificate are published: the cloud's
    bundle for its managed service, "" for a self-managed database (its CA is private, made on
    the VM) or none at all (blueprints/clouds.py CloudFacts.managed_database_ca_url)."""
    if d.database_hosting != "managed":
        return ""
    return facts(d.cloud).managed_database_ca_url


def render_env(
    container: Container,
    d: Deployment,
    network_cidr: str = NETWORK_CIDR,
    services: dict[str, str] | None = None,
) -> dict[str, str]:
    """The container's plain env with ${...} placeholders filled (secrets are never in here).

    `services` maps each internal service's name to the host:port other containers reach it at;
    each cloud knows its own service discovery, so it passes the addresses in.
    """
    values = placeholders(d, network_cidr)
    values.update({f"{SERVICE_PREFIX}{name}": address for name, address in (services or {}).items()})
    return {
        key: PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], text)
        for key, text in sorted(container.env.items())
    }


def size_of(d: Deployment, container: Container) -> ProcessSize:
    return d.sizes.processes[container.name]


def mounts_of(d: Deployment, container: Container):
    """Shared paths the container mounts: its own list, or all of them."""
    names = container.mounts if container.mounts is not None else [f.name for f in d.blueprint.files]
    return [f for f in d.blueprint.files if f.name in names]


def image_of(container: Container, registry_url: str | None = None) -> str:
    """The exact image: the pinned upstream tag, or the council-built tag in its own registry."""
    if container.image:
        return container.image
    assert registry_url is not None, "a built image needs its registry"
    return f"{registry_url}:{container.build.tag}"
