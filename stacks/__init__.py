"""Stacks: turn a resolved Deployment into cloud resources, through the deployment's Cloud adapter.

`build` is the one entry point for the offline engine, the Pulumi program (`program.py`) and
tests. The adapters (`stacks/cloud.py`) import their cloud SDK only when they build, so
`councilkit --help` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from councilkit.blueprints.deployment import Deployment

    from .outputs import StackOutputs


def build(deployment: "Deployment") -> "StackOutputs":
    """Declare every resource of the deployment; returns its typed outputs."""
    from .cloud import cloud_for
    from .tags import tag_everything

    tag_everything(deployment.tags)
    return cloud_for(deployment.cloud).build(deployment)
