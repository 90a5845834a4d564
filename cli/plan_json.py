"""The plan as JSON in the shape of `pulumi preview --json`, plus councilkit's own keys.

Each step's `newState` carries what the engine would: type, URN, parent, custom, inputs, and
`dependencies`, `propertyDependencies`, `provider`, `protect`, `retainOnDelete` and
`deleteBeforeReplace` (the field names of Pulumi's apitype resource state). The whole shape is
documented in docs/plan-json.md and checked against docs/plan.schema.json by the tests.
Resources are sorted by URN and keys by name, so the same inputs give byte-identical files.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
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


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside the target, then rename: never a half-written file."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        from councilkit.blueprints.errors import UserError

        raise UserError(f"--json: folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a plan is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
