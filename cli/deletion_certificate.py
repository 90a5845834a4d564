"""DELETION-CERTIFICATE.html: the page an information-governance officer prints and files.

Rendered from the destroy's machine record (retired.json, cli/retire.py), never from anything
else, so the two cannot disagree; the page prints the SHA-256 of that retired.json exactly as
written, so the filed paper and the file in the stack folder can be checked against each other
later (`sha256sum retired.json`). One self-contained page (inline CSS, no scripts, no external
fonts or images), laid out for A4.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

NAME = "DELETION-CERTIFICATE.html"
TEMPLATE = "DELETION-CERTIFICATE.html.j2"
TEMPLATES = Path(__file__).parent / "templates"


def digest(machine_text: str) -> str:
    return hashlib.sha256(machine_text.encode("utf-8")).hexdigest()


def html(rec: dict[str, Any], machine_text: str) -> str:
    """The certificate for `rec`, whose retired.json text is `machine_text`."""
    import jinja2

    from .retire import MACHINE

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), undefined=jinja2.StrictUndefined,
                             autoescape=True, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    earlier = [e for e in rec.get("earlier", []) if isinstance(e, dict) and e.get("kept")]
    return env.get_template(TEMPLATE).render(rec=rec, sha256=digest(machine_text), earlier=earlier, machine=MACHINE)


def before_destroy(cloud, d, outputs, delete_backups: bool) -> tuple[str, list[dict], list[str]]:
    """What the certificate needs from the cloud while the stack still exists: the identity the
    destroy runs as, and the restore points that will outlive it (RestorePoint.kept_by_destroy:
    vault recovery points unless --delete-backups, manual snapshots always). A question the
    cloud cannot answer never stops a destroy the council confirmed: the certificate says what
    could not be recorded, and why."""
    from councilkit.blueprints.errors import UserError

    notes: list[str] = []
    try:
        identity = cloud.whoami(d, outputs)
    except UserError as exc:
        identity = ""
        notes.append(f"the cloud identity could not be read: {exc}")
    try:
        found = cloud.restore_points(d, outputs)
    except UserError as exc:
        return identity, [], notes + [f"the restore points left in the cloud could not be listed: {exc}"]
    kept = [p.to_json() for p in found.ordered() if p.kept_by_destroy(delete_backups)]
    return identity, kept, notes
