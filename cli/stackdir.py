"""A rendered stack folder on disk: find it, read it back into a Deployment, write it atomically.

A folder is recognised by its `councilkit.lock.json`. Its `Pulumi.<stack>.yaml` holds the answers
(config keys `councilkit:*`) and may also hold keys Pulumi wrote itself (the passphrase provider's
`encryptionsalt`); those are carried over whenever councilkit re-renders the folder, or the
stack's state secrets could no longer be decrypted.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from councilkit.blueprints.deployment import Deployment
from councilkit.blueprints.errors import UserError, quote
from councilkit.blueprints.yamlfile import read_mapping
from councilkit.blueprints.lock import ANSWER_KEYS, LOCK_FILE, Lock, locked_deployment, read_lock

from .render import PROJECT_FILE, Rendered, stack_file

# Top-level keys Pulumi writes into a stack config file (secrets providers); never ours to drop.
PULUMI_KEPT_KEYS = ("encryptedkey", "encryptionsalt", "secretsprovider")
NAMESPACE = "councilkit:"


def _text(value: Any) -> str:
    """A config value as Pulumi passes it to the program (YAML true → "true")."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def is_stack_folder(path: str | os.PathLike) -> bool:
    p = Path(path)
    return p.is_dir() and (p / LOCK_FILE).is_file()


@dataclass
class StackFolder:
    path: Path
    stack: str
    config: dict[str, Any]
    kept: dict[str, str]
    lock: Lock
    backend: str | None

    @property
    def stack_file(self) -> Path:
        return self.path / stack_file(self.stack)

    @property
    def answers(self) -> dict[str, str]:
        return {
            key[len(NAMESPACE):]: _text(value)
            for key, value in self.config.items()
            if key.startswith(NAMESPACE) and key[len(NAMESPACE):] in ANSWER_KEYS
        }

    def deployment(self) -> Deployment:
        d = locked_deployment(self.path, self.answers, where=str(self.stack_file))
        if d.stack_name != self.stack:
            raise UserError(
                f"{self.stack_file}: these answers make stack {d.stack_name}, not {self.stack} "
                "(council or tier changed?); render a new folder with `councilkit new`"
            )
        return d


def open_folder(path: str | os.PathLike) -> StackFolder:
    """Read a folder written by `councilkit new`; one `error:` line if it is not one."""
    folder = Path(path)
    if not folder.is_dir():
        raise UserError(f"{folder}: no such folder; expected a stack folder written by `councilkit new`")
    if (folder / JOURNAL).exists():
        from .safe_io import writing

        with writing(folder):
            finish_swap(folder)
    lock = read_lock(folder)
    stacks = sorted(folder.glob("Pulumi.*.yaml"))
    if len(stacks) != 1:
        found = ", ".join(p.name for p in stacks) or "none"
        raise UserError(f"{folder}: expected exactly one Pulumi.<stack>.yaml, found {found}")
    stack = stacks[0].name[len("Pulumi."):-len(".yaml")]
    doc = read_mapping(stacks[0])
    config = doc.get("config") or {}
    if not isinstance(config, dict):
        raise UserError(f"{stacks[0]}: config: expected a mapping of keys to values")
    kept = {k: str(doc[k]) for k in PULUMI_KEPT_KEYS if doc.get(k)}
    backend = project_backend(folder / PROJECT_FILE) if (folder / PROJECT_FILE).is_file() else None
    return StackFolder(path=folder, stack=stack, config=config, kept=kept, lock=lock, backend=backend)


def project_backend(path: Path) -> str | None:
    """The state backend URL a Pulumi.yaml names, in the one form Pulumi's project file takes:
    `backend: {url: ...}` (an object with an optional string `url` and no other key, or null;
    pulumi/pulumi sdk/go/common/workspace/project.json). Anything else, `backend: s3://...` for
    one, Pulumi itself refuses: say how to write it instead."""
    backend = read_mapping(path).get("backend")
    if backend is None:
        return None
    if not isinstance(backend, dict) or set(backend) - {"url"} or not isinstance(backend.get("url", ""), str):
        shown = backend if isinstance(backend, (str, int, float, bool)) else type(backend).__name__
        raise UserError(
            f"{path}: backend: expected a mapping with a url, e.g. `backend: {{url: s3://bucket}}` "
            f"(as Pulumi's project file takes it), got {quote(shown)}"
        )
    return backend.get("url") or None


def same_stack(existing: StackFolder, rendered: Rendered) -> bool:
    """True when the folder already holds exactly these answers and this lock (Pulumi's own keys aside)."""
    new_config = yaml.safe_load(rendered.files[stack_file(rendered.stack)])["config"]
    return (
        existing.stack == rendered.stack
        and {k: _text(v) for k, v in existing.config.items()} == new_config
        and (existing.path / LOCK_FILE).read_bytes() == rendered.files[LOCK_FILE]
    )


