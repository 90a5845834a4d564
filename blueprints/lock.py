"""The lock of a rendered stack: the resolved blueprint it was rendered from, frozen in the folder.

`councilkit new` writes `councilkit.lock.json` beside the stack's config; the Pulumi program and
`councilkit plan DIR` build from it, never from the catalogue, so a newer blueprint release (or a
council's extra blueprint folder changing) never changes a deployed stack by surprise. Only
`councilkit upgrade` rewrites it, after showing the difference.

The lock holds the whole resolved blueprint, the sha256 of the released file it came from (a
released file never changes, so the digest proves which one), and the sha256 of the image build
files copied beside it (for apps whose image the council builds).
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
)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Lock:
    blueprint: Blueprint
    source: str
    source_sha256: str
    image_files: dict[str, str] = field(default_factory=dict)

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
    return {
        "councilkit_lock": LOCK_FORMAT,
        "blueprint": bp.ref,
        "source": {
            "file": f"{bp.id}/{bp.version}.yaml",
            "sha256": sha256_of(source.read_bytes()),
        },
        "image_files": {name: sha256_of(data) for name, data in sorted(image_files.items())},
        "resolved": bp.model_dump(mode="json", exclude_none=True),
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
    )


def locked_deployment(folder: Path, answers: Mapping[str, str], where: str = "config"):
    """The Deployment a rendered folder describes: its lock plus the answers in its stack config.

    `where` names the file the answers came from, for error messages.
    """
    from .deployment import build_deployment

    lock = read_lock(folder)
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
