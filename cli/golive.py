"""Going live in visible steps: the cloud adapter's phases, what the council must do shown at
once and waited for (bounded and resumable), then the app checked from outside.

Cloud-neutral: the adapter (stacks/<cloud>/cloud.py) names the phases and answers the hooks
(`phase_done`, `after_phase`, `smoke_target`, `diagnose`); this module runs them, prints, writes
the records file and keeps the clock. A wait that runs out ends `up` with exit code 3 and says
how to continue; nothing is undone, so the next `up` carries on where this one stopped.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from councilkit.blueprints.errors import UserError
from councilkit.blueprints.model import SmokeRequest
from councilkit.stacks.cloud import CouncilAction, GoLive, Phase, SmokeTarget

from .safe_io import write_atomically
from .smoke import HEALTH_WHY, Result, first_failure, site_of
from .smoke import healthy  # noqa: F401 — the codes syntax lives in cli/smoke.py; older callers import it here
from .smoke import run as run_smoke

WAITING_EXIT = 3
"""`up`'s exit code while it waits on the council (records not visible yet, an image to push)."""
DNS_RECORDS_FILE = "DNS-RECORDS.md"
ROOT_STACK = "pulumi:pulumi:Stack"


@dataclass
class Clock:
    """Time as the waits see it (tests replace `now` and `sleep` so waits are instant)."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


CLOCK = Clock()


class Waiting(Exception):
    """`up` stopped to let the council act; the message says what, where and how to go on."""


# --- which URNs a targeted phase names ---------------------------------------------------------


def _provider_urn(reference: str) -> str:
    """A provider reference is `<provider URN>::<provider id>` (pulumi sdk providers.ParseReference
    splits at the last `::`)."""
    return reference.rpartition("::")[0] if reference else ""


def targets(plan, types: tuple[str, ...]) -> list[str]:
    """The URNs a `--target` update of `types` must list so the engine creates them on a stack
    where nothing exists yet.

    pulumi pkg/resource/deploy/step_generator.go: an untargeted resource that does not exist is
    a "skipped create", and a targeted step whose parent, dependency or property dependency
    (`State.GetAllDependencies`, pkg/resource/state.go) is a skipped create fails the update
    ("untargeted create"). So the resources of `types` (a component type: everything under it)
    come with their ancestors and everything they depend on, transitively. Providers and the
    root stack are implicitly targeted (`isImplicitlyTargetedResource`, pulumi issues 13557 and
    13591); the provider is listed anyway, which older CLIs need and newer ones accept. The
    rest of the program still runs: a skipped create comes back to it as unknown (step.go,
    SameStep.Apply: `RegisterResult{..., Unknown: s.skippedCreate}`) and nothing is created.
    `target_dependents` stays off: the certificate's dependents (its validation, the listener)
    are exactly what a phase must not wait for.
    """
    index = plan.by_urn()

    def chosen(r) -> bool:
        seen, node = set(), r
        while node is not None and node.urn not in seen:
            if node.type in types:
                return True
            seen.add(node.urn)
            node = index.get(node.parent)
        return False

    todo = [r.urn for r in plan.resources if chosen(r)]
    found: set[str] = set()
    while todo:
        urn = todo.pop()
        if urn in found or urn not in index:
            continue
        found.add(urn)
        r = index[urn]
        todo += [r.parent, *r.dependencies, _provider_urn(r.provider)]
        for deps in r.property_dependencies.values():
            todo += deps
    return sorted(u for u in found if index[u].type != ROOT_STACK)


# --- what the council must do ------------------------------------------------------------------


def records_text(d, action: CouncilAction) -> str:
    rows = "\n".join(f"| {r.type} | `{r.name}` | `{r.value}` | {r.purpose} |" for r in action.records)
    return (
        f"# DNS records for {d.domain}\n\n"
        f"Stack {d.stack_name} ({d.blueprint.app.name} for {d.council}). Create these records exactly\n"
        "at the council's DNS provider, then run `councilkit up` in this folder again: it carries on\n"
        "where it stopped.\n\n"
        f"{action.what}\n\n| Type | Name | Value | For |\n| --- | --- | --- | --- |\n{rows}\n"
    )


def write_records(live: GoLive, action: CouncilAction) -> Path:
    path = live.folder / DNS_RECORDS_FILE
    write_atomically(path, records_text(live.deployment, action))
    return path


def await_council(live: GoLive, action: CouncilAction, wait_seconds: float) -> None:
    """Show what the council must do, write the records file, then poll until done or the wait
    runs out (0: check once). Raises Waiting when it is not done yet."""
    console = live.console
    console.print(f"[bold]{action.what}[/]")
    for r in action.records:
        console.print(f"  {r.type} {r.name} {r.value}", soft_wrap=True, markup=False, highlight=False)
    for command in action.commands:
        console.print(f"  {command}", soft_wrap=True, markup=False, highlight=False)
    where = ""
    if action.records:
        path = write_records(live, action)
        where = f"; the records are in {path}"
        console.print(f"written to {path}", soft_wrap=True)
    again = f"run `councilkit up {live.folder}` again to continue"
    if action.check is None:
        raise Waiting(f"{action.pending}{where}; {again}")
    deadline = CLOCK.now() + wait_seconds
    with console.status(f"waiting for {live.deployment.domain} (up to {wait_seconds / 60:g} min)") as status:
        while True:
            done, state = action.check()
            if done:
                console.print(f"[green]done:[/] {state}")
                return
            left = deadline - CLOCK.now()
            if left <= 0:
                break
            status.update(f"{state}; checking again in {min(action.every_seconds, left):.0f} s "
                          f"({left / 60:.0f} min left of the wait)")
            CLOCK.sleep(min(action.every_seconds, left))
    raise Waiting(f"{action.pending} after {wait_seconds / 60:g} min{where}; DNS changes can take a while "
                  f"to be seen; once they are published, {again}")


# --- the app, checked from outside -------------------------------------------------------------


def addresses(host: str) -> set[str]:
    try:
        return {info[4][0] for info in socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)}
    except (socket.gaierror, UnicodeError):
        return set()


RESOLVE: Callable[[str], set[str]] = addresses


def points_at(domain: str, via: str) -> bool:
    """Whether the domain already reaches the load balancer: it resolves to one of its addresses."""
    mine = RESOLVE(domain)
    return bool(mine) and bool(mine & RESOLVE(via))


def route(target: SmokeTarget, console) -> str:
    """The address to connect to: "" once the domain points at the site, else the target's own
    (`via`), saying so and naming the record the council must create."""
    domain = urlsplit(target.url).hostname or ""
    if not target.via or points_at(domain, target.via):
        return ""
    if target.record:
        r = target.record
        console.print(f"DNS for {domain} does not point at {target.via} yet: create "
                      f"{r.type} {r.name} -> {r.value}", soft_wrap=True)
    console.print(f"checking through {target.via} with Host {domain} meanwhile", soft_wrap=True)
    return target.via


def smoke_requests(target: SmokeTarget, blueprint, install_due: bool = False) -> list[SmokeRequest]:
    """The blueprint's smoke, or the target's health check (the web health path and codes) for a
    blueprint without one, and on a first deploy whose install step has not run yet: `up`
    prints the install commands and does not run them, and an uninstalled app cannot pass a
    check that proves it is installed."""
    if blueprint.smoke and not install_due:
        return list(blueprint.smoke)
    parts = urlsplit(target.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return [SmokeRequest(path=path, status=target.healthy_codes, why=HEALTH_WHY)]


def failure_message(failed: Result, within: float) -> str:
    r = failed.request
    text = f" with {r.contains!r}" if r.contains else ""
    return (f"{failed.url} did not answer {r.status}{text} within {within:.0f} s (last: {failed.detail}); "
            f"this request checks that {r.why}; what is failing is above")


def smoke(cloud, live: GoLive, values: Mapping[str, Any], install_due: bool = False) -> None:
    """The blueprint's smoke check (cli/smoke.py) at the adapter's target; a failure is
    explained (`Cloud.diagnose`) and ends in one error naming the request and what it proves."""
    target: SmokeTarget | None = cloud.smoke_target(live, values)
    if target is None:
        return
    console = live.console
    via = route(target, console)
    requests = smoke_requests(target, live.deployment.blueprint, install_due)
    if install_due and live.deployment.blueprint.smoke:
        console.print(f"the blueprint's smoke check needs its install step: run the install steps "
                      f"printed below, then `councilkit check {live.folder}`", soft_wrap=True)
    site = site_of(target.url)
    with console.status(f"checking {site}") as status:
        def waiting(result: Result, pause: float) -> None:
            status.update(f"{result.url}: {result.detail}; again in {pause:.0f} s")

        results = run_smoke(requests, site, via=via, within=target.within_seconds, every=target.every_seconds,
                            clock=CLOCK, waiting=waiting)
    for result in results:
        console.print(result.line(), soft_wrap=True, markup=False, highlight=False)
    failed = first_failure(results)
    if failed is not None:
        explain(cloud, live, values)
        raise UserError(failure_message(failed, target.within_seconds))


def explain(cloud, live: GoLive, values: Mapping[str, Any]) -> None:
    lines = cloud.diagnose(live, values)
    if lines:
        live.console.print("[bold]what is failing:[/]")
        for line in lines:
            live.console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)


# --- who logs in ---------------------------------------------------------------------------------


def admin_login(d) -> list[str]:
    """The first admin's user name (the web container's `*_ADMIN_USER`-style env) and which
    generated secret holds the password (its `*ADMIN*PASSWORD` secret env)."""
    import re

    web = d.blueprint.web
    user = next(((k, v) for k, v in sorted(web.env.items())
                 if re.search(r"ADMIN_?(USER|LOGIN)(_?(NAME|ID))?$", k)), None)
    secret = next((v for k, v in sorted(web.secret_env.items()) if "ADMIN" in k and "PASSWORD" in k), None)
    lines = []
    if user:
        lines.append(f"admin user: {user[1]} (from {user[0]})")
    if secret:
        lines.append(f"admin password: the `{secret}` secret (where it is kept: admin credentials below)")
    return lines


# --- the phases ------------------------------------------------------------------------------


def run_phases(cloud, phases: list[Phase], live: GoLive, plan, update: Callable, *, wait_seconds: float,
               install_due: bool = False):
    """Run each phase: a targeted one first asks the adapter whether it is already done; after
    each, the adapter's work or the council's action; after a `smoke` phase, the outside check
    (`install_due`: a first deploy whose install steps `up` prints but does not run).
    `update(phase, urns)` runs the Pulumi update (urns None: the whole stack) and returns its
    result. Returns the last result (None if every phase was skipped)."""
    from .automation import plain_outputs

    console = live.console
    result = None
    for phase in phases:
        if phase.target_types is not None:
            urns = targets(plan, phase.target_types) if plan is not None else []
            if not urns:
                continue
            console.print(f"phase {phase.name}: {phase.description}"
                          + (f" (waits for {phase.waits_for})" if phase.waits_for else ""))
            done = cloud.phase_done(phase, live)
            if done:
                console.print(f"phase {phase.name}: nothing to do, {done}")
                continue
            update(phase, urns)
        else:
            try:
                result = update(phase, None)
            except UserError:
                if phase.smoke:
                    explain(cloud, live, {})
                raise
        action = cloud.after_phase(phase, live)
        if action is not None:
            await_council(live, action, wait_seconds)
        if phase.smoke:
            smoke(cloud, live, plain_outputs(result.outputs if result else {}), install_due)
            for line in admin_login(live.deployment):
                console.print(line)
            for line in cloud.live_notes(live):
                console.print(line, soft_wrap=True, markup=False, highlight=False)
    return result
