"""Azure: the phases of one app × tier trial, each a `councilkit` command a council runs.

create is `councilkit new`; plan is the offline plan with its deployability rules and mandatory
controls (what `up` checks first); up is `councilkit up` itself (cli/main.py, in this process),
so the go-live phases run as a council sees them (domain → image → identity → app), the suite
publishing the DNS records councilkit shows (azure_dns.py) and running the image build it asks
for; again is a second `up`, which must change nothing; destroy is `councilkit destroy`;
recreate is `new` + `up` with the same answers, which must succeed although the first Key Vault
is soft-deleted and a production destroy kept its Recovery Services vault (issue 12, defect 1);
purge is `destroy --delete-backups`, then what the first destroy kept, deleted with the commands
its RETIRED.md gives; leftovers asks Azure that nothing of the stack is left.
"""

from __future__ import annotations

import json
import os
import shlex
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from councilkit.blueprints.deployment import Deployment

from . import az as azcli
from .az import Az, Zone
from .azure_dns import Publisher
from .config import Options
from .steps import Outcome, StepFailed, smoke

PHASES = ("create", "plan", "up", "smoke", "again", "destroy", "recreate", "purge", "leftovers")
CLEANUP = ("destroy", "purge", "leftovers")
"""Run whenever `up` started: destroy, then destroy --delete-backups (so a production destroy's
kept vault goes too), then the look for leftovers."""
TIERS = ("trial", "production")
REGION = "uksouth"
ZONE = "a public Azure DNS zone in the subscription"


@dataclass(frozen=True)
class AzureContext:
    """What preflight found: the CLI bound to the subscription, the DNS zone, the account."""

    az: Az
    zone: Zone
    account: dict


def preflight(options: Options, context: Any = None) -> AzureContext:
    """councilkit's own checks for a real deploy (the pulumi CLI, the state passphrase), then the
    Azure CLI, the subscription it is signed in to, councilkit's credentials check and the DNS
    zone; each missing one is a UserError, one line, before anything is created."""
    from councilkit.cli import automation

    automation.require_pulumi_cli()
    automation.require_passphrase("passphrase")
    azcli.require_cli()
    subscription = azcli.parse_subscription(options.subscription)
    az = Az(subscription)
    account = az.account()
    # A service principal's deployments go to ARM_SUBSCRIPTION_ID (stacks/azure/credentials.py):
    # the same one the CLI's default was just checked to be.
    os.environ["ARM_SUBSCRIPTION_ID"] = subscription
    automation.require_cloud_credentials("azure")
    return AzureContext(az, az.zone(options.domain_suffix), account)


def billed_command(run) -> str:
    """Cost Management's figure for the run's council tag, a day or so later (every resource the
    stacks create carries `council`, stacks/tags.py)."""
    from councilkit.blueprints.deployment import slugify

    return (f"Cost analysis of the subscription (Azure portal, Cost Management), filtered by the tag "
            f"`council` = `{slugify(run.council)}`")


# --- one trial ---------------------------------------------------------------------------------


@dataclass
class Incarnation:
    """One `new` + `up` of the trial's answers: its folder, outputs, lifetime and DNS records."""

    folder: Path
    publisher: Publisher
    values: dict[str, Any] = field(default_factory=dict)
    started: float | None = None
    destroyed: float | None = None
    delete_backups: bool = False
    retired_kept: bool = False  # what its plain destroy kept was deleted afterwards (purge)
    built: bool = False


@dataclass
class AzureTrial:
    app: str
    tier: str
    options: Options
    context: AzureContext
    console: Any
    deployment: Deployment | None = None
    plan: Any = None
    values: dict[str, Any] = field(default_factory=dict)
    incarnations: list[Incarnation] = field(default_factory=list)
    deploy_started: float | None = None  # time.time() just before the first `up`
    destroyed_at: float | None = None

    @property
    def domain(self) -> str:
        return self.options.domain(self.app, self.tier)

    @property
    def current(self) -> Incarnation:
        return self.incarnations[-1]

    @property
    def folder(self) -> Path:
        return self.current.folder

    def hours_existed(self) -> float:
        now = time.time()
        return sum((i.destroyed or now) - i.started for i in self.incarnations if i.started) / 3600


def new_trial(app: str, tier: str, options: Options, context: AzureContext, console) -> AzureTrial:
    return AzureTrial(app, tier, options, context, console)


