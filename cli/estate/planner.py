"""Plan every deployment of an estate in parallel processes, one bad entry never stopping the rest.

Each worker process plans entries one after another (the Pulumi runtime is per-process global
state, so processes — not threads — give real parallelism on both cores). Workers are forked
after the cloud SDK modules are imported once, so each plan pays only for its own program.
Before that, the parent serves every entry whose inputs are unchanged from the plan cache
(cli/plan_cache.py): only what changed is planned again, and nothing forks if nothing changed.
"""

from __future__ import annotations

import gc
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
    cached: bool = False
    """Served from the plan cache (not in estate.json, which stays the same whichever it was)."""


def summarise(extras: dict) -> dict:
    """What the estate table shows beside the resource count: policy status and monthly cost,
    from the plan JSON's `policy` and `cost` sections (fresh or cached alike)."""
    summary = extras["policy"]["summary"]
    cost = extras["cost"]
    return {
        "policy": {k: summary[k] for k in ("controls", "passed", "failed", "waived", "mandatory_failed")},
        "cost": {
            "monthly": cost["monthly_total"],
            "currency": cost["currency"],
            "monthly_gbp": cost.get("monthly_total_gbp", cost["monthly_total"]),
            "unpriced": len(cost["unpriced"]),
        },
    }


_resolved: dict[str, tuple | None] = {}
"""app ref → (blueprint, its folder), or None if it does not resolve, for one plan_estate call:
every entry of an app resolves to the same blueprint, so the catalogue is searched once per app."""


def _blueprint(ref: str):
    """(blueprint, folder) of an app ref, or None if it does not resolve."""
    from councilkit.blueprints.loader import resolve

    if ref not in _resolved:
        try:
            bp, path = resolve(ref)
            _resolved[ref] = (bp, path.parent)
        except UserError:
            _resolved[ref] = None
    return _resolved[ref]


def _deployment(entry: Entry):
    """The entry's Deployment, exactly as `councilkit plan` would build it from the same answers
    (an app that does not resolve is left to build_deployment, so errors come in its order)."""
    from councilkit.blueprints.deployment import build_deployment

    return build_deployment(
        entry.app, cloud=entry.cloud, tier=entry.tier, council=entry.council, domain=entry.domain,
        contact=entry.contact, region=entry.region, allow_non_uk_region=entry.allow_non_uk_region,
        trial_days=entry.trial_days, locked=_blueprint(entry.app),
    )


def _outcome(entry: Entry, d, resources: int, extras: dict, cached: bool, checked=None) -> Outcome:
    summary = summarise(extras)
    failed = summary["policy"]["mandatory_failed"]
    refused = len(checked.violations) if checked is not None else 0
    if checked is not None:
        summary["deployability"] = {"rules": checked.rules, "violations": refused}
    errors = [f"{refused} deployability violation(s): the cloud would refuse them"] if refused else []
    errors += [f"{failed} mandatory policy control(s) failed"] if failed else []
    return Outcome(entry, not (failed or refused), version=d.blueprint.version, stack=d.stack_name,
                   resources=resources, summary=summary, cached=cached, error="; ".join(errors) or None)


def _checked(plan, d):
    """The deployability report of a plan, or of a cached plan document."""
    from councilkit.stacks.deployability import report

    return report(plan, d.cloud)


def _guarded(entry: Entry, step: Callable[[], Outcome | None]) -> Outcome | None:
    """A user error becomes a failed Outcome with its one-line message; so does a defect."""
    try:
        return step()
    except UserError as exc:
        return Outcome(entry, False, error=str(exc))
    except Exception as exc:  # a defect in one entry's plan must not stop the estate
        return Outcome(entry, False, error=f"internal error: {type(exc).__name__}: {exc}")


def _from_cache(entry: Entry, d, json_dir: str | None, use_cache: bool) -> Outcome | None:
    from councilkit.cli.plan_cache import cached_entry
    from councilkit.cli.plan_json import dumps
    from councilkit.cli.safe_io import write_atomically

    hit = cached_entry(d, use_cache, with_plan=False)
    if hit is None:
        return None
    # Checked again from the cached document: entries hold no deployability verdict.
    checked = _checked(hit.document, d)
    if json_dir:
        path = Path(json_dir) / f"{d.stack_name}.json"
        if not (hit.plan_json_sha256 and _holds(path, hit.plan_json_sha256)):
            write_atomically(path, dumps({**hit.full_document(), "deployability": checked.as_json()}), "--json")
    return _outcome(entry, d, hit.resource_count, hit.extras, cached=True, checked=checked)


