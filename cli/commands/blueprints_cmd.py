"""`councilkit blueprints list|show|lint|outdated`: what apps there are, whether a blueprint file is sound,
and whether upstream still supports what each one runs."""

from __future__ import annotations

import json
from pathlib import Path

import click
import yaml

from councilkit.blueprints.deployment import clouds_for
from councilkit.blueprints.errors import UserError
from councilkit.blueprints.loader import discover, load_file, resolve
from councilkit.blueprints.support import SUPPORT_FILE
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
    files = [f for f in files if f.resolve() != SUPPORT_FILE]  # the catalogue's support data, not a blueprint
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


@blueprints.command()
@click.argument("refs", nargs=-1, metavar="[APP[@VERSION]]...")
@blueprint_dirs
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per blueprint) instead of a table.")
@click.option("--support", "support_path", type=click.Path(dir_okay=False), default=None,
              help="Support-data file to read instead of the shipped blueprints/support.yaml.")
def outdated(refs, blueprint_dirs, as_json, support_path):
    """Whether upstream still supports what each app's newest blueprint runs.

    For each app (or each APP[@VERSION] given): the upstream version, its release line, that
    line's end of support and days left, the newest line upstream supports, and a newer blueprint
    if there is one. Status: supported, ends soon (90 days or fewer), unsupported or unknown (no
    published date). Offline: the dates come from the shipped, dated support-data file, a source
    per row; "today" is COUNCILKIT_TODAY when set.

    Exit status: 1 if any blueprint listed is on an unsupported line (a CI gate), else 0.
    """
    from councilkit.blueprints import support
    from councilkit.blueprints.dates import today

    data = support.load(Path(support_path) if support_path else support.SUPPORT_FILE)
    when = today()
    catalogue = discover(blueprint_dirs)
    picked = [resolve(ref, blueprint_dirs)[0] for ref in refs] or [
        load_file(list(versions.values())[-1].path) for versions in catalogue.values()]
    rows = []
    for bp in picked:
        row = support.verdict(bp, data, when).as_json()
        newest = list(catalogue.get(bp.id, {bp.version: None}))[-1]
        row["newer_blueprint"] = f"{bp.id}@{newest}" if newest != bp.version else None
        rows.append(row)
    if as_json:
        click.echo(json.dumps({"today": when.isoformat(), "blueprints": rows}, indent=2))
    else:
        _outdated_table(rows, when)
    unsupported = [f"{r['blueprint']} ({r['product']} {r['line']})" for r in rows if r["status"] == "unsupported"]
    if unsupported:
        click.echo(f"out of upstream support: {', '.join(unsupported)}", err=True)
    return 1 if unsupported else 0


def _outdated_table(rows: list[dict], when) -> None:
    from rich.console import Console
    from rich.table import Table

    newer = any(r["newer_blueprint"] for r in rows)  # only when refs name older versions
    table = Table(box=None, title=f"upstream support on {when.isoformat()}")
    for name in ("blueprint", "upstream", "line", "ends", "days", "status", "newest") + (("newer",) if newer else ()):
        table.add_column(name, no_wrap=True)
    for r in rows:
        line = r["line"] or "-"
        if r["line"] and r["runs"] != r["upstream_version"]:  # the line of a component it runs (Drupal core)
            line = f"core {line}"
        cells = [r["blueprint"], r["upstream_version"], line, r["end_of_support"] or "next line",
                 "-" if r["days_left"] is None else str(r["days_left"]), r["status"], r["newest_supported_line"] or "-"]
        table.add_row(*cells, *([(r["newer_blueprint"] or "-").partition("@")[2] or "-"] if newer else []))
    console = Console()
    if not console.is_terminal:  # a CI log or a pipe: no terminal width to fit, print whole cells
        console = Console(width=120)
    console.print(table)