def councilkit(*args: str) -> int:
    """`councilkit ARGS` in this process, as a council runs it; its exit code. A UserError
    propagates (the phase reports its one line)."""
    from councilkit.cli.main import cli

    try:
        rv = cli.main(args=list(args), prog_name="councilkit", standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return rv if isinstance(rv, int) else 0


def _new(t: AzureTrial, folder: Path) -> Incarnation:
    from councilkit.cli.newstack import new_stack

    o = t.options
    created = new_stack(t.app, cloud="azure", tier=t.tier, council=o.council, domain=t.domain,
                        contact=o.contact_email, region=o.region, expires="1d" if t.tier == "trial" else None,
                        folder=str(folder), backend=o.backend_url, blueprint_dirs=o.blueprint_dirs)
    t.deployment = created.deployment
    inc = Incarnation(created.path, Publisher(t.context.az, t.context.zone, created.path))
    t.incarnations.append(inc)
    return inc


def _outputs(t: AzureTrial, folder: Path) -> dict[str, Any]:
    from councilkit.cli import automation

    return automation.outputs(automation.prepare(folder, t.options.backend_url, cloud_credentials=False))


def _builds(d: Deployment) -> bool:
    return any(c.build for c in d.blueprint.containers)


def _records_visible(inc: Incarnation) -> bool:
    """Whether what the domain phase asked for is visible in DNS, as councilkit's own wait sees it
    (stacks/azure/golive.py `visible`): if not, an exit 3 was that wait running out, not the image."""
    from councilkit.stacks.azure.golive import visible
    from councilkit.stacks.outputs import DnsRecord

    records = inc.publisher.published
    return bool(records) and all(visible(DnsRecord(r.type, r.name, r.value)) for r in records)


def _deploy(t: AzureTrial, inc: Incarnation) -> list[str]:
    """`councilkit up` of the incarnation's folder, publishing its DNS records while it runs; when
    it stops for the image (exit 3), the build it printed, then `up` again."""
    from councilkit.cli.golive import WAITING_EXIT
    from councilkit.cli.stackdir import open_folder
    from councilkit.stacks.azure.golive import acr_build_command

    o = t.options
    d = open_folder(inc.folder).deployment()
    inc.started = inc.started or time.time()
    t.deploy_started = t.deploy_started or inc.started
    args = ("up", str(inc.folder), "--backend", o.backend_url, "--dns-wait", str(o.dns_wait_minutes))
    details: list[str] = []
    while True:
        with inc.publisher.running(o.poll_every):
            code = councilkit(*args)
        if code == WAITING_EXIT and not _records_visible(inc):
            raise StepFailed(f"`councilkit up` ran out of its {o.dns_wait_minutes} min DNS wait: the records are in zone "
                             f"{t.context.zone.name} but not visible from this machine yet; run the suite again later",
                             details + [f"DNS record published: {r.type} {r.name} -> {r.value}"
                                        for r in inc.publisher.published])
        if code == WAITING_EXIT and _builds(d) and not inc.built:
            command = acr_build_command(d, inc.folder)  # what `up` printed for the council to run
            t.context.az.command(command)
            inc.built = True
            details.append(f"image built as `up` asked, then `up` again: {command}")
            continue
        break
    details += [f"DNS record published: {r.type} {r.name} -> {r.value}" for r in inc.publisher.published]
    if inc.publisher.error:
        details.append(f"DNS records: {inc.publisher.error}")
    if code != 0:
        why = "waiting on the council, see above" if code == WAITING_EXIT else "why is above"
        raise StepFailed(f"`councilkit up {inc.folder}` stopped with exit code {code} ({why})", details)
    inc.values = t.values = _outputs(t, inc.folder)
    details += [f"DNS record published after up (from the stack's outputs): {r.type} {r.name}"
                for r in inc.publisher.outputs(inc.values)]
    return details


def _destroy(t: AzureTrial, delete_backups: bool) -> Outcome:
    from councilkit.cli.retire import MACHINE

    inc = t.current
    args = ["destroy", str(inc.folder), "--backend", t.options.backend_url, "--yes"]
    try:
        code = councilkit(*args, *(["--delete-backups"] if delete_backups else []))
    finally:
        inc.destroyed = t.destroyed_at = time.time()
        inc.delete_backups = inc.delete_backups or delete_backups
        not_deleted = inc.publisher.unpublish()
    if code != 0:
        raise StepFailed(f"`councilkit destroy {inc.folder}` stopped with exit code {code} (why is above)", not_deleted)
    rec = json.loads((inc.folder / MACHINE).read_text())
    details = [f"kept: {k['what']}: {k['identifier']} ({k['until']})" for k in rec["kept"]] + not_deleted
    flag = " --delete-backups" if delete_backups else ""
    return (f"`councilkit destroy{flag}`: stack {rec['stack']} destroyed, {len(rec['deleted'])} resources deleted, "
            f"{len(rec['kept'])} kept"), details


# --- the phases ----------------------------------------------------------------------------------


def create(t: AzureTrial) -> Outcome:
    inc = _new(t, t.options.run_dir / "stacks" / f"{t.app}-{t.tier}")
    d = t.deployment
    expiry = f", expires {d.expires_on}" if d.expires_on else ", never expires: destroyed by this run"
    return f"created {inc.folder} ({d.blueprint.ref}, {d.tier}{expiry})", []


def plan(t: AzureTrial) -> Outcome:
    from councilkit.cli import deployability_view, policy_view
    from councilkit.cli.planning import assess, deployability, plan_deployment
    from councilkit.cli.stackdir import open_folder

    d = open_folder(t.folder).deployment()
    planned = plan_deployment(d)
    checked = deployability(planned, d)
    if checked.violations:
        raise StepFailed(deployability_view.refusal(checked), [v.line() for v in checked.violations])
    report, cost = assess(planned, d)
    if report.mandatory_failures:
        raise StepFailed(policy_view.refusal(report))
    t.deployment, t.plan = d, planned
    return (f"{len(planned.resources)} resources planned; deployability rules and mandatory controls pass; "
            f"£{cost.total_gbp}/month estimated"), []


def up(t: AzureTrial) -> Outcome:
    details = _deploy(t, t.current)
    return f"deployed through the go-live phases, {t.values.get('url')}", details


def again(t: AzureTrial) -> Outcome:
    """A second `up` with nothing changed must change nothing: every update it ran (Pulumi's
    stack history, newest first: UpdateSummary.resource_changes) reports only `same`."""
    from councilkit.cli import automation

    o = t.options
    stack = automation.open_stack(automation.prepare(t.folder, o.backend_url, cloud_credentials=True), create=False)
    before = len(stack.history())
    code = councilkit("up", str(t.folder), "--backend", o.backend_url, "--dns-wait", str(o.dns_wait_minutes))
    if code != 0:
        raise StepFailed(f"the second `councilkit up` stopped with exit code {code} (why is above)")
    history = stack.history()
    runs = history[: len(history) - before]
    changed: Counter = Counter()
    same = 0
    for update in runs:
        for op, count in (update.resource_changes or {}).items():
            if op == "same":
                same += count
            elif count:
                changed[op] += count
    if changed:
        ops = ", ".join(f"{n} {op}" for op, n in sorted(changed.items()))
        raise StepFailed(f"the second `up` changed what the first made: {ops}")
    return f"second `up`: {len(runs)} update(s), nothing changed ({same} resources the same)", []


def destroy(t: AzureTrial) -> Outcome:
    return _destroy(t, delete_backups=False)


def recreate(t: AzureTrial) -> Outcome:
    first = t.current
    inc = _new(t, t.options.run_dir / "stacks" / f"{t.app}-{t.tier}-again")
    details = _deploy(t, inc)
    checked, _ = smoke(t)
    clashes = [k for k in ("key_vault", "backup_vault") if first.values.get(k) and first.values.get(k) == inc.values.get(k)]
    if clashes:
        raise StepFailed(f"the re-created stack reuses {', '.join(clashes)} {inc.values[clashes[0]]} of the destroyed one")
    was = f" (the destroyed {first.values['key_vault']} stays soft-deleted)" if first.values.get("key_vault") else ""
    return f"`new` + `up` with the same answers: Key Vault {inc.values.get('key_vault')}{was}; {checked}", details


# stacks/azure/cloud.py destroy_keeps: the file-share items to undelete and delete, one at a time,
# are the lines the `az backup item list ... --output tsv` before them printed.
EACH_ITEM = "<EACH_ITEM_LISTED>"


def _delete_kept(t: AzureTrial) -> list[str]:
    """What the plain destroy of an earlier incarnation kept (production: its Recovery Services
    vault and group), deleted with the commands its RETIRED.md gives, in order, as a council
    would; the Key Vault has none (it purges itself)."""
    from councilkit.cli.retire import MACHINE

    ran: list[str] = []
    for inc in t.incarnations[:-1]:
        if inc.delete_backups or not (inc.folder / MACHINE).is_file():
            continue
        for kept in json.loads((inc.folder / MACHINE).read_text())["kept"]:
            listed: list[str] = []
            for line in kept["delete"]:
                for one in [line.replace(EACH_ITEM, shlex.quote(item)) for item in listed] if EACH_ITEM in line else [line]:
                    out = t.context.az.command(one)
                    ran.append(f"ran, as {inc.folder.name}/RETIRED.md says: {one}")
                    if "--output tsv" in one:
                        listed = [x.strip() for x in out.splitlines() if x.strip()]
        inc.retired_kept = True
    return ran


def purge(t: AzureTrial) -> Outcome:
    """`destroy --delete-backups` of the stack, then what an earlier plain destroy kept."""
    message, details = _destroy(t, delete_backups=True)
    ran = _delete_kept(t)
    if ran:
        message += f"; then what the first destroy kept, with RETIRED.md's {len(ran)} command(s)"
    return message, details + ran


def _look(t: AzureTrial) -> tuple[list[str], list[str]]:
    """(what fails the run, what is reported) of what Azure still shows."""
    from councilkit.stacks.azure import names

    az, d = t.context.az, t.deployment
    fails: list[str] = []
    left: list[str] = []
    group = names.resource_group(d)
    if az.group_exists(group):
        fails.append(f"resource group {group} (the stack's own) was not deleted")
    kept_groups = []
    for inc in t.incarnations:
        backup = inc.values.get("backup_resource_group")
        if not backup or not az.group_exists(backup):
            continue
        if inc.delete_backups or inc.retired_kept:
            how = "--delete-backups" if inc.delete_backups else "the commands RETIRED.md gives"
            fails.append(f"resource group {backup} (its Recovery Services vault) was not deleted by {how}")
        else:  # a plain destroy keeps it by design; RETIRED.md in that folder has the commands
            kept_groups.append(backup.lower())
            left.append(f"resource group {backup} with Recovery Services vault {inc.values.get('backup_vault')}, kept by "
                        f"the plain destroy of {inc.folder.name} (by design): {inc.folder / 'RETIRED.md'} says how to delete it")
    for r in az.tagged(d.stack_name):
        rid = str(r.get("id", ""))
        if not any(f"/resourcegroups/{g}/" in rid.lower() for g in kept_groups):
            fails.append(f"tagged resource left: {rid}")
    vaults = {inc.values.get("key_vault") for inc in t.incarnations} - {None}
    for v in az.deleted_vaults():
        p = v.get("properties") or {}
        # by name from the outputs, or by its stack tag (an `up` that failed wrote no outputs)
        if v.get("name") in vaults or (p.get("tags") or {}).get("stack") == d.stack_name:
            left.append(f"Key Vault {v['name']} soft-deleted on {p.get('deletionDate')}, purged by Azure on "
                        f"{p.get('scheduledPurgeDate')}" + (" (purge protection: no one can purge it sooner)"
                                                             if p.get("purgeProtectionEnabled") else ""))
    fails += [f"DNS record {r.type} {r.name} -> {r.value} left in zone {t.context.zone.name}"
              for inc in t.incarnations for r in inc.publisher.published]
    return fails, left


def leftovers(t: AzureTrial) -> Outcome:
    """Nothing of the stack may be left: its resource group gone, nothing tagged with it, no DNS
    record of the suite's; Azure's deletions can lag, so a non-empty answer is asked again until
    `leftover_wait` seconds have passed. Soft-deleted Key Vaults and a plain destroy's kept vault
    are reported, not failed: they are what a destroy keeps by design."""
    o = t.options
    deadline = time.monotonic() + o.leftover_wait
    while True:
        fails, left = _look(t)
        if not fails or time.monotonic() >= deadline:
            break
        time.sleep(o.leftover_every)
    if fails:
        head = f"{len(fails)} left after destroy: {fails[0]}" + (f" (+{len(fails) - 1} more)" if len(fails) > 1 else "")
        raise StepFailed(head, fails + left)
    return (f"nothing of {t.deployment.stack_name} is left: its resource group is gone and nothing is tagged "
            f"stack={t.deployment.stack_name}"), left


STEPS = {"create": create, "plan": plan, "up": up, "smoke": smoke, "again": again, "destroy": destroy,
         "recreate": recreate, "purge": purge, "leftovers": leftovers}
