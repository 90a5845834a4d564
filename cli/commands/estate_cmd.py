"""`councilkit estate plan FILE`: every council × app of an estate, planned in parallel."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.group()
def estate():
    """Plan, render and track many councils × many apps from one estate file."""


@estate.command("plan")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "json_dir", type=click.Path(file_okay=False), help="Write each plan's JSON into this folder.")
@click.option("--workers", type=click.IntRange(1, 64), help="Parallel processes (default: one per core).")
def plan(file, json_dir, workers):
    """Plan every deployment offline, in parallel; exit 1 if any entry failed."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from councilkit.blueprints.errors import UserError
    from councilkit.cli.estate.model import entries, load_estate
    from councilkit.cli.estate.planner import outcome_dict, plan_estate
    from councilkit.cli.estate.view import tables

    estate_file = load_estate(Path(file))
    items = entries(estate_file)
    if json_dir:
        if Path(json_dir).exists() and not Path(json_dir).is_dir():
            raise UserError(f"--json: {json_dir} is not a folder")
        Path(json_dir).mkdir(parents=True, exist_ok=True)
    console = Console(stderr=True)
    with Progress(TextColumn("planning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=console, transient=True) as progress:
        task = progress.add_task("", total=len(items))
        outcomes = plan_estate(
            items, json_dir, workers,
            on_done=lambda o: progress.update(task, advance=1, description=o.entry.label),
        )
    out = Console()
    for table in tables(estate_file.estate, outcomes):
        out.print(table)
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        click.echo(f"error: {o.entry.label}: {o.error}", err=True)
    if json_dir:
        summary = {"estate": estate_file.estate, "deployments": [outcome_dict(o) for o in outcomes]}
        (Path(json_dir) / "estate.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    click.echo(f"{len(outcomes) - len(failed)} of {len(outcomes)} deployments planned"
               + (f", {len(failed)} failed" if failed else ""))
    if failed:
        raise SystemExit(1)
