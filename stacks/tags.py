"""Tags on every taggable resource, applied once for the whole stack rather than per resource.

A stack transformation adds the deployment's tags to any resource whose class takes `tags`
(pulumi-aws and pulumi-azure-native both expose it as a property on taggable resources), so a
component can never forget them. Tags a resource sets itself (e.g. Name) are kept.
"""

from __future__ import annotations

import pulumi


def tag_everything(tags: dict[str, str]) -> None:
    def add_tags(args: pulumi.ResourceTransformationArgs):
        if not hasattr(type(args.resource), "tags") or isinstance(args.resource, pulumi.ComponentResource):
            return None
        own = args.props.get("tags") or {}
        return pulumi.ResourceTransformationResult(
            props={**args.props, "tags": {**tags, **own}}, opts=args.opts
        )

    pulumi.runtime.register_stack_transformation(add_tags)
