"""Plan one deployment offline (commands reach it through `plan_cache.cached_plan`), assess and write it."""

from __future__ import annotations

from pathlib import Path

from councilkit.blueprints.deployment import Deployment

from councilkit.stacks.plan import Plan

from .offline import run_offline
from .plan_json import dumps, plan_document
from .safe_io import write_atomically


def plan_deployment(d: Deployment) -> Plan:
    """Run the stack program afresh (no cache); commands call `plan_cache.cached_plan` instead."""
    from councilkit.stacks import build

    return run_offline(lambda: build(d).exports(), d.stack_name)


ENGINE = plan_deployment
"""The real engine: the plan cache serves and stores only its plans, never a stand-in's."""


def assess(plan: Plan, d: Deployment, usage=None):
    """(policy report, cost estimate) of a plan: the UK baseline controls and the monthly cost
    (`usage`: a council's checked usage overrides, stacks/cost/usage_file.py)."""
    from councilkit.blueprints.deployment import today
    from councilkit.stacks.cost import estimate
    from councilkit.stacks.policy import Facts, evaluate

    facts = Facts.from_deployment(d, today())
    report = evaluate(plan.resources, facts)
    cost = estimate(plan.resources, cloud=d.cloud, region=d.region, tier=d.tier,
                    expires_on=d.expires_on, today=facts.today, usage=usage)
    return report, cost


def deployability(plan: Plan, d: Deployment):
    """The provider and API rules of the deployment's cloud over the plan (stacks/deployability).

    Run on every plan, cached or fresh: it is cheap (milliseconds) and not part of a cache entry,
    so a cached plan is checked by the rules of the code that reads it, never by a stale verdict."""
    from councilkit.stacks.deployability import report

    return report(plan, d.cloud)


def plan_extras(plan: Plan, d: Deployment, assessed=None) -> dict:
    """The plan JSON's `policy` and `cost` keys (DESIGN.md)."""
    report, cost = assessed or assess(plan, d)
    return {"policy": report.as_json(), "cost": cost.as_json()}


def document_extras(plan: Plan, d: Deployment, assessed=None, checked=None) -> dict:
    """Every councilkit key of the plan JSON: `policy`, `cost` and `deployability`."""
    checked = checked if checked is not None else deployability(plan, d)
    return {**plan_extras(plan, d, assessed), "deployability": checked.as_json()}


def write_plan(plan: Plan, d: Deployment, path: str | Path, assessed=None, checked=None) -> None:
    write_atomically(Path(path), dumps(plan_document(plan, d, document_extras(plan, d, assessed, checked))), "--json")