def _write_file(path: Path, data: bytes) -> None:
    """One file of a staged render (a seam tests use to fail half-way)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _stage(parent: Path, prefix: str, files: dict[str, bytes]) -> Path:
    staging = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes 0700; a stack folder is an ordinary folder
        for name, data in files.items():
            _write_file(staging / name, data)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def write(target: Path, rendered: Rendered, stale: tuple[str, ...] = ()) -> None:
    """Put the rendered files in `target`, all or nothing.

    A new folder is staged beside the target and renamed into place in one step. An existing
    folder (upgrade, --force) is staged inside it, then each file replaces its old version by
    rename; `stale` names old files to remove afterwards (a previous stack config, old image files).
    Other files in the folder (a .git, notes) are left alone.
    """
    target = Path(target)
    parent = target.parent
    if not parent.is_dir():
        state = "is a file, not a folder" if parent.exists() else "does not exist"
        raise UserError(f"--dir: folder {parent} {state}")
    from .safe_io import writing

    with writing(target):
        _write(target, rendered, stale)


JOURNAL = ".councilkit-swap.json"
"""Written (atomically) once every new file is staged, removed once every file is in place: while it
exists the folder is mid-swap, and the next councilkit run finishes the swap (`finish_swap`)."""


def _write(target: Path, rendered: Rendered, stale: tuple[str, ...]) -> None:
    parent = target.parent
    if not target.exists():
        staging = _stage(parent, f".{target.name}.tmp-", rendered.files)
        try:
            os.rename(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return
    finish_swap(target)  # an earlier run interrupted mid-swap: complete it before starting another
    staging = _stage(target, ".councilkit-tmp-", rendered.files)
    backup = Path(tempfile.mkdtemp(prefix=".councilkit-old-", dir=target))
    plan = {"staging": staging.name, "backup": backup.name, "files": sorted(rendered.files),
            "stale": sorted(name for name in stale if name not in rendered.files)}
    try:
        from .safe_io import write_atomically

        write_atomically(target / JOURNAL, json.dumps(plan, indent=2) + "\n")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(backup, ignore_errors=True)
        raise
    # The commit point is the journal: from here the new folder is what the next run sees, even
    # if this process is killed (the journal is replayed forward; every step below is idempotent).
    _swap(target, plan)


def _swap(target: Path, plan: dict) -> None:
    staging, backup = target / plan["staging"], target / plan["backup"]
    for name in plan["files"]:
        new = staging / name
        if not new.exists():
            continue  # moved into place before an interruption
        old = target / name
        if old.exists() and not (backup / name).exists():
            (backup / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, backup / name)
        old.parent.mkdir(parents=True, exist_ok=True)
        os.replace(new, old)
    for name in plan["stale"]:
        (target / name).unlink(missing_ok=True)
        parent_dir = (target / name).parent
        if parent_dir != target and parent_dir.is_dir() and not any(parent_dir.iterdir()):
            parent_dir.rmdir()
    (target / JOURNAL).unlink(missing_ok=True)
    # Done: the old versions and the empty staging folder are only leftovers now. An interrupt
    # while removing them does not undo a completed write (the next run removes what is left).
    try:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(backup, ignore_errors=True)
    except KeyboardInterrupt:
        pass


def finish_swap(target: Path) -> bool:
    """Complete a rewrite of `target` that an earlier run began and did not finish (killed between
    file replacements), so the folder holds the new render whole, never a mix; remove the leftovers
    of staged renders that never reached their journal. True when there was something to finish."""
    journal = target / JOURNAL
    finished = False
    if journal.is_file():
        try:
            plan = json.loads(journal.read_text(encoding="utf-8"))
            names = [plan["staging"], plan["backup"], *plan["files"], *plan["stale"]]
        except (ValueError, KeyError, TypeError):
            raise UserError(f"{journal}: an interrupted rewrite left a journal councilkit cannot read; "
                            "check the folder against version control, then delete the file") from None
        if any(not isinstance(n, str) or n.startswith("/") or ".." in Path(n).parts for n in names):
            raise UserError(f"{journal}: names a file outside the folder; refused (delete the file)")
        _swap(target, plan)
        finished = True
    for leftover in [*target.glob(".councilkit-tmp-*"), *target.glob(".councilkit-old-*")]:
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
    for leftover in target.glob(f".{JOURNAL}.*"):  # a journal's own temporary file, never renamed
        leftover.unlink(missing_ok=True)
    if finished:
        import warnings

        from councilkit.blueprints.errors import Notice

        warnings.warn(Notice(f"{target}: finished a rewrite an earlier run was interrupted in"), stacklevel=2)
    return finished


def rendered_names(folder: StackFolder) -> tuple[str, ...]:
    """The files a previous render put in `folder` (to remove those a new render no longer has)."""
    from councilkit.blueprints.lock import IMAGE_DIR

    from .render import PROGRAM_FILE, RUNBOOK_FILE

    names = [PROJECT_FILE, PROGRAM_FILE, RUNBOOK_FILE, LOCK_FILE, stack_file(folder.stack)]
    names += [f"{IMAGE_DIR}/{name}" for name in folder.lock.image_files]
    return tuple(names)


def folder_deployment(arg: str) -> Deployment | None:
    """`plan STACK_DIR`: the Deployment of a stack folder, or None when `arg` names an app.

    A folder is recognised by its lock; an argument that looks like a path (`.`, `./x`, `a/b`) but
    holds no lock is an error rather than an unknown app.
    """
    path = Path(arg)
    if is_stack_folder(path) or (path.is_dir() and (os.sep in arg or arg.startswith(".") or not _an_app(arg))):
        return open_folder(path).deployment()
    return None


def _an_app(arg: str) -> bool:
    """Whether `arg` names a catalogue app (ID or ID@VERSION), which wins over a folder of that name."""
    from councilkit.blueprints.loader import discover, parse_ref

    try:
        return parse_ref(arg)[0] in discover()
    except UserError:
        return False
