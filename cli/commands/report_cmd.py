"""`councilkit report APP|STACK_DIR --cloud C --tier T --out DIR`: the assurance pack for approvers."""

from __future__ import annotations

import click

from councilkit.cli.options import deployment_options


@click.command()
@deployment_options
@click.option("--out", "out_dir", required=True, type=click.Path(), help="Folder for report.html and report.md.")
def report(deployment, use_cache, out_dir):
    """Write a self-contained HTML page and Markdown for the people who approve a deployment."""
    from pathlib import Path

    from councilkit.cli.plan_cache import cached_plan
    from councilkit.cli.planning import plan_extras
    from councilkit.cli.plan_json import plan_document
    from councilkit.cli.report import context, render

    d = deployment
    plan = cached_plan(d, use_cache)
    doc = plan_document(plan, d, plan_extras(plan, d))
    files = render.render(context.report_context(d, plan, doc))
    for path in render.write(Path(out_dir), files):
        click.echo(f"wrote {path}")
