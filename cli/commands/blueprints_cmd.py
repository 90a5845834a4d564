"""`councilkit blueprints list|show|lint`: what apps there are, and whether a blueprint file is sound."""

from __future__ import annotations

import json
from pathlib import Path

import click
import yaml

from councilkit.blueprints.deployment import clouds_for
from councilkit.blueprints.errors import UserError
from councilkit.blueprints.loader import discover, load_file, resolve
from councilkit.cli.options import blueprint_dirs


@click.group()
def blueprints():
    """List, show and lint app blueprints."""


@blueprints.command("list")
@blueprint_dirs
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_(blueprint_dirs, as_json):
    """Every app and its versions (newest last)."""
    rows = []
    for app_id, versions in discover(blueprint_dirs).items():
        newest = list(versions.values())[-1]
        bp = load_file(newest.path)
        rows.append(
            {
                "id": app_id,
                "versions": list(versions),
                "latest": bp.version,
                "name": bp.app.name,
                "upstream_version": bp.app.upstream_version,
                "licence": bp.app.licence,
                "database": f"{bp.database.engine} {bp.database.version}" if bp.database else None,
                "clouds": list(clouds_for(bp)),
                "path": str(newest.path),
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("app", "versions", "name", "upstream", "licence", "database", "clouds", box=None)
    for row in rows:
        table.add_row(row["id"], ", ".join(row["versions"]), row["name"], row["upstream_version"],
                      row["licence"], row["database"] or "-", ", ".join(row["clouds"]))
    Console().print(table)


@blueprints.command()
@click.argument("ref")
@blueprint_dirs
@click.option("--json", "as_json", is_flag=True, help="Print the resolved blueprint as JSON.")
def show(ref, blueprint_dirs, as_json):
    """One blueprint: ID (newest version) or ID@VERSION."""
    bp, path = resolve(ref, blueprint_dirs)
    data = bp.model_dump(mode="json", exclude_none=True)
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(f"# {bp.ref} from {path}")
        click.echo(yaml.safe_dump(data, sort_keys=False, width=100), nl=False)


@blueprints.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
def lint(paths):
    """Validate blueprint files (or folders of them); one `error:` line per bad file, exit 2 if any."""
    files: list[Path] = []
    for p in map(Path, paths):
        files += sorted(p.glob("*/*.yaml")) + sorted(p.glob("*.yaml")) if p.is_dir() else [p]
    if not files:
        raise UserError(f"no blueprint files (*.yaml) under {', '.join(paths)}")
    bad = 0
    for f in files:
        try:
            bp = load_file(f.resolve())
        except UserError as exc:
            bad += 1
            click.echo(f"error: {exc}", err=True)
            continue
        click.echo(f"ok {bp.ref} {f}")
    if bad:
        raise SystemExit(2)
