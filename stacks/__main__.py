"""The Pulumi program of the root Pulumi.yaml: `pulumi up -s STACK` runs this.

It reads the stack's config (written by `councilkit new`), resolves the same Deployment the
offline plan used, and builds it, so what was planned is what is deployed.
"""

import pulumi

from councilkit.blueprints.deployment import build_deployment
from councilkit.stacks import build

config = pulumi.Config("councilkit")
deployment = build_deployment(
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
for key, value in build(deployment).items():
    pulumi.export(key, value)
