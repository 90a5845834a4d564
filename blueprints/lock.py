"""The lock of a rendered stack: the resolved blueprint it was rendered from, frozen in the folder.

`councilkit new` writes `councilkit.lock.json` beside the stack's config; the Pulumi program and
`councilkit plan DIR` build from it, never from the catalogue, so a newer blueprint release (or a
council's extra blueprint folder changing) never changes a deployed stack by surprise. Only
`councilkit upgrade` rewrites it, after showing the difference.

The lock holds the whole resolved blueprint, the sha256 of the released file it came from (a
released file never changes, so the digest proves which one), the sha256 of its own resolved body,
and the sha256 of the image build files copied beside it (for apps whose image the council builds).

Every read is verified (`verify`): the resolved body against its own digest and, where the
released file is in the catalogue, against that file and its digest. An edited lock (an image
moved to another registry, a setting loosened) is refused with what differs, unless the council
accepts that exact body in the stack config (`councilkit:accept-lock: <its sha256>`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import UserError
from .yamlfile import MAX_BYTES, read_text
from .model import SEMVER, Blueprint

LOCK_FILE = "councilkit.lock.json"
LOCK_FORMAT = 1
IMAGE_DIR = "image"
# The answers a rendered stack keeps in its Pulumi config, under the `councilkit:` namespace.
ANSWER_KEYS = (
    "blueprint",
    "cloud",
    "tier",
    "council",
    "domain",
    "contact",
    "region",
    "allow-non-uk-region",
    "expires-on",
    "accept-lock",
)
ACCEPT_KEY = "accept-lock"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def resolved_sha256(resolved: Any) -> str:
    """The digest of a lock's resolved body: canonical JSON (sorted keys, no spaces), so it does
    not depend on how the file is indented."""
    return sha256_of(json.dumps(resolved, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())


@dataclass(frozen=True)
class Lock:
    blueprint: Blueprint
    source: str
    source_sha256: str
    image_files: dict[str, str] = field(default_factory=dict)
    resolved: Any = None
    """The resolved body exactly as the file holds it (what `verify` checks)."""
    recorded_sha256: str = ""
    """The digest the file records for its resolved body ("" in locks written before it did)."""

    @property
    def body_sha256(self) -> str:
        return resolved_sha256(self.resolved)

    @property
    def ref(self) -> str:
        return self.blueprint.ref


def build_files(bp: Blueprint, source: Path) -> dict[str, bytes]:
    """Files an image build needs, from the blueprint's folder (everything but version files).

    Only for blueprints with a `build:` container; the Dockerfile and what it COPYs live beside
    the version files and are shared by every version, so the folder keeps its own copy.
    """
    if not any(c.build for c in bp.containers):
        return {}
    out = {}
    for path in sorted(source.parent.iterdir()):
        version_file = path.suffix == ".yaml" and re.match(SEMVER, path.stem)
        if path.is_file() and not version_file and not path.name.startswith("."):
            out[path.name] = path.read_bytes()
    return out


def lock_document(bp: Blueprint, source: Path, image_files: Mapping[str, bytes]) -> dict[str, Any]:
    resolved = bp.model_dump(mode="json", exclude_none=True)
    return {
        "councilkit_lock": LOCK_FORMAT,
        "blueprint": bp.ref,
        "source": {
            "file": f"{bp.id}/{bp.version}.yaml",
            "sha256": sha256_of(source.read_bytes()),
        },
        "image_files": {name: sha256_of(data) for name, data in sorted(image_files.items())},
        "resolved_sha256": resolved_sha256(resolved),
        "resolved": resolved,
    }


def lock_text(doc: Mapping[str, Any]) -> str:
    """Keys in the blueprint's own order (readable beside the YAML), two-space indent, one final newline."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# A lock holds a whole resolved blueprint (tens of KB for the largest shipped app).
LOCK_MAX_BYTES = 4 * MAX_BYTES


def read_lock(folder: Path) -> Lock:
    path = Path(folder) / LOCK_FILE
    if not path.exists() and not path.is_symlink():
        raise UserError(f"{folder}: no {LOCK_FILE}; expected a folder written by `councilkit new`")
    try:
        # One reader for users' files: size, UTF-8 (file and byte offset), unreadable, link loops.
        doc = json.loads(read_text(path, max_bytes=LOCK_MAX_BYTES))
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg})") from None
    found = doc.get("councilkit_lock") if isinstance(doc, dict) else None
    if found != LOCK_FORMAT:
        raise UserError(f"{path}: councilkit_lock: expected {LOCK_FORMAT}, got {found!r}")
    try:
        bp = Blueprint.model_validate(doc.get("resolved"))
    except ValidationError as exc:
        from .loader import _describe

        raise UserError(f"{path}: resolved.{_describe(exc.errors()[0])}") from None
    if doc.get("blueprint") != bp.ref:
        raise UserError(f"{path}: blueprint: expected {bp.ref} (the resolved blueprint), got {doc.get('blueprint')!r}")
    source = doc.get("source") or {}
    return Lock(
        blueprint=bp,
        source=str(source.get("file", "")),
        source_sha256=str(source.get("sha256", "")),
        image_files=dict(doc.get("image_files") or {}),
        resolved=doc.get("resolved"),
        recorded_sha256=str(doc.get("resolved_sha256") or ""),
    )


