"""The cloud-neutral half of going live (cli/golive.py, cli/automation.py Progress): the outside
check against a real HTTP server on 127.0.0.1, the council's actions and their records file,
and engine warnings shown once each with the resource they came from."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import botocore.session
import pytest
from botocore.stub import Stubber

from councilkit.blueprints.deployment import build_deployment
from councilkit.blueprints.errors import UserError
from councilkit.cli import automation, golive
from councilkit.stacks.aws import golive as aws_golive
from councilkit.stacks.cloud import CLOUDS, CouncilAction, GoLive, SmokeTarget
from councilkit.stacks.outputs import DnsRecord

DOMAIN = "files.borsetshire.gov.uk"


class Site(BaseHTTPRequestHandler):
    """Answers like an app that serves only its own Host (Nextcloud's trusted_domains)."""

    status = 200
    seen: list = []

    def do_GET(self):  # noqa: N802 — http.server's name
        Site.seen.append((self.path, self.headers["Host"]))
        ok = self.headers["Host"].split(":")[0] == DOMAIN
        self.send_response(self.status if ok else 400)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    Site.status, Site.seen = 200, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def clock(monkeypatch):
    fake = SimpleNamespace(t=0.0, sleeps=[])
    fake.now = lambda: fake.t

    def sleep(seconds):
        fake.sleeps.append(seconds)
        fake.t += seconds

    fake.sleep = sleep
    monkeypatch.setattr(golive, "CLOCK", fake)
    return fake


def console():
    from rich.console import Console

    return Console(file=io.StringIO(), width=300)


def live_for(tmp_path, read_state=lambda: []):
    # 1.0.0 declares no smoke list: the check is its web health check, at the adapter's target.
    d = build_deployment("nextcloud@1.0.0", cloud="aws", tier="trial", council="Borsetshire County Council",
                         domain=DOMAIN)
    return GoLive(d, tmp_path, console(), read_state)


class LocalCloud:
    """An adapter whose app is the local server; diagnostics come from the real AWS adapter."""

    def __init__(self, port, diagnose=lambda live, values: []):
        self.port, self.diagnose = port, diagnose

    def smoke_target(self, live, values):
        return SmokeTarget(url=f"http://{DOMAIN}:{self.port}/status.php", healthy_codes="200-299", via="127.0.0.1",
                           record=DnsRecord("CNAME", DOMAIN, "ck-alb-1.eu-west-2.elb.amazonaws.com"),
                           within_seconds=30, every_seconds=10)


# --- the outside check --------------------------------------------------------------------------


@pytest.mark.parametrize("code,spec,ok", [(200, "200", True), (302, "200-399", True), (302, "200,302", True),
                                          (400, "200-399", False), (500, "200,302", False), (199, "200-299", False)])
def test_healthy_codes_read_like_an_alb_matcher(code, spec, ok):
    assert golive.healthy(code, spec) is ok


def test_while_dns_does_not_point_at_the_load_balancer_the_check_goes_through_it_with_the_domain_as_host(
        site, tmp_path, clock, monkeypatch):
    monkeypatch.setattr(golive, "RESOLVE", lambda host: set() if host == DOMAIN else {"127.0.0.1"})
    live = live_for(tmp_path)
    golive.smoke(LocalCloud(site), live, {})
    text = live.console.file.getvalue()
    # It names where DNS should point (a load balancer on AWS, the web app or Front Door on Azure).
    assert (f"DNS for {DOMAIN} does not point at 127.0.0.1 yet: create CNAME {DOMAIN} -> "
            "ck-alb-1.eu-west-2.elb.amazonaws.com") in text
    assert f"✓ 200 http://{DOMAIN}:{site}/status.php — the web container answers its health check" in text
    assert Site.seen == [("/status.php", f"{DOMAIN}:{site}")], "the app saw its own Host"
    assert clock.sleeps == []


def test_a_domain_that_resolves_to_the_load_balancer_is_checked_directly(monkeypatch, tmp_path):
    monkeypatch.setattr(golive, "RESOLVE", lambda host: {"192.0.2.7", "192.0.2.8"} if host == DOMAIN else {"192.0.2.8"})
    assert golive.points_at(DOMAIN, "ck-alb-1.eu-west-2.elb.amazonaws.com")
    monkeypatch.setattr(golive, "RESOLVE", lambda host: {"198.51.100.1"} if host == DOMAIN else {"192.0.2.8"})
    assert not golive.points_at(DOMAIN, "ck-alb-1.eu-west-2.elb.amazonaws.com"), "pointing elsewhere"


def test_a_site_that_keeps_failing_is_retried_for_the_window_then_explained(site, tmp_path, clock, monkeypatch):
    monkeypatch.setattr(golive, "RESOLVE", lambda host: set())
    Site.status = 503
    clients = {}
    for service in ("ecs", "elbv2", "logs"):
        client = botocore.session.get_session().create_client(
            service, region_name="eu-west-2", aws_access_key_id="t", aws_secret_access_key="t")
        clients[service] = (client, Stubber(client))
        clients[service][1].activate()
    monkeypatch.setattr(aws_golive, "client", lambda service, region: clients[service][0])
    state = [
        {"urn": "u1", "type": "aws:ecs/cluster:Cluster", "outputs": {"name": "bcc-nextcloud"}},
        {"urn": "u2", "type": "aws:ecs/service:Service", "outputs": {"name": "nextcloud-web-1"}},
        {"urn": "u3", "type": "aws:lb/targetGroup:TargetGroup", "outputs": {"arn": "arn:tg"}},
        {"urn": "u4", "type": "aws:cloudwatch/logGroup:LogGroup", "outputs": {"name": "/flow-logs"},
         "parent": "urn:pulumi:s::councilkit::pulumi:pulumi:Stack$councilkit:aws:Network::nextcloud"},
        {"urn": "u5", "type": "aws:cloudwatch/logGroup:LogGroup", "outputs": {"name": "/councilkit/s"},
         "parent": "urn:pulumi:s::councilkit::pulumi:pulumi:Stack$councilkit:aws:Service::nextcloud"},
    ]
    ecs = clients["ecs"][1]
    ecs.add_response("describe_services", {"services": [{"serviceName": "nextcloud-web-1", "runningCount": 1,
                                                         "desiredCount": 1, "events": []}]},
                     {"cluster": "bcc-nextcloud", "services": ["nextcloud-web-1"]})
    ecs.add_response("list_tasks", {"taskArns": []},
                     {"cluster": "bcc-nextcloud", "serviceName": "nextcloud-web-1", "desiredStatus": "STOPPED"})
    clients["elbv2"][1].add_response("describe_target_health", {"TargetHealthDescriptions": [
        {"Target": {"Id": "10.0.1.9", "Port": 80}, "TargetHealth": {"State": "healthy"}}]}, {"TargetGroupArn": "arn:tg"})
    clients["logs"][1].add_client_error("filter_log_events", service_error_code="AccessDeniedException",
                                        service_message="not allowed to read logs")
    live = live_for(tmp_path, lambda: state)
    with pytest.raises(UserError) as failed:
        golive.smoke(LocalCloud(site, CLOUDS["aws"].diagnose), live, {})
    assert str(failed.value) == (f"http://{DOMAIN}:{site}/status.php did not answer 200-299 within 30 s "
                                 "(last: HTTP 503, expected 200-299); this request checks that the web "
                                 "container answers its health check; what is failing is above")
    assert clock.sleeps == [10, 10, 10] and len(Site.seen) == 4
    text = live.console.file.getvalue()
    assert "ECS service nextcloud-web-1: 1 of 1 tasks running; its latest events:" in text
    assert "load balancer target 10.0.1.9:80 is healthy" in text
    assert "could not read the app's logs: An error occurred (AccessDeniedException)" in text, "the group of the app, not the flow logs"
    for _, stub in clients.values():
        stub.assert_no_pending_responses()


def test_nothing_answering_at_all_is_reported_as_the_connection_error(tmp_path, clock, monkeypatch):
    monkeypatch.setattr(golive, "RESOLVE", lambda host: set())
    with pytest.raises(UserError, match=r"within 30 s \(last: (NewConnectionError|MaxRetryError)"):
        golive.smoke(LocalCloud(1), live_for(tmp_path), {})  # port 1: nothing listens


# --- what the council must do -----------------------------------------------------------------------


def test_records_are_printed_written_atomically_and_kept_when_the_wait_runs_out(tmp_path, clock, monkeypatch):
    live = live_for(tmp_path)
    written = []
    real = golive.write_atomically
    monkeypatch.setattr(golive, "write_atomically", lambda path, text: written.append(path) or real(path, text))
    action = CouncilAction(what="publish these:", records=[DnsRecord("CNAME", "_a.x.", "_b.acm-validations.aws.", "cert")],
                           check=lambda: (False, "PENDING_VALIDATION"), every_seconds=60, pending="not visible yet")
    with pytest.raises(golive.Waiting) as waiting:
        golive.await_council(live, action, 150)
    assert written == [tmp_path / "DNS-RECORDS.md"]
    assert clock.sleeps == [60, 60, 30], "bounded by the wait, not by the poll interval"
    assert str(waiting.value) == (f"not visible yet after 2.5 min; the records are in {tmp_path / 'DNS-RECORDS.md'}; "
                                  f"DNS changes can take a while to be seen; once they are published, run "
                                  f"`councilkit up {tmp_path}` again to continue")
    assert "| CNAME | `_a.x.` | `_b.acm-validations.aws.` | cert |" in (tmp_path / "DNS-RECORDS.md").read_text()
    assert "  CNAME _a.x. _b.acm-validations.aws." in live.console.file.getvalue()


def test_an_action_with_nothing_to_poll_stops_at_once(tmp_path, clock):
    live = live_for(tmp_path)
    with pytest.raises(golive.Waiting, match="image not pushed yet; run `councilkit up"):
        golive.await_council(live, CouncilAction(what="push it:", commands=["docker push x"], pending="image not pushed yet"), 600)
    assert clock.sleeps == [] and not (tmp_path / "DNS-RECORDS.md").exists()


def test_the_admin_login_comes_from_the_blueprint():
    d = build_deployment("nextcloud", cloud="aws", tier="trial")
    assert golive.admin_login(d) == ["admin user: admin (from NEXTCLOUD_ADMIN_USER)",
                                     "admin password: the `admin-password` secret (where it is kept: admin credentials below)"]
    wordpress = build_deployment("wordpress", cloud="aws", tier="trial")
    assert all(not line.startswith("admin user") for line in golive.admin_login(wordpress))


# --- engine diagnostics -------------------------------------------------------------------------


def diagnostic(message, severity, urn=None, ephemeral=None):
    from pulumi.automation import DiagnosticEvent, EngineEvent

    return EngineEvent(sequence=1, timestamp=0, diagnostic_event=DiagnosticEvent(
        message=message, color="never", severity=severity, urn=urn, ephemeral=ephemeral))


def test_warnings_and_info_are_shown_once_each_with_their_resource_and_debug_is_not():
    out = console()
    progress = automation.Progress(out, "up")
    urn = "urn:pulumi:s::councilkit::councilkit:aws:Edge$aws:lb/loadBalancer:LoadBalancer::nextcloud-alb"
    for _ in range(2):
        progress.on_event(diagnostic("deletion protection is off [trial]\n", "warning", urn))
    progress.on_event(diagnostic("Waiting for ECS service [1/2 running]\n", "info", urn))
    progress.on_event(diagnostic("printed by the program\n", "info#err"))
    progress.on_event(diagnostic("plugin chatter\n", "debug", urn))
    progress.on_event(diagnostic("creating...\n", "info", urn, ephemeral=True))
    progress.on_event(diagnostic("AccessDenied\n", "error", urn))
    text = out.file.getvalue()
    assert text.count("warning: nextcloud-alb: deletion protection is off [trial]") == 1
    assert "info: nextcloud-alb: Waiting for ECS service [1/2 running]" in text
    assert "info: printed by the program" in text
    assert "plugin chatter" not in text and "creating..." not in text
    assert progress.warnings == ["deletion protection is off [trial]"]
    assert progress.errors == ["AccessDenied"], "errors are handled as before"


def test_the_cli_stays_cloud_neutral():
    """cli/golive.py asks the adapter; it names no cloud, resource type or SDK."""
    text = Path(golive.__file__).read_text()
    assert "aws" not in text.lower().replace("always", "") and "azure" not in text.lower()
    assert "boto" not in text


def test_up_help_documents_the_wait_and_exit_code_3(cli):
    result = cli("up", "--help", env={"COLUMNS": "200"})
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "--dns-wait MINUTES" in text and "[default: 20; x>=0]" in text
    assert "Exit code 3: waiting on the council" in text and "DNS-RECORDS.md" in text


def test_a_negative_wait_is_one_error_line(cli, tmp_path):
    result = cli("up", str(tmp_path), "--dns-wait", "-1")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: Invalid value for '--dns-wait'")
