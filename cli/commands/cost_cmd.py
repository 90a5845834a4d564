"""`councilkit cost APP[@VERSION] --cloud aws|azure --tier trial|production`: the monthly estimate alone."""

from __future__ import annotations

import click

from councilkit.cli.options import deployment_options


@click.command()
@deployment_options
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the estimate (the plan JSON's `cost`) here.")
def cost(deployment, use_cache, json_path):
    """Estimate the monthly cost of a deployment, per resource, from dated and sourced list prices."""
    from pathlib import Path

    from councilkit.blueprints.deployment import today
    from councilkit.cli import cost_view
    from councilkit.cli.plan_json import dumps
    from councilkit.cli.safe_io import write_atomically
    from councilkit.cli.plan_cache import cached_plan
    from councilkit.stacks.cost import estimate

    d = deployment
    result = estimate(cached_plan(d, use_cache).resources, cloud=d.cloud, region=d.region, tier=d.tier,
                      expires_on=d.expires_on, today=today())
    title = f"Monthly estimate: {d.blueprint.ref} on {d.cloud} {d.region}, {d.tier} ({d.council})"
    cost_view.print_estimate(result, title)
    if json_path:
        write_atomically(Path(json_path), dumps(result.as_json()), "--json")
        click.echo(f"estimate written to {json_path}")
