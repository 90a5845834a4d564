"""Plan every deployment of an estate in parallel processes, one bad entry never stopping the rest.

Each worker process plans entries one after another (the Pulumi runtime is per-process global
state, so processes — not threads — give real parallelism on both cores). Workers are forked
after the cloud SDK modules are imported once, so each plan pays only for its own program.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from councilkit.blueprints.errors import UserError

from .model import Entry


@dataclass
class Outcome:
    entry: Entry
    ok: bool
    error: str | None = None
    version: str | None = None
    stack: str | None = None
    resources: int = 0
    summary: dict = field(default_factory=dict)


def summarise(assessed) -> dict:
    """What the estate table shows beside the resource count: policy status and monthly cost."""
    report, cost = assessed
    summary = report.as_json()["summary"]
    return {
        "policy": {k: summary[k] for k in ("controls", "passed", "failed", "waived", "mandatory_failed")},
        "cost": {
            "monthly": float(cost.total),
            "currency": cost.currency,
            "monthly_gbp": float(cost.total_gbp),
            "unpriced": len(cost.unpriced),
        },
    }


def plan_entry(entry: Entry, json_dir: str | None = None) -> Outcome:
    """Plan one entry; a user error becomes a failed Outcome with its one-line message."""
    from councilkit.blueprints.deployment import build_deployment
    from councilkit.cli.planning import assess, plan_deployment, write_plan

    try:
        d = build_deployment(
            entry.app, cloud=entry.cloud, tier=entry.tier, council=entry.council, domain=entry.domain,
            contact=entry.contact, region=entry.region, allow_non_uk_region=entry.allow_non_uk_region,
            trial_days=entry.trial_days,
        )
        plan = plan_deployment(d)
        assessed = assess(plan, d)
        if json_dir:
            write_plan(plan, d, Path(json_dir) / f"{d.stack_name}.json", assessed)
        summary = summarise(assessed)
        failed = summary["policy"]["mandatory_failed"]
        return Outcome(entry, not failed, version=d.blueprint.version, stack=d.stack_name,
                       resources=len(plan.resources), summary=summary,
                       error=f"{failed} mandatory policy control(s) failed" if failed else None)
    except UserError as exc:
        return Outcome(entry, False, error=str(exc))
    except Exception as exc:  # a defect in one entry's plan must not stop the estate
        return Outcome(entry, False, error=f"internal error: {type(exc).__name__}: {exc}")


def _warm() -> None:
    """Import every cloud's stack code once in the parent so forked workers share it."""
    from importlib import import_module

    from councilkit.stacks.cloud import CLOUDS

    for cloud in CLOUDS.values():
        import_module(f"{cloud.package}.stack")


def plan_estate(
    items: list[Entry],
    json_dir: str | None = None,
    workers: int | None = None,
    on_done: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Outcomes in the estate's order, whatever order they finish in."""
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(items) == 1:
        results = []
        for item in items:
            results.append(plan_entry(item, json_dir))
            if on_done:
                on_done(results[-1])
        return results
    _warm()
    context = multiprocessing.get_context("fork")
    results: dict[int, Outcome] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(plan_entry, item, json_dir): i for i, item in enumerate(items)}
        for future in as_completed(futures):
            outcome = future.result()
            results[futures[future]] = outcome
            if on_done:
                on_done(outcome)
    return [results[i] for i in range(len(items))]


def outcome_dict(o: Outcome) -> dict:
    return {**asdict(o), "entry": asdict(o.entry)}
