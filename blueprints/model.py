"""The blueprint model: what an app needs to run, independent of any cloud.

A blueprint file is data a council can write without code; this model is the
contract that file must meet. JSON Schema (schema.json) is generated from it so
editors and `councilkit blueprints lint` agree with the loader.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SEMVER = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$"
SLUG = r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$"
ENV_NAME = r"^[A-Z_][A-Z0-9_]*$"
# A pinned image: name:tag where the tag is an exact version, never "latest".
PINNED_IMAGE = r"^[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"
# Placeholders a blueprint may use in env values; the stack fills them in. `${service.NAME}` is
# the host:port at which the internal service NAME answers other containers of the app.
# `${database_ca_url}` is an https:// (or file://, for a file the stack mounts) URL of the PEM
# bundle of the certificate authorities that sign the database server's certificate (what a
# client that verifies the server must trust), or "" where the stack can offer none (a
# self-managed database with a private CA of its own): the blueprint then says so and stops
# rather than connect unverified (blueprints/clouds.py, stacks/spec.py database_ca_url).
PLACEHOLDERS = ("domain", "url", "council", "contact", "network_cidr", "database_ca_url")
PLACEHOLDER_RE = re.compile(r"\$\{([a-z_]+|service\.[a-z][a-z0-9-]*)\}")
SERVICE_PREFIX = "service."


# Words image publishers use for tags that move to a new release (Docker Hub's nginx `stable`,
# `mainline`; `latest`, `edge`, `lts`, `current` elsewhere): never pinned, whatever digits follow.
FLOATING_WORDS = re.compile(r"(^|[-_.])(latest|stable|mainline|edge|lts|current|nightly|rolling)([-_.]|$)", re.I)


def pinned(image: str | None, parts: int = 3) -> str | None:
    """An image must name an exact release: a tag that starts with a version of at least `parts`
    numbers (`32.0.6-apache`, `v16.32.3`), never a moving one (`latest`, `nginx:1` or
    `nginx:stable-alpine3.20`, whose digits are the base distribution's). A build's base image
    takes `parts=2` (`php:8.3-apache-bookworm`: the council's rebuild picks up the PHP patch)."""
    if image is not None:
        tag = image.rsplit(":", 1)[-1]
        version = re.match(r"^v?\d+(\.\d+)*", tag)
        numbers = version.group(0).lstrip("v").count(".") + 1 if version else 0
        if numbers < parts or FLOATING_WORDS.search(tag):
            example = "32.0.6-apache" if parts == 3 else "8.3-apache-bookworm"
            raise ValueError(f"expected an image pinned to an exact version tag (e.g. {example}), got {image!r}")
    return image


# Environment names that hold credentials (as NAME components: DB_PASSWORD, APP_SECRET, API_KEY).
SECRET_NAME = re.compile(r"(^|_)(PASSWORD|PASSWD|PASS|SECRET|TOKEN|APIKEY|API_KEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIALS?)(_|$)")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(Strict):
    name: str = Field(min_length=1)
    url: str | None = None
    email: str | None = None


class AppMeta(Strict):
    """publiccode.yml-style facts a council's board reads before approving."""

    name: str = Field(min_length=1)
    upstream_version: str = Field(min_length=1)
    description: str = Field(min_length=10)
    licence: str = Field(min_length=2, description="SPDX licence expression")
    maintainer: Person
    support: Person
    docs_url: str
    repository: str
    maintenance: Literal["community", "internal", "contract", "none"] = "community"


class ImageBuild(Strict):
    """An image the council builds from a Dockerfile shipped beside the blueprint."""

    dockerfile: str = Field(description="file next to the blueprint")
    base: str = Field(pattern=PINNED_IMAGE, description="pinned base image")
    args: dict[str, str] = Field(default_factory=dict)
    tag: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")

    @field_validator("base")
    @classmethod
    def _pinned(cls, value: str) -> str:
        return pinned(value, parts=2)


class HealthCheck(Strict):
    path: str = Field(pattern=r"^/")
    healthy_codes: str = Field(default="200", pattern=r"^\d{3}(-\d{3})?(,\d{3})*$")
    interval_seconds: int = Field(default=30, ge=5, le=300)
    grace_seconds: int = Field(default=120, ge=0, le=3600)
    host_header: bool = Field(
        default=False,
        description="the app answers health checks only for its own Host; the app's env must "
        "also trust private-network requests (see the blueprint's comments)",
    )


class SmokeRequest(Strict):
    """One request of the app's smoke check: GET `path` on the site (https://<domain><path>),
    which must answer one of `status` and, when `contains` is given, carry that text in the body.

    A health check only says a process answers; a smoke check says the app works for a person
    (installed, its database reachable, its login page served). `up`, `upgrade` and the acceptance
    suite end with it; `councilkit check STACK` runs it on demand."""

    path: str = Field(pattern=r"^/[^\s]*$")
    status: str = Field(default="200", pattern=r"^\d{3}(-\d{3})?(,\d{3})*$",
                        description="codes that pass, as a health check's healthy_codes")
    contains: str | None = Field(default=None, min_length=1, max_length=200,
                                 description="text the body must contain (case-sensitive)")
    why: str = Field(min_length=3, description="what a pass proves, said when it fails")


class Container(Strict):
    """One process of the app.

    `web` takes the public traffic (exactly one per app); `service` answers only other containers
    of the app, at `${service.NAME}`; `worker` runs always with no port; `cron` runs once per
    schedule. A `singleton` never has two copies running, even during a rollout.
    """

    name: str = Field(pattern=SLUG)
    role: Literal["web", "service", "worker", "cron"]
    singleton: bool = False
    image: str | None = Field(default=None, pattern=PINNED_IMAGE)
    build: ImageBuild | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    command: list[str] | None = None
    entrypoint: list[str] | None = None
    env: dict[str, str] = Field(default_factory=dict)
    secret_env: dict[str, str] = Field(
        default_factory=dict, description="ENV_NAME: name of an entry in `secrets`"
    )
    schedule: str | None = Field(default=None, description="cron expression, 5 fields, UTC")
    health_check: HealthCheck | None = None
    mounts: list[str] | None = Field(default=None, description="names in `files`; default all")
    user: str | None = None
    read_only_root: bool = Field(
        default=False,
        description="run with a read-only root filesystem (CIS Docker 5.12); only where the image "
        "writes nowhere but `writable_paths` and the shared `files`",
    )
    writable_paths: list[str] = Field(
        default_factory=list,
        description="absolute paths given an empty scratch directory per task when read_only_root; "
        "on AWS Fargate it is a bind mount owned by root with mode 0755 unless the image declares "
        "the path a VOLUME (ECS developer guide, 'Use bind mounts with Amazon ECS')",
    )

    @field_validator("writable_paths")
    @classmethod
    def _absolute(cls, value: list[str]) -> list[str]:
        for path in value:
            if not path.startswith("/") or path.rstrip("/") == "" or ".." in path.split("/"):
                raise ValueError(f"writable path {path!r} must be an absolute path below /")
        if len(set(value)) != len(value):
            raise ValueError("writable_paths: each path once")
        return value

    @field_validator("image")
    @classmethod
    def _pinned(cls, value: str | None) -> str | None:
        return pinned(value)

    @field_validator("env", "secret_env")
    @classmethod
    def _env_names(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not re.match(ENV_NAME, key):
                raise ValueError(f"environment name {key!r} must match {ENV_NAME}")
        return value

    @field_validator("env")
    @classmethod
    def _no_secret_in_clear(cls, value: dict[str, str]) -> dict[str, str]:
        """`env` is written into the lock, the plan and the task definition in clear: a password
        there (`DB_PASSWORD: hunter2`) belongs in `secret_env`, a secret generated per stack."""
        for key, text in value.items():
            if SECRET_NAME.search(key) and not key.endswith(("_FILE", "_PATH")) and PLACEHOLDER_RE.sub("", text).strip():
                raise ValueError(f"env.{key}: looks like a secret written in clear; name a generated "
                                 "secret in secret_env instead (see `secrets`)")
        return value

    @field_validator("env")
    @classmethod
    def _placeholders(cls, value: dict[str, str]) -> dict[str, str]:
        for key, text in value.items():
            for name in PLACEHOLDER_RE.findall(text):
                if name not in PLACEHOLDERS and not name.startswith(SERVICE_PREFIX):
                    raise ValueError(
                        f"{key}: unknown placeholder ${{{name}}}; expected one of "
                        + ", ".join("${%s}" % p for p in PLACEHOLDERS)
                    )
        return value

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None, info) -> str | None:
        """Read with croniter and refuse what not every cloud runs alike (blueprints/cron.py)."""
        from .cron import CronError, read

        if value is not None:
            try:
                read(value)
            except CronError as exc:
                raise ValueError(f"container {info.data.get('name', '?')!r}: {exc}") from None
        return value

    @model_validator(mode="after")
    def _role_rules(self) -> "Container":
        if (self.image is None) == (self.build is None):
            raise ValueError("exactly one of image (pinned name:tag) or build")
        if self.role == "web" and (self.port is None or self.health_check is None):
            raise ValueError("a web container needs port and health_check")
        if self.role == "service" and self.port is None:
            raise ValueError("a service container needs port")
        if self.role == "cron" and self.schedule is None:
            raise ValueError("a cron container needs schedule")
        if self.role != "cron" and self.schedule is not None:
            raise ValueError("only cron containers take schedule")
        if self.writable_paths and not self.read_only_root:
            raise ValueError("writable_paths are for a read_only_root container")
        return self


class DatabaseEnv(Strict):
    """Names of the env variables through which the app learns its database."""

    host: str = Field(pattern=ENV_NAME)
    port: str | None = Field(default=None, pattern=ENV_NAME)
    host_includes_port: bool = Field(
        default=False,
        description="the app reads the port only from `host` (\"host:port\"), so the stack always "
        "writes host:port there; `port` must then be unset (e.g. WordPress's WORDPRESS_DB_HOST)",
    )
    name: str = Field(pattern=ENV_NAME)
    user: str = Field(pattern=ENV_NAME)
    password: str = Field(pattern=ENV_NAME)

    @model_validator(mode="after")
    def _one_home_for_the_port(self) -> "DatabaseEnv":
        if self.host_includes_port and self.port:
            raise ValueError("host_includes_port: the port goes into `host`; leave `port` unset")
        return self


class Database(Strict):
    engine: Literal["postgres", "mysql", "mariadb"]
    version: str = Field(pattern=r"^\d+(\.\d+)?$", description="major (or major.minor)")
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    user: str = Field(pattern=r"^[a-z][a-z0-9_]{0,15}$")
    env: DatabaseEnv
    parameters: dict[str, str] = Field(default_factory=dict)
    also_runs_on: list[Literal["postgres", "mysql", "mariadb"]] = Field(
        default_factory=list,
        description="other engines the app supports, used where a cloud lacks `engine` as a "
        "managed service (Azure has no managed MariaDB since 2025)",
    )


class SharedPath(Strict):
    name: str = Field(pattern=SLUG)
    path: str = Field(pattern=r"^/")
    uid: int = Field(ge=0)
    gid: int = Field(ge=0)
    mode: str = Field(default="0750", pattern=r"^0[0-7]{3}$")


class CacheEnv(Strict):
    """How the app learns its cache. Caches always use TLS and an auth token."""

    host: str = Field(pattern=ENV_NAME)
    host_prefix: str = Field(default="", description="e.g. 'tls://' for phpredis")
    port: str | None = Field(default=None, pattern=ENV_NAME)
    password: str | None = Field(default=None, pattern=ENV_NAME)
    tls: str | None = Field(default=None, pattern=ENV_NAME, description="set to 'true' when TLS")


class Cache(Strict):
    name: str = Field(default="cache", pattern=SLUG)
    engine: Literal["redis"]
    version: str = Field(pattern=r"^\d+(\.\d+)?$")
    env: CacheEnv
    eviction: Literal["allkeys-lru", "volatile-lru", "noeviction"] = Field(
        default="volatile-lru", description="noeviction for queues, allkeys-lru for pure caches"
    )
    only_with_replicas: bool = Field(
        default=False,
        description="needed only when the web process runs more than one replica (e.g. shared "
        "sessions and locks); a single-replica tier such as a trial goes without it",
    )


class Secret(Strict):
    name: str = Field(pattern=SLUG)
    description: str = Field(min_length=3)
    length: int = Field(default=32, ge=16, le=128)
    special: bool = False


class Upgrade(Strict):
    """One-off commands, run once from one copy of `container` (its image, env and files)."""

    container: str = Field(pattern=SLUG, description="container whose image and env run the steps")
    commands: list[list[str]] = Field(default_factory=list)
    notes: str = ""
    one_major_at_a_time: bool = Field(
        default=False,
        description="the app refuses to skip a major version of `app.upstream_version` on upgrade "
        "(e.g. Nextcloud), so `councilkit upgrade` refuses a target that skips one and names the "
        "blueprint versions to move through, one major at a time",
    )


class Install(Upgrade):
    """Commands run once after the first rollout (e.g. creating a site); upgrades use `upgrade`."""

    @model_validator(mode="after")
    def _upgrades_only(self) -> "Install":
        if self.one_major_at_a_time:
            raise ValueError("one_major_at_a_time belongs in upgrade, not install")
        return self


class ProcessSize(Strict):
    cpu: float = Field(gt=0, le=16, description="vCPU")
    memory_gib: float = Field(gt=0, le=120)
    replicas: int = Field(default=1, ge=1, le=20)


class DatabaseSize(Strict):
    size: Literal["small", "medium", "large"]
    storage_gib: int = Field(ge=20, le=16384)


class CacheSize(Strict):
    size: Literal["small", "medium", "large"]


class TierSizes(Strict):
    processes: dict[str, ProcessSize]
    database: DatabaseSize | None = None
    cache: CacheSize | None = None
    files_throughput: Literal["bursting", "elastic"] = "bursting"


class Tiers(Strict):
    trial: TierSizes
    production: TierSizes


class Blueprint(Strict):
    """One released version of one app. A released file never changes."""

    id: str = Field(pattern=SLUG)
    version: str = Field(pattern=SEMVER)
    app: AppMeta
    containers: list[Container] = Field(min_length=1)
    database: Database | None = None
    files: list[SharedPath] = Field(default_factory=list)
    cache: Cache | None = None
    caches: list[Cache] = Field(default_factory=list, description="more caches beside `cache`")
    secrets: list[Secret] = Field(default_factory=list)
    install: Install | None = None
    upgrade: Upgrade
    tiers: Tiers
    notes: list[str] = Field(
        default_factory=list, max_length=10,
        description="what the council must know or do that the stack does not (e.g. an app that "
        "sends no mail until they set a relay); `plan` prints each and the runbook lists them",
    )
    smoke: list[SmokeRequest] = Field(
        default_factory=list, max_length=10,
        description="requests that prove the deployed app works (checked in order); every "
        "newest blueprint version declares at least one",
    )
    upload_limit_mib: int = Field(
        default=2048, ge=1, le=51200,
        description="largest single request body the app accepts (an upload, a WebDAV PUT), in "
        "MiB; a web application firewall in front refuses larger ones. The default is the "
        "largest of the shipped apps (Nextcloud's PHP_UPLOAD_LIMIT 2G) until a blueprint states its own",
    )

    @model_validator(mode="after")
    def _references(self) -> "Blueprint":
        names = [c.name for c in self.containers]
        if len(set(names)) != len(names):
            raise ValueError("containers: names must be unique")
        if [c.role for c in self.containers].count("web") != 1:
            raise ValueError("containers: exactly one container has role web")
        secret_names = {s.name for s in self.secrets}
        file_names = {f.name for f in self.files}
        for c in self.containers:
            for env, ref in c.secret_env.items():
                if ref not in secret_names:
                    raise ValueError(
                        f"containers.{c.name}.secret_env.{env}: no secret named {ref!r} in secrets"
                    )
            for mount in c.mounts or []:
                if mount not in file_names:
                    raise ValueError(f"containers.{c.name}.mounts: no files entry named {mount!r}")
        for steps in ("install", "upgrade"):
            chosen = getattr(self, steps)
            if chosen is not None and chosen.container not in names:
                raise ValueError(f"{steps}.container: no container named {chosen.container!r}")
        services = {c.name for c in self.containers if c.role == "service"}
        for c in self.containers:
            for key, text in c.env.items():
                for ref in PLACEHOLDER_RE.findall(text):
                    if ref.startswith(SERVICE_PREFIX) and ref[len(SERVICE_PREFIX):] not in services:
                        raise ValueError(
                            f"containers.{c.name}.env.{key}: ${{{ref}}} names no container with role service"
                        )
        cache_names = [cache.name for cache in self.all_caches]
        if len(set(cache_names)) != len(cache_names):
            raise ValueError("caches: names must be unique")
        for tier_name in ("trial", "production"):
            tier: TierSizes = getattr(self.tiers, tier_name)
            missing = set(names) - set(tier.processes)
            extra = set(tier.processes) - set(names)
            if missing or extra:
                raise ValueError(
                    f"tiers.{tier_name}.processes: expected sizes for exactly {sorted(names)}"
                )
            if (self.database is None) != (tier.database is None):
                raise ValueError(f"tiers.{tier_name}.database: give it if and only if database is set")
            if (not self.caches_for(tier_name)) != (tier.cache is None):
                raise ValueError(f"tiers.{tier_name}.cache: give it if and only if this tier uses a cache")
            for c in self.containers:
                if c.singleton and tier.processes[c.name].replicas != 1:
                    raise ValueError(f"tiers.{tier_name}.processes.{c.name}.replicas: a singleton runs 1")
        return self

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def all_caches(self) -> list[Cache]:
        return ([self.cache] if self.cache else []) + list(self.caches)

    def caches_for(self, tier_name: str) -> list[Cache]:
        """The caches a tier runs: all of them, less those needed only with several web replicas."""
        replicas = getattr(self.tiers, tier_name).processes[self.web.name].replicas
        return [c for c in self.all_caches if replicas > 1 or not c.only_with_replicas]

    @property
    def web(self) -> Container:
        return next(c for c in self.containers if c.role == "web")
