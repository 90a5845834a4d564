"""How a cost change looks in a terminal (`councilkit cost … --diff OLD.json`), and reading OLD.json."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from councilkit.stacks.cost import show

MAX_BYTES = 256 * 1024 * 1024
"""A plan JSON of the largest app is a few MB; this only refuses a mistaken path (a disk image)."""

MARK = {"added": "[green]+[/]", "removed": "[red]-[/]", "changed": "[yellow]~[/]"}


def read_estimate(path: str):
    """The estimate document in a saved plan or estimate JSON; one `error:` line if it is not one."""
    from councilkit.blueprints.errors import UserError
    from councilkit.blueprints.yamlfile import read_text
    from councilkit.stacks.cost.diff import estimate_document

    text = read_text(Path(path), max_bytes=MAX_BYTES)
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise UserError(f"{path}: not JSON ({exc})") from None
    return estimate_document(doc, str(path))


def signed(value, currency: str) -> str:
    if value == 0:
        return show(value, currency)
    return ("+" if value > 0 else "-") + show(abs(value), currency)


def _what(side) -> str:
    return f"{side['quantity']:g} {side['unit']}" if side else ""


def table(d, title: str) -> Table:
    t = Table(title=title, title_justify="left", show_footer=True, header_style="bold")
    t.add_column("", footer="")
    t.add_column("resource", footer="total")
    t.add_column("item")
    t.add_column("before", justify="right", footer=show(d.before, d.currency))
    t.add_column("after", justify="right", footer=show(d.after, d.currency))
    t.add_column("change", justify="right", footer=signed(d.change, d.currency))
    for r in d.resources:
        t.add_row(MARK[r.status], f"{escape(r.name)} [dim]{escape(r.type.split(':')[-1])}[/]", "",
                  "" if r.status == "added" else show(r.before, d.currency),
                  "" if r.status == "removed" else show(r.after, d.currency), signed(r.change, d.currency))
        for line in r.lines:
            side = line.after or line.before
            was = f" [dim](was {escape(_what(line.before))})[/]" if line.status == "changed" and _what(
                line.before) != _what(line.after) else ""
            t.add_row("", f"  {MARK[line.status]}", f"{escape(side['description'])}: {escape(_what(side))}{was}",
                      show(line.monthly_before, d.currency) if line.before else "",
                      show(line.monthly_after, d.currency) if line.after else "", signed(line.change, d.currency))
    return t


def print_diff(d, title: str, console: Console | None = None) -> None:
    console = console or Console()
    if not console.is_terminal:
        console = Console(width=160)
    if d.resources:
        console.print(table(d, title))
    else:
        console.print(f"{title}: no cost change")
    console.print(f"[bold]monthly total:[/] {show(d.before, d.currency)} -> {show(d.after, d.currency)} "
                  f"({signed(d.change, d.currency)}); {d.count('added')} added, {d.count('removed')} removed, "
                  f"{d.count('changed')} changed, {d.unchanged} unchanged")
    for note in d.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
