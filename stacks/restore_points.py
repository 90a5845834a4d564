"""Restore points: what a deployed stack can be restored from, in one shape for both clouds.

`Cloud.restore_points` lists them (`councilkit backups`), `Cloud.take_restore_point` makes new
ones (`councilkit backup`), and `destroy` records those it leaves behind in the deletion
certificate. Later commands (restore, drills, rollback) pick a point by its `id` or a time in a
`RestoreWindow`, so both keep the cloud's own identifiers and times, not rendered text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

# What a point restores (the `what` column).
DATABASE = "database"
FILES = "files"
DATABASE_VM = "database VM"

# How it came to be (the `kind` column).
AUTOMATED = "automated"
"""Taken by the cloud on a schedule the stack set (RDS automated snapshots, AWS Backup and Azure
Backup policies, Flexible Server's daily backups)."""
MANUAL = "manual"
"""Taken by someone (an RDS manual snapshot: kept until deleted)."""
ON_DEMAND = "on demand"
"""Taken by `councilkit backup` or by hand through the backup service; expires like the rest."""


# What a destroy does to a point (RestorePoint.outlives_stack).
VAULT = "vault"
ALWAYS = "always"


def utc(value: Any) -> datetime | None:
    """A datetime in UTC from what an SDK or REST API returns (datetime or ISO 8601 text)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    text = str(value).strip().replace("Z", "+00:00")
    # Azure writes seven fractional digits (2021-06-15T16:05:19.9025220+00:00); Python reads six.
    head, dot, rest = text.partition(".")
    if dot:
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits):]
        text = f"{head}.{digits[:6]}{zone}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z") if value else None


@dataclass(frozen=True)
class RestorePoint:
    """One point a database, its files or a database VM can be restored from."""

    what: str
    source: str
    """The resource it restores (the RDS instance, the EFS file system, the share)."""
    id: str
    """The cloud's identifier (snapshot identifier, recovery point ARN or resource id)."""
    created: datetime | None
    kind: str
    expires: datetime | None = None
    """None: kept until someone deletes it (RDS manual snapshots)."""
    size_bytes: int | None = None
    size_basis: str = ""
    """What the size measures: "backup" (the backup's own size) or "allocated" (the storage the
    database had; RDS snapshots report no size of their own)."""
    status: str = ""
    label: str = ""
    outlives_stack: str = ""
    """Whether a destroy leaves it in the cloud: "" (deleted with the stack), VAULT (kept with the
    backup vault unless --delete-backups) or ALWAYS (kept until someone deletes it)."""

    def to_json(self) -> dict[str, Any]:
        return {"what": self.what, "source": self.source, "id": self.id, "created": iso(self.created),
                "kind": self.kind, "expires": iso(self.expires), "size_bytes": self.size_bytes,
                "size_basis": self.size_basis, "status": self.status, "label": self.label,
                "outlives_stack": self.outlives_stack}

    def kept_by_destroy(self, delete_backups: bool) -> bool:
        return self.outlives_stack == ALWAYS or (self.outlives_stack == VAULT and not delete_backups)


@dataclass(frozen=True)
class RestoreWindow:
    """A point-in-time restore window: any moment from `earliest` to `latest` (None: now)."""

    what: str
    source: str
    earliest: datetime | None
    latest: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {"what": self.what, "source": self.source, "earliest": iso(self.earliest),
                "latest": iso(self.latest)}


@dataclass
class RestorePoints:
    """What a cloud answered: the points, the PITR windows, and what it could not say (in words:
    a trial with no backup vault, an output an older stack does not export)."""

    points: list[RestorePoint] = field(default_factory=list)
    windows: list[RestoreWindow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def extend(self, other: "RestorePoints") -> "RestorePoints":
        self.points += other.points
        self.windows += other.windows
        self.notes += other.notes
        return self

    def ordered(self) -> list[RestorePoint]:
        """By what they restore, newest first."""
        oldest = datetime.min.replace(tzinfo=timezone.utc)
        return sorted(self.points, key=lambda p: (p.what, -(p.created or oldest).timestamp()))

    def to_json(self) -> dict[str, Any]:
        return {"points": [p.to_json() for p in self.ordered()], "windows": [w.to_json() for w in self.windows],
                "notes": list(self.notes)}
