"""The one thing that differs per cloud: which phases run, what each does, and what is checked first.

The runner, the reports, the smoke check and the cost are cloud-neutral; a cloud's suite module
(steps.py for AWS, azure_steps.py for Azure) names its phases (`PHASES`, in order), the phases
that run whenever a stack was deployed (`CLEANUP`), its steps (`STEPS`), its checks before
anything is created (`preflight`, which returns what its trials need) and how a trial starts.
Modules load only when their cloud is chosen, so an AWS run never imports the Azure side.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from councilkit.blueprints.errors import UserError

MODULES = {"aws": "acceptance.steps", "azure": "acceptance.azure_steps"}


@dataclass(frozen=True)
class Suite:
    cloud: str
    module: Any

    @property
    def phases(self) -> tuple[str, ...]:
        return self.module.PHASES

    @property
    def cleanup(self) -> tuple[str, ...]:
        return self.module.CLEANUP

    @property
    def steps(self) -> Mapping[str, Callable]:
        return self.module.STEPS  # read when used, so a test can replace one step

    @property
    def tiers(self) -> tuple[str, ...]:
        return self.module.TIERS

    @property
    def region(self) -> str:
        return self.module.REGION

    @property
    def zone(self) -> str:
        """What --domain-suffix must name, for its error line."""
        return self.module.ZONE

    def preflight(self, options, context=None):
        return self.module.preflight(options, context)

    def trial(self, app: str, tier: str, options, context, console):
        return self.module.new_trial(app, tier, options, context, console)

    def key(self, app: str, tier: str) -> str:
        """How reports and test ids name one trial: the app, and its tier where a run has several."""
        return app if len(self.tiers) == 1 else f"{app}-{tier}"

    def billed_command(self, run) -> str:
        return self.module.billed_command(run)


def parse_cloud(text: str | None) -> str:
    cloud = (text or "aws").strip().lower()
    if cloud not in MODULES:
        raise UserError(f"--cloud (CLOUD=): unknown cloud {cloud!r}; the acceptance suite runs on {' or '.join(MODULES)}")
    return cloud


def suite_for(cloud: str) -> Suite:
    return Suite(cloud, importlib.import_module(MODULES[parse_cloud(cloud)]))
