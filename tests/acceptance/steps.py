"""AWS: the phases of one app's trial, each through councilkit's own code paths.

create is `councilkit new` (cli/newstack.py), up and destroy are `councilkit up` / `destroy`
(cli/automation.py prepare, up, destroy, after the same policy check the CLI makes), upgrade is
`councilkit upgrade` (cli/upgrade.py). Each phase returns (one line, details) or raises: Skip
(reported, e.g. no newer blueprint), StepFailed, or whatever councilkit raised.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from councilkit.blueprints.deployment import Deployment

from . import aws
from .clients import Clients
from .config import Options
from .dns import CertificateValidation, Record, change
from .results import PHASES
from .smoke import NotHealthy, check, requests_for, summary

Outcome = tuple[str, list[str]]
CLEANUP = ("destroy", "leftovers")
TIERS = ("trial",)
REGION = "eu-west-2"
ZONE = "a Route 53 hosted zone this account owns"
billed_command = aws.billed_command


class Skip(Exception):
    """A phase that had nothing to do, with the reason (reported, never silent)."""


class StepFailed(Exception):
    def __init__(self, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.details = details or []


@dataclass
class Trial:
    """One app's trial through the run: what each phase learnt that a later one needs."""

    app: str
    options: Options
    clients: Clients
    zone: str
    console: Any
    folder: Path | None = None
    deployment: Deployment | None = None
    plan: Any = None
    values: dict[str, Any] = field(default_factory=dict)
    deploy_started: float | None = None  # time.time() just before the first `up`
    destroyed_at: float | None = None
    found: aws.Found = field(default_factory=aws.Found)
    records: list[Record] = field(default_factory=list)

    @property
    def domain(self) -> str:
        return self.options.domain(self.app)

    @property
    def comment(self) -> str:
        return f"councilkit acceptance run {self.options.run_id} ({self.app})"

    def hours_existed(self) -> float:
        return ((self.destroyed_at or time.time()) - (self.deploy_started or time.time())) / 3600


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


def new_trial(app: str, tier: str, options: Options, context: tuple[Clients, str], console) -> Trial:
    clients, zone = context
    return Trial(app, options, clients, zone, console)


def first_version(app: str, blueprint_dirs: tuple) -> str:
    """`app@<previous version>` when the catalogue has two or more, so the upgrade phase has a
    newer one to move to (as a council's stack would); else the app's only version."""
    from councilkit.blueprints.loader import discover

    versions = list(discover(tuple(blueprint_dirs)).get(app, {}))
    return f"{app}@{versions[-2]}" if len(versions) > 1 else app


def create(t: Trial) -> Outcome:
    from councilkit.cli.newstack import new_stack

    o = t.options
    created = new_stack(
        first_version(t.app, o.blueprint_dirs), cloud="aws", tier="trial", council=o.council, domain=t.domain, contact=o.contact_email,
        region=o.region, expires="1d", folder=str(o.run_dir / "stacks" / t.app), backend=o.backend_url,
        blueprint_dirs=o.blueprint_dirs,
    )
    t.folder, t.deployment = created.path, created.deployment
    d = created.deployment
    # expires-on tomorrow: if this run dies, `councilkit reap` destroys the trial after a day.
    return f"{created.status} {created.path} ({d.blueprint.ref}, expires {d.expires_on})", []


def _deploy(t: Trial) -> list[str]:
    """`councilkit up` of the folder; on the first, plays DNS admin while it waits."""
    from councilkit.cli import automation, one_off, policy_view
    from councilkit.cli.planning import assess, plan_deployment

    o = t.options
    session = automation.prepare(t.folder, o.backend_url, cloud_credentials=True, deploying=True)
    d = session.deployment
    plan = plan_deployment(d)
    report, _ = assess(plan, d)
    if report.mandatory_failures:
        raise StepFailed(policy_view.refusal(report))
    t.deployment, t.plan = d, plan
    first = t.deploy_started is None
    if first:
        t.deploy_started = time.time()
    validation = CertificateValidation(t.clients.acm, t.clients.route53, t.zone, d.domain, t.comment)
    details: list[str] = []
    try:
        if first:
            with validation.running(o.poll_every):
                values, previous = automation.up(session, t.console, total=len(plan.resources), plan=plan)
        else:
            values, previous = automation.up(session, t.console, total=len(plan.resources), plan=plan)
    except BaseException:
        if first:  # what a failed `up` did create is checked by name after the destroy too
            with contextlib.suppress(Exception):
                t.found = aws.stack_resources(t.clients.tagging, d)
        raise
    finally:
        t.records += [r for r in validation.created if r not in t.records]
        if validation.error:
            details.append(f"DNS validation records: {validation.error}")
    t.values = values
    target = values.get("load_balancer_dns")  # the AWS stack's detail output (stacks/aws/stack.py)
    if target:
        record = Record(f"{d.domain}.", "CNAME", target)
        if record not in t.records:
            change(t.clients.route53, t.zone, "UPSERT", [record], t.comment)
            t.records.append(record)
    if first:
        t.found = aws.stack_resources(t.clients.tagging, d)
    steps = one_off.instructions(d.cloud, values, previous, d.blueprint.ref, d.region)
    if steps:
        details.append(f"{len(steps) - 1} one-off step(s) printed by `up`, not run by the suite: {steps[0]}")
    return details


