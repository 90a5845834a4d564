"""The estate file: councils, their apps, cloud, tier, domains, contacts and shared defaults.

An agency keeps one file per client estate; every entry resolves to the same Deployment a single
`councilkit plan` would build, so an estate is never planned differently from its parts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from councilkit.blueprints.clouds import CLOUDS
from councilkit.blueprints.deployment import slugify
from councilkit.blueprints.errors import UserError
from councilkit.blueprints.yamlfile import read_mapping

CloudName = Literal[CLOUDS]  # type: ignore[valid-type] — the clouds blueprints/clouds.py lists


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Defaults(Strict):
    cloud: CloudName = "aws"
    tier: Literal["trial", "production"] = "trial"
    region: str | None = None
    allow_non_uk_region: bool = False
    contact: str | None = None
    trial_days: int = Field(default=30, ge=1, le=365)


class AppEntry(Strict):
    app: str = Field(description="blueprint ID or ID@VERSION", min_length=2)
    cloud: CloudName | None = None
    tier: Literal["trial", "production"] | None = None
    domain: str | None = None
    region: str | None = None
    contact: str | None = None


class Council(Strict):
    name: str = Field(min_length=2)
    contact: str | None = None
    domain: str | None = Field(default=None, description="apps default to <app>.<domain>")
    cloud: CloudName | None = None
    tier: Literal["trial", "production"] | None = None
    region: str | None = None
    apps: list[AppEntry] = Field(min_length=1)


class Estate(Strict):
    estate: str = Field(min_length=2, description="name of the estate, e.g. the agency's client")
    defaults: Defaults = Defaults()
    councils: list[Council] = Field(min_length=1)


@dataclass(frozen=True)
class Entry:
    """One deployment of the estate, with everything needed to build it (picklable)."""

    label: str
    council: str
    app: str
    cloud: str
    tier: str
    region: str | None
    domain: str | None
    contact: str | None
    allow_non_uk_region: bool
    trial_days: int


def schema_text() -> str:
    return json.dumps(Estate.model_json_schema(), indent=2, sort_keys=True) + "\n"


def load_estate(path: Path) -> Estate:
    data = read_mapping(Path(path), "an estate (estate, defaults, councils)")
    try:
        return Estate.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
        raise UserError(f"{path}: {where or '(top level)'}: {err['msg']}") from None


def entries(estate: Estate) -> list[Entry]:
    """Every council × app, with council and estate defaults filled in (most specific wins)."""
    out = []
    d = estate.defaults
    for council in estate.councils:
        for app in council.apps:
            app_id = app.app.partition("@")[0]
            domain = app.domain or (f"{app_id}.{council.domain}" if council.domain else None)
            out.append(
                Entry(
                    label=f"{council.name} / {app.app}",
                    council=council.name,
                    app=app.app,
                    cloud=app.cloud or council.cloud or d.cloud,
                    tier=app.tier or council.tier or d.tier,
                    region=app.region or council.region or d.region,
                    domain=domain,
                    contact=app.contact or council.contact or d.contact,
                    allow_non_uk_region=d.allow_non_uk_region,
                    trial_days=d.trial_days,
                )
            )
    seen: dict[tuple, str] = {}
    for e in out:
        key = (slugify(e.council), e.app.partition("@")[0], e.tier)
        if key in seen:
            raise UserError(f"estate: {e.label} and {seen[key]} would be the same stack ({'-'.join(key)})")
        seen[key] = e.label
    return out
