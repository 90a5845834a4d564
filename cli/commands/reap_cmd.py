"""`councilkit reap [--dry-run]`: destroy the expired trial stacks in a state backend."""

from __future__ import annotations

import click


@click.command()
@click.option("--backend", help="Pulumi state backend URL (default: PULUMI_BACKEND_URL, else file://~/.councilkit/state).")
@click.option("--dry-run", is_flag=True, help="List what would be destroyed; destroy nothing.")
@click.option("--yes", is_flag=True, help="Do not ask before destroying.")
def reap(backend, dry_run, yes):
    """Destroy expired trial stacks; never production, never a trial before its expires-on date."""
    from councilkit.cli import reap as reaping

    with reaping.opened_backend(backend, "reap") as (url, workspace):
        _reap(workspace, url, dry_run, yes)


def _reap(workspace, url, dry_run, yes):
    from rich.console import Console

    from councilkit.blueprints import dates
    from councilkit.blueprints.errors import UserError
    from councilkit.cli import reap as reaping

    # A dry run may count from a pinned date (to see what a date would reap); a real one never.
    when = (dates.today() if dry_run else dates.real_today("reap"))
    decisions = reaping.select(reaping.list_stacks(workspace), when)
    if not decisions:
        click.echo(f"no councilkit stacks in {url}")
        return
    for dec in decisions:
        click.echo(f"{'reap' if dec.reap else 'keep'} {dec.stack.name}: {dec.reason}")
    chosen = [dec.stack.name for dec in decisions if dec.reap]
    if not chosen:
        click.echo("nothing to reap")
        return
    if dry_run:
        pinned = f" (counting from {when.isoformat()}, pinned by {dates.PIN})" if dates.pinned_today() else ""
        click.echo(f"dry run: would destroy {len(chosen)} stack(s){pinned}")
        return
    reaping.check_clouds(decisions)
    if not yes:
        from councilkit.cli.confirm import confirm

        confirm(f"Destroy {len(chosen)} expired trial stack(s)?", "reap", "nothing was destroyed")
    failed = reaping.destroy_expired(workspace, chosen, Console(stderr=True))
    if failed:
        raise UserError(f"reap: {len(failed)} of {len(chosen)} stacks were not destroyed: {', '.join(failed)}")
