"""Plans for the portal, made in one warm worker process.

Pulumi's mocks are process-wide and need an event loop of their own (pulumi.runtime.set_mocks),
so plans cannot run in the web server's threads. One worker process, started once, plans every
request in turn and keeps what it planned (and the on-disk plan cache keeps it across restarts):
the first plan of an app takes seconds, the same one again well under one (benchmarks/portal.py).
What comes back is plain data: the report's context, the report files and the cost figure.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Choice:
    """What the council picked on an app's page."""

    app: str
    cloud: str
    tier: str
    council: str | None = None
    domain: str | None = None


@lru_cache(maxsize=256)
def _planned(choice: Choice) -> dict[str, Any]:
    from councilkit.blueprints.deployment import build_deployment
    from councilkit.cli.plan_cache import cached_plan
    from councilkit.cli.planning import deployability, plan_extras
    from councilkit.cli.plan_json import plan_document
    from councilkit.cli.report import context, render

    d = build_deployment(choice.app, cloud=choice.cloud, tier=choice.tier, council=choice.council,
                         domain=choice.domain)
    plan = cached_plan(d, True)
    doc = plan_document(plan, d, plan_extras(plan, d))
    ctx = context.report_context(d, plan, doc)
    checked = deployability(plan, d)
    return {
        "context": ctx,
        "files": render.render(ctx),
        "stack": d.stack_name,
        "violations": [v.line() for v in checked.violations],
        "defaults": list(d.defaults_used),
        "monthly": (doc.get("cost") or {}).get("monthly_total"),
    }


def plan_page(choice: Choice) -> dict[str, Any]:
    """Everything an app page shows for one choice (runs in the worker)."""
    return _planned(choice)


def monthly_cost(app: str, cloud: str, tier: str) -> str:
    """The monthly total as people read it (runs in the worker)."""
    return _planned(Choice(app, cloud, tier))["context"]["cost"]["total_text"]


class Planner:
    """The one warm worker. `submit(fn, ...)` runs a function of this module in it."""

    def __init__(self) -> None:
        # spawn, not fork: the server has threads (uvicorn), and a forked copy of them is unsafe.
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, fn, *args) -> Future:
        return self._pool.submit(fn, *args)

    def page(self, choice: Choice, timeout: float = 300) -> dict[str, Any]:
        return self.submit(plan_page, choice).result(timeout)

    def cost(self, app: str, cloud: str, tier: str) -> str:
        return self.submit(monthly_cost, app, cloud, tier).result(600)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