def differences(found: Any, expected: Any, where: str = "") -> list[str]:
    """Field paths where two resolved bodies differ, with both values, depth first."""
    if isinstance(found, dict) and isinstance(expected, dict):
        out = []
        for key in [*expected, *(k for k in found if k not in expected)]:
            path = f"{where}.{key}" if where else str(key)
            if key not in found:
                out.append(f"{path}: missing (released: {_short(expected[key])})")
            elif key not in expected:
                out.append(f"{path}: added ({_short(found[key])})")
            else:
                out += differences(found[key], expected[key], path)
        return out
    if isinstance(found, list) and isinstance(expected, list) and len(found) == len(expected):
        return [d for i, (a, b) in enumerate(zip(found, expected)) for d in differences(a, b, f"{where}[{i}]")]
    if found != expected:
        return [f"{where or '(body)'}: {_short(found)} (released: {_short(expected)})"]
    return []


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def released_file(lock: Lock) -> Path | None:
    """The catalogue's file for the lock's id@version (earlier folders first), or None when the
    blueprint came from a folder this run does not search."""
    from .loader import discover

    found = discover().get(lock.blueprint.id, {}).get(lock.blueprint.version)
    return found.path if found else None


def verify(lock: Lock, path: Path, accepted: str | None = None) -> None:
    """Refuse a lock whose resolved body is not what it claims to be: its own recorded digest,
    and where the released file is found, that file's digest and content. `accepted` (the stack
    config's `councilkit:accept-lock`) lets exactly one edited body through: the one whose digest
    it names, so a later edit is refused again."""
    body = lock.body_sha256
    if accepted and accepted.strip().lower() == body:
        return
    problems: list[str] = []
    if lock.recorded_sha256 and lock.recorded_sha256 != body:
        problems.append(f"its resolved body does not match its resolved_sha256 {lock.recorded_sha256[:12]}…")
    source = released_file(lock)
    if source is not None:
        from .loader import load_file

        released = load_file(source).model_dump(mode="json", exclude_none=True)
        # Compared as councilkit reads it: a field the schema gained after this lock was written
        # (its default filled in) is no edit; any value that reads differently still is.
        changed = differences(lock.blueprint.model_dump(mode="json", exclude_none=True), released)
        if changed:
            shown = "; ".join(changed[:3]) + (f"; and {len(changed) - 3} more" if len(changed) > 3 else "")
            problems.append(f"it differs from the released {lock.ref} ({source}): {shown}")
        elif lock.source_sha256 != sha256_of(source.read_bytes()):
            problems.append(f"its source.sha256 is not the digest of the released {lock.ref} ({source})")
    if problems:
        raise UserError(
            f"{path}: the lock was changed after `councilkit new` wrote it: " + "; ".join(problems)
            + f". Restore it with `councilkit new {lock.ref} --force` (same answers), or, to deploy this "
            f"body as it is, add `councilkit:{ACCEPT_KEY}: {body}` to the stack config"
        )


def locked_deployment(folder: Path, answers: Mapping[str, str], where: str = "config"):
    """The Deployment a rendered folder describes: its lock plus the answers in its stack config.

    `where` names the file the answers came from, for error messages.
    """
    from .deployment import build_deployment

    lock = read_lock(folder)
    verify(lock, Path(folder) / LOCK_FILE, answers.get(ACCEPT_KEY))
    missing = [k for k in ("blueprint", "cloud", "tier", "council", "domain", "contact") if not answers.get(k)]
    if missing:
        raise UserError(f"{where}: councilkit:{missing[0]} is missing; expected it as `councilkit new` wrote it")
    if answers["blueprint"] != lock.ref:
        raise UserError(
            f"{where}: councilkit:blueprint is {answers['blueprint']} but {LOCK_FILE} holds {lock.ref}; "
            f"change versions with `councilkit upgrade {folder}`"
        )
    if answers["tier"] == "trial" and not answers.get("expires-on"):
        raise UserError(f"{where}: councilkit:expires-on is missing; a trial needs an expiry date YYYY-MM-DD")
    return build_deployment(
        lock.ref,
        cloud=answers["cloud"],
        tier=answers["tier"],
        council=answers["council"],
        domain=answers["domain"],
        contact=answers["contact"],
        region=answers.get("region"),
        allow_non_uk_region=str(answers.get("allow-non-uk-region", "false")).lower() == "true",
        expires_on=answers.get("expires-on"),
        locked=(lock.blueprint, Path(folder) / IMAGE_DIR),
    )
