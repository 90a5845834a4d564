"""`councilkit estate plan FILE`: every council × app of an estate, planned in parallel."""

from __future__ import annotations

import json
from pathlib import Path

import click

from councilkit.cli.options import no_cache


@click.group()
def estate():
    """Plan, render and track many councils × many apps from one estate file."""


@estate.command("plan")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "json_dir", type=click.Path(file_okay=False), help="Write each plan's JSON into this folder.")
@click.option("--workers", type=click.IntRange(1, 64), help="Parallel processes (default: one per core).")
@no_cache
def plan(file, json_dir, workers, no_cache):
    """Plan every deployment offline, in parallel; exit 1 if any entry failed.

    Unchanged deployments come from the plan cache: only what changed is planned again."""
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
        from councilkit.cli.safe_io import writing

        with writing(json_dir, "--json"):
            Path(json_dir).mkdir(parents=True, exist_ok=True)
    console = Console(stderr=True)
    with Progress(TextColumn("planning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=console, transient=True) as progress:
        task = progress.add_task("", total=len(items))
        outcomes = plan_estate(
            items, json_dir, workers,
            on_done=lambda o: progress.update(task, advance=1, description=o.entry.label),
            use_cache=not no_cache,
        )
    out = Console()
    for table in tables(estate_file.estate, outcomes):
        out.print(table)
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        click.echo(f"error: {o.entry.label}: {o.error}", err=True)
    if json_dir:
        summary = {"estate": estate_file.estate, "deployments": [outcome_dict(o) for o in outcomes]}
        from councilkit.cli.safe_io import write_atomically

        write_atomically(Path(json_dir) / "estate.json", json.dumps(summary, indent=2, sort_keys=True) + "\n", "--json")
    cached = sum(o.cached for o in outcomes)
    click.echo(f"{len(outcomes) - len(failed)} of {len(outcomes)} deployments planned"
               + (f", {len(failed)} failed" if failed else "")
               + (f" ({cached} from cache)" if cached else ""))
    if failed:
        raise SystemExit(1)


@estate.command("render")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite stack folders whose answers changed.")
def render(file, out, force):
    """Render every stack folder (as `councilkit new`) plus a CI workflow; exit 1 if any failed."""
    from councilkit.cli.estate.model import entries, load_estate
    from councilkit.cli.estate.render import render_entry, write_shared_files

    estate_file = load_estate(Path(file))
    root = Path(out)
    if root.exists() and not root.is_dir():
        from councilkit.blueprints.errors import UserError

        raise UserError(f"{out} is a file, expected a folder")
    items = entries(estate_file)
    from councilkit.blueprints.errors import UserError, error_line
    from councilkit.cli.estate.render import kept_folders
    from councilkit.cli.safe_io import writing

    with writing(root / "stacks", "estate render"):
        made = [p for p in (root / "stacks", root) if not p.exists()]
        (root / "stacks").mkdir(parents=True, exist_ok=True)
        rendered = [render_entry(item, root, force) for item in items]
        if not any(r.ok for r in rendered):
            for folder in made:  # nothing rendered: leave no folder this run made
                folder.rmdir()
    for r in rendered:
        if r.ok:
            click.echo(f"{r.status:<9} {r.folder}  ({r.entry.label})")
        else:
            click.echo(error_line(f"{r.entry.label}: {r.error}"), err=True)
    failed = [r for r in rendered if not r.ok]
    kept = kept_folders(root, rendered)
    for r in kept:
        click.echo(f"kept      {r.folder}  (not rendered this time: it stays in the workflow until its folder is removed)")
    if not any(r.ok for r in [*rendered, *kept]):
        raise UserError(f"estate render: none of the {len(rendered)} entries rendered; nothing was written")
    for path in write_shared_files(root, estate_file.estate, [*rendered, *kept]):
        click.echo(f"wrote     {path.relative_to(root)}")
    click.echo(f"{len(rendered) - len(failed)} of {len(rendered)} stacks rendered" + (f", {len(failed)} failed" if failed else "")
               + (f", {len(kept)} kept from before" if kept else ""))
    if failed:
        raise SystemExit(1)


@estate.command("status")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def status(folder, as_json):
    """Each rendered stack's blueprint version and the newer versions available."""
    from councilkit.cli.estate.status import stack_statuses

    rows = stack_statuses(Path(folder))
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("stack", "blueprint", "cloud", "tier", "newer versions", title=f"stacks under {folder}",
                  title_justify="left")
    for row in rows:
        table.add_row(row["stack"], row["blueprint"], row["cloud"], row["tier"],
                      ", ".join(row["newer"]) or "up to date")
    Console().print(table)
    behind = sum(1 for row in rows if row["newer"])
    click.echo(f"{len(rows)} stacks, {behind} with a newer blueprint (councilkit upgrade STACK_DIR)")
