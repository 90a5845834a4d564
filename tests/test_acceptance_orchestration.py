"""The real-cloud acceptance suite (tests/acceptance), run offline against fakes at its boundaries.

Pulumi is faked where councilkit meets it (`pulumi.automation.create_or_select_stack` /
`select_stack` replaced with recorders, as in test_lifecycle.py), every AWS call goes to a
botocore Stubber, and the smoke target is a local http.server on 127.0.0.1. One run of two apps
(wordpress fails its smoke check and leaves a tagged resource; nextcloud passes every phase,
including an upgrade to a newer blueprint) shows the phase order, what is written, that a
failure still destroys and goes on, and that a leftover names its ARN.
"""

from __future__ import annotations

import datetime as dt
import http.server
import io
import os
import re
import shutil
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from acceptance import aws as acc_aws
from acceptance import dns, runner, smoke, steps
from acceptance.clients import Clients
from acceptance.config import Options, parse_apps
from acceptance.cost import Incurred
from acceptance.results import FAILED, NOT_RUN, PASSED, PHASES, SKIPPED
from councilkit.blueprints.deployment import build_deployment
from councilkit.blueprints.errors import UserError
from councilkit.blueprints.loader import discover, resolve
from councilkit.cli import automation
from councilkit.stacks.aws.settings import final_snapshot_id
from councilkit.stacks.cloud import CLOUDS, Phase
from councilkit.stacks.cost import estimate
from fake_smoke import every_text
from helpers import planned

pytestmark = pytest.mark.usefixtures("no_cloud_questions")  # destroy asks no cloud in tests

ROOT = Path(__file__).resolve().parent.parent
RUN_ID = "12021500abcd"
SUFFIX = "acc.example.gov.uk"
ZONE = "Z0ACCEPTANCE"
COUNCIL = f"Acceptance Test Council {RUN_ID}"
LEFTOVER = "arn:aws:ec2:eu-west-2:111122223333:security-group/sg-0left0over"
NOW = dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.timezone.utc)


def deployment(app: str):
    """The trial the run deploys: expiring a day after (the pinned) today."""
    return build_deployment(app, cloud="aws", tier="trial", council=COUNCIL, domain=f"{app}-{RUN_ID}.{SUFFIX}",
                            expires_on="2026-11-26")


# --- the fakes --------------------------------------------------------------------------------


