"""`councilkit cost APP[@VERSION] --cloud aws|azure --tier trial|production`: the monthly estimate alone."""

from __future__ import annotations

import click

from councilkit.cli.options import deployment_options
from councilkit.cli.usage_option import usage_option


@click.command()
@usage_option
@deployment_options
@click.option("--json", "json_path", type=click.Path(dir_okay=False),
              help="Write the estimate (the plan JSON's `cost`) here; with --diff, the cost change.")
@click.option("--diff", "diff_path", type=click.Path(dir_okay=False), metavar="OLD.json",
              help="Compare with a saved plan or estimate JSON (from `plan --json` or `cost --json`): "
                   "what each resource and line adds, removes and changes, and the monthly total before and after.")
def cost(deployment, use_cache, json_path, diff_path, usage):
    """Estimate the monthly cost of a deployment, per resource, from dated and sourced list prices.

    With --diff OLD.json, show instead how this estimate differs from the saved one: OLD.json is
    "before", this deployment as it plans now is "after".
    """
    from pathlib import Path

    from councilkit.blueprints.deployment import today
    from councilkit.cli import cost_view
    from councilkit.cli.plan_json import dumps
    from councilkit.cli.safe_io import write_atomically
    from councilkit.cli.plan_cache import cached_plan
    from councilkit.stacks.cost import estimate

    d = deployment
    before = None
    if diff_path:  # read and check it before planning: a wrong file fails at once
        from councilkit.cli.cost_diff_view import read_estimate

        before = read_estimate(diff_path)
    overrides = usage(d.cloud) if usage else None  # a bad usage file fails before the plan runs
    result = estimate(cached_plan(d, use_cache).resources, cloud=d.cloud, region=d.region, tier=d.tier,
                      expires_on=d.expires_on, today=today(), usage=overrides)
    title = f"Monthly estimate: {d.blueprint.ref} on {d.cloud} {d.region}, {d.tier} ({d.council})"
    if before is not None:
        from councilkit.cli.cost_diff_view import print_diff
        from councilkit.stacks.cost.diff import diff

        change = diff(before, result.as_json())
        print_diff(change, f"Cost change: {diff_path} -> {d.blueprint.ref} on {d.cloud} {d.region}, {d.tier}")
        if json_path:
            write_atomically(Path(json_path), dumps(change.as_json()), "--json")
            click.echo(f"cost change written to {json_path}")
        return
    cost_view.print_estimate(result, title)
    if json_path:
        write_atomically(Path(json_path), dumps(result.as_json()), "--json")
        click.echo(f"estimate written to {json_path}")
