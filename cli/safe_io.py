"""Writing a user's files: all or nothing, and a failure is one line naming the file the user asked for.

A read-only folder, a path under a regular file or a full disk would otherwise surface as a
traceback naming a temporary file. `writing` turns any OSError inside it into a `WriteFailed`
that names the target and why, and removes the folders it had to create, so a failed write leaves
the tree as it was. `WriteFailed` is both a UserError (cli/main.py prints it as one `error:` line)
and an OSError, so code that tolerates a failed write (the plan cache) still catches it.
"""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from councilkit.blueprints.errors import UserError


class WriteFailed(UserError, OSError):
    def __init__(self, message: str, exc: OSError, target: Path):
        OSError.__init__(self, exc.errno, exc.strerror, str(target))
        self.message = message

    def __str__(self) -> str:
        return self.message


def _missing_dirs(target: Path) -> list[Path]:
    """The folders from `target` up that do not exist yet, deepest first."""
    out = []
    for p in [target, *target.parents]:
        if os.path.lexists(p):
            break
        out.append(p)
    return out


def _why(exc: OSError, target: Path) -> str:
    if exc.errno == errno.ENOTDIR or (exc.errno == errno.EEXIST and not target.parent.is_dir()):
        for p in target.parents:
            if p.exists() and not p.is_dir():
                return f"{p} is a file, not a folder"
    return exc.strerror or str(exc)


@contextmanager
def writing(target: str | os.PathLike, what: str | None = None):
    """Write `target` (a file or a folder) inside this block; see the module docstring."""
    target = Path(target)
    created = _missing_dirs(target)
    try:
        yield target
    except OSError as exc:
        for d in created:
            try:
                d.rmdir()
            except OSError:
                pass
        if isinstance(exc, WriteFailed):
            raise
        where = f"{what}: " if what else ""
        raise WriteFailed(f"{where}cannot write {target}: {_why(exc, target)}", exc, target) from None


def write_atomically(path: Path, text: str, what: str | None = None) -> None:
    """Write to a temporary file beside the target, then rename: never a half-written file.
    `what` names the option the user gave the path with (`--json`), if any, for the error line."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise UserError(f"{what or 'cannot write ' + str(path)}: folder {path.parent} does not exist")
    with writing(path, what):
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a plan is an ordinary file
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
