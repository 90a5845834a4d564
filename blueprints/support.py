"""Whether upstream still supports what a blueprint runs: the shipped support data and its verdicts.

A blueprint pins an upstream version; upstream stops fixing security holes in each release line on
a published date (Nextcloud: about a year per major). `support.yaml` holds those dates with a
source per row, read offline; this module says which line a blueprint is on, how many days of
support it has left on a given day, and the one warning `plan` prints for a line past its end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from .errors import UserError
from .model import Blueprint, Strict
from .yamlfile import read_mapping

SUPPORT_FILE = Path(__file__).with_name("support.yaml")
ENDS_SOON_DAYS = 90
"""A line with this many days of support left or fewer is `ends soon`: a quarter to plan an upgrade."""

UNKNOWN = "unknown"
CYCLE = r"^v?\d+(\.\d+)*$"


class Line(Strict):
    """One upstream release line (a major such as Nextcloud "34", or a minor such as Drupal "11.4")."""

    cycle: str = Field(pattern=CYCLE)
    released: dt.date | Literal["unknown"]
    end_of_support: dt.date | Literal["unknown"] | None = Field(
        description="last supported day; null = until the next line is released; unknown = unpublished")
    source: str = Field(pattern=r"^https://\S+$", description="the page this row was read from")
    read: dt.date = Field(description="the day the source was read")
    as_of: dt.date | None = Field(default=None, description="the day a snapshot source was taken")
    note: str | None = None


class AppSupport(Strict):
    product: str = Field(min_length=1)
    version_from: str = Field(default="app.upstream_version", pattern=r"^(app\.upstream_version|build\.args\.\w+)$")
    lines: list[Line] = Field(min_length=1)

    @model_validator(mode="after")
    def _cycles_unique(self):
        cycles = [line.cycle for line in self.lines]
        dupes = sorted({c for c in cycles if cycles.count(c) > 1})
        if dupes:
            raise ValueError(f"release line {dupes[0]!r} listed twice")
        return self


class SupportData(Strict):
    apps: dict[str, AppSupport]


def load(path: Path = SUPPORT_FILE) -> SupportData:
    """The support data at `path`; a malformed file is one UserError naming it."""
    data = read_mapping(Path(path), "a mapping with `apps:`")
    try:
        return SupportData.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise UserError(f"{path}: {where}: {err['msg']}") from None


def _key(cycle: str) -> tuple[int, ...]:
    return tuple(int(p) for p in cycle.lstrip("v").split("."))


def running_version(bp: Blueprint, app: AppSupport) -> str | None:
    """The upstream version whose line counts: the app's, or a build argument (Drupal core under LocalGov)."""
    if app.version_from == "app.upstream_version":
        return bp.app.upstream_version
    name = app.version_from.removeprefix("build.args.")
    for container in bp.containers:
        if container.build and name in container.build.args:
            return container.build.args[name]
    return None


def line_of(version: str, lines: list[Line]) -> Line | None:
    """The most specific line `version` belongs to ("34.0.2" → "34", "11.4.7" → "11.4")."""
    bare = version.lstrip("v")
    matches = [ln for ln in lines if bare == ln.cycle.lstrip("v") or bare.startswith(ln.cycle.lstrip("v") + ".")]
    return max(matches, key=lambda ln: len(_key(ln.cycle)), default=None)


def end_of(line: Line, lines: list[Line]) -> dt.date | str | None:
    """The line's last day: its own date, `unknown`, the release of the next line (for null), or None
    while no next line is released (supported for now)."""
    if line.end_of_support is not None:
        return line.end_of_support
    newer = [ln for ln in lines if _key(ln.cycle) > _key(line.cycle) and isinstance(ln.released, dt.date)]
    return min((ln.released for ln in newer), default=None)


def status_of(end: dt.date | str | None, today: dt.date) -> tuple[str, int | None]:
    """(status, days of support left) on `today`."""
    if end == UNKNOWN:
        return UNKNOWN, None
    if end is None:
        return "supported", None
    days = (end - today).days
    if days < 0:
        return "unsupported", days
    return ("ends soon" if days <= ENDS_SOON_DAYS else "supported"), days


@dataclass(frozen=True)
class Verdict:
    """What `blueprints outdated` prints for one blueprint (its --json row)."""

    app: str
    blueprint: str
    upstream_version: str
    product: str | None
    runs: str | None
    line: str | None
    end_of_support: str | None
    days_left: int | None
    status: str
    newest_supported_line: str | None
    newer_line_upstream: bool
    source: str | None

    def as_json(self) -> dict:
        return asdict(self)


def verdict(bp: Blueprint, data: SupportData, today: dt.date) -> Verdict:
    """Where `bp` stands against upstream support on `today`."""
    app = data.apps.get(bp.id)
    base = dict(app=bp.id, blueprint=bp.ref, upstream_version=bp.app.upstream_version)
    if app is None:
        return Verdict(**base, product=None, runs=None, line=None, end_of_support=None, days_left=None,
                       status=UNKNOWN, newest_supported_line=None, newer_line_upstream=False, source=None)
    runs = running_version(bp, app)
    line = line_of(runs, app.lines) if runs else None
    newest = _newest_supported(app.lines, today)
    if line is None:
        return Verdict(**base, product=app.product, runs=runs, line=None, end_of_support=None, days_left=None,
                       status=UNKNOWN, newest_supported_line=newest, newer_line_upstream=False, source=None)
    end = end_of(line, app.lines)
    status, days = status_of(end, today)
    return Verdict(
        **base, product=app.product, runs=runs, line=line.cycle,
        end_of_support=end.isoformat() if isinstance(end, dt.date) else end,
        days_left=days, status=status, newest_supported_line=newest,
        newer_line_upstream=newest is not None and _key(newest) > _key(line.cycle), source=line.source,
    )


def _newest_supported(lines: list[Line], today: dt.date) -> str | None:
    released = [ln for ln in lines if not (isinstance(ln.released, dt.date) and ln.released > today)]
    ok = [ln for ln in released if status_of(end_of(ln, lines), today)[0] in ("supported", "ends soon")]
    return max(ok, key=lambda ln: _key(ln.cycle)).cycle if ok else None


def _next_version(bp: Blueprint) -> str | None:
    """The next blueprint version in the catalogue (upgrades go one step, so one major, at a time)."""
    from .loader import _version_key, discover

    later = [v for v in discover().get(bp.id, {}) if _version_key(v) > _version_key(bp.version)]
    return later[0] if later else None


def plan_warning(bp: Blueprint, today: dt.date, stack_dir: str | None = None,
                 path: Path = SUPPORT_FILE) -> str | None:
    """One `warning:` line when `bp` runs an upstream line past its end of support, else None.

    Advice only: it never fails a plan, so unreadable support data or catalogue gives no warning
    here (`blueprints outdated` reports the error)."""
    try:
        v = verdict(bp, load(path), today)
        nxt = _next_version(bp) if v.status == "unsupported" else None
    except UserError:
        return None
    if v.status != "unsupported":
        return None
    advice = (f"upgrade with `councilkit upgrade {stack_dir or 'STACK_DIR'} --to {bp.id}@{nxt}`" if nxt
              else "no newer blueprint exists yet")
    return (f"warning: {bp.ref} runs {v.product} {v.line}, out of upstream support since {v.end_of_support}; "
            f"{advice} (see `councilkit blueprints outdated`)")