def _holds(path: Path, sha256: str) -> bool:
    """Whether the file already holds exactly the text with this digest (then it is not rewritten)."""
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == sha256
    except OSError:
        return False


def check_cache(entry: Entry, json_dir: str | None = None, use_cache: bool = True) -> Outcome | None:
    """The entry's Outcome without running its stack (from the cache, or its user error), or None."""
    return _guarded(entry, lambda: _from_cache(entry, _deployment(entry), json_dir, use_cache))


def plan_entry(entry: Entry, json_dir: str | None = None, use_cache: bool = True) -> Outcome:
    """Plan one entry (from the cache if its inputs are unchanged) and store the fresh plan."""

    def step() -> Outcome:
        from councilkit.cli import plan_cache, planning

        d = _deployment(entry)
        found = _from_cache(entry, d, json_dir, use_cache)
        if found is not None:
            return found
        from councilkit.cli.plan_json import dumps, plan_document
        from councilkit.cli.safe_io import write_atomically

        plan = planning.plan_deployment(d)
        extras = planning.plan_extras(plan, d)
        checked = _checked(plan, d)
        text = None
        if json_dir:  # as planning.write_plan writes it
            text = dumps(plan_document(plan, d, {**extras, "deployability": checked.as_json()}))
            write_atomically(Path(json_dir) / f"{d.stack_name}.json", text, "--json")
        if plan_cache.enabled(use_cache) and plan_cache._real_engine():
            plan_cache.store(plan_cache.cache_key(d), d, plan, extras, text)
        return _outcome(entry, d, len(plan.resources), extras, cached=False, checked=checked)

    from councilkit.cli.offline import collector_paused

    with collector_paused():  # the whole entry: assessing and storing allocate a lot too
        return _guarded(entry, step)


def _warm() -> None:
    """Import every cloud's stack code once in the parent so forked workers share it."""
    from importlib import import_module

    from councilkit.stacks.cloud import CLOUDS

    for cloud in CLOUDS.values():
        import_module(f"{cloud.package}.stack")
    gc.collect()
    gc.freeze()  # what workers inherit stays out of their collections (its pages stay shared)


def plan_estate(
    items: list[Entry],
    json_dir: str | None = None,
    workers: int | None = None,
    on_done: Callable[[Outcome], None] | None = None,
    use_cache: bool = True,
) -> list[Outcome]:
    """Outcomes in the estate's order, whatever order they finish in.

    The parent serves every unchanged entry from the plan cache first; only the rest go to
    worker processes (none are started when nothing changed)."""
    from councilkit.cli.plan_cache import enabled, environment_digest, writable

    workers = workers or os.cpu_count() or 1
    results: dict[int, Outcome] = {}
    _resolved.clear()  # blueprint folders may have changed since the last call in this process

    def done(i: int, outcome: Outcome) -> None:
        results[i] = outcome
        if on_done:
            on_done(outcome)

    todo = list(range(len(items)))
    if enabled(use_cache):
        environment_digest()  # once, before any fork
        todo = []
        for i, item in enumerate(items):
            outcome = check_cache(item, json_dir, use_cache)
            if outcome is None:
                todo.append(i)
            else:
                done(i, outcome)
    if todo and enabled(use_cache):
        writable()  # one warning if not, before any worker could give its own
    if workers == 1 or len(todo) <= 1:
        for i in todo:
            done(i, plan_entry(items[i], json_dir, use_cache))
        return [results[i] for i in range(len(items))]
    _warm()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=context) as pool:
        futures = {pool.submit(plan_entry, items[i], json_dir, use_cache): i for i in todo}
        gc.unfreeze()  # the workers are forked (all at the first submit); the parent goes on as before
        for future in as_completed(futures):
            done(futures[future], future.result())
    return [results[i] for i in range(len(items))]


def outcome_dict(o: Outcome) -> dict:
    out = {**asdict(o), "entry": asdict(o.entry)}
    del out["cached"]
    return out
