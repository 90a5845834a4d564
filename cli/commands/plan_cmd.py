"""`councilkit plan APP[@VERSION] --cloud aws|azure --tier trial|production`: the offline plan."""

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
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the plan JSON here.")
@click.option("--allow-failures", is_flag=True, help="Report failed mandatory controls without failing (exit 0).")
@blueprint_dirs
def plan(app, cloud, tier, council, domain, contact, region, allow_non_uk_region, json_path, allow_failures,
         blueprint_dirs):
    """Plan a deployment offline: every resource, no cloud account, credentials or pulumi CLI.

    Every plan is checked against the councilkit UK baseline (policy) and priced (cost); a failed
    mandatory control exits 1 after the report and the JSON are written.
    """
    from councilkit.blueprints.deployment import build_deployment
    from councilkit.cli.planning import assess, plan_deployment, write_plan
    from councilkit.cli import cost_view, plan_view, policy_view
    from councilkit.cli.stackdir import folder_deployment

    d = folder_deployment(app) or build_deployment(
        app, cloud=cloud, tier=tier, council=council, domain=domain, contact=contact, region=region,
        allow_non_uk_region=allow_non_uk_region, blueprint_dirs=blueprint_dirs,
    )
    result = plan_deployment(d)
    report, cost = assessed = assess(result, d)
    plan_view.show(result, d, extra=policy_view.lines(report) + cost_view.summary_lines(cost))
    if json_path:
        write_plan(result, d, json_path, assessed)
        click.echo(f"plan written to {json_path}")
    if report.mandatory_failures and not allow_failures:
        click.echo(policy_view.refusal(report), err=True)
        return 1
    return 0
