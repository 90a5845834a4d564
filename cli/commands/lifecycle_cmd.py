"""`councilkit up | outputs | refresh | destroy STACK_DIR`: a stack folder through the Automation API.

Each command checks first (one `error:` line naming what to install or set) and only then
calls Pulumi; see cli/automation.py.
"""

from __future__ import annotations

import json

import click

stack_dir = click.argument("stack_dir", type=click.Path(file_okay=False))
backend = click.option(
    "--backend", help="Pulumi state backend URL (default: PULUMI_BACKEND_URL, else the folder's Pulumi.yaml)."
)
secrets_provider = click.option(
    "--secrets-provider", default="passphrase", show_default=True,
    help="Secrets provider for a new stack (passphrase needs PULUMI_CONFIG_PASSPHRASE).",
)


def _console():
    from rich.console import Console

    return Console(stderr=True)


@click.command()
@stack_dir
@backend
@secrets_provider
@click.option("--allow-failures", is_flag=True, help="Deploy even if a mandatory policy control fails.")
def up(stack_dir, backend, secrets_provider, allow_failures):
    """Deploy (or update) a stack folder: needs the pulumi CLI, credentials and a passphrase.

    The offline plan is checked against the UK baseline first: a failed mandatory control stops
    the deployment (exit 1) unless --allow-failures.
    """
    from councilkit.cli import automation, one_off, policy_view
    from councilkit.cli.plan_view import summary_line
    from councilkit.cli.planning import assess, plan_deployment

    session = automation.prepare(stack_dir, backend, cloud_credentials=True, deploying=True,
                                 secrets_provider=secrets_provider)
    d = session.deployment
    plan = plan_deployment(d)  # afresh, never cached: this is what the engine is about to deploy
    report, _ = assess(plan, d)
    if report.mandatory_failures and not allow_failures:
        click.echo(policy_view.refusal(report), err=True)
        raise SystemExit(1)
    console = _console()
    console.print(f"{summary_line(plan, d)} · state {session.backend}")
    values, previous = automation.up(session, console, total=len(plan.resources), plan=plan)
    for line in automation.describe_outputs(values, d):
        click.echo(line)
    for line in one_off.instructions(d.cloud, values, previous, d.blueprint.ref, d.region):
        click.echo(line)


@click.command()
@stack_dir
@backend
@click.option("--json", "as_json", is_flag=True, help="Print every output as JSON (secrets masked).")
def outputs(stack_dir, backend, as_json):
    """Print a deployed stack's address, DNS records and where its admin credentials are kept."""
    from councilkit.cli import automation

    session = automation.prepare(stack_dir, backend, cloud_credentials=False)
    values = automation.outputs(session)
    if as_json:
        click.echo(json.dumps(values, indent=2, sort_keys=True))
        return
    for line in automation.describe_outputs(values, session.deployment):
        click.echo(line)


@click.command()
@stack_dir
@backend
def refresh(stack_dir, backend):
    """Read the real resources back into the stack's state (drift check)."""
    from councilkit.cli import automation

    session = automation.prepare(stack_dir, backend, cloud_credentials=True)
    automation.refresh(session, _console())


def protected_urns(d) -> list[str]:
    """URNs whose deletion protection must be released first: production resources of the types
    the cloud adapter says the cloud refuses to delete while protected."""
    from councilkit.cli.planning import plan_deployment
    from councilkit.stacks.cloud import cloud_for

    props = cloud_for(d.cloud).protection_props
    if not d.production or not props:
        return []
    return sorted(r.urn for r in plan_deployment(d).resources if r.type in props)


def confirm_destroy(d, stack: str) -> None:
    from councilkit.blueprints.errors import UserError

    where = f"{d.blueprint.app.name} for {d.council}, {d.cloud} {d.region}"
    if d.production:
        from councilkit.stacks.cloud import cloud_for

        keep = cloud_for(d.cloud).destroy_keeps(d, stack)
        click.echo(f"This destroys PRODUCTION stack {stack} ({where}). {keep}", err=True)
        typed = click.prompt("Type the stack name to destroy it", err=True)
        if typed.strip() != stack:
            raise UserError(f"destroy: {typed.strip()!r} is not the stack name {stack}; nothing was destroyed")
    else:
        click.confirm(f"Destroy trial stack {stack} ({where})? Nothing of it is kept", abort=True, err=True)


@click.command()
@stack_dir
@backend
@click.option("--yes", is_flag=True, help="Do not ask (production otherwise asks you to type the stack name).")
def destroy(stack_dir, backend, yes):
    """Destroy a deployed stack; production asks for its name and keeps the final DB snapshot."""
    from councilkit.cli import automation

    session = automation.prepare(stack_dir, backend, cloud_credentials=True)
    d = session.deployment
    if not yes:
        confirm_destroy(d, session.stack)
    automation.destroy(session, _console(), protected_urns(d))
