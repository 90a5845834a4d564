"""`councilkit cost APP[@VERSION] --cloud aws|azure --tier trial|production`: the monthly estimate alone."""

from __future__ import annotations

import click

from councilkit.cli.options import blueprint_dirs


@click.command()
@click.argument("app", metavar="APP[@VERSION]|STACK_DIR")
@click.option("--cloud", type=click.Choice(["aws", "azure"]), default="aws", show_default=True)
@click.option("--tier", type=click.Choice(["trial", "production"]), default="trial", show_default=True)
@click.option("--council", help="Council name, e.g. 'Borsetshire County Council'.")
@click.option("--domain", help="Public domain of the app, e.g. intranet.borsetshire.gov.uk.")
@click.option("--contact", help="Email for alarms and budget alerts.")
@click.option("--region", help="Cloud region (default: eu-west-2 on AWS, uksouth on Azure).")
@click.option("--allow-non-uk-region", is_flag=True, help="Allow a region outside the UK.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the estimate (the plan JSON's `cost`) here.")
@blueprint_dirs
def cost(app, cloud, tier, council, domain, contact, region, allow_non_uk_region, json_path, blueprint_dirs):
    """Estimate the monthly cost of a deployment, per resource, from dated and sourced list prices."""
    from pathlib import Path

    from councilkit.blueprints.deployment import build_deployment, today
    from councilkit.cli import cost_view
    from councilkit.cli.plan_json import dumps, write_atomically
    from councilkit.cli.planning import plan_deployment
    from councilkit.cli.stackdir import folder_deployment
    from councilkit.stacks.cost import estimate

    d = folder_deployment(app) or build_deployment(
        app, cloud=cloud, tier=tier, council=council, domain=domain, contact=contact, region=region,
        allow_non_uk_region=allow_non_uk_region, blueprint_dirs=blueprint_dirs,
    )
    result = estimate(plan_deployment(d).resources, cloud=d.cloud, region=d.region, tier=d.tier,
                      expires_on=d.expires_on, today=today())
    title = f"Monthly estimate: {d.blueprint.ref} on {d.cloud} {d.region}, {d.tier} ({d.council})"
    cost_view.print_estimate(result, title)
    if json_path:
        write_atomically(Path(json_path), dumps(result.as_json()))
        click.echo(f"estimate written to {json_path}")
