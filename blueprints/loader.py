"""Finds and loads blueprint files: `<folder>/<id>/<version>.yaml`.

Folders are searched in order: `--blueprints DIR` flags, then COUNCILKIT_BLUEPRINT_PATH
(colon-separated), then the blueprints shipped with councilkit. A council adds an app by
adding a folder of YAML, with no code.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from .errors import Notice, UserError
from .model import SEMVER, Blueprint
from .yamlfile import read_mapping



BUILTIN_DIR = Path(__file__).resolve().parent
ENV_PATH = "COUNCILKIT_BLUEPRINT_PATH"


@dataclass(frozen=True)
class Found:
    """A blueprint file on disk, before it is read."""

    id: str
    version: str
    path: Path


def search_dirs(extra: tuple[str | os.PathLike, ...] = ()) -> list[Path]:
    dirs = [Path(d) for d in extra]
    dirs += [Path(p) for p in os.environ.get(ENV_PATH, "").split(":") if p]
    for d in dirs:
        if not d.is_dir():
            raise UserError(f"blueprint folder {d} does not exist")
    return dirs + [BUILTIN_DIR]


def _version_key(version: str) -> tuple:
    major, minor, rest = version.split(".", 2)
    patch, _, pre = rest.partition("-")
    # A release sorts after its pre-releases.
    return (int(major), int(minor), int(patch), pre == "", pre)


def discover(extra: tuple = ()) -> dict[str, dict[str, Found]]:
    """Every blueprint id → version → file; earlier folders win for the same id@version.

    A released blueprint never changes, so a council's folder may not replace a shipped release
    with different content (refused: give it a new version), and where two of the council's
    folders hold different files for one id@version, the one that wins is said (a warning)."""
    found: dict[str, dict[str, Found]] = {}
    for folder in search_dirs(extra):
        for path in sorted(folder.glob("*/*.yaml")):
            version = path.stem
            if not re.match(SEMVER, version):
                continue
            app_id = path.parent.name
            first = found.setdefault(app_id, {}).setdefault(version, Found(app_id, version, path))
            if first.path != path:
                _shadowed(first.path, path, shipped=folder == BUILTIN_DIR)
    return {k: dict(sorted(v.items(), key=lambda kv: _version_key(kv[0]))) for k, v in sorted(found.items())}


def _shadowed(winner: Path, loser: Path, shipped: bool) -> None:
    if _same_bytes(winner, loser):
        return
    ref = f"{loser.parent.name}@{loser.stem}"
    if shipped:
        raise UserError(
            f"{winner}: replaces the shipped release {ref} with different content; a released blueprint "
            f"never changes: give yours a new version (or another id)"
        )
    warnings.warn(Notice(f"{ref}: {winner} is used; {loser} has the same id@version with different content"),
                  stacklevel=3)


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _field(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _describe(err: dict) -> str:
    where = _field(tuple(p for p in err["loc"] if not str(p).startswith("function-")))
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown field (expected one of the fields in blueprints/schema.json)"
    elif err["type"] == "missing":
        msg = "required field is missing"
    elif err["type"] == "string_pattern_mismatch":
        msg = f"expected text matching {err['ctx']['pattern']}, got {err['input']!r}"
    return f"{where}: {msg}"


def load_file(path: Path) -> Blueprint:
    """Read and validate one file; errors name the file, the field and what was expected.

    Read once per process for one file as it is on disk: the cache key is the file's absolute path
    and its size and modification time, so a warm process (an estate plan, a portal) never hands
    back another folder's file of the same relative name, nor a file as it was before an edit."""
    path = Path(path)
    try:
        st = path.stat()
        key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    except (OSError, RuntimeError):
        key = (str(path), -1, -1)  # read_mapping below says what is wrong with it
    return _load(path, key)


@lru_cache(maxsize=None)
def _load(path: Path, key: tuple) -> Blueprint:
    data = read_mapping(path, "a mapping of blueprint fields")
    try:
        bp = Blueprint.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = len(exc.errors()) - 1
        extra = f" (and {more} more)" if more else ""
        raise UserError(f"{path}: {_describe(first)}{extra}") from None
    if path.stem != bp.version or path.parent.name != bp.id:
        raise UserError(
            f"{path}: id/version: expected {path.parent.name}@{path.stem} to match the file's place, "
            f"got {bp.ref}"
        )
    for c in bp.containers:
        if c.build and not _inside(path.parent, c.build.dockerfile):
            raise UserError(
                f"{path}: containers.{c.name}.build.dockerfile: {c.build.dockerfile!r} is outside the blueprint's "
                f"folder; a build uses only files beside the blueprint (they are copied into the stack folder)"
            )
        if c.build and not (path.parent / c.build.dockerfile).is_file():
            raise UserError(
                f"{path}: containers.{c.name}.build.dockerfile: expected a file "
                f"{path.parent / c.build.dockerfile}"
            )
    return bp


def _inside(folder: Path, name: str) -> bool:
    """Whether `name`, relative to `folder`, stays inside it (no `..`, no absolute path, no link out)."""
    if Path(name).is_absolute() or ".." in Path(name).parts:
        return False
    try:
        return (folder / name).resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return False


def parse_ref(ref: str) -> tuple[str, str | None]:
    app_id, _, version = ref.partition("@")
    return app_id, (version or None)


def resolve(ref: str, extra: tuple = ()) -> tuple[Blueprint, Path]:
    """`ID` or `ID@VERSION` → the blueprint (ID alone means the newest version)."""
    app_id, version = parse_ref(ref)
    catalogue = discover(extra)
    if app_id not in catalogue:
        known = ", ".join(catalogue) or "none"
        raise UserError(f"unknown app {app_id!r}; known apps: {known}")
    versions = catalogue[app_id]
    if version is None:
        version = list(versions)[-1]
    if version not in versions:
        raise UserError(
            f"unknown version {app_id}@{version}; available: {', '.join(versions)}"
        )
    found = versions[version]
    return load_file(found.path), found.path
