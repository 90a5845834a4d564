"""The record a finished `councilkit destroy` leaves in the stack folder: RETIRED.md, retired.json
and the deletion certificate (cli/deletion_certificate.py, DELETION-CERTIFICATE.html).

A council retiring a service must be able to show, later, what was deleted, what was kept on
purpose (a final snapshot, recovery points, logs) and how to delete each kept thing when its time
comes. The record is written only after the destroy succeeded, atomically (plan_json's
`write_atomically`), so a folder never holds a half-written or premature certificate. An earlier
record of the same folder (a stack destroyed, re-created, destroyed again) is carried along under
`earlier`: what the first destroy kept is still in the cloud.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from .safe_io import write_atomically

MARKDOWN = "RETIRED.md"
MACHINE = "retired.json"
SCHEMA = 1


def record(d, stack: str, region: str, kept: Iterable, deleted: Iterable[dict], delete_backups: bool,
           when: datetime | None = None, deleted_by: str = "", retained_points: Iterable[dict] = (),
           notes: Iterable[str] = ()) -> dict[str, Any]:
    """The machine record: the facts, nothing rendered. `deleted_by` is the cloud identity the
    destroy ran as; `retained_points` the restore points it leaves in the cloud (listed just
    before it, RestorePoint.to_json); `notes` what could not be asked (said, not guessed)."""
    when = when or datetime.now(timezone.utc)
    return {
        "schema": SCHEMA,
        "stack": stack,
        "retired_at": when.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "blueprint": d.blueprint.ref,
        "council": d.council,
        "cloud": d.cloud,
        "region": region,
        "tier": d.tier,
        "delete_backups": delete_backups,
        "deleted": sorted(deleted, key=lambda r: (r["type"], r["name"])),
        "kept": [{**asdict(k), "delete": list(k.delete)} for k in kept],
        "deleted_by": deleted_by,
        "retained_restore_points": list(retained_points),
        "notes": list(notes),
    }


def markdown(rec: dict[str, Any]) -> str:
    lines = [
        f"# Retired: {rec['stack']}",
        "",
        f"Destroyed on {rec['retired_at']} by `councilkit destroy`"
        + (" --delete-backups" if rec["delete_backups"] else "") + ".",
        "",
        f"Deleted by: {rec.get('deleted_by') or 'not recorded'}",
        "",
        "| | |",
        "| --- | --- |",
        f"| blueprint | {rec['blueprint']} |",
        f"| council | {rec['council']} |",
        f"| cloud, region | {rec['cloud']} {rec['region']} |",
        f"| tier | {rec['tier']} |",
        f"| resources deleted | {len(rec['deleted'])} |",
        "",
        "## Kept",
        "",
    ]
    if not rec["kept"]:
        lines.append("Nothing: every resource of the stack was deleted.")
    for k in rec["kept"]:
        lines += [f"### {k['what']}", "", f"- identifier: `{k['identifier']}`", f"- kept: {k['until']}"]
        if k["delete"]:
            lines += ["- to delete it, in order:", ""] + [f"      {c}" for c in k["delete"]]
        lines.append("")
    for earlier in rec.get("earlier", []):
        if earlier.get("kept"):
            lines += [f"## Still kept from the destroy of {earlier.get('retired_at', '(unknown)')}", "",
                      f"See `{MACHINE}` (`earlier`) for the commands; it kept:", ""]
            lines += [f"- {k['what']}: `{k['identifier']}`" for k in earlier["kept"]]
            lines.append("")
    if rec.get("retained_restore_points"):
        lines += ["## Restore points left in the cloud", ""]
        lines += [f"- {p['what']} `{p['id']}` (created {p.get('created') or '?'}; "
                  f"{'expires ' + p['expires'] if p.get('expires') else 'kept until deleted'})"
                  for p in rec["retained_restore_points"]]
        lines.append("")
    for note in rec.get("notes", []):
        lines += [f"Note: {note}", ""]
    lines += ["## Deleted", ""] + [f"- {r['type']} `{r['name']}`" + (f" (id `{r['id']}`)" if r.get("id") else "")
                                   for r in rec["deleted"]]
    return "\n".join(lines).rstrip() + "\n"


def previous(folder: Path) -> list[dict[str, Any]]:
    """Earlier records of this folder, newest first (an unreadable file is kept aside, not lost)."""
    path = Path(folder) / MACHINE
    if not path.is_file():
        return []
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [{"unreadable": path.read_bytes().decode("utf-8", "replace")}]
    if not isinstance(old, dict):
        return []
    return [{k: v for k, v in old.items() if k != "earlier"}, *old.get("earlier", [])]


def write(folder: Path, rec: dict[str, Any]) -> tuple[Path, Path]:
    """Write retired.json, then RETIRED.md and DELETION-CERTIFICATE.html (which prints the
    SHA-256 of the retired.json just written), each atomically; returns the first two paths."""
    from . import deletion_certificate

    folder = Path(folder)
    rec = {**rec, "earlier": previous(folder)}
    machine, human = folder / MACHINE, folder / MARKDOWN
    text = json.dumps(rec, indent=2, sort_keys=False) + "\n"
    write_atomically(machine, text)
    write_atomically(human, markdown(rec))
    write_atomically(folder / deletion_certificate.NAME, deletion_certificate.html(rec, text))
    return human, machine
