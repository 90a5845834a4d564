"""`councilkit backups | backup STACK_DIR`: the stack's restore points, and one taken now.

The cloud adapter asks the cloud (Cloud.restore_points / take_restore_point, one home per cloud
in stacks/<cloud>/backups.py); this module only reads the stack folder, checks the label, and
renders what came back: a table a council reads (what, id, created, age, size, kind, expires)
and the point-in-time window, or JSON for scripts (the same fields, times in UTC ISO 8601).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from councilkit.blueprints.errors import UserError, quote
from councilkit.stacks.restore_points import MANUAL, RestorePoints, iso

LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
DEFAULT_LABEL = "manual"
COLUMNS = ("what", "id", "created", "age", "size", "kind", "expires")


def now() -> datetime:
    """The time ages are counted from (tests pin it)."""
    return datetime.now(timezone.utc)


def check_label(label: str) -> str:
    """A label both clouds can carry in a snapshot or backup name and a tag."""
    if not LABEL.fullmatch(label or ""):  # fullmatch: `$` would let a trailing newline through
        raise UserError(f"--label: {quote(label)} is not a label: use 1 to 63 letters, digits, '.', '_' or '-', "
                        "starting with a letter or digit")
    return label


def stack(stack_dir: str, backend: str | None):
    """(session, outputs) of a deployed stack folder; the usual one-line errors before any call
    (no pulumi CLI, no passphrase, no credentials)."""
    from . import automation

    session = automation.prepare(stack_dir, backend, cloud_credentials=True)
    return session, automation.outputs(session)


def when(value: datetime | None) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if value else ""


def age(created: datetime | None, now: datetime) -> str:
    if created is None:
        return ""
    seconds = max(0, int((now - created).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days} d {hours} h" if days < 10 and hours else f"{days} d"
    if hours:
        return f"{hours} h"
    return f"{rest // 60} min"


def size(point) -> str:
    if point.size_bytes is None:
        return ""
    n = float(point.size_bytes)
    if point.size_basis == "allocated":
        return f"{n / 1024 ** 3:.0f} GiB allocated"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return ""


def expiry(point) -> str:
    return when(point.expires) if point.expires else "until deleted" if point.kind == MANUAL else ""


def rows(found: RestorePoints, now: datetime) -> list[tuple[str, ...]]:
    return [(p.what, p.id, when(p.created), age(p.created, now), size(p), p.kind + (f" ({p.label})" if p.label else ""),
             expiry(p)) for p in found.ordered()]


def table(found: RestorePoints, now: datetime) -> list[str]:
    """The rows under a header, columns padded to their widest cell."""
    body = rows(found, now)
    if not body:
        return []
    widths = [max(len(r[i]) for r in [COLUMNS, *body]) for i in range(len(COLUMNS))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in [COLUMNS, *body]]


def window_lines(found: RestorePoints) -> list[str]:
    return [f"{w.what} {w.source}: point-in-time restore to any time from {when(w.earliest)} to "
            f"{when(w.latest) if w.latest else 'now (the last few minutes)'}" for w in found.windows]


def listing(stack_name: str, cloud: str, found: RestorePoints, now: datetime) -> list[str]:
    lines = [f"restore points of {stack_name} ({cloud}): {len(found.points)}"]
    lines += table(found, now) or ["(none yet)"]
    lines += window_lines(found)
    lines += [f"note: {n}" for n in found.notes]
    return lines


def as_json(stack_name: str, cloud: str, found: RestorePoints, now: datetime) -> str:
    doc: dict[str, Any] = {"stack": stack_name, "cloud": cloud, "listed_at": iso(now), **found.to_json()}
    return json.dumps(doc, indent=2)


def taken_lines(stack_name: str, found: RestorePoints, waited: bool) -> list[str]:
    lines = []
    for p in found.points:
        keeps = f"expires {when(p.expires)}" if p.expires else (
            "kept until you delete it" if p.kind == MANUAL else "kept for the backup service's retention")
        lines.append(f"{'took' if waited else 'started'} {p.what} restore point {p.id} of {p.source} "
                     f"({p.status or 'started'}; {keeps})")
    lines += [f"note: {n}" for n in found.notes]
    if not found.points:
        lines.append(f"no restore point was taken of {stack_name}")
    elif not waited:
        lines.append(f"`councilkit backups {stack_name}` shows them once complete (or pass --wait)")
    return lines
