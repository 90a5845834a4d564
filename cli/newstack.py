"""`councilkit new`: answers → a stack folder, refusing to overwrite a different stack."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from councilkit.blueprints.dates import strict_date
from councilkit.blueprints.deployment import Deployment, build_deployment, today
from councilkit.blueprints.errors import UserError

from .render import DEFAULT_BACKEND, render
from .stackdir import is_stack_folder, open_folder, rendered_names, same_stack, write

MAX_TRIAL_DAYS = 365
EXPIRES_RE = re.compile(r"^(\d{1,4})([dw])$")


def parse_expires(text: str, now: dt.date) -> str:
    """`30d`, `2w` or a date YYYY-MM-DD → the expiry date, 1 to 365 days after today."""
    text = text.strip().lower()
    match = EXPIRES_RE.match(text)
    if match:
        date = now + dt.timedelta(days=int(match.group(1)) * (7 if match.group(2) == "w" else 1))
    else:
        date = strict_date(text)
        if date is None:
            raise UserError(f"expires: expected days or weeks (30d, 2w) or a date YYYY-MM-DD, got {text!r}")
    if not now < date <= now + dt.timedelta(days=MAX_TRIAL_DAYS):
        raise UserError(
            f"expires: {date.isoformat()} is not 1 to {MAX_TRIAL_DAYS} days after today ({now.isoformat()})"
        )
    return date.isoformat()


@dataclass
class Created:
    path: Path
    deployment: Deployment
    status: str  # created | unchanged | replaced


def new_stack(
    app: str,
    *,
    cloud: str,
    tier: str,
    council: str,
    domain: str | None = None,
    contact: str | None = None,
    region: str | None = None,
    allow_non_uk_region: bool = False,
    expires: str | None = None,
    folder: str | None = None,
    parent: Path | None = None,
    force: bool = False,
    backend: str | None = None,
    blueprint_dirs: tuple = (),
) -> Created:
    if expires is not None and tier == "production":
        raise UserError("expires: production stacks never expire; --expires is for --tier trial only")
    expires_on = parse_expires(expires, today()) if expires is not None else None
    d = build_deployment(
        app, cloud=cloud, tier=tier, council=council, domain=domain, contact=contact, region=region,
        allow_non_uk_region=allow_non_uk_region, expires_on=expires_on, blueprint_dirs=blueprint_dirs,
    )
    source = d.blueprint_dir / f"{d.blueprint.version}.yaml"
    target = Path(folder) if folder else (parent or Path()) / d.stack_name
    if target.exists() and not target.is_dir():
        raise UserError(f"--dir: {target} is a file, not a folder")
    existing = None
    if is_stack_folder(target):
        try:
            existing = open_folder(target)
        except UserError:
            if not force:
                raise
    kept = existing.kept if existing and existing.stack == d.stack_name else {}
    rendered = render(d, source, backend=backend or DEFAULT_BACKEND, kept=kept)
    if existing is not None:
        if same_stack(existing, rendered) and (backend is None or existing.backend == backend):
            return Created(target, d, "unchanged")
        if not force:
            hint = (
                f"; to move it to {d.blueprint.ref} use `councilkit upgrade {target}`"
                if existing.stack == d.stack_name and existing.lock.ref != d.blueprint.ref
                else ""
            )
            raise UserError(
                f"{target} already holds stack {existing.stack} ({existing.lock.ref}) with other answers; "
                f"pass --force to overwrite it, or --dir for another folder{hint}"
            )
        write(target, rendered, stale=rendered_names(existing))
        return Created(target, d, "replaced")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise UserError(f"{target} exists and is not empty; choose another --dir (or --force to write into it)")
    write(target, rendered)
    return Created(target, d, "created")
