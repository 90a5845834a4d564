"""Stacks: turn a resolved Deployment into cloud resources (pulumi-aws or pulumi-azure-native).

`build` is the one entry point for the offline engine, the Pulumi program (`__main__.py`) and
tests. The cloud SDKs are imported only here, lazily, so `councilkit --help` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from councilkit.blueprints.deployment import Deployment


def build(deployment: "Deployment") -> dict[str, Any]:
    """Declare every resource of the deployment; returns the stack outputs to export."""
    from .tags import tag_everything

    tag_everything(deployment.tags)
    if deployment.cloud == "aws":
        from .aws import build_aws

        return build_aws(deployment)
    from .azure import build_azure

    return build_azure(deployment)
