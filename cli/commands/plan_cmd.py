"""`councilkit plan APP[@VERSION] --cloud aws|azure --tier trial|production`: the offline plan."""

from __future__ import annotations

import click

from councilkit.blueprints.errors import UserError
from councilkit.cli.exports import FORMATS as EXPORT_FORMATS
from councilkit.cli.options import deployment_options
from councilkit.cli.usage_option import usage_option


@click.command()
@usage_option
@deployment_options
@click.option("--json", "json_path", type=click.Path(dir_okay=False),
              help="Write the plan JSON here (the same as --format json --out FILE).")
@click.option("--format", "export_format", type=click.Choice(list(EXPORT_FORMATS)), default=None,
              help="Also write the plan in this format to --out: " + "; ".join(
                  f"{name}: {fmt.holds}" for name, fmt in EXPORT_FORMATS.items()) + ".")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Where --format writes (default format: json).")
@click.option("--allow-failures", is_flag=True,
              help="Report failed mandatory controls without failing (exit 0); never waives a deployability violation.")
def plan(deployment, use_cache, json_path, export_format, out_path, allow_failures, usage):
    """Plan a deployment offline: every resource, no cloud account, credentials or pulumi CLI.

    Every plan is checked against the provider and API rules the cloud enforces (deployability),
    the councilkit UK baseline (policy) and priced (cost); a deployability violation or a failed
    mandatory control exits 1 after the report and the JSON are written.
    """
    from councilkit.cli.plan_cache import cached_plan
    from councilkit.cli.planning import assess, deployability, write_plan
    from councilkit.cli.exports.write import write_export
    from councilkit.cli import cost_view, deployability_view, plan_view, policy_view

    d = deployment
    if export_format and not out_path:  # before the plan runs: nothing to write it to
        raise UserError(f"--format {export_format} needs --out FILE")
    overrides = usage(d.cloud) if usage else None  # a bad usage file fails before the plan runs
    result = cached_plan(d, use_cache)
    checked = deployability(result, d)  # after the cache too: entries do not hold a verdict
    report, cost = assessed = assess(result, d, usage=overrides)
    plan_view.show(result, d, extra=deployability_view.lines(checked) + policy_view.lines(report)
                   + cost_view.summary_lines(cost))
    _warn_if_unsupported(d)
    if json_path:
        write_plan(result, d, json_path, assessed, checked)
        click.echo(f"plan written to {json_path}")
    if out_path:
        write_export(export_format or "json", result, d, assessed, checked, out_path,
                     source=click.get_current_context().params.get("app"))
    if checked.violations:
        click.echo(deployability_view.refusal(checked), err=True)
        return 1
    if report.mandatory_failures and not allow_failures:
        click.echo(policy_view.refusal(report), err=True)
        return 1
    return 0


def _warn_if_unsupported(d) -> None:
    """One stderr line when upstream no longer supports the planned version's release line; advice only."""
    from pathlib import Path

    from councilkit.blueprints.dates import today
    from councilkit.blueprints.support import plan_warning

    app = click.get_current_context().params.get("app")  # APP[@VERSION] or a stack folder
    warning = plan_warning(d.blueprint, today(), stack_dir=app if app and Path(app).is_dir() else None)
    if warning:
        click.echo(warning, err=True)
