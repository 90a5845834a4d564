"""`councilkit up | outputs | refresh | destroy STACK_DIR`: a stack folder through the Automation API.

Each command checks first (one `error:` line naming what to install or set) and only then
calls Pulumi; see cli/automation.py.
"""

from __future__ import annotations

import json
import sys

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
@click.option("--allow-failures", is_flag=True,
              help="Deploy even if a mandatory policy control fails (never with a deployability violation).")
@click.option("--dns-wait", type=click.IntRange(min=0), default=20, show_default=True, metavar="MINUTES",
              help="How long to wait for the council's DNS records (0: show them and stop).")
def up(stack_dir, backend, secrets_provider, allow_failures, dns_wait):
    """Deploy (or update) a stack folder: needs the pulumi CLI, credentials and a passphrase.

    The offline plan is checked first: a deployability violation (a request the cloud would
    refuse) always stops the deployment (exit 1) before Pulumi is called; a failed mandatory
    control of the UK baseline does too, unless --allow-failures.

    A first deploy goes live in steps: what the council must publish (the certificate's DNS
    records, also written to DNS-RECORDS.md in the folder) is shown at once and waited for up to
    --dns-wait minutes; then the app, which must pass the blueprint's smoke check from outside
    before `up` succeeds (its health check on a first deploy whose install steps are still to
    run; `councilkit check` runs the whole check afterwards). Exit code 3: waiting on the council (records not visible yet, an image to
    push); nothing is undone, and running `up` again continues.
    """
    from councilkit.cli import automation, deployability_view, one_off, policy_view
    from councilkit.cli.plan_view import summary_line
    from councilkit.cli.planning import assess, deployability, plan_deployment

    session = automation.prepare(stack_dir, backend, cloud_credentials=True, deploying=True,
                                 secrets_provider=secrets_provider)
    d = session.deployment
    plan = plan_deployment(d)  # afresh, never cached: this is what the engine is about to deploy
    checked = deployability(plan, d)
    if checked.violations:  # the cloud would refuse it: no --allow-failures, no Pulumi call
        for v in checked.violations:
            click.echo(f"  {v.line()}", err=True)
        click.echo(deployability_view.refusal(checked), err=True)
        raise SystemExit(1)
    report, _ = assess(plan, d)
    if report.mandatory_failures and not allow_failures:
        click.echo(policy_view.refusal(report), err=True)
        raise SystemExit(1)
    console = _console()
    console.print(f"{summary_line(plan, d)} · state {session.backend}")
    values, previous = automation.up(session, console, total=len(plan.resources), plan=plan,
                                     dns_wait=dns_wait * 60)
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


def protected_urns(d, delete_backups: bool = False) -> list[str]:
    """URNs the targeted update before a production destroy must change: resources of the types
    the cloud refuses to delete while protected, and with `delete_backups` those that hold what
    a destroy otherwise keeps (the adapter's tables)."""
    from councilkit.cli.planning import plan_deployment
    from councilkit.stacks.cloud import cloud_for

    cloud = cloud_for(d.cloud)
    types = set(cloud.protection_props) | (set(cloud.delete_backups_props) if delete_backups else set())
    if not d.production or not types:
        return []
    return sorted(r.urn for r in plan_deployment(d).resources if r.type in types)


def keeps_text(d, kept, delete_backups: bool, otherwise_kept) -> list[str]:
    """What the prompt says is kept, and where; `otherwise_kept` is what a destroy without
    --delete-backups would keep (so the council sees what it chose to delete too)."""
    from councilkit.stacks.cloud import cloud_for

    lines = []
    if delete_backups:
        deleted = [k.what for k in otherwise_kept if k not in kept]
        if deleted:
            lines.append("--delete-backups: also deleted, for good: " + "; ".join(deleted) + ".")
        elif not cloud_for(d.cloud).delete_backups_props:
            lines.append(f"--delete-backups deletes nothing more on {cloud_for(d.cloud).title} yet.")
    if kept:
        lines.append("Kept in the cloud (RETIRED.md will say how to delete each later):")
        lines += [f"  - {k.what}: {k.identifier}; {k.until}" for k in kept]
    else:
        lines.append("Nothing of it is kept.")
    return lines


