"""What a run found: per app, each phase's result, duration and one line, and the cost."""

from __future__ import annotations

from dataclasses import dataclass, field

from .cost import Incurred

PHASES = ("create", "up", "smoke", "upgrade", "backup", "destroy", "leftovers")
"""AWS's, in order (azure_steps.py has Azure's). destroy and leftovers run whenever `up` was
started, whatever failed before."""

PASSED, FAILED, SKIPPED, NOT_RUN = "passed", "failed", "skipped", "not run"


@dataclass
class PhaseResult:
    phase: str
    status: str
    seconds: float = 0.0
    message: str = ""  # the failure's one line, or why it was skipped / not run
    details: list[str] = field(default_factory=list)  # reported, e.g. what AWS left behind


@dataclass
class AppResult:
    app: str  # the app, or `<app>-<tier>` where the cloud's suite runs several tiers
    stack: str = ""
    domain: str = ""
    phases: list[PhaseResult] = field(default_factory=list)
    cost: Incurred | None = None

    @property
    def failed(self) -> list[PhaseResult]:
        return [p for p in self.phases if p.status == FAILED]

    def phase(self, name: str) -> PhaseResult:
        return next(p for p in self.phases if p.phase == name)


@dataclass
class RunResult:
    run_id: str
    council: str
    region: str
    started: str  # ISO time, UTC
    apps: list[AppResult] = field(default_factory=list)
    finished: str = ""
    cloud: str = "aws"

    @property
    def ok(self) -> bool:
        return all(not a.failed for a in self.apps)
