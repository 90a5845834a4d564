"""`councilkit new APP[@VERSION] --cloud C --tier T --council NAME`: render a stack folder."""

from __future__ import annotations

import click

from councilkit.blueprints.clouds import CLOUDS

from councilkit.cli.options import blueprint_dirs


@click.command()
@click.argument("app")
@click.option("--cloud", type=click.Choice(CLOUDS), required=True)
@click.option("--tier", type=click.Choice(["trial", "production"]), required=True)
@click.option("--council", required=True, help="Council name, e.g. 'Borsetshire County Council'.")
@click.option("--domain", help="Public domain of the app (default: a placeholder to replace before `up`).")
@click.option("--contact", help="Email for alarms and budget alerts (default: a placeholder).")
@click.option("--region", help="Cloud region (default: eu-west-2 on AWS, uksouth on Azure).")
@click.option("--allow-non-uk-region", is_flag=True, help="Allow a region outside the UK.")
@click.option("--expires", help="Trials: when the stack expires, e.g. 30d, 2w or 2027-01-31 (default 30d).")
@click.option("--dir", "folder", type=click.Path(), help="Folder to write (default: ./<stack name>).")
@click.option("--force", is_flag=True, help="Overwrite a folder that holds a different stack.")
@click.option("--backend", help="Pulumi state backend URL written to Pulumi.yaml (default file://~/.councilkit/state).")
@blueprint_dirs
def new(app, cloud, tier, council, domain, contact, region, allow_non_uk_region, expires, folder, force,
        backend, blueprint_dirs):
    """Render a stack folder: Pulumi project and config, blueprint lock, runbook."""
    from councilkit.cli.newstack import new_stack

    result = new_stack(
        app, cloud=cloud, tier=tier, council=council, domain=domain, contact=contact, region=region,
        allow_non_uk_region=allow_non_uk_region, expires=expires, folder=folder, force=force,
        backend=backend, blueprint_dirs=blueprint_dirs,
    )
    d = result.deployment
    what = {"created": "wrote", "replaced": "rewrote", "unchanged": "unchanged:"}[result.status]
    click.echo(f"{what} {result.path} (stack {d.stack_name}, {d.blueprint.ref}, {d.cloud} {d.region}, {d.tier}"
               + (f", expires {d.expires_on})" if d.expires_on else ")"))
    if d.defaults_used:
        click.echo(f"note: no {', '.join('--' + n for n in d.defaults_used)}: placeholders to replace in "
                   f"Pulumi.{d.stack_name}.yaml before `councilkit up`")
    click.echo(f"next: councilkit plan {result.path}; councilkit up {result.path} (see {result.path}/RUNBOOK.md)")
