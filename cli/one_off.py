"""Install and upgrade steps that run once after a rollout: which are due, and the commands.

The stacks export `one_off`: on AWS the cluster, network and task definition to start an ECS task
with the step's command; on Azure the Container Apps job that runs the steps. After `up`,
councilkit compares the blueprint deployed before (the `councilkit` output) with the one just
rolled out: a first deploy is due its install steps, a new version its upgrade steps. It prints
the exact cloud CLI commands to run them once, in order; it does not run them itself.
"""

from __future__ import annotations

import json
import shlex
from typing import Any


def due(previous_ref: str | None, current_ref: str) -> list[str]:
    if previous_ref is None:
        return ["install"]
    return ["upgrade"] if previous_ref != current_ref else []


def _aws(one_off: dict[str, Any], step: dict[str, Any], region: str) -> list[str]:
    network = (
        "awsvpcConfiguration={subnets=[%s],securityGroups=[%s],assignPublicIp=%s}"
        % (",".join(one_off.get("subnets", [])), ",".join(one_off.get("security_groups", [])),
           "ENABLED" if one_off.get("assign_public_ip") else "DISABLED")
    )
    out = []
    for command in step.get("commands", []):
        overrides = json.dumps({"containerOverrides": [{"name": step["container"], "command": command}]},
                               separators=(",", ":"))
        out.append(shlex.join([
            "aws", "ecs", "run-task", "--region", region, "--cluster", str(one_off.get("cluster")),
            "--launch-type", "FARGATE", "--task-definition", str(step.get("task_definition")),
            "--network-configuration", network, "--overrides", overrides,
        ]))
    if out:
        out.append(f"# after each: aws ecs wait tasks-stopped --region {region} --cluster "
                   f"{one_off.get('cluster')} --tasks <taskArn>, and check its exit code is 0")
    return out


def commands(cloud: str, one_off: Any, kind: str, region: str) -> list[str]:
    """The commands that run step `kind` once, or [] when the stack has none."""
    if not isinstance(one_off, dict) or not isinstance(one_off.get(kind), dict):
        return []
    step = one_off[kind]
    if cloud == "aws":
        return _aws(one_off, step, region)
    return [step["start"]] if step.get("start") else []


def instructions(cloud: str, values: dict[str, Any], previous_ref: str | None, current_ref: str,
                 region: str) -> list[str]:
    lines = []
    for kind in due(previous_ref, current_ref):
        found = commands(cloud, values.get("one_off"), kind, region)
        if found:
            lines.append(f"{kind} steps of {current_ref}: run once now, in order:")
            lines += [f"  {c}" for c in found]
    return lines
