"""The run: checks first, then each trial through every phase, reports written after each one.

Kept under tests/ rather than in the product: it needs a sandbox account (or subscription) with
a DNS zone, creates councils named "Acceptance Test Council <run id>" and deletes what it finds
tagged with them; nothing a council's own deployment should ever do. It calls only councilkit's
public functions, so it exercises exactly what a council runs. What differs per cloud (phases,
steps, checks) comes from the cloud's suite (suites.py).
"""

from __future__ import annotations

import datetime as dt
import time
import traceback
from typing import Any, Mapping

from councilkit.blueprints.errors import UserError

from . import report
from .config import Options
from .cost import Incurred, monthly_gbp
from .results import FAILED, NOT_RUN, PASSED, SKIPPED, AppResult, PhaseResult, RunResult
from .steps import Skip, StepFailed
from .suites import suite_for


def preflight(options: Options, context: Any = None):
    """The cloud's checks (AWS: councilkit's own for a real deploy, then the hosted zone; Azure:
    the same plus the Azure CLI signed in to the subscription, then the DNS zone); each raises
    UserError, one line, before anything exists. Returns what the cloud's trials need."""
    return suite_for(options.cloud).preflight(options, context)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _attempt(phase: str, t, steps: Mapping | None = None) -> PhaseResult:
    started = time.monotonic()
    try:
        message, details = (steps if steps is not None else suite_for(t.options.cloud).steps)[phase](t)
        status = PASSED
    except Skip as exc:
        status, message, details = SKIPPED, str(exc), []
    except StepFailed as exc:
        status, message, details = FAILED, str(exc), exc.details
    except UserError as exc:
        status, message, details = FAILED, str(exc).splitlines()[0], []
    except KeyboardInterrupt:
        status, message, details = FAILED, "interrupted", []
    except SystemExit as exc:  # `up` exits 3 when its wait on the council runs out (cli/golive.py)
        why = "what it waited for is above" if exc.code == 3 else "why is above"
        status, message, details = FAILED, f"stopped with exit code {exc.code} ({why})", []
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [""])[0]
        status, message = FAILED, f"{type(exc).__name__}: {first}" if first else type(exc).__name__
        details = traceback.format_exc().splitlines()[-12:]
    return PhaseResult(phase, status, time.monotonic() - started, message, details)


def run_app(app: str, tier: str, options: Options, context: Any, console) -> AppResult:
    """Every phase in order; after a failure the rest are 'not run', but a stack whose `up`
    started always goes through the cleanup phases (destroy, leftovers)."""
    suite = suite_for(options.cloud)
    t = suite.trial(app, tier, options, context, console)
    key = suite.key(app, tier)
    result = AppResult(key, domain=t.domain)
    broken = ""
    for phase in suite.phases:
        if phase in suite.cleanup and t.deploy_started is None:
            result.phases.append(PhaseResult(phase, NOT_RUN, message="not run: nothing was deployed"))
            continue
        if phase not in suite.cleanup and broken:
            result.phases.append(PhaseResult(phase, NOT_RUN, message=f"not run: {broken} failed"))
            continue
        console.print(f"[bold]{key}: {phase}[/]")
        outcome = _attempt(phase, t, suite.steps)
        result.phases.append(outcome)
        console.print(f"{key}: {phase} {outcome.status} ({outcome.seconds:.0f} s) {outcome.message}")
        if outcome.status == FAILED and not broken:
            broken = phase
    result.stack = t.deployment.stack_name if t.deployment else ""
    if t.plan is not None and t.deploy_started is not None:
        try:
            result.cost = Incurred(monthly_gbp(t.plan, t.deployment), t.hours_existed())
        except Exception as exc:  # the estimate is a report, never the reason a run fails
            result.phases[-1].details.append(f"no cost estimate: {type(exc).__name__}: {exc}")
    return result


def run(options: Options, context: Any = None, console: Any = None) -> RunResult:
    """The whole run; JUnit XML and the Markdown summary are rewritten after every trial, so a
    run that dies still leaves what it found."""
    if console is None:
        from rich.console import Console

        console = Console(stderr=True)
    context = preflight(options, context)
    (options.run_dir / "stacks").mkdir(parents=True, exist_ok=True)
    result = RunResult(options.run_id, options.council, options.region, _now(), cloud=options.cloud)
    for app, tier in options.units():
        result.apps.append(run_app(app, tier, options, context, console))
        report.write(result, options.run_dir)
        if any(p.message == "interrupted" for p in result.apps[-1].phases):
            break
    result.finished = _now()
    xml_path, md_path = report.write(result, options.run_dir)
    console.print(f"reports: {xml_path}, {md_path}")
    return result
