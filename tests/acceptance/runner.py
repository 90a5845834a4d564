"""The run: checks first, then each app through every phase, reports written after each app.

Kept under tests/ rather than in the product: it needs a sandbox account with a Route 53 zone,
creates councils named "Acceptance Test Council <run id>" and deletes what it finds tagged with
them; nothing a council's own deployment should ever do. It calls only councilkit's public
functions, so it exercises exactly what a council runs.
"""

from __future__ import annotations

import datetime as dt
import time
import traceback
from typing import Any

from councilkit.blueprints.errors import UserError

from . import report
from .clients import Clients
from .config import Options
from .cost import Incurred, monthly_gbp
from .results import FAILED, NOT_RUN, PASSED, PHASES, SKIPPED, AppResult, PhaseResult, RunResult
from .steps import STEPS, Skip, StepFailed, Trial

CLEANUP = ("destroy", "leftovers")


def preflight(options: Options, clients: Clients | None = None) -> tuple[Clients, str]:
    """councilkit's own checks for a real deploy (cli/automation.py: the pulumi CLI, the state
    passphrase, AWS credentials), then the hosted zone; raises UserError before anything exists."""
    from councilkit.cli import automation

    from .dns import hosted_zone

    automation.require_pulumi_cli()
    automation.require_passphrase("passphrase")
    automation.require_cloud_credentials("aws")
    clients = clients or Clients.for_region(options.region)
    return clients, hosted_zone(clients.route53, options.domain_suffix)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _attempt(phase: str, t: Trial) -> PhaseResult:
    started = time.monotonic()
    try:
        message, details = STEPS[phase](t)
        status = PASSED
    except Skip as exc:
        status, message, details = SKIPPED, str(exc), []
    except StepFailed as exc:
        status, message, details = FAILED, str(exc), exc.details
    except UserError as exc:
        status, message, details = FAILED, str(exc).splitlines()[0], []
    except KeyboardInterrupt:
        status, message, details = FAILED, "interrupted", []
    except SystemExit as exc:  # `up` exits 3 when its wait on DNS runs out (cli/golive.py)
        status, message, details = FAILED, f"stopped with exit code {exc.code} (what it waited for is above)", []
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [""])[0]
        status, message = FAILED, f"{type(exc).__name__}: {first}" if first else type(exc).__name__
        details = traceback.format_exc().splitlines()[-12:]
    return PhaseResult(phase, status, time.monotonic() - started, message, details)


def run_app(app: str, options: Options, clients: Clients, zone: str, console) -> AppResult:
    """Every phase in order; after a failure the rest are 'not run', but a stack whose `up`
    started is always destroyed and checked for leftovers."""
    t = Trial(app, options, clients, zone, console)
    result = AppResult(app, domain=t.domain)
    broken = ""
    for phase in PHASES:
        if phase in CLEANUP and t.deploy_started is None:
            result.phases.append(PhaseResult(phase, NOT_RUN, message="not run: nothing was deployed"))
            continue
        if phase not in CLEANUP and broken:
            result.phases.append(PhaseResult(phase, NOT_RUN, message=f"not run: {broken} failed"))
            continue
        console.print(f"[bold]{app}: {phase}[/]")
        outcome = _attempt(phase, t)
        result.phases.append(outcome)
        console.print(f"{app}: {phase} {outcome.status} ({outcome.seconds:.0f} s) {outcome.message}")
        if outcome.status == FAILED and not broken:
            broken = phase
    result.stack = t.deployment.stack_name if t.deployment else ""
    if t.plan is not None and t.deploy_started is not None:
        hours = ((t.destroyed_at or time.time()) - t.deploy_started) / 3600
        try:
            result.cost = Incurred(monthly_gbp(t.plan, t.deployment), hours)
        except Exception as exc:  # the estimate is a report, never the reason a run fails
            result.phases[-1].details.append(f"no cost estimate: {type(exc).__name__}: {exc}")
    return result


def run(options: Options, clients: Clients | None = None, console: Any = None) -> RunResult:
    """The whole run; JUnit XML and the Markdown summary are rewritten after every app, so a run
    that dies still leaves what it found."""
    if console is None:
        from rich.console import Console

        console = Console(stderr=True)
    clients, zone = preflight(options, clients)
    (options.run_dir / "stacks").mkdir(parents=True, exist_ok=True)
    result = RunResult(options.run_id, options.council, options.region, _now())
    for app in options.apps:
        result.apps.append(run_app(app, options, clients, zone, console))
        report.write(result, options.run_dir)
        if any(p.message == "interrupted" for p in result.apps[-1].phases):
            break
    result.finished = _now()
    xml_path, md_path = report.write(result, options.run_dir)
    console.print(f"reports: {xml_path}, {md_path}")
    return result
