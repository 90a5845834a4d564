"""`councilkit report APP --cloud C --tier T --out DIR`: the assurance pack for approvers."""

from __future__ import annotations

import click

from councilkit.cli.options import blueprint_dirs


@click.command()
@click.argument("app")
@click.option("--cloud", type=click.Choice(["aws", "azure"]), default="aws", show_default=True)
@click.option("--tier", type=click.Choice(["trial", "production"]), default="trial", show_default=True)
@click.option("--council", help="Council name, e.g. 'Borsetshire County Council'.")
@click.option("--domain", help="Public domain of the app.")
@click.option("--contact", help="Email for alarms and budget alerts.")
@click.option("--region", help="Cloud region (default: eu-west-2 on AWS, uksouth on Azure).")
@click.option("--allow-non-uk-region", is_flag=True, help="Allow a region outside the UK.")
@click.option("--out", "out_dir", required=True, type=click.Path(), help="Folder for report.html and report.md.")
@blueprint_dirs
def report(app, cloud, tier, council, domain, contact, region, allow_non_uk_region, out_dir, blueprint_dirs):
    """Write a self-contained HTML page and Markdown for the people who approve a deployment."""
    from pathlib import Path

    from councilkit.blueprints.deployment import build_deployment
    from councilkit.cli.planning import plan_deployment, plan_extras
    from councilkit.cli.plan_json import plan_document
    from councilkit.cli.report import context, render

    d = build_deployment(
        app, cloud=cloud, tier=tier, council=council, domain=domain, contact=contact, region=region,
        allow_non_uk_region=allow_non_uk_region, blueprint_dirs=blueprint_dirs,
    )
    plan = plan_deployment(d)
    doc = plan_document(plan, d, plan_extras(plan, d))
    files = render.render(context.report_context(d, plan, doc))
    for path in render.write(Path(out_dir), files):
        click.echo(f"wrote {path}")
