"""The plan as JSON in the shape of `pulumi preview --json`, plus councilkit's own keys.

Each step's `newState` carries what the engine would: type, URN, parent, custom, inputs, and
`dependencies`, `propertyDependencies`, `provider`, `protect`, `retainOnDelete` and
`deleteBeforeReplace` (the field names of Pulumi's apitype resource state). The whole shape is
documented in docs/plan-json.md and checked against docs/plan.schema.json by the tests.
Resources are sorted by URN and keys by name, so the same inputs give byte-identical files.
"""

from __future__ import annotations

import json
from typing import Any

from councilkit.blueprints.deployment import Deployment

from councilkit.stacks.plan import Plan, PlannedResource

PLAN_FORMAT = 2
"""Version of this document's shape: 2 added dependencies, provider and resource options."""


def new_state(r: PlannedResource) -> dict[str, Any]:
    return {
        "type": r.type,
        "urn": r.urn,
        "parent": r.parent,
        "custom": r.custom,
        "inputs": r.inputs,
        "dependencies": r.dependencies,
        "propertyDependencies": r.property_dependencies,
        "provider": r.provider,
        "protect": r.protect,
        "retainOnDelete": r.retain_on_delete,
        "deleteBeforeReplace": r.delete_before_replace,
    }


def plan_document(plan: Plan, d: Deployment, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    steps = [
        {
            "op": "create",
            "urn": r.urn,
            "newState": new_state(r),
        }
        for r in sorted(plan.resources, key=lambda r: r.urn)
    ]
    doc = {
        "planFormat": PLAN_FORMAT,
        "steps": steps,
        "changeSummary": {"create": len(steps)},
        "outputs": plan.outputs,
        "deployment": {
            "blueprint": d.blueprint.ref,
            "app": d.blueprint.app.name,
            "upstream_version": d.blueprint.app.upstream_version,
            "council": d.council,
            "cloud": d.cloud,
            "tier": d.tier,
            "region": d.region,
            "non_uk_region": d.non_uk_region,
            "domain": d.domain,
            "contact": d.contact,
            "expires_on": d.expires_on,
            "stack": d.stack_name,
        },
    }
    doc.update(extra or {})
    return doc


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
