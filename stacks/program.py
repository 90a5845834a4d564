"""The Pulumi program of a stack folder: read the stack's config, build what its lock says.

A folder written by `councilkit new` has a three-line `__main__.py` that calls `run(folder)`, so
plain `pulumi up -s STACK` from that folder (with councilkit installed in the Python that Pulumi
runs) deploys exactly what `councilkit plan FOLDER` planned. The root project's
`stacks/__main__.py` calls it too; without a lock beside the project it resolves the blueprint from
the catalogue (for development).

Besides the stack's own outputs, it exports `councilkit`: the blueprint, tier and expiry, which
`councilkit reap` reads from any backend to find expired trials.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from councilkit.blueprints.errors import UserError
from councilkit.blueprints.lock import ANSWER_KEYS, LOCK_FILE, locked_deployment
from councilkit.stacks.outputs import SCHEMA_VERSION

METADATA_OUTPUT = "councilkit"
RELEASE_PROTECTION_KEY = "release-protection"
DELETE_BACKUPS_KEY = "delete-backups"


def metadata(d) -> dict[str, Any]:
    out = {
        "managed-by": "councilkit",
        "blueprint": d.blueprint.ref,
        "council": d.council,
        "cloud": d.cloud,
        "tier": d.tier,
        "outputs-schema": SCHEMA_VERSION,
    }
    if d.expires_on:
        out["expires-on"] = d.expires_on
    return out


def release_protection(protection_props) -> None:
    """Register a transformation that turns deletion protection off (before a production destroy);
    `protection_props` (the cloud adapter's) maps each protected type to its setting."""
    import pulumi

    def unprotect(args: pulumi.ResourceTransformationArgs):
        prop = protection_props.get(args.type_)
        if prop is None or not args.props.get(prop):
            return None
        return pulumi.ResourceTransformationResult(props={**args.props, prop: False}, opts=args.opts)

    pulumi.runtime.register_stack_transformation(unprotect)


def delete_backups(table) -> None:
    """Register a transformation that makes the cloud delete what a destroy otherwise keeps
    (`destroy --delete-backups`): `table` (the adapter's `delete_backups_props`) maps each type
    to the inputs to set; those resources also lose retain_on_delete, since Pulumi only deletes
    a retained resource once an update has set it false (pulumi.com docs, retainOnDelete)."""
    import pulumi

    def delete_them(args: pulumi.ResourceTransformationArgs):
        props = table.get(args.type_)
        if props is None:
            return None
        opts = pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(retain_on_delete=False))
        return pulumi.ResourceTransformationResult(props={**args.props, **props}, opts=opts)

    pulumi.runtime.register_stack_transformation(delete_them)


def deployment_from_config(folder: Path, config) -> Any:
    """`config` is a pulumi.Config("councilkit") (or anything with .get(key))."""
    answers = {key: value for key in ANSWER_KEYS if (value := config.get(key)) is not None}
    if (Path(folder) / LOCK_FILE).is_file():
        return locked_deployment(Path(folder), answers, where="stack config")
    from councilkit.blueprints.deployment import build_deployment

    return build_deployment(
        config.require("blueprint"),
        cloud=config.require("cloud"),
        tier=config.require("tier"),
        council=config.require("council"),
        domain=config.require("domain"),
        contact=config.require("contact"),
        region=config.get("region"),
        allow_non_uk_region=config.get_bool("allow-non-uk-region") or False,
        expires_on=config.get("expires-on"),
    )


def run(folder: Path) -> None:
    """The whole program: called by a stack folder's `__main__.py` under the Pulumi engine."""
    import pulumi

    from councilkit.stacks import build
    from councilkit.stacks.cloud import cloud_for

    config = pulumi.Config("councilkit")
    try:
        d = deployment_from_config(folder, config)
    except UserError as exc:
        raise pulumi.RunError(str(exc)) from None  # one line, no traceback
    if (Path(folder) / LOCK_FILE).is_file() and pulumi.get_stack() != d.stack_name:
        raise pulumi.RunError(
            f"this folder's answers make stack {d.stack_name}, not {pulumi.get_stack()}: "
            f"run `pulumi up -s {d.stack_name}`"
        )
    if config.get_bool(RELEASE_PROTECTION_KEY):
        release_protection(cloud_for(d.cloud).protection_props)
    if config.get_bool(DELETE_BACKUPS_KEY):
        delete_backups(cloud_for(d.cloud).delete_backups_props)
    for key, value in build(d).exports().items():
        pulumi.export(key, value)
    pulumi.export(METADATA_OUTPUT, metadata(d))
