"""Write one export of a plan (cli/exports) atomically, and say where it went."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click


def write_export(name: str, plan, d, assessed, checked, out_path: str, source: str | None = None) -> None:
    """Build format `name` of the plan and write it to `out_path` (whole, or not at all).
    `source` is what the plan was made from as the user typed it (a stack folder or APP[@VERSION])."""
    from councilkit.cli.exports import Assessed, export
    from councilkit.cli.plan_json import dumps
    from councilkit.cli.safe_io import write_atomically

    report, cost = assessed
    a = Assessed(plan=plan, deployment=d, report=report, cost=cost, checked=checked,
                 source=source or d.blueprint.ref, generated=dt.datetime.now(dt.timezone.utc))
    write_atomically(Path(out_path), dumps(export(name, a)), "--out")
    click.echo(f"{name} written to {out_path}")
