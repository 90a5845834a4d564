"""Options shared by several commands, defined once."""

from __future__ import annotations

import functools

import click

from councilkit.blueprints.clouds import CLOUDS
from councilkit.blueprints.errors import UserError

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
        given = _given(answers)
        return command(deployment=resolve_deployment(**answers, given=given), use_cache=use_cache, **kwargs)

    for option in reversed(_DEPLOYMENT_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


def _given(answers: dict) -> tuple[str, ...]:
    """The answers typed on the command line (or set in the environment), not left to defaults."""
    from click.core import ParameterSource

    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return ()
    typed = (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)
    return tuple(name for name in answers if name != "app" and ctx.get_parameter_source(name) in typed)


def resolve_deployment(app: str, blueprint_dirs=(), given: tuple[str, ...] = (), **answers):
    """A rendered stack folder's deployment (from its lock), or a blueprint plus answers.

    A folder plans what it holds: an answer typed beside it that says otherwise (`--cloud azure`
    for an AWS folder) is refused rather than silently ignored."""
    from councilkit.blueprints.deployment import build_deployment
    from councilkit.cli.stackdir import folder_deployment

    d = folder_deployment(app)
    if d is None:
        return build_deployment(app, blueprint_dirs=blueprint_dirs, **answers)
    for name in given:
        contradiction = _contradicts(name, answers.get(name, blueprint_dirs), d)
        if contradiction:
            flag = "--blueprints" if name == "blueprint_dirs" else f"--{name.replace('_', '-')}"
            raise UserError(f"{flag} {contradiction}: {app} is a stack folder, which plans what "
                            "its lock and config hold; drop the option, or render another folder with `councilkit new`")
    return d


def _contradicts(name: str, value, d) -> str | None:
    """How an answer typed beside a stack folder differs from the folder's own, or None."""
    import unicodedata

    from councilkit.blueprints.errors import quote

    if name == "blueprint_dirs":
        return "does not apply (the folder's blueprint is its lock)" if value else None
    if name == "allow_non_uk_region":
        return None  # permission, not an answer: the folder's region was checked when it was written
    held = {"cloud": d.cloud, "tier": d.tier, "council": d.council, "domain": d.domain,
            "contact": d.contact, "region": d.region}[name]
    typed = unicodedata.normalize("NFC", str(value).strip())
    same = typed.lower() == held.lower() if name in ("domain", "contact") else typed == held
    return None if same else f"{quote(typed)} contradicts the folder's {name} {quote(held)}"
