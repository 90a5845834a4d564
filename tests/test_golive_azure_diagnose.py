"""When an Azure `up` does not come up, it says what is failing, read with the Azure CLI.

The Azure CLI answers through a fake `RUN` with output of the documented shape: revisions and
replicas as the Container Apps REST API's Revision and Replica (learn.microsoft.com, arm-appcontainers
Revision/Replica/ReplicaContainer), system log lines as the JSON objects log streaming prints
(learn.microsoft.com/azure/container-apps/log-streaming), console lines as plain text.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from councilkit.blueprints.deployment import build_deployment
from councilkit.stacks.azure import golive as azure_golive
from councilkit.stacks.azure import names
from councilkit.stacks.cloud import CLOUDS, GoLive

DOMAIN = "files.borsetshire.gov.uk"
DEFAULT_DOMAIN = "wonderfulsea-1a2b3c4d.uksouth.azurecontainerapps.io"
FRONT_DOOR = "fd-borsetshire-abcdefgh.z01.azurefd.net"
KV_ERROR = ("Failed to provision revision for container app 'nextcloud-web'. Error details: The following field(s) "
            "are either invalid or missing. Field 'configuration.secrets' is invalid with details: 'Invalid value: "
            "\"db-password\": Unable to get value using Managed identity for secret db-password from Key Vault'")


def revision(name, created, state="Provisioned", running="Running", health="Healthy", replicas=1, error=None):
    props = {"active": True, "createdTime": created, "provisioningState": state, "runningState": running,
             "healthState": health, "replicas": replicas, "trafficWeight": 100}
    if error:
        props["provisioningError"] = error
    return {"id": f"/subscriptions/x/revisions/{name}", "name": name, "type": "Microsoft.App/containerapps/revisions",
            "properties": props}


REPLICAS = [{"name": "nextcloud-web--0000002-5f96557ffb-f795d", "type": "Microsoft.App/containerapps/revisions/replicas",
             "properties": {"createdTime": "2026-12-02T16:40:00+00:00", "runningState": "NotRunning",
                            "runningStateDetails": "Container 'web' is restarting",
                            "containers": [{"name": "web", "containerId": "containerd://1", "ready": False,
                                            "started": False, "restartCount": 4, "runningState": "Waiting",
                                            "runningStateDetails": "CrashLoopBackOff"}]}}]
SYSTEM = "\n".join(json.dumps(e) for e in [
    {"TimeStamp": "2026-12-02T16:40:01Z", "Type": "Normal", "ContainerAppName": None, "RevisionName": None,
     "ReplicaName": None, "Msg": "Connecting to the events collector...", "Reason": "StartingGettingEvents",
     "EventSource": "ContainerAppController", "Count": 1},
    {"TimeStamp": "2026-12-02 16:41:19 +0000 UTC", "Type": "Warning", "ContainerAppName": "nextcloud-web",
     "RevisionName": "nextcloud-web--0000002", "ReplicaName": "nextcloud-web--0000002-5f96557ffb-f795d",
     "Msg": "Container 'web' was terminated with exit code '1'", "Reason": "Error",
     "EventSource": "ContainerAppController", "Count": 3},
    {"TimeStamp": "2026-12-02 16:41:30 +0000 UTC", "Type": "Warning", "ContainerAppName": "nextcloud-web",
     "RevisionName": "nextcloud-web--0000002", "ReplicaName": None,
     "Msg": "Probe of StartUp failed with status code: 1", "Reason": "ProbeFailed",
     "EventSource": "ContainerAppController", "Count": 955}])
CONSOLE = "\n".join(f"2026-12-02T16:41:{i:02d}.72656  line {i}" for i in range(30))


class FakeAz:
    """Answers each `az` argv from a table keyed by its first words; records what was run."""

    def __init__(self, answers, signed_in=True):
        self.answers, self.signed_in, self.ran = answers, signed_in, []

    def __call__(self, argv, **kwargs):
        assert kwargs.get("capture_output") and kwargs.get("text"), "output is read, never shown raw"
        self.ran.append(argv)
        if argv[:3] == ["az", "account", "show"]:
            code = 0 if self.signed_in else 1
            return subprocess.CompletedProcess(argv, code, "", "" if code == 0 else
                                               "ERROR: Please run 'az login' to setup account.")
        key = " ".join(argv[1:4]) + (" " + argv[argv.index("--type") + 1] if "--type" in argv else "")
        code, out = self.answers[key]
        return subprocess.CompletedProcess(argv, code, out if code == 0 else "", "" if code == 0 else out)


def live(tier="trial", state=()):
    d = build_deployment("nextcloud", cloud="azure", tier=tier, domain=DOMAIN)
    return GoLive(d, None, None, lambda: list(state))


@pytest.fixture
def az_here(monkeypatch):
    monkeypatch.setattr(azure_golive.shutil, "which", lambda name: "/usr/bin/az" if name == "az" else None)


def answers(revisions, replicas=REPLICAS, system=SYSTEM, console=CONSOLE):
    return {"containerapp revision list": (0, json.dumps(revisions)),
            "containerapp replica list": (0, json.dumps(replicas)),
            "containerapp logs show system": (0, system),
            "containerapp logs show console": (0, console)}


def test_a_crashing_web_app_is_explained_revision_replicas_system_log_and_last_20_lines(monkeypatch, az_here):
    fake = FakeAz(answers([revision("nextcloud-web--0000001", "2026-12-02T16:20:00+00:00"),
                           revision("nextcloud-web--0000002", "2026-12-02T16:39:00+00:00", running="Degraded",
                                    health="Unhealthy")]))
    monkeypatch.setattr(azure_golive, "RUN", fake)
    lines = CLOUDS["azure"].diagnose(live(), {"resource_group": "rg-from-outputs"})
    assert lines[0] == ("latest revision nextcloud-web--0000002: provisioning Provisioned, running Degraded, "
                        "health Unhealthy, 1 replica(s), 100% of traffic."), "the newest createdTime wins"
    assert "replica nextcloud-web--0000002-5f96557ffb-f795d: NotRunning (Container 'web' is restarting)." in lines
    assert ("container web in nextcloud-web--0000002-5f96557ffb-f795d: not ready, restarted 4 time(s): "
            "CrashLoopBackOff.") in lines
    assert ("system log 2026-12-02 16:41:19 +0000 UTC: Error: Container 'web' was terminated with exit code '1'"
            in lines)
    assert any("ProbeFailed: Probe of StartUp failed" in x for x in lines)
    assert not any("events collector" in x for x in lines), "Normal system events are noise"
    at = lines.index("the web container's last 20 log line(s):")
    assert lines[at + 1:] == [f"2026-12-02T16:41:{i:02d}.72656  line {i}" for i in range(10, 30)]
    app = names.container_app(live().deployment, "web")
    replica_cmd = next(a for a in fake.ran if a[1:4] == ["containerapp", "replica", "list"])
    assert replica_cmd == ["az", "containerapp", "replica", "list", "--name", app, "--resource-group",
                           "rg-from-outputs", "--revision", "nextcloud-web--0000002", "--output", "json"]
    logs = [a for a in fake.ran if a[1:4] == ["containerapp", "logs", "show"]]
    assert [a[a.index("--type") + 1] for a in logs] == ["system", "console"]
    assert all(a[a.index("--tail") + 1] == "20" for a in logs)
    assert not any("--follow" in a for a in logs), "a follow would never return"


def test_a_key_vault_reference_that_failed_to_provision_is_named(monkeypatch, az_here):
    fake = FakeAz(answers([revision("nextcloud-web--0000001", "2026-12-02T16:39:00+00:00", state="Failed",
                                    running="Failed", health="None", replicas=0, error=KV_ERROR)], replicas=[]))
    monkeypatch.setattr(azure_golive, "RUN", fake)
    lines = azure_golive.diagnose(live("production"), {})
    assert lines[1] == f"revision nextcloud-web--0000001 failed to provision: {KV_ERROR}"
    assert "Key Vault Secrets User" in lines[2]
    assert "the latest revision has no replicas: the app is not running at all." in lines
    rg = names.resource_group(live("production").deployment)
    assert all(a[a.index("--resource-group") + 1] == rg for a in fake.ran if "--resource-group" in a), \
        "without the output, the stack's own resource group name"


@pytest.mark.parametrize("error", [None, "Failed to provision revision: image 'acr.azurecr.io/nextcloud:31' "
                                         "MANIFEST_UNKNOWN: manifest tagged by \"31\" is not found"])
def test_only_a_key_vault_error_gives_the_key_vault_hint(monkeypatch, az_here, error):
    """Mutation self-test: the hint follows a Key Vault error, not every failed revision."""
    rev = revision("r1", "2026-12-02T16:39:00Z", state="Failed" if error else "Provisioned", error=error)
    monkeypatch.setattr(azure_golive, "RUN", FakeAz(answers([rev])))
    lines = azure_golive.diagnose(live(), {})
    assert not any("Key Vault" in x for x in lines)
    assert any("MANIFEST_UNKNOWN" in x for x in lines) == bool(error)


def test_az_missing_is_one_line_with_the_commands_to_run_by_hand(monkeypatch):
    monkeypatch.setattr(azure_golive.shutil, "which", lambda name: None)
    monkeypatch.setattr(azure_golive, "RUN", lambda *a, **k: pytest.fail("nothing runs without az"))
    [line] = azure_golive.diagnose(live(), {})
    app = names.container_app(live().deployment, "web")
    assert line.startswith("the Azure CLI (az) is not installed here")
    assert f"az containerapp revision list --name {app} --resource-group" in line
    assert "az containerapp logs show" in line and "--type system --tail 20" in line and "--type console" in line


def test_not_signed_in_is_one_line_saying_az_login(monkeypatch, az_here):
    fake = FakeAz({}, signed_in=False)
    monkeypatch.setattr(azure_golive, "RUN", fake)
    [line] = azure_golive.diagnose(live(), {})
    assert "not signed in (run `az login`)" in line and "az containerapp revision list" in line
    assert len(fake.ran) == 1


def test_a_failing_command_is_a_readable_line_not_a_traceback(monkeypatch, az_here):
    bad = {**answers([]), "containerapp logs show console": (1, "ERROR: (ResourceNotFound) not found")}
    monkeypatch.setattr(azure_golive, "RUN", FakeAz(bad))
    lines = azure_golive.diagnose(live(), {})
    assert lines[0].endswith("has no revision yet.")
    assert lines[-1] == "could not read the web container's log: ERROR: (ResourceNotFound) not found"


@pytest.mark.parametrize("tier,via", [("trial", f"{'{app}'}.{DEFAULT_DOMAIN}"), ("production", FRONT_DOOR)])
def test_the_smoke_target_is_the_domain_through_the_web_app_or_front_door(tier, via):
    state = [{"type": "azure-native:app:ManagedEnvironment", "outputs": {"defaultDomain": DEFAULT_DOMAIN}},
             {"type": "azure-native:cdn:AFDEndpoint", "outputs": {"hostName": FRONT_DOOR}}]
    g = live(tier, state)
    d = g.deployment
    via = via.format(app=names.container_app(d, d.blueprint.web.name))
    target = CLOUDS["azure"].smoke_target(g, {})
    hc = d.blueprint.web.health_check
    assert target.url == f"https://{DOMAIN}{hc.path}" and target.healthy_codes == hc.healthy_codes
    assert target.via == via and (target.record.type, target.record.name, target.record.value) == ("CNAME", DOMAIN, via)
    assert CLOUDS["azure"].go_live_phases(d)[-1].smoke, "the outside check runs after the app phase"


def test_an_az_that_hangs_is_a_line_and_the_rest_is_still_read(monkeypatch, az_here):
    fake = FakeAz(answers([revision("r1", "2026-12-02T16:39:00Z")]))

    def run(argv, **kwargs):
        if "system" in argv:
            raise subprocess.TimeoutExpired(argv, kwargs["timeout"])
        return fake(argv, **kwargs)

    monkeypatch.setattr(azure_golive, "RUN", run)
    lines = azure_golive.diagnose(live(), {})
    assert any(x.startswith("could not read the system log: `az containerapp logs show") and "did not answer" in x
               for x in lines)
    assert lines[-1] == "2026-12-02T16:41:29.72656  line 29", "the console log is still read"


def test_a_failed_smoke_check_on_azure_prints_what_is_failing(monkeypatch, az_here):
    """cli/golive.py's outside check, through the web app's own address, then the diagnosis."""
    import io

    from rich.console import Console

    from councilkit.blueprints.errors import UserError
    from councilkit.cli import golive, smoke

    asked = []
    monkeypatch.setattr(golive, "RESOLVE", lambda host: set())
    monkeypatch.setattr(smoke, "FETCH", lambda url, via="": asked.append((url, via)) or smoke.Reply(503, b""))
    clock = {"t": 0.0}
    monkeypatch.setattr(golive.CLOCK, "now", lambda: clock["t"])
    monkeypatch.setattr(golive.CLOCK, "sleep", lambda s: clock.update(t=clock["t"] + s))
    monkeypatch.setattr(azure_golive, "RUN", FakeAz(answers([revision("nextcloud-web--0000002", "2026-12-02T16:39:00Z",
                                                                      running="Degraded", health="Unhealthy")])))
    out = io.StringIO()
    g = live("trial", [{"type": "azure-native:app:ManagedEnvironment", "outputs": {"defaultDomain": DEFAULT_DOMAIN}}])
    g.console = Console(file=out, width=200)
    with pytest.raises(UserError, match="did not answer"):
        golive.smoke(CLOUDS["azure"], g, {})
    d = g.deployment
    assert asked[0] == (f"https://{DOMAIN}{d.blueprint.web.health_check.path}",
                        f"{names.container_app(d, d.blueprint.web.name)}.{DEFAULT_DOMAIN}")
    text = out.getvalue()
    assert "what is failing:" in text and "running Degraded, health Unhealthy" in text
    assert "Container 'web' was terminated with exit code '1'" in text and "line 29" in text
