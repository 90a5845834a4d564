"""councilkit's UK baseline: controls over a plan's resources, run offline on every plan and, wrapped
as a pulumi-policy pack (`pack/`), under `pulumi preview/up --policy-pack stacks/policy/pack`.

Each control maps to AWS Foundational Security Best Practices (FSBP) and/or Microsoft cloud
security benchmark (MCSB) control ids and to the NCSC Cloud Security Principles it serves. Controls
read only the plan (resource types and inputs) and a few deployment facts (cloud, tier, dates):
what is checked is what would be built. No cloud SDK is imported here.
"""

from __future__ import annotations

from typing import Sequence

from . import azure_hardening, azure_selfmanaged, encryption, governance, hardening, identity, monitoring, network, resilience  # noqa: F401  (registers)
from .model import Control, ControlResult, Facts, PolicyReport, Resource, Result
from .registry import CONTROLS

__all__ = ["CONTROLS", "Control", "ControlResult", "Facts", "PolicyReport", "Result", "controls_for", "evaluate"]

TIER_WORDS = {("production",): "applies to production only", ("trial",): "applies to trials only"}


def controls_for(cloud: str) -> list[Control]:
    return sorted((c for c in CONTROLS if c.applies_to(cloud)), key=lambda c: c.id)


def run(control: Control, resources: Sequence[Resource], facts: Facts) -> ControlResult:
    """One control over the plan: passed, failed, waived or not applicable, with every result."""
    if facts.tier not in control.tiers:
        return ControlResult(control, "not_applicable", (), TIER_WORDS.get(control.tiers, "not for this tier"))
    # Plans register resources concurrently: order by URN so the same plan gives the same report.
    results = tuple(sorted(control.check(resources, facts), key=lambda r: r.urn))
    if not results:
        return ControlResult(control, "not_applicable", (), f"no {control.subject} in this plan")
    failed = [r for r in results if not r.passed]
    if not failed:
        return ControlResult(control, "passed", results, f"{len(results)} checked, all passed")
    if control.id in facts.waivers:
        return ControlResult(control, "waived", results, facts.waivers[control.id])
    return ControlResult(control, "failed", results, f"{len(failed)} of {len(results)} failed")


def evaluate(resources: Sequence[Resource], facts: Facts) -> PolicyReport:
    """Every control for the plan's cloud, in id order."""
    return PolicyReport(
        cloud=facts.cloud,
        tier=facts.tier,
        results=tuple(run(c, resources, facts) for c in controls_for(facts.cloud)),
    )