def confirm_destroy(d, stack: str, kept=(), delete_backups: bool = False, otherwise_kept=(),
                    ask: bool = True) -> None:
    """Say exactly what goes and what stays before anything is destroyed; then (unless --yes)
    production wants the stack's name typed, a trial a yes."""
    from councilkit.blueprints.errors import UserError, quote

    piped = piped_answer(stack) if ask else None
    where = f"{d.blueprint.app.name} for {d.council}, {d.cloud} {d.region}"
    what = "PRODUCTION stack" if d.production else "trial stack"
    click.echo(f"This destroys {what} {stack} ({where}). It cannot be undone.", err=True)
    for line in keeps_text(d, list(kept), delete_backups, list(otherwise_kept)):
        click.echo(line, err=True)
    if not ask:
        return
    question = "Type the stack name to destroy it" if d.production else f"Destroy {stack}? [y/N]"
    if piped is not None:
        click.echo(f"{question}: {piped}", err=True)
        typed = piped
    elif d.production:
        typed = click.prompt(question, err=True).strip()
    else:
        typed = "y" if click.confirm(f"Destroy {stack}?", err=True) else "n"
    if d.production and typed != stack:
        raise UserError(f"destroy: {quote(typed)} is not the stack name {stack}; nothing was destroyed")
    if not d.production and typed.lower() not in ("y", "yes"):
        raise click.exceptions.Abort()


def piped_answer(stack: str) -> str | None:
    """The answer a script piped in, read before anything is printed; None at a terminal.
    No terminal and nothing to read (a CI job, `< /dev/null`): refuse in one line, rather
    than print a prompt no one can answer."""
    from councilkit.blueprints.errors import UserError

    stdin = sys.stdin
    if stdin is not None and not stdin.closed and stdin.isatty():
        return None
    line = stdin.readline() if stdin is not None and not stdin.closed else ""
    if not line:
        raise UserError(f"destroy: no terminal to ask on and no answer on stdin; nothing was destroyed; "
                         f"pass --yes to destroy {stack} without asking")
    return line.strip()


@click.command()
@stack_dir
@backend
@click.option("--yes", is_flag=True, help="Do not ask (production otherwise asks you to type the stack name).")
@click.option("--delete-backups", is_flag=True,
              help="Also delete what a destroy keeps (final DB snapshot, backup recovery points, logs).")
def destroy(stack_dir, backend, yes, delete_backups):
    """Destroy a deployed stack, then record in the folder (RETIRED.md, retired.json and the
    printable DELETION-CERTIFICATE.html) what was deleted, by which cloud identity, and what was
    kept; production asks for its name and keeps its backups unless --delete-backups."""
    from councilkit.blueprints.errors import UserError
    from councilkit.cli import automation, deletion_certificate, retire
    from councilkit.stacks.cloud import cloud_for

    session = automation.prepare(stack_dir, backend, cloud_credentials=True)
    d = session.deployment
    values = automation.outputs(session)  # the names of what is kept, said before and recorded after
    cloud = cloud_for(d.cloud)
    kept = cloud.destroy_keeps(d, values, delete_backups)
    otherwise = cloud.destroy_keeps(d, values, False) if delete_backups else kept
    confirm_destroy(d, session.stack, kept, delete_backups, otherwise, ask=not yes)
    deleted_by, points, notes = deletion_certificate.before_destroy(cloud, d, values, delete_backups)
    deleted = automation.destroy(session, _console(), protected_urns(d, delete_backups), delete_backups)
    region = str(values.get("region") or d.region)
    rec = retire.record(d, session.stack, region, kept, deleted, delete_backups, deleted_by=deleted_by,
                        retained_points=points, notes=notes)
    try:
        human, machine = retire.write(session.folder.path, rec)
    except OSError as exc:  # the stack is gone: the record must not be lost with the error
        click.echo(retire.markdown(rec))
        raise UserError(f"{session.stack} is destroyed, but {session.folder.path} could not take its record "
                        f"({exc.strerror or exc}); the record is printed above: keep it") from None
    click.echo(f"destroyed {session.stack}: {len(deleted)} resources deleted, {len(kept)} kept")
    click.echo(f"record: {human} (and {machine.name} beside it)")
    click.echo(f"deletion certificate: {human.parent / deletion_certificate.NAME} (print it for the records)")
