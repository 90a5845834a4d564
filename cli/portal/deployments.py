"""The portal's deployments page: councilkit's stacks in the state backend, with cloud, tier,
resources and, for a trial, its expiry and the days left, read as `councilkit reap` reads them
(cli/reap.py), so the two never disagree about what a stack is or when it expires."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from councilkit.blueprints.errors import UserError


@dataclass(frozen=True)
class Row:
    stack: str
    cloud: str
    tier: str
    resources: str
    expires: str
    left: str
    """Days left as people read it ("12 days", "expired 3 days ago"), or "" for production."""


def rows(infos, today: dt.date) -> list[Row]:
    from councilkit.blueprints.dates import strict_date

    out = []
    for info in infos:
        if not info.managed:
            continue
        expires = strict_date(info.expires_on) if info.expires_on else None
        if expires is None:
            left = ""
        else:
            days = (expires - today).days
            left = (f"{days} days" if days > 1 else "1 day" if days == 1 else "expires today" if days == 0
                    else f"expired {-days} days ago")
        out.append(Row(info.name, info.cloud or "?", info.tier or "?",
                       "—" if info.resource_count is None else str(info.resource_count),
                       info.expires_on or "never", left))
    return out


def backend_stacks(backend: str | None = None):
    """(backend URL, the councilkit stacks in it): UserError, one line, when the pulumi CLI, the
    passphrase or the backend cannot be had."""
    from councilkit.cli import reap

    with reap.opened_backend(backend, "portal") as (url, workspace):
        return url, reap.list_stacks(workspace)


def page_data(lister=backend_stacks) -> dict:
    from councilkit.blueprints.dates import today

    try:
        url, infos = lister()
    except UserError as exc:
        return {"backend": None, "rows": [], "problem": str(exc)}
    return {"backend": url, "rows": rows(infos, today()), "problem": ""}
