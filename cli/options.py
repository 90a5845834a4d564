"""Options shared by several commands, defined once."""

from __future__ import annotations

import functools

import click

from councilkit.blueprints.clouds import CLOUDS

blueprint_dirs = click.option(
    "--blueprints",
    "blueprint_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Extra folder of blueprints (repeatable); also COUNCILKIT_BLUEPRINT_PATH (colon-separated).",
)

no_cache = click.option(
    "--no-cache",
    "no_cache",
    is_flag=True,
    help="Plan afresh, without reading or writing the plan cache (also COUNCILKIT_NO_CACHE=1).",
)

_DEPLOYMENT_OPTIONS = (
    click.argument("app", metavar="APP[@VERSION]|STACK_DIR"),
    click.option("--cloud", type=click.Choice(CLOUDS), default="aws", show_default=True),
    click.option("--tier", type=click.Choice(["trial", "production"]), default="trial", show_default=True),
    click.option("--council", help="Council name, e.g. 'Borsetshire County Council'."),
    click.option("--domain", help="Public domain of the app, e.g. intranet.borsetshire.gov.uk."),
    click.option("--contact", help="Email for alarms and budget alerts."),
    click.option("--region", help="Cloud region (default: eu-west-2 on AWS, uksouth on Azure)."),
    click.option("--allow-non-uk-region", is_flag=True, help="Allow a region outside the UK."),
    blueprint_dirs,
    no_cache,
)
ANSWERS = ("app", "cloud", "tier", "council", "domain", "contact", "region", "allow_non_uk_region", "blueprint_dirs")


def deployment_options(command):
    """APP[@VERSION]|STACK_DIR, the answers and --no-cache; the command receives `deployment`
    and `use_cache` instead."""

    @functools.wraps(command)
    def wrapper(**kwargs):
        answers = {name: kwargs.pop(name) for name in ANSWERS}
        use_cache = not kwargs.pop("no_cache")
        return command(deployment=resolve_deployment(**answers), use_cache=use_cache, **kwargs)

    for option in reversed(_DEPLOYMENT_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


def resolve_deployment(app: str, blueprint_dirs=(), **answers):
    """A rendered stack folder's deployment (from its lock), or a blueprint plus answers."""
    from councilkit.blueprints.deployment import build_deployment
    from councilkit.cli.stackdir import folder_deployment

    return folder_deployment(app) or build_deployment(app, blueprint_dirs=blueprint_dirs, **answers)
