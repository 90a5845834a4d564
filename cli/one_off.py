"""Install and upgrade steps that run once after a rollout: which are due, and the commands.

The stacks export `one_off` (StackOutputs), which only the deployment's cloud adapter reads: it
turns it into the exact commands (`Cloud.one_off_commands`). After `up`,
councilkit compares the blueprint deployed before (the `councilkit` output) with the one just
rolled out: a first deploy is due its install steps, a new version its upgrade steps. It prints
the exact cloud CLI commands to run them once, in order; it does not run them itself.
"""

from __future__ import annotations

from typing import Any


def due(previous_ref: str | None, current_ref: str) -> list[str]:
    if previous_ref is None:
        return ["install"]
    return ["upgrade"] if previous_ref != current_ref else []


def commands(cloud: str, one_off: Any, kind: str, region: str) -> list[str]:
    """The commands that run step `kind` once (the cloud adapter reads its own `one_off`), or []."""
    from councilkit.stacks.cloud import cloud_for

    if not isinstance(one_off, dict):
        return []
    return cloud_for(cloud).one_off_commands(one_off, kind, region)


def instructions(cloud: str, values: dict[str, Any], previous_ref: str | None, current_ref: str,
                 region: str) -> list[str]:
    lines = []
    for kind in due(previous_ref, current_ref):
        found = commands(cloud, values.get("one_off"), kind, region)
        if found:
            lines.append(f"{kind} steps of {current_ref}: run once now, in order:")
            lines += [f"  {c}" for c in found]
    return lines
