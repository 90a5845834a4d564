"""`councilkit backups STACK_DIR [--json]` and `councilkit backup STACK_DIR [--label L] [--wait]`.

Thin click commands over cli/backups.py; the cloud is asked through its adapter. Like `up` and
`destroy`, they need the pulumi CLI (to read the stack's outputs), the passphrase and cloud
credentials, and say which is missing in one `error:` line before anything is called.
"""

from __future__ import annotations

import click

from .lifecycle_cmd import backend, stack_dir


@click.command()
@stack_dir
@backend
@click.option("--json", "as_json", is_flag=True, help="Print the restore points as JSON (times in UTC).")
def backups(stack_dir, backend, as_json):
    """List a deployed stack's restore points (database snapshots and backups, file and VM
    recovery points) with their age, size and expiry, and the database's point-in-time window."""
    from councilkit.cli import backups as listing
    from councilkit.stacks.cloud import cloud_for

    session, values = listing.stack(stack_dir, backend)
    d = session.deployment
    found = cloud_for(d.cloud).restore_points(d, values)
    now = listing.now()
    if as_json:
        click.echo(listing.as_json(session.stack, d.cloud, found, now))
        return
    for line in listing.listing(session.stack, d.cloud, found, now):
        click.echo(line)


@click.command()
@stack_dir
@backend
@click.option("--label", default="manual", show_default=True,
              help="A name for this restore point (letters, digits, '.', '_', '-'); tagged on it.")
@click.option("--wait", is_flag=True, help="Return once the cloud says every restore point is complete.")
def backup(stack_dir, backend, label, wait):
    """Take a restore point now: a database snapshot (or on-demand backup) and, where the stack
    has a backup vault, an on-demand backup of its files (and of a self-managed database's VM).

    The app is not quiesced first: the database's snapshot is crash-consistent, taken while
    the app runs."""
    from councilkit.cli import backups as taking
    from councilkit.stacks.cloud import cloud_for

    label = taking.check_label(label)
    session, values = taking.stack(stack_dir, backend)
    d = session.deployment
    found = cloud_for(d.cloud).take_restore_point(d, values, label, wait)
    for line in taking.taken_lines(session.stack, found, wait):
        click.echo(line)
