"""Where each rendered stack stands: its locked blueprint version and what newer ones exist."""

from __future__ import annotations

from pathlib import Path

from councilkit.blueprints.errors import UserError
from councilkit.blueprints.loader import _version_key, discover


def stack_statuses(root: Path) -> list[dict]:
    from councilkit.cli.stackdir import is_stack_folder, open_folder

    folders = sorted(p for p in [root, *root.rglob("*")] if p.is_dir() and is_stack_folder(p))
    if not folders:
        raise UserError(f"no rendered stacks (folders with a councilkit lock) under {root}")
    catalogue = discover()
    rows = []
    for path in folders:
        folder = open_folder(path)
        app_id, _, current = folder.lock.ref.partition("@")
        newer = [v for v in catalogue.get(app_id, {}) if _version_key(v) > _version_key(current)]
        answers = folder.answers
        rows.append({
            "folder": str(path.relative_to(root)) if path != root else ".",
            "stack": folder.stack,
            "blueprint": folder.lock.ref,
            "cloud": answers.get("cloud", "?"),
            "tier": answers.get("tier", "?"),
            "newer": newer,
        })
    return rows
