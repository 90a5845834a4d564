"""Going live on Azure: what `up` does around its phases (domain, image, identity, app).

A first `up` used to run the whole stack at once, so it could not finish until the council had
published `asuid.<domain>` and the CNAME (Azure checks them when the domain is put on the web
app), nothing was written when it failed, the apps of a council-built image were created
against an empty registry (MANIFEST_UNKNOWN), and Key Vault references were resolved by apps
created seconds after their role assignment. Here:

- domain: the environment (and in production Front Door's endpoint) first; the records read
  from the state, printed and written to DNS-RECORDS.md, then DNS polled until they are seen.
- image: the registry first, then the image built in it with ACR Tasks (`az acr build`).
- identity: the identity, Key Vault, its secrets and role assignments, then a bounded wait for
  the role assignments to take effect before any app resolves a reference.

No Azure SDK is imported: DNS is read with dnspython through the machine's own resolver (the
standard library cannot read TXT records: getaddrinfo gives addresses only), so no lookup of a
council's domain goes to a third-party service; the image is built and checked with the Azure CLI
the council already signs in with.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from councilkit.blueprints.lock import IMAGE_DIR
from councilkit.stacks.cloud import CouncilAction, GoLive, SmokeTarget
from councilkit.stacks.outputs import DnsRecord

from . import names

ENVIRONMENT = "azure-native:app:ManagedEnvironment"
AFD_ENDPOINT = "azure-native:cdn:AFDEndpoint"
REGISTRY = "azure-native:containerregistry:Registry"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
SECRET = "azure-native:keyvault:Secret"

DNS_POLL_SECONDS = 60.0
# learn.microsoft.com/azure/role-based-access-control/troubleshooting, "Symptom - Role assignment
# changes are not being detected": "When you assign roles or remove role assignments, it can take
# up to 10 minutes for changes to take effect."
ROLE_PROPAGATION_SECONDS = 600.0
PROGRESS_SECONDS = 30.0


@dataclass
class Clock:
    """Wall-clock time (compared with the role assignments' `createdOn`); tests replace it."""

    now: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep


CLOCK = Clock()
RUN: Callable[..., subprocess.CompletedProcess] = subprocess.run
"""How the Azure CLI is run (tests replace it)."""


def _outputs(resource: dict | None) -> Mapping[str, Any]:
    return (resource or {}).get("outputs") or {}


def _one(live: GoLive, type_: str) -> dict | None:
    found = live.resources_of(type_)
    return found[0] if found else None


# --- DNS ---------------------------------------------------------------------------------------


def _dnspython(name: str, rtype: str) -> list[str]:
    import dns.exception
    import dns.resolver

    try:
        answer = dns.resolver.resolve(name, rtype)
    except dns.exception.DNSException:
        return []
    if rtype == "TXT":
        return [b"".join(r.strings).decode() for r in answer]
    return [r.target.to_text() for r in answer]


def lookup(name: str, rtype: str) -> list[str]:
    """The values published for `name` (TXT or CNAME), as this machine's resolver sees them;
    [] when none can be read (not visible yet)."""
    return _dnspython(name, rtype)


LOOKUP: Callable[[str, str], list[str]] = lookup


def _same(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return s.strip().strip('"').rstrip(".").lower()

    return norm(a) == norm(b)


def visible(record: DnsRecord) -> bool:
    return any(_same(v, record.value) for v in LOOKUP(record.name, record.type))


# --- domain ------------------------------------------------------------------------------------


def web_fqdn(d, environment: Mapping[str, Any]) -> str:
    """`<web app>.<environment default domain>`: the web app's own address (stack.py web_fqdn)."""
    domain = environment.get("defaultDomain")
    return f"{names.container_app(d, d.blueprint.web.name)}.{domain}" if domain else ""


def domain_records(live: GoLive) -> list[DnsRecord]:
    """What the domain needs, read from the state. Trial: TXT `asuid.<domain>` = the
    environment's `customDomainConfiguration.customDomainVerificationId` (Container Apps REST
    API, CustomDomainConfiguration: "Id used to verify domain name ownership") and the CNAME to
    the web app's address. Production: the CNAME to Front Door's endpoint only (Front Door's
    `_dnsauth` TXT is known once its custom domain exists: a stack output)."""
    d = live.deployment
    env = _outputs(_one(live, ENVIRONMENT))
    verification = (env.get("customDomainConfiguration") or {}).get("customDomainVerificationId") or ""
    records = []
    # Production binds no domain on the web app (Front Door holds it: edge.py), so no asuid.
    if verification and not d.production:
        records.append(DnsRecord("TXT", f"asuid.{d.domain}", verification,
                                 "proves the domain is the council's, so Container Apps puts it on the web app"))
    if d.production:
        target = _outputs(_one(live, AFD_ENDPOINT)).get("hostName") or ""
        purpose = "sends users to Front Door"
    else:
        target = web_fqdn(d, env)
        purpose = "sends users to the web app; its managed certificate validates by this CNAME"
    if target:
        records.append(DnsRecord("CNAME", d.domain, target, purpose))
    return records


def check_records(records: list[DnsRecord]) -> tuple[bool, str]:
    seen = {f"{r.type} {r.name}": visible(r) for r in records}
    missing = [k for k, ok in seen.items() if not ok]
    if not missing:
        return True, "every record is visible in DNS"
    return False, "not visible yet: " + ", ".join(missing)


def _expected(d) -> int:
    return 1 if d.production else 2


def domain_done(live: GoLive) -> str | None:
    records = domain_records(live)
    if len(records) < _expected(live.deployment) or not check_records(records)[0]:
        return None
    return f"the records for {live.deployment.domain} are already visible in DNS"


def domain_action(live: GoLive) -> CouncilAction:
    from councilkit.blueprints.errors import UserError

    d = live.deployment
    records = domain_records(live)
    if len(records) < _expected(d):
        raise UserError(f"the domain phase of {d.stack_name} left no Container Apps environment"
                        + (" or Front Door endpoint" if d.production else "") + " in the state; run `councilkit up` again")
    return CouncilAction(
        what=f"publish these DNS records for {d.domain} at the council's DNS provider; "
             + ("the CNAME sends users to Front Door:" if d.production
                else "Azure checks them before it puts the domain on the web app:"),
        records=records,
        check=lambda: check_records(records),
        every_seconds=DNS_POLL_SECONDS,
        pending=f"the DNS records for {d.domain} are not visible yet",
    )


# --- image -------------------------------------------------------------------------------------


def _build(d):
    return next((c.build for c in d.blueprint.containers if c.build), None)


def image_name(d) -> str:
    """`<repository>:<tag>` inside the registry (registry.py: repository = the app id)."""
    return f"{d.app_id}:{_build(d).tag}"


def acr_build_command(d, folder) -> str:
    """ACR Tasks quick build (`az acr build`: --registry, --image, --build-arg, then the source
    folder holding the Dockerfile; github/awesome-copilot azure-container-registry-cli
    references/build-and-tasks.md), with the blueprint's base image and build args. A Dockerfile
    not named `Dockerfile` is named with --file, "the relative path of the docker file to the
    source code root folder. Default to 'Dockerfile'" (azure-cli acr `_params.py`)."""
    build = _build(d)
    args = {"BASE_IMAGE": build.base, **build.args}
    dockerfile = [] if build.dockerfile == "Dockerfile" else ["--file", build.dockerfile]
    return shlex.join(["az", "acr", "build", "--registry", names.registry(d), "--image", image_name(d),
                       *[x for k, v in args.items() for x in ("--build-arg", f"{k}={v}")], *dockerfile,
                       str(folder / IMAGE_DIR)])


def image_present(d) -> bool | None:
    """Whether the image is in the registry (`az acr repository show --name R --image repo:tag`
    exits 0 only when it is); None when the Azure CLI is not installed here."""
    if shutil.which("az") is None:
        return None
    done = RUN(["az", "acr", "repository", "show", "--name", names.registry(d), "--image", image_name(d),
                "--output", "none"], capture_output=True, text=True)
    return done.returncode == 0


def image_done(live: GoLive) -> str | None:
    d = live.deployment
    if _build(d) is None or not live.resources_of(REGISTRY) or not image_present(d):
        return None
    return f"image {names.registry(d).lower()}.azurecr.io/{image_name(d)} is already in the registry"


def image_action(live: GoLive) -> CouncilAction | None:
    """councilkit holds no Azure SDK client to queue the build itself (azure-mgmt-containerregistry
    15 dropped `schedule_run`; ACR Tasks moved to azure-mgmt-containerregistrytasks, 1.0.0b1, a
    beta), so the council runs the quick build; the next `up` finds the image and goes on."""
    d = live.deployment
    if _build(d) is None:
        return None
    image = f"{names.registry(d).lower()}.azurecr.io/{image_name(d)}"
    return CouncilAction(
        what=("build the app's image in the new registry with ACR Tasks (Azure CLI, signed in; no Docker "
              "needed), then run `councilkit up` again:"),
        commands=[acr_build_command(d, live.folder)],
        pending=f"image {image} is not in the registry yet",
    )


# --- identity ----------------------------------------------------------------------------------


def _created(raw: Any) -> float | None:
    """`createdOn` (e.g. 2026-12-02T16:16:03.1234567Z) as seconds since the epoch."""
    if not isinstance(raw, str):
        return None
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)", raw)
    if not m:
        return None
    return datetime.fromisoformat(m.group(1)).replace(tzinfo=timezone.utc).timestamp()


def propagation_left(live: GoLive) -> float:
    """Seconds until the newest role assignment is ROLE_PROPAGATION_SECONDS old (one without a
    `createdOn` counts as made now)."""
    now = CLOCK.now()
    made = [_created(_outputs(r).get("createdOn")) for r in live.resources_of(ROLE_ASSIGNMENT)]
    if not made:
        return ROLE_PROPAGATION_SECONDS
    newest = max(now if m is None else m for m in made)
    return max(0.0, newest + ROLE_PROPAGATION_SECONDS - now)


def identity_done(live: GoLive) -> str | None:
    if not live.resources_of(ROLE_ASSIGNMENT) or not live.resources_of(SECRET):
        return None
    if propagation_left(live) > 0:
        return None
    return "the Key Vault secrets exist and the role assignments are over 10 minutes old"


def wait_for_roles(live: GoLive) -> None:
    """Wait, visibly and at most ROLE_PROPAGATION_SECONDS, until the role assignments can be
    relied on; Container Apps resolves every Key Vault reference when an app is created."""
    left = propagation_left(live)
    if left <= 0:
        return
    console = live.console
    console.print(f"waiting up to {left / 60:.0f} min for the role assignments to take effect "
                  "(Azure: up to 10 minutes) before the apps read Key Vault")
    deadline = CLOCK.now() + left
    with console.status("role assignments propagating") as status:
        while (left := deadline - CLOCK.now()) > 0:
            status.update(f"role assignments propagating: {left / 60:.1f} min left")
            CLOCK.sleep(min(PROGRESS_SECONDS, left))
    console.print("role assignments: in effect")


# --- the app -----------------------------------------------------------------------------------


def smoke_target(live: GoLive, values: Mapping[str, Any]) -> SmokeTarget:
    """GET https://<domain><web health path>, through the web app (trial) or Front Door
    (production) while the domain does not point there yet."""
    d = live.deployment
    if d.production:
        via = values.get("front_door_endpoint") or _outputs(_one(live, AFD_ENDPOINT)).get("hostName", "")
    else:
        via = values.get("web_fqdn") or web_fqdn(d, _outputs(_one(live, ENVIRONMENT)))
    return SmokeTarget.for_site(d, via)


# --- what is failing ---------------------------------------------------------------------------
# Commands and flags: learn.microsoft.com/cli/azure/containerapp/revision, .../replica (`replica
# list --revision`) and .../logs (`logs show [--type {console, system}] [--tail] [--format {json,
# text}]`). Fields: the Container Apps REST API's Revision (provisioningState, runningState,
# healthState, replicas, provisioningError, createdTime) and Replica (runningState,
# runningStateDetails, containers[].ready/restartCount/runningStateDetails). System log lines are
# JSON objects with Type, Reason, Msg, RevisionName (learn.microsoft.com/azure/container-apps/
# log-streaming); azure-cli prints the log stream line by line as the service sends it.

LOG_TAIL = 20


def _az_lines(d, values: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The web app's `--name/--resource-group` and the commands diagnose runs (revision list,
    system log, console log), each as argv, so the same ones can be printed to run by hand."""
    group = str(values.get("resource_group") or names.resource_group(d))
    app = names.container_app(d, d.blueprint.web.name)
    where = ["--name", app, "--resource-group", group]
    return where, [["az", "containerapp", "revision", "list", *where, "--output", "json"],
                   ["az", "containerapp", "logs", "show", *where, "--type", "system", "--tail", str(LOG_TAIL),
                    "--format", "json"],
                   ["az", "containerapp", "logs", "show", *where, "--type", "console", "--tail", str(LOG_TAIL),
                    "--format", "text"]]


AZ_TIMEOUT_SECONDS = 120.0


def _az(argv: list[str]) -> tuple[bool, str]:
    """(exit 0, its output or its error); an `az` that hangs is a failed read, not a hung `up`."""
    try:
        done = RUN(argv, capture_output=True, text=True, timeout=AZ_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return False, f"`{shlex.join(argv)}` did not answer within {AZ_TIMEOUT_SECONDS:.0f} s"
    return done.returncode == 0, (done.stdout if done.returncode == 0 else (done.stderr or done.stdout)).strip()


def _json(text: str) -> Any:
    import json

    try:
        return json.loads(text)
    except ValueError:
        return None


def _latest(revisions: Any) -> dict | None:
    found = [r for r in revisions if isinstance(r, dict)] if isinstance(revisions, list) else []
    return max(found, key=lambda r: str((r.get("properties") or {}).get("createdTime") or ""), default=None)


def _revision_lines(rev: dict) -> list[str]:
    p = rev.get("properties") or {}
    lines = [f"latest revision {rev.get('name')}: provisioning {p.get('provisioningState', 'unknown')}, "
             f"running {p.get('runningState', 'unknown')}, health {p.get('healthState', 'unknown')}, "
             f"{p.get('replicas', 0)} replica(s), {p.get('trafficWeight', 0)}% of traffic."]
    if p.get("provisioningError"):
        error = str(p["provisioningError"])
        lines.append(f"revision {rev.get('name')} failed to provision: {error}")
        if re.search(r"key ?vault|secret", error, re.I):
            lines.append("a Key Vault reference could not be resolved: check that the app's identity has the Key "
                         "Vault Secrets User role (it can take 10 minutes to apply) and that the secret exists.")
    return lines


def _replica_lines(replicas: Any) -> list[str]:
    lines = []
    for r in replicas if isinstance(replicas, list) else []:
        p = r.get("properties") or {}
        detail = f" ({p['runningStateDetails']})" if p.get("runningStateDetails") else ""
        lines.append(f"replica {r.get('name')}: {p.get('runningState', 'unknown')}{detail}.")
        for c in p.get("containers") or []:
            why = f": {c['runningStateDetails']}" if c.get("runningStateDetails") else ""
            lines.append(f"container {c.get('name')} in {r.get('name')}: {'ready' if c.get('ready') else 'not ready'}, "
                         f"restarted {c.get('restartCount', 0)} time(s){why}.")
    return lines or ["the latest revision has no replicas: the app is not running at all."]


def _system_lines(text: str) -> list[str]:
    lines = []
    for raw in text.splitlines():
        event = _json(raw)
        if not isinstance(event, dict) or not event.get("Msg"):
            continue
        if event.get("Type") == "Normal" and not re.search(r"key ?vault|secret", str(event["Msg"]), re.I):
            continue
        lines.append(f"system log {event.get('TimeStamp', '')}: {event.get('Reason') or event.get('Type')}: "
                     f"{event['Msg']}")
    return lines


def diagnose(live: GoLive, values: Mapping[str, Any]) -> list[str]:
    """The web app's latest revision and its replicas, the system log's warnings and the last
    LOG_TAIL console lines, read with the Azure CLI the council signs in with (no SDK here)."""
    d = live.deployment
    where, (revisions_cmd, system_cmd, console_cmd) = _az_lines(d, values)
    by_hand = "; ".join(shlex.join(c) for c in (revisions_cmd, system_cmd, console_cmd))
    if shutil.which("az") is None:
        return [f"the Azure CLI (az) is not installed here, so councilkit cannot read what is failing; run: {by_hand}"]
    signed_in, _ = _az(["az", "account", "show", "--output", "none"])
    if not signed_in:
        return [f"the Azure CLI is not signed in (run `az login`), so councilkit cannot read what is failing; "
                f"then run: {by_hand}"]
    lines: list[str] = []
    ok, out = _az(revisions_cmd)
    rev = _latest(_json(out)) if ok else None
    if not ok:
        lines.append(f"could not list the web app's revisions: {out.splitlines()[-1] if out else 'no output'}")
    elif rev is None:
        lines.append(f"the web app {where[1]} has no revision yet.")
    else:
        lines += _revision_lines(rev)
        ok, out = _az(["az", "containerapp", "replica", "list", *where, "--revision", str(rev.get("name")),
                       "--output", "json"])
        lines += _replica_lines(_json(out)) if ok else [f"could not list the replicas: {out or 'no output'}"]
    ok, out = _az(system_cmd)
    lines += _system_lines(out) if ok else [f"could not read the system log: {out or 'no output'}"]
    ok, out = _az(console_cmd)
    if ok:
        tail = [x for x in out.splitlines() if x.strip()][-LOG_TAIL:]
        lines += [f"the web container's last {len(tail)} log line(s):", *tail] if tail else \
            ["the web container has written no log lines."]
    else:
        lines.append(f"could not read the web container's log: {out or 'no output'}")
    return lines
