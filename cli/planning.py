"""Plan one deployment offline: the function every command (plan, estates, reports) calls."""

from __future__ import annotations

from pathlib import Path

from councilkit.blueprints.deployment import Deployment

from .offline import Plan, run_offline
from .plan_json import dumps, plan_document, write_atomically


def plan_deployment(d: Deployment) -> Plan:
    from councilkit.stacks import build

    return run_offline(lambda: build(d), d.stack_name)


def write_plan(plan: Plan, d: Deployment, path: str | Path) -> None:
    write_atomically(Path(path), dumps(plan_document(plan, d)))
