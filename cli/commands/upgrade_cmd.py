"""`councilkit upgrade STACK_DIR [--to VERSION]`: show what a newer blueprint changes, then write it."""

from __future__ import annotations

import click

from councilkit.cli.options import blueprint_dirs, no_cache


@click.command()
@click.argument("stack_dir", type=click.Path(file_okay=False))
@click.option("--to", "to", help="Blueprint version to move to, VERSION or APP@VERSION (default: the newest).")
@click.option("--yes", is_flag=True, help="Write without asking.")
@blueprint_dirs
@no_cache
def upgrade(stack_dir, to, yes, blueprint_dirs, no_cache):
    """Re-render a stack folder against a newer blueprint version, after showing the difference."""
    from councilkit.cli.stackdir import open_folder, rendered_names, write
    from councilkit.cli.upgrade import prepare_upgrade, report

    folder = open_folder(stack_dir)
    u = prepare_upgrade(folder, to, blueprint_dirs, use_cache=not no_cache)
    if u is None:
        click.echo(f"{folder.stack} is already at {folder.lock.ref}; nothing to do")
        return
    for line in report(u):
        click.echo(line)
    if not yes:
        from councilkit.cli.confirm import confirm

        confirm(f"Write {u.target.blueprint.ref} to {folder.path}?", "upgrade", "nothing was written")
    write(folder.path, u.rendered, stale=rendered_names(folder))
    click.echo(f"wrote {folder.path} ({u.target.blueprint.ref}); deploy it with `councilkit up {folder.path}`")