def up(t: Trial) -> Outcome:
    details = _deploy(t)
    return f"{len(t.plan.resources)} planned resources deployed, {t.values.get('url')}", details


def smoke(t: Trial) -> Outcome:
    """The blueprint's smoke requests at the trial's URL (councilkit's engine, cli/smoke.py)."""
    o, d = t.options, t.deployment
    base = str(t.values.get("url") or f"https://{d.domain}").rstrip("/")
    requests, note = requests_for(d.blueprint)
    try:
        results = check(base, requests, o.smoke_timeout, o.poll_every)
    except NotHealthy as exc:
        raise StepFailed(str(exc), [r.line() for r in exc.results] + ([note] if note else [])) from None
    return summary(results), [r.line() for r in results] + ([note] if note else [])


def upgrade(t: Trial) -> Outcome:
    from councilkit.cli.stackdir import open_folder, rendered_names, write
    from councilkit.cli.upgrade import prepare_upgrade

    folder = open_folder(t.folder)
    u = prepare_upgrade(folder, None, t.options.blueprint_dirs)
    if u is None:
        raise Skip(f"no newer blueprint than {folder.lock.ref} in the catalogue")
    write(folder.path, u.rendered, stale=rendered_names(folder))
    details = _deploy(t)
    checked, _ = smoke(t)
    return f"{u.current.blueprint.ref} -> {u.target.blueprint.ref}; {checked}", details


def backup(t: Trial) -> Outcome:
    d = t.deployment
    if d.blueprint.database is None:
        raise Skip(f"{d.blueprint.ref} has no database")
    instance = t.found.db_instance
    if instance is None:
        raise StepFailed(f"no RDS instance tagged council={d.council_slug} app={d.app_id} after up")
    snapshot = aws.snapshot_id(t.options.run_id, t.app)
    aws.snapshot_and_delete(t.clients.rds, instance, snapshot, d.tags, t.options.snapshot_waiter)
    return f"snapshot {snapshot} of {instance} available, then deleted", []


def destroy(t: Trial) -> Outcome:
    from councilkit.cli import automation
    from councilkit.cli.commands.lifecycle_cmd import protected_urns

    details: list[str] = []
    try:
        session = automation.prepare(t.folder, t.options.backend_url, cloud_credentials=True)
        automation.destroy(session, t.console, protected_urns(session.deployment))
    finally:
        t.destroyed_at = time.time()
        try:
            change(t.clients.route53, t.zone, "DELETE", t.records, t.comment)
            details += [f"Route 53 record deleted: {r.type} {r.name}" for r in t.records]
            t.records = []
        except Exception as exc:  # reported by leftovers, with the records still to delete
            details.append(f"Route 53 records not deleted ({type(exc).__name__}: {exc})")
    return f"stack {t.deployment.stack_name} destroyed", details


def leftovers(t: Trial) -> Outcome:
    from councilkit.stacks.aws.settings import final_snapshot_id

    o, d = t.options, t.deployment
    arns = aws.leftovers(t.clients.tagging, d, o.leftover_wait, o.leftover_every)
    untagged = aws.untagged_leftovers(t.clients, d, t.found, t.values.get("cluster"), final_snapshot_id(d))
    left = untagged.left
    fails = [f"tagged resource left: {arn}" for arn in arns] + untagged.fails + [
        f"Route 53 record {r.type} {r.name} -> {r.value} left in zone {t.zone}" for r in t.records]
    if fails:
        head = f"{len(fails)} left after destroy: {fails[0]}" + (f" (+{len(fails) - 1} more)" if len(fails) > 1 else "")
        raise StepFailed(head, fails + left)
    return f"nothing tagged council={d.council_slug} app={d.app_id} is left", left


STEPS = {"create": create, "up": up, "smoke": smoke, "upgrade": upgrade, "backup": backup,
         "destroy": destroy, "leftovers": leftovers}