class World:
    """What the fakes saw, in order: Pulumi updates, AWS operations, HTTP requests."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.timeline: list[str] = []
        self.validated: dict[str, threading.Event] = {}
        self.deployed: dict[str, dict] = {}
        self.in_up = threading.Event()  # the certificate exists only once an `up` runs
        self.actions: set[str] = set()  # IAM action of every AWS call

    def validation_event(self, domain: str) -> threading.Event:
        return self.validated.setdefault(domain, threading.Event())

    def record(self, service: str, model, params) -> None:
        from acceptance.clients import IAM_PREFIX

        self.actions.add(f"{IAM_PREFIX[service]}:{model.name}")
        if service == "acm":  # polled from a thread: its count is timing, not order
            assert self.in_up.wait(20), "ACM is asked only while up runs"
            return
        entry = model.name
        if model.name == "ChangeResourceRecordSets":
            changes = params["ChangeBatch"]["Changes"]
            entry += " " + ",".join(f"{c['Action']} {c['ResourceRecordSet']['Name'].split('.')[0]}" for c in changes)
            for c in changes:
                if c["Action"] == "UPSERT" and c["ResourceRecordSet"]["Name"].startswith("_"):
                    self.validation_event(c["ResourceRecordSet"]["Name"].split(".", 1)[1].rstrip(".")).set()
        self.timeline.append(entry)


def app_of(stack: str) -> str:
    return next(app for app in ("wordpress", "nextcloud") if f"-{app}-" in stack)


class FakeStack:
    def __init__(self, name: str, work_dir: str, world: World):
        self.name, self.work_dir, self.world = name, work_dir, world

    def up(self, **kwargs):
        from pulumi.automation import OutputValue

        from councilkit.cli.stackdir import open_folder

        w, app = self.world, app_of(self.name)
        first = self.name not in w.deployed
        w.timeline.append(f"up {app}")
        w.in_up.set()
        d = open_folder(self.work_dir).deployment()
        if first:  # the certificate's validation waits until its record is in DNS
            assert w.validation_event(d.domain).wait(20), "the suite published the validation record while up waited"
        outputs = {
            "url": f"{w.base_url}/{app}",
            "load_balancer_dns": f"ck-{app}-alb-1234.eu-west-2.elb.amazonaws.com",
            "cluster": f"ck-{app}-cluster",
            "councilkit": {"managed-by": "councilkit", "blueprint": d.blueprint.ref},
        }
        w.deployed[self.name] = outputs
        w.in_up.clear()
        w.timeline.append(f"up done {app}")
        return type("UpResult", (), {"outputs": {k: OutputValue(v, False) for k, v in outputs.items()}})()

    def outputs(self):
        from pulumi.automation import OutputValue

        return {k: OutputValue(v, False) for k, v in self.world.deployed.get(self.name, {}).items()}

    def export_stack(self):
        return type("Exported", (), {"version": 3, "deployment": {"resources": []}})()

    def destroy(self, **kwargs):
        self.world.timeline.append(f"destroy {app_of(self.name)}")
        self.world.deployed.pop(self.name, None)

    def set_config(self, *args, **kwargs):
        pass

    def remove_config(self, *args, **kwargs):
        pass


@pytest.fixture(scope="module")
def web():
    """The smoke target: path → status; every request is logged. A 200 carries every text the
    catalogue's smoke requests look for (tests/fake_smoke.py)."""
    routes: dict[str, int] = {}
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            code = routes.get(self.path, 404)
            body = every_text() if code == 200 else b""
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", routes, seen
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def world(web, tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield patched_world(web, monkeypatch, tmp_path_factory.mktemp("world"))


def patched_world(web, monkeypatch, tmp_path) -> World:
    import pulumi.automation as auto

    base, routes, seen = web
    w = World(base)

    def opener(stack_name, work_dir=None, opts=None, **kwargs):
        return FakeStack(stack_name, work_dir, w)

    monkeypatch.setattr(auto, "create_or_select_stack", opener)
    monkeypatch.setattr(auto, "select_stack", opener)
    monkeypatch.setattr(automation.shutil, "which", lambda name: "/opt/pulumi/bin/pulumi")
    # One whole-stack phase: the adapter's go-live hooks call AWS themselves (their own tests
    # cover them); this suite's boundary is the Automation API.
    monkeypatch.setattr(type(CLOUDS["aws"]), "go_live_phases", lambda self, d: [Phase("deploy", "every resource")])
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")  # credentials present; the Stubbers answer
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    w.routes, w.seen = routes, seen
    return w


def stubbed(world: World | None = None) -> tuple[Clients, dict[str, Stubber]]:
    session = boto3.session.Session(region_name="eu-west-2", aws_access_key_id="testing",
                                    aws_secret_access_key="testing")
    clients, stubs = {}, {}
    for field, service in (("tagging", "resourcegroupstaggingapi"), ("rds", "rds"), ("logs", "logs"),
                           ("acm", "acm"), ("route53", "route53")):
        client = session.client(service)
        if world is not None:
            client.meta.events.register(
                "before-parameter-build.*.*",
                lambda model, params, _s=field, **kw: world.record(_s, model, params))
        clients[field], stubs[field] = client, Stubber(client)
    return Clients(**clients), stubs


def change_info():
    return {"ChangeInfo": {"Id": "/change/C1", "Status": "PENDING", "SubmittedAt": NOW}}


def record_set(name, value):
    return {"Name": name, "Type": "CNAME", "TTL": dns.TTL, "ResourceRecords": [{"Value": value}]}


def expect_app(stubs, app: str, *, smoke_ok: bool, leftover: bool, aws_log_group: bool, upgraded_to: str = "") -> None:
    d = deployment(app)
    tags = {**d.tags, **({"blueprint": f"{app}@{upgraded_to}"} if upgraded_to else {})}
    domain, db = d.domain, f"{app}-db0a1b2c3"
    cert = f"arn:aws:acm:eu-west-2:111122223333:certificate/{app}"
    validation = record_set(f"_x1{app}.{domain}.", f"_y1{app}.acm-validations.aws.")
    cname = record_set(f"{domain}.", f"ck-{app}-alb-1234.eu-west-2.elb.amazonaws.com")
    summary = {"CertificateSummaryList": [{"CertificateArn": cert, "DomainName": domain, "Status": "PENDING_VALIDATION"}]}
    pending = {"Certificate": {"CertificateArn": cert, "DomainValidationOptions": [{"DomainName": domain}]}}
    ready = {"Certificate": {"CertificateArn": cert, "DomainValidationOptions": [{"DomainName": domain, "ResourceRecord": {
        "Name": validation["Name"], "Type": "CNAME", "Value": validation["ResourceRecords"][0]["Value"]}}]}}
    # ACM fills the record in a little after the request: the first look finds none yet.
    for answer in (pending, ready):
        stubs["acm"].add_response("list_certificates", summary, {"CertificateStatuses": ["PENDING_VALIDATION"], "Includes": {
            "keyTypes": ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]}})
        stubs["acm"].add_response("describe_certificate", answer, {"CertificateArn": cert})
    comment = f"councilkit acceptance run {RUN_ID} ({app})"
    for action, sets in (("UPSERT", [validation]), ("UPSERT", [cname]), ("DELETE", [validation, cname])):
        stubs["route53"].add_response("change_resource_record_sets", change_info(), {
            "HostedZoneId": ZONE,
            "ChangeBatch": {"Comment": comment, "Changes": [{"Action": action, "ResourceRecordSet": s} for s in sets]}})
    filters = acc_aws.tag_filters(d)
    assert filters == [{"Key": "council", "Values": [f"acceptance-test-council-{RUN_ID.lower()}"]},
                       {"Key": "app", "Values": [app]}, {"Key": "managed-by", "Values": ["councilkit"]}]
    flow_logs = f"{app}-flow-logs-1a2b3c4"  # a log group Pulumi names
    stubs["tagging"].add_response("get_resources", {"ResourceTagMappingList": [
        {"ResourceARN": f"arn:aws:rds:eu-west-2:111122223333:db:{db}"},
        {"ResourceARN": f"arn:aws:logs:eu-west-2:111122223333:log-group:/councilkit/{d.stack_name}"},
        {"ResourceARN": f"arn:aws:logs:eu-west-2:111122223333:log-group:{flow_logs}:*"}]},
        {"TagFilters": filters, "ResourceTypeFilters": ["rds:db", "logs:log-group"]})
    if smoke_ok:  # backup
        snap = f"ck-acceptance-{RUN_ID}-{app}"
        waiter = {"DBSnapshotIdentifier": snap}
        stubs["rds"].add_response("create_db_snapshot", {"DBSnapshot": {"DBSnapshotIdentifier": snap, "Status": "creating"}}, {
            "DBSnapshotIdentifier": snap, "DBInstanceIdentifier": db,
            "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]})
        stubs["rds"].add_response("describe_db_snapshots", {"DBSnapshots": [{"DBSnapshotIdentifier": snap, "Status": "available"}]}, waiter)
        stubs["rds"].add_response("delete_db_snapshot", {"DBSnapshot": {"DBSnapshotIdentifier": snap, "Status": "deleted"}}, waiter)
        stubs["rds"].add_client_error("describe_db_snapshots", "DBSnapshotNotFound", expected_params=waiter)
    stubs["tagging"].add_response("get_resources", {"ResourceTagMappingList": [{"ResourceARN": LEFTOVER}] if leftover else []},
                                  {"TagFilters": filters})
    groups = {f"/councilkit/{d.stack_name}": [f"/councilkit/{d.stack_name}-other"], flow_logs: [],
              f"/aws/rds/instance/{db}/": [f"/aws/rds/instance/{db}/postgresql"] if aws_log_group else [],
              f"/aws/ecs/containerinsights/ck-{app}-cluster/": []}
    for prefix, names in groups.items():
        stubs["logs"].add_response("describe_log_groups", {"logGroups": [{"logGroupName": n} for n in names]},
                                   {"logGroupNamePrefix": prefix})
    stubs["rds"].add_client_error("describe_db_snapshots", "DBSnapshotNotFound",
                                  expected_params={"DBSnapshotIdentifier": final_snapshot_id(d)})


def _shipped(app: str) -> str:
    return list(discover()[app])[-1]


NC_OLD = _shipped("nextcloud")
"""The newest shipped nextcloud: the suite deploys it and upgrades it to NC_NEW."""
NC_NEW = NC_OLD.rsplit(".", 1)[0] + "." + str(int(NC_OLD.rsplit(".", 1)[1]) + 1)


def newer_nextcloud(tmp_path: Path) -> Path:
    """A catalogue folder holding nextcloud NC_NEW (the newest shipped one with its version raised)."""
    folder = tmp_path / "blueprints" / "nextcloud"
    folder.mkdir(parents=True)
    text = (ROOT / "blueprints" / "nextcloud" / f"{NC_OLD}.yaml").read_text()
    (folder / f"{NC_NEW}.yaml").write_text(text.replace(f"\nversion: {NC_OLD}\n", f"\nversion: {NC_NEW}\n", 1))
    return folder.parent


@pytest.fixture(scope="module")
def two_app_run(world, tmp_path_factory):
    """One run for every test below that reads it: a run plans each app offline several times."""
    tmp_path = tmp_path_factory.mktemp("run")
    base, routes, seen = world.base_url, world.routes, world.seen
    from acceptance.smoke import requests_for

    for request in requests_for(resolve(f"nextcloud@{NC_OLD}")[0])[0]:
        routes["/nextcloud" + request.path] = 200
    routes["/wordpress/wp-login.php"] = 503  # WordPress never gets healthy
    clients, stubs = stubbed(world)
    stubs["route53"].add_response("list_hosted_zones_by_name", {
        "HostedZones": [{"Id": f"/hostedzone/{ZONE}", "Name": f"{SUFFIX}.", "CallerReference": "r",
                         "Config": {"PrivateZone": False}}],
        "IsTruncated": False, "MaxItems": "10"}, {"DNSName": f"{SUFFIX}.", "MaxItems": "10"})
    expect_app(stubs, "wordpress", smoke_ok=False, leftover=True, aws_log_group=False)
    expect_app(stubs, "nextcloud", smoke_ok=True, leftover=False, aws_log_group=True, upgraded_to=NC_NEW)
    for stub in stubs.values():
        stub.activate()
    options = Options(apps=("wordpress", "nextcloud"), domain_suffix=SUFFIX, out=tmp_path / "out", run_id=RUN_ID,
                      blueprint_dirs=(str(newer_nextcloud(tmp_path)),), smoke_timeout=0.3, poll_every=0.01,
                      leftover_wait=0, snapshot_waiter={"Delay": 1, "MaxAttempts": 3})
    console = __import__("rich.console", fromlist=["Console"]).Console(file=io.StringIO(), width=200)
    result = runner.run(options, clients, console)
    for stub in stubs.values():
        stub.assert_no_pending_responses()
    return result, options, world


# --- one run, two apps ------------------------------------------------------------------------


def test_phases_run_in_order_and_a_failed_app_is_still_destroyed_before_the_next(two_app_run):
    result, options, world = two_app_run
    assert [a.app for a in result.apps] == ["wordpress", "nextcloud"]
    for app in result.apps:
        assert [p.phase for p in app.phases] == list(PHASES)
    wp = {p.phase: p for p in result.apps[0].phases}
    assert {k: p.status for k, p in wp.items()} == {
        "create": PASSED, "up": PASSED, "smoke": FAILED, "upgrade": NOT_RUN, "backup": NOT_RUN,
        "destroy": PASSED, "leftovers": FAILED}
    assert wp["upgrade"].message == wp["backup"].message == "not run: smoke failed"
    assert re.fullmatch(rf"GET {re.escape(world.base_url)}/wordpress/wp-login.php: HTTP 503, expected 200,302 "
                        r"after \d+ tries in \d+ s \(the web container answers its health check\)", wp["smoke"].message)
    nc = {p.phase: p for p in result.apps[1].phases}
    assert {k: p.status for k, p in nc.items()} == dict.fromkeys(PHASES, PASSED)
    assert nc["upgrade"].message.startswith(f"nextcloud@{NC_OLD} -> nextcloud@{NC_NEW}; GET ")
    asked = [r.path for r in resolve(f"nextcloud@{NC_OLD}")[0].smoke]
    assert all(f"/nextcloud{path} -> 200" in nc["smoke"].message for path in asked), "every smoke request was asked"
    assert not result.ok

    def squeeze(entries):
        return [e for i, e in enumerate(entries) if i == 0 or e != entries[i - 1]]

    # The Pulumi updates, the AWS calls and the HTTP checks, in the order they happened.
    timeline = squeeze(world.timeline)
    assert timeline == [
        "ListHostedZonesByName",
        "up wordpress", f"ChangeResourceRecordSets UPSERT _x1wordpress", "up done wordpress",
        f"ChangeResourceRecordSets UPSERT wordpress-{RUN_ID}", "GetResources",
        "destroy wordpress", f"ChangeResourceRecordSets DELETE _x1wordpress,DELETE wordpress-{RUN_ID}",
        "GetResources", "DescribeLogGroups", "DescribeDBSnapshots",
        "up nextcloud", "ChangeResourceRecordSets UPSERT _x1nextcloud", "up done nextcloud",
        f"ChangeResourceRecordSets UPSERT nextcloud-{RUN_ID}", "GetResources",
        "up nextcloud", "up done nextcloud",  # the upgrade
        "CreateDBSnapshot", "DescribeDBSnapshots", "DeleteDBSnapshot", "DescribeDBSnapshots",
        "destroy nextcloud", f"ChangeResourceRecordSets DELETE _x1nextcloud,DELETE nextcloud-{RUN_ID}",
        "GetResources", "DescribeLogGroups", "DescribeDBSnapshots",
    ]
    nc = resolve(f"nextcloud@{NC_OLD}")[0]
    assert set(world.seen) == {"/wordpress/wp-login.php"} | {f"/nextcloud{r.path}" for r in nc.smoke or [nc.web.health_check]}
    assert world.deployed == {}, "every stack was destroyed"


def test_the_readmes_permission_list_is_exactly_what_the_run_calls(two_app_run):
    from acceptance.clients import SUITE_ACTIONS

    _, _, world = two_app_run
    # CreateDBSnapshot with tags is also authorized as rds:AddTagsToResource (not an API call).
    assert world.actions | {"rds:AddTagsToResource"} == set(SUITE_ACTIONS)
    readme = (ROOT / "README.md").read_text()
    assert all(f"`{action}`" in readme for action in SUITE_ACTIONS)


def test_the_stack_folders_are_councilkit_new_folders_of_a_marked_council(two_app_run):
    from councilkit.cli.stackdir import open_folder

    result, options, _ = two_app_run
    folder = open_folder(options.run_dir / "stacks" / "nextcloud")
    d = folder.deployment()
    assert (d.council, d.domain, d.tier) == (COUNCIL, f"nextcloud-{RUN_ID}.{SUFFIX}", "trial")
    assert folder.lock.ref == f"nextcloud@{NC_NEW}", "the upgrade was written into the folder"
    assert d.expires_on == "2026-11-26", "expires a day after (the pinned) today, so `reap` catches a crashed run"
    assert folder.backend == f"file://{(options.run_dir / 'state').resolve()}"


def test_a_leftover_tagged_resource_fails_the_run_and_names_its_arn(two_app_run):
    result, _, _ = two_app_run
    left = result.apps[0].phase("leftovers")
    assert left.message == f"1 left after destroy: tagged resource left: {LEFTOVER}"
    assert f"tagged resource left: {LEFTOVER}" in left.details
    reported = result.apps[1].phase("leftovers")
    assert reported.status == PASSED
    db = "nextcloud-db0a1b2c3"
    assert reported.details == [f"log group /aws/rds/instance/{db}/postgresql (made by AWS, not the stack): "
                                f"aws logs delete-log-group --log-group-name /aws/rds/instance/{db}/postgresql"]


def test_junit_has_one_testcase_per_app_and_phase_with_failures_and_skips(two_app_run):
    result, options, _ = two_app_run
    root = ET.parse(options.run_dir / "junit.xml").getroot()
    [suite] = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        (f"acceptance.{app}", phase) for app in ("wordpress", "nextcloud") for phase in PHASES]
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("14", "2", "2")
    by = {(c.get("classname").split(".")[1], c.get("name")): c for c in cases}
    assert by["wordpress", "smoke"].find("failure").get("message").startswith("GET http://127.0.0.1:")
    assert by["wordpress", "leftovers"].find("failure").get("message").endswith(LEFTOVER)
    assert by["wordpress", "upgrade"].find("skipped").get("message") == "not run: smoke failed"
    assert by["wordpress", "destroy"].find("failure") is None
    assert all(float(c.get("time")) >= 0 for c in cases)
    assert float(by["wordpress", "smoke"].get("time")) >= 0.3 - 2 * options.poll_every, "it waited its timeout"
    assert not [c for c in cases if c.get("classname") == "acceptance.nextcloud" and len(c.findall("failure"))]


def test_markdown_summary_has_each_phase_timing_and_the_estimated_cost(two_app_run):
    result, options, _ = two_app_run
    text = (options.run_dir / "summary.md").read_text()
    assert text.startswith(f"# councilkit acceptance run {RUN_ID}\n")
    assert "- result: FAILED" in text
    assert re.search(r"\| smoke \| ❌ failed \| \d+\.\d s \| GET http://127\.0\.0\.1:\d+/wordpress/wp-login\.php: HTTP 503", text)
    assert f"| nextcloud@{NC_OLD} -> nextcloud@{NC_NEW}; " in text and re.search(r"\| upgrade \| ✅ passed \| \d+\.\d s \| ", text)
    assert "| upgrade | — not run | 0.0 s | not run: smoke failed |" in text
    _, plan = planned("nextcloud", "aws", "trial")
    monthly = estimate(plan.resources, cloud="aws", region="eu-west-2", tier="trial").total_gbp
    nc = result.apps[1].cost
    assert nc.monthly == monthly, "councilkit's own estimate of the plan"
    assert 0 < nc.hours < 1
    assert f"cost: £{nc.gbp} estimated (councilkit list prices: £{monthly}/month × {nc.hours:.2f} h the stack existed; not a bill)" in text
    assert "cost incurred: £" in text and "estimated from councilkit's list prices" in text
    assert "- leftovers: tagged resource left: " + LEFTOVER in text
    day = result.started[:10]
    after = (dt.date.fromisoformat(result.finished[:10]) + dt.timedelta(days=1)).isoformat()
    assert (f"`aws ce get-cost-and-usage --time-period Start={day},End={after} --granularity DAILY --metrics "
            f"UnblendedCost --filter '{{\"Tags\":{{\"Key\":\"council\",\"Values\":[\"acceptance-test-council-{RUN_ID}\"]}}}}'`") in text


def test_incurred_cost_is_the_monthly_estimate_pro_rata_over_730_hours():
    from decimal import Decimal

    assert Incurred(Decimal("73.00"), 10).gbp == Decimal("1.00")
    assert Incurred(Decimal("146.00"), 0.5).gbp == Decimal("0.10")


# --- phases on their own ----------------------------------------------------------------------


def test_no_newer_blueprint_is_a_reported_skip_not_silence(tmp_path):
    from councilkit.cli.newstack import new_stack

    options = Options(apps=("nextcloud",), domain_suffix=SUFFIX, out=tmp_path, run_id=RUN_ID)
    clients, _ = stubbed()
    t = steps.Trial("nextcloud", options, clients, ZONE, None)
    t.folder = new_stack("nextcloud", cloud="aws", tier="trial", council=COUNCIL, domain=t.domain,
                         folder=str(tmp_path / "nc")).path
    outcome = runner._attempt("upgrade", t)
    assert (outcome.status, outcome.message) == (SKIPPED, f"no newer blueprint than nextcloud@{NC_OLD} in the catalogue")
    assert steps.first_version("nextcloud", (str(newer_nextcloud(tmp_path)),)) == f"nextcloud@{NC_OLD}"
    shipped = list(discover()["alfresco"])
    assert steps.first_version("alfresco", ()) == (f"alfresco@{shipped[-2]}" if len(shipped) > 1 else "alfresco"), \
        "the only version is deployed, else the one before the newest"


def test_a_crash_in_a_phase_is_one_line_and_later_phases_still_clean_up(tmp_path, monkeypatch):
    options = Options(apps=("nextcloud",), domain_suffix=SUFFIX, out=tmp_path, run_id=RUN_ID)
    calls = []

    def fake(name, fail=None):
        def step(t):
            calls.append(name)
            if name == "up":
                t.deploy_started = 0.0
            if fail:
                raise fail
            return f"{name} ok", []
        return step

    monkeypatch.setattr(steps, "STEPS", {**{p: fake(p) for p in PHASES}, "smoke": fake("smoke", RuntimeError("boom\nmore"))})
    console = __import__("rich.console", fromlist=["Console"]).Console(file=io.StringIO())
    result = runner.run_app("nextcloud", "trial", options, (None, ZONE), console)
    assert calls == ["create", "up", "smoke", "destroy", "leftovers"]
    assert result.phase("smoke").message == "RuntimeError: boom"
    assert any("RuntimeError: boom" in line for line in result.phase("smoke").details), "the traceback is kept"


def test_nothing_to_clean_up_when_up_never_started(tmp_path, monkeypatch):
    options = Options(apps=("nextcloud",), domain_suffix=SUFFIX, out=tmp_path, run_id=RUN_ID)

    def create(t):
        raise UserError("council: 'x' is not valid")

    monkeypatch.setattr(steps, "STEPS", {**steps.STEPS, "create": create})
    console = __import__("rich.console", fromlist=["Console"]).Console(file=io.StringIO())
    result = runner.run_app("nextcloud", "trial", options, (None, ZONE), console)
    assert [(p.phase, p.status) for p in result.phases] == [
        ("create", FAILED), *[(p, NOT_RUN) for p in PHASES[1:]]]
    assert result.phase("destroy").message == "not run: nothing was deployed"
    assert result.cost is None


def test_leftovers_are_asked_again_while_the_tagging_api_still_lists_a_deleted_resource():
    clients, stubs = stubbed()
    d = deployment("nextcloud")
    ghost = {"ResourceTagMappingList": [{"ResourceARN": LEFTOVER}]}
    stubs["tagging"].add_response("get_resources", ghost)
    stubs["tagging"].add_response("get_resources", {"ResourceTagMappingList": []})
    stubs["tagging"].activate()
    slept = []
    assert acc_aws.leftovers(clients.tagging, d, wait=600, every=60, sleep=slept.append) == []
    assert slept == [60]
    stubs["tagging"].add_response("get_resources", ghost)
    assert acc_aws.leftovers(clients.tagging, d, wait=0, every=60, sleep=slept.append) == [LEFTOVER]


def test_the_stacks_own_log_group_left_behind_is_a_failure_and_a_production_final_snapshot_is_reported():
    clients, stubs = stubbed()
    d = deployment("nextcloud")
    stubs["logs"].add_response("describe_log_groups", {"logGroups": [{"logGroupName": f"/councilkit/{d.stack_name}"}]})
    stubs["rds"].add_response("describe_db_snapshots", {"DBSnapshots": [{"DBSnapshotIdentifier": "ck-final"}]})
    for stub in stubs.values():
        stub.activate()
    out = acc_aws.untagged_leftovers(clients, d, acc_aws.Found(), None, "ck-final")
    assert out.fails == [f"log group /councilkit/{d.stack_name} (the stack's own) was not deleted",
                         "database final snapshot ck-final exists, but a trial takes none"]


def test_hosted_zone_is_the_suffix_or_a_parent_and_never_a_private_zone():
    clients, stubs = stubbed()
    r53 = stubs["route53"]

    def zones(*listed):
        return {"HostedZones": [{"Id": f"/hostedzone/{zid}", "Name": name, "CallerReference": "r",
                                 "Config": {"PrivateZone": private}} for zid, name, private in listed],
                "IsTruncated": False, "MaxItems": "10"}

    r53.add_response("list_hosted_zones_by_name", zones(("ZP", "acceptance.borsetshire.gov.uk.", True), ("ZO", "other.gov.uk.", False)),
                     {"DNSName": "acceptance.borsetshire.gov.uk.", "MaxItems": "10"})
    r53.add_response("list_hosted_zones_by_name", zones(("ZB", "borsetshire.gov.uk.", False)),
                     {"DNSName": "borsetshire.gov.uk.", "MaxItems": "10"})
    for name in ("gov.uk.",):
        r53.add_response("list_hosted_zones_by_name", zones(), {"DNSName": name, "MaxItems": "10"})
    r53.activate()
    assert dns.hosted_zone(clients.route53, "acceptance.borsetshire.gov.uk") == "ZB"
    with pytest.raises(UserError, match=r"^--domain-suffix: no public Route 53 hosted zone for gov.uk in this account"):
        dns.hosted_zone(clients.route53, "gov.uk")


def test_an_app_with_an_install_step_is_checked_with_its_health_check_and_says_why():
    """The suite prints install steps and does not run them: an uninstalled app cannot pass a
    smoke request that proves it is installed, so it gets the health check, and a note."""
    nc = resolve(f"nextcloud@{NC_OLD}")[0]
    assert smoke.requests_for(nc) == (list(nc.smoke) or [smoke.engine.health_request(nc)], "")
    wp = resolve("wordpress")[0]
    requests, note = smoke.requests_for(wp)
    assert [(r.path, r.status) for r in requests] == [("/wp-login.php", "200,302")]
    assert note == f"{wp.ref}'s smoke check needs its install step, which the suite does not run: its web health check instead"


def test_every_catalogue_app_is_the_default_and_an_unknown_one_is_refused():
    assert parse_apps("") == tuple(sorted(p.name for p in (ROOT / "blueprints").iterdir() if (p / "1.0.0.yaml").exists()))
    assert parse_apps(" nextcloud , wordpress ") == ("nextcloud", "wordpress")
    with pytest.raises(UserError, match=r"^--apps: unknown app 'nope'; the catalogue has alfresco, "):
        parse_apps("nextcloud,nope")


# --- before anything is created: one error line, exit 2 ----------------------------------------


def bare_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PULUMI_", "COUNCILKIT_ACCEPTANCE"))}
    (tmp_path / "home").mkdir(exist_ok=True)
    (tmp_path / "empty-bin").mkdir(exist_ok=True)
    return {**env, "HOME": str(tmp_path / "home"), "PATH": str(tmp_path / "empty-bin"), **extra}


def acceptance(tmp_path, env, *args):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/acceptance", "-p", "no:cacheprovider",
         "--acceptance-out", str(tmp_path / "out"), *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def test_without_the_pulumi_cli_one_error_line_exit_2_and_nothing_written(tmp_path):
    result = acceptance(tmp_path, bare_env(tmp_path, PULUMI_CONFIG_PASSPHRASE="x", AWS_PROFILE="sandbox"),
                        "--apps", "nextcloud", "--domain-suffix", SUFFIX)
    assert result.returncode == 2
    assert result.stderr == f"error: {automation.MISSING_CLI}\n"
    assert result.stdout == ""
    assert not (tmp_path / "out").exists()


def test_without_aws_credentials_one_error_line_before_pulumi_is_called(tmp_path):
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    calls = tmp_path / "pulumi-calls"
    (bin_dir / "pulumi").write_text(f"#!/bin/sh\necho \"$@\" >> {calls}\nexit 1\n")
    (bin_dir / "pulumi").chmod(0o755)
    result = acceptance(tmp_path, bare_env(tmp_path, PATH=str(bin_dir), PULUMI_CONFIG_PASSPHRASE="x"),
                        "--apps", "nextcloud,wordpress", "--domain-suffix", SUFFIX)
    assert result.returncode == 2
    assert result.stderr == f"error: {CLOUDS['aws'].credentials_missing({})}\n"
    assert not calls.exists() and not (tmp_path / "out").exists()


@pytest.mark.parametrize(("args", "message"), [
    (("--apps", "nope", "--domain-suffix", SUFFIX), "--apps: unknown app 'nope'; the catalogue has "),
    (("--apps", "nextcloud"), "--domain-suffix (or COUNCILKIT_ACCEPTANCE_DOMAIN_SUFFIX) is not set: "),
])
def test_bad_options_are_one_error_line(tmp_path, args, message):
    result = acceptance(tmp_path, bare_env(tmp_path), *args)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {message}") and result.stderr.count("\n") == 1


def test_make_test_does_not_collect_the_acceptance_suite_but_make_acceptance_does(tmp_path):
    makefile = (ROOT / "Makefile").read_text()
    [recipe] = re.findall(r"^test: .*\n\t(.+)$", makefile, re.M)
    assert recipe == "$(BIN)/python -m pytest -q", "make test names no folder: testpaths and collect_ignore decide"
    # make test's collection (same rootdir, testpaths and conftest), minus the top-level files,
    # which only make it slower: whatever is left is what collect_ignore lets through.
    everything_but = ["--ignore-glob", str(ROOT / "tests" / "test_*.py")]
    normal = subprocess.run([sys.executable, "-m", "pytest", "-q", "--collect-only", "-p", "no:cacheprovider",
                             *everything_but], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert "acceptance" not in normal.stdout, normal.stdout
    assert "no tests collected" in normal.stdout
    [acc] = re.findall(r"^acceptance: .*\n\t(.+?) \\$", makefile, re.M)
    assert acc.startswith("$(BIN)/python -m pytest tests/acceptance ")
    named = subprocess.run([sys.executable, "-m", "pytest", "-q", "--collect-only", "-p", "no:cacheprovider",
                            "tests/acceptance", "--apps", "nextcloud", "--domain-suffix", SUFFIX],
                           capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert [line for line in named.stdout.splitlines() if "::" in line] == [
        f"tests/acceptance/test_sandbox.py::test_phase[nextcloud-{p}]" for p in PHASES]


def test_the_readmes_run_cost_is_councilkits_estimate_of_every_trial_for_an_hour():
    from decimal import Decimal

    from acceptance.cost import HOURS_PER_MONTH

    section = (ROOT / "README.md").read_text().split("## Real-cloud acceptance tests", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([^|*]+?) \| £([\d.]+) \| £([\d.]+) \|$", section, re.M)
    expected, hourly_total = [], Decimal(0)
    for app in parse_apps(""):
        d, plan = planned(app, "aws", "trial")
        monthly = estimate(plan.resources, cloud="aws", region=d.region, tier="trial").total_gbp
        hourly_total += monthly / HOURS_PER_MONTH
        expected.append((f"`{app}`", str(monthly), str((monthly / HOURS_PER_MONTH).quantize(Decimal("0.001")))))
    assert rows == expected
    assert f"| **All seven, about an hour each** | | **about £{hourly_total.quantize(Decimal('0.01'))}** |" in section


def test_what_the_suite_reads_from_a_stack_is_what_the_aws_stack_exports_and_tags():
    """The names the run relies on, from a real offline plan: the outputs it reads after `up`,
    the stack's own log group (the leftovers prefix), tags on the database and the certificate
    (found by tag and by domain), and snapshot identifiers RDS accepts."""
    d, plan = planned("nextcloud", "aws", "trial")
    assert {"url", "load_balancer_dns", "cluster"} <= set(plan.outputs)
    assert plan.outputs["url"] == f"https://{d.domain}"
    groups = plan.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert f"/councilkit/{d.stack_name}" in [g.inputs.get("name") for g in groups]
    wanted = {f["Key"]: f["Values"][0] for f in acc_aws.tag_filters(d)}
    assert all(wanted.items() <= g.inputs["tags"].items() for g in groups), "each is found by its tags after up"
    db = plan.one("aws:rds/instance:Instance")
    assert wanted.items() <= db.inputs["tags"].items()
    assert db.inputs["copyTagsToSnapshot"] is True and db.inputs["skipFinalSnapshot"] is True
    cert = plan.one("aws:acm/certificate:Certificate")
    assert (cert.inputs["domainName"], cert.inputs["validationMethod"]) == (d.domain, "DNS")
    snapshot = acc_aws.snapshot_id("12021500abcd", "localgov-drupal")
    assert re.fullmatch(r"[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}(?<!-)", snapshot)


def test_smoke_that_cannot_connect_says_so_and_a_redirect_is_judged_not_followed(web):
    base, routes, seen = web
    from councilkit.blueprints.model import SmokeRequest

    x = SmokeRequest(path="/x", status="200", why="it answers")
    with pytest.raises(smoke.NotHealthy, match=r"^GET http://127\.0\.0\.1:1/x: NewConnectionError: .* after \d+ tries "
                                               r"in \d+ s \(it answers\)$"):
        smoke.check("http://127.0.0.1:1", [x], timeout=0.05, every=0.01)
    routes["/redirects"] = 302
    [answer] = smoke.check(base, [SmokeRequest(path="/redirects", status="200,302", why="it answers")], timeout=1, every=0.01)
    assert (answer.status, answer.attempts) == (302, 1)


def test_a_failed_up_is_still_destroyed_and_what_it_made_is_checked(world, tmp_path, monkeypatch):
    from pulumi.automation import CommandError

    def failing_up(self, **kwargs):
        self.world.timeline.append(f"up failed {app_of(self.name)}")
        raise CommandError("code: 255\n stdout: \n stderr: error: creating RDS instance: AccessDenied\n")

    monkeypatch.setattr(FakeStack, "up", failing_up)
    d = deployment("nextcloud")
    clients, stubs = stubbed()
    stubs["route53"].add_response("list_hosted_zones_by_name", {
        "HostedZones": [{"Id": f"/hostedzone/{ZONE}", "Name": f"{SUFFIX}.", "CallerReference": "r"}],
        "IsTruncated": False, "MaxItems": "10"})
    stubs["acm"].add_response("list_certificates", {"CertificateSummaryList": []})  # may be asked once
    group = f"/councilkit/{d.stack_name}"
    stubs["tagging"].add_response("get_resources", {"ResourceTagMappingList": [
        {"ResourceARN": f"arn:aws:logs:eu-west-2:111122223333:log-group:{group}"}]},
        {"TagFilters": acc_aws.tag_filters(d), "ResourceTypeFilters": ["rds:db", "logs:log-group"]})
    stubs["tagging"].add_response("get_resources", {"ResourceTagMappingList": []}, {"TagFilters": acc_aws.tag_filters(d)})
    stubs["logs"].add_response("describe_log_groups", {"logGroups": [{"logGroupName": group}]}, {"logGroupNamePrefix": group})
    stubs["rds"].add_client_error("describe_db_snapshots", "DBSnapshotNotFound")
    for stub in stubs.values():
        stub.activate()
    options = Options(apps=("nextcloud",), domain_suffix=SUFFIX, out=tmp_path / "out", run_id=RUN_ID,
                      poll_every=10, leftover_wait=0)
    console = __import__("rich.console", fromlist=["Console"]).Console(file=io.StringIO())
    [app] = runner.run(options, clients, console).apps
    for name in ("route53", "tagging", "logs", "rds"):
        stubs[name].assert_no_pending_responses()
    assert [(p.phase, p.status) for p in app.phases] == [
        ("create", PASSED), ("up", FAILED), ("smoke", NOT_RUN), ("upgrade", NOT_RUN), ("backup", NOT_RUN),
        ("destroy", PASSED), ("leftovers", FAILED)]
    stack = d.stack_name
    assert app.phase("up").message == f"pulumi up of {stack} failed: creating RDS instance: AccessDenied"
    assert world.timeline[-2:] == ["up failed nextcloud", "destroy nextcloud"]
    assert app.phase("leftovers").message == f"1 left after destroy: log group {group} (the stack's own) was not deleted"
