"""The shapes every control shares: a Control, its per-resource Results, the Facts it may use.

A control's check is a plain function `(resources, facts) -> list[Result]` over the plan's
resources (anything with `type`, `urn`, `name` and `inputs` in the provider's wire names, such as
`councilkit.stacks.plan.PlannedResource` or the pack's adapter). It returns one Result per
resource it looked at; no result at all means "nothing here to check" (not applicable).
Checks never read the blueprint: what is checked is what would be built.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, Sequence

from councilkit.blueprints.clouds import UK_REGIONS

SEVERITIES = ("low", "medium", "high", "critical")
BOTH = ("trial", "production")
PRODUCTION = ("production",)
TRIAL = ("trial",)
REQUIRED_TAGS = ("council", "app", "blueprint", "tier", "managed-by")
TRIAL_TAG = "expires-on"
MAX_TRIAL_DAYS = 365


class Resource(Protocol):
    type: str
    urn: str
    name: str
    inputs: Mapping[str, Any]


@dataclass(frozen=True)
class Result:
    urn: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class Facts:
    """What a check may know besides the resources: the deployment's cloud, tier and date."""

    cloud: str
    tier: str
    today: dt.date
    expires_on: str | None = None
    allowed_regions: tuple[str, ...] = ()
    required_tags: tuple[str, ...] = REQUIRED_TAGS
    waivers: Mapping[str, str] = field(default_factory=dict)
    """control id → why its failure is accepted (e.g. a non-UK region chosen with a flag)."""

    @property
    def production(self) -> bool:
        return self.tier == "production"

    @classmethod
    def from_deployment(cls, d: Any, today: dt.date | None = None) -> "Facts":
        """Facts of a resolved Deployment (cloud, tier, region choice, expiry); never its blueprint."""
        if today is None:
            from councilkit.blueprints.deployment import today as deployment_today

            today = deployment_today()
        waivers = {}
        allowed = UK_REGIONS[d.cloud]
        if d.non_uk_region:
            waivers[REGION_CONTROL] = f"region {d.region} outside the UK was chosen with --allow-non-uk-region"
        required = REQUIRED_TAGS + ((TRIAL_TAG,) if d.tier == "trial" else ())
        return cls(
            cloud=d.cloud, tier=d.tier, today=today, expires_on=d.expires_on,
            allowed_regions=allowed, required_tags=required, waivers=waivers,
        )


REGION_CONTROL = "CK-GEN-001"
Check = Callable[[Sequence[Resource], Facts], list[Result]]


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    severity: str
    cloud: str
    """aws, azure or any"""
    tiers: tuple[str, ...]
    mandatory: bool
    benchmarks: tuple[str, ...]
    """AWS FSBP ("FSBP RDS.3") and Microsoft cloud security benchmark ("MCSB DP-3") control ids"""
    ncsc: tuple[str, ...]
    """NCSC Cloud Security Principles served, e.g. "1" data in transit, "2.1" location"""
    types: tuple[str, ...]
    """the resource types the check reads (its subjects and the resources it looks up)"""
    scope: str
    """"resource": each subject is judged alone; "stack": the check needs other resources too"""
    check: Check
    subject: str
    """what the check looks at, in words, for "not applicable" reasons"""
    doc: str = ""

    def applies_to(self, cloud: str) -> bool:
        return self.cloud in (cloud, "any")


@dataclass(frozen=True)
class ControlResult:
    control: Control
    status: str
    """passed, failed, waived or not_applicable"""
    results: tuple[Result, ...]
    reason: str

    @property
    def failures(self) -> list[Result]:
        return [r for r in self.results if not r.passed]

    def as_json(self) -> dict[str, Any]:
        c = self.control
        return {
            "id": c.id,
            "title": c.title,
            "severity": c.severity,
            "mandatory": c.mandatory,
            "tiers": list(c.tiers),
            "benchmarks": list(c.benchmarks),
            "ncsc": list(c.ncsc),
            "status": self.status,
            "reason": self.reason,
            "checked": len(self.results),
            "failures": [f"{r.urn.rsplit('::', 1)[-1]}: {r.reason}" for r in self.failures],
            "resources": [{"urn": r.urn, "passed": r.passed, "reason": r.reason} for r in self.results],
        }


@dataclass(frozen=True)
class PolicyReport:
    cloud: str
    tier: str
    results: tuple[ControlResult, ...]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def mandatory_failures(self) -> list[ControlResult]:
        return [r for r in self.results if r.status == "failed" and r.control.mandatory]

    @property
    def advisory_failures(self) -> list[ControlResult]:
        return [r for r in self.results if r.status == "failed" and not r.control.mandatory]

    def summary(self) -> str:
        parts = [f"{self.count('passed')} passed", f"{self.count('failed')} failed"]
        if self.count("waived"):
            parts.append(f"{self.count('waived')} waived")
        parts.append(f"{self.count('not_applicable')} not applicable")
        return ", ".join(parts)

    def as_json(self) -> dict[str, Any]:
        return {
            "baseline": "councilkit UK baseline",
            "summary": {
                "controls": len(self.results),
                "passed": self.count("passed"),
                "failed": self.count("failed"),
                "waived": self.count("waived"),
                "not_applicable": self.count("not_applicable"),
                "mandatory_failed": len(self.mandatory_failures),
            },
            "rules": [r.as_json() for r in self.results],
        }
