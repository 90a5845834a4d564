"""A run's settings, checked before anything is created: each problem is one `error:` line."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from councilkit.blueprints.errors import UserError

DOMAIN_SUFFIX_ENV = "COUNCILKIT_ACCEPTANCE_DOMAIN_SUFFIX"
COUNCIL = "Acceptance Test Council {run_id}"


def new_run_id(now: dt.datetime | None = None) -> str:
    """Short, sortable and unique enough for names: MMDDHHMM + 4 hex."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.strftime("%m%d%H%M") + secrets.token_hex(2)


@dataclass
class Options:
    apps: tuple[str, ...]
    domain_suffix: str
    out: Path
    run_id: str = field(default_factory=new_run_id)
    region: str = "eu-west-2"
    cloud: str = "aws"
    tiers: tuple[str, ...] = ("trial",)
    subscription: str = ""  # Azure: the subscription every `az` call and the stacks use
    dns_wait_minutes: int = 30  # `councilkit up --dns-wait`: the suite publishes at once; DNS may lag
    backend: str | None = None
    contact: str | None = None
    blueprint_dirs: tuple[str, ...] = ()
    smoke_timeout: float = 1800.0  # Nextcloud's first start alone may take its 600 s grace
    poll_every: float = 15.0
    leftover_wait: float = 600.0
    leftover_every: float = 60.0
    snapshot_waiter: dict = field(default_factory=lambda: {"Delay": 30, "MaxAttempts": 120})

    @property
    def council(self) -> str:
        return COUNCIL.format(run_id=self.run_id)

    @property
    def run_dir(self) -> Path:
        """Stack folders, Pulumi state and reports of this run, kept: after a crash, what is left
        can still be destroyed with `councilkit destroy <run_dir>/stacks/<app> --backend ...`."""
        return self.out / self.run_id

    @property
    def backend_url(self) -> str:
        return self.backend or f"file://{(self.run_dir / 'state').resolve()}"

    @property
    def contact_email(self) -> str:
        return self.contact or f"acceptance@{self.domain_suffix}"

    def domain(self, app: str, tier: str = "") -> str:
        """`<app>-<run id>.<suffix>`, with the tier between when the suite deploys several."""
        return f"{app}-{tier + '-' if tier else ''}{self.run_id}.{self.domain_suffix}"

    def units(self) -> list[tuple[str, str]]:
        """(app, tier) of every trial the run deploys, in order."""
        return [(app, tier) for app in self.apps for tier in self.tiers]


def parse_apps(text: str | None, blueprint_dirs: tuple = ()) -> tuple[str, ...]:
    """`nextcloud,wordpress`, or every catalogue app when empty."""
    from councilkit.blueprints.loader import discover

    catalogue = discover(tuple(blueprint_dirs))
    apps = tuple(a.strip() for a in (text or "").split(",") if a.strip()) or tuple(catalogue)
    unknown = [a for a in apps if a not in catalogue]
    if unknown:
        raise UserError(f"--apps: unknown app {unknown[0]!r}; the catalogue has {', '.join(catalogue)}")
    return apps


def parse_domain_suffix(text: str | None, zone: str = "a Route 53 hosted zone this account owns") -> str:
    from councilkit.blueprints.deployment import DOMAIN_RE

    suffix = (text or os.environ.get(DOMAIN_SUFFIX_ENV) or "").strip().strip(".").lower()
    if not suffix:
        raise UserError(
            f"--domain-suffix (or {DOMAIN_SUFFIX_ENV}) is not set: name {zone}, "
            "e.g. acceptance.borsetshire.gov.uk; each trial gets <app>-<run id>.<suffix>"
        )
    if not DOMAIN_RE.match(suffix):
        raise UserError(f"--domain-suffix: {suffix!r} is not a domain; expected e.g. acceptance.borsetshire.gov.uk")
    return suffix


def parse_tiers(text: str | None, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """`trial,production`, or the first allowed tier when empty."""
    tiers = tuple(dict.fromkeys(t.strip() for t in (text or "").split(",") if t.strip())) or allowed[:1]
    unknown = [t for t in tiers if t not in allowed]
    if unknown:
        raise UserError(f"--tiers: unknown tier {unknown[0]!r}; this cloud's suite runs {', '.join(allowed)}")
    return tiers
