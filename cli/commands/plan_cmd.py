"""`councilkit plan APP[@VERSION] --cloud aws|azure --tier trial|production`: the offline plan."""

from __future__ import annotations

import click

from councilkit.cli.options import deployment_options


@click.command()
@deployment_options
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the plan JSON here.")
@click.option("--allow-failures", is_flag=True,
              help="Report failed mandatory controls without failing (exit 0); never waives a deployability violation.")
def plan(deployment, use_cache, json_path, allow_failures):
    """Plan a deployment offline: every resource, no cloud account, credentials or pulumi CLI.

    Every plan is checked against the provider and API rules the cloud enforces (deployability),
    the councilkit UK baseline (policy) and priced (cost); a deployability violation or a failed
    mandatory control exits 1 after the report and the JSON are written.
    """
    from councilkit.cli.plan_cache import cached_plan
    from councilkit.cli.planning import assess, deployability, write_plan
    from councilkit.cli import cost_view, deployability_view, plan_view, policy_view

    d = deployment
    result = cached_plan(d, use_cache)
    checked = deployability(result, d)  # after the cache too: entries do not hold a verdict
    report, cost = assessed = assess(result, d)
    plan_view.show(result, d, extra=deployability_view.lines(checked) + policy_view.lines(report)
                   + cost_view.summary_lines(cost))
    if json_path:
        write_plan(result, d, json_path, assessed, checked)
        click.echo(f"plan written to {json_path}")
    if checked.violations:
        click.echo(deployability_view.refusal(checked), err=True)
        return 1
    if report.mandatory_failures and not allow_failures:
        click.echo(policy_view.refusal(report), err=True)
        return 1
    return 0
