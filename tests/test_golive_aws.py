"""`councilkit up` on AWS goes live in steps: certificate, image, app.

The Automation API is faked at its boundary (as in test_lifecycle.py): the fake stack keeps a
state that grows with each update, built from the offline plan of the same folder. ACM and
ECR answer through botocore Stubbers, and the go-live clock is fake, so waits are instant.
"""

from __future__ import annotations

from types import SimpleNamespace

import botocore.session
import pytest
from botocore.stub import Stubber

from councilkit.cli import automation, golive, smoke
from councilkit.cli.newstack import new_stack
from councilkit.stacks.aws import golive as aws_golive
from councilkit.stacks.aws.cloud import APP_PHASE, CERTIFICATE_PHASE, IMAGE_PHASE
from councilkit.stacks.cloud import CLOUDS, WHOLE_STACK

ANSWERS = dict(cloud="aws", tier="trial", council="Borsetshire County Council",
               domain="files.borsetshire.gov.uk", contact="it@borsetshire.gov.uk")
CERT_ARN = "arn:aws:acm:eu-west-2:123456789012:certificate/0f3c1d2e-aaaa-bbbb-cccc-1234567890ab"
RECORD = {"resourceRecordName": "_3f1c.files.borsetshire.gov.uk.", "resourceRecordType": "CNAME",
          "resourceRecordValue": "_9a8b.xlfgrmvvlj.acm-validations.aws."}
REPO_URL = "123456789012.dkr.ecr.eu-west-2.amazonaws.com/councilkit/borsetshire-county-council/localgov-drupal-trial"
_PLANS: dict = {}
from councilkit.cli.planning import plan_deployment as real_plan  # noqa: E402  (before any monkeypatch)

from fake_smoke import working_app
from helpers import run_main, read_at_first_sleep


def cached_plan(d):
    """The real offline plan of the folder, once per stack (a plan takes seconds)."""
    if d.stack_name not in _PLANS:
        _PLANS[d.stack_name] = real_plan(d)
    return _PLANS[d.stack_name]


def state_outputs(r, domain: str) -> dict:
    extra = {
        "aws:acm/certificate:Certificate": {"arn": CERT_ARN, "domainName": domain,
                                            "domainValidationOptions": [{"domainName": domain, **RECORD}]},
        "aws:ecr/repository:Repository": {"repositoryUrl": REPO_URL},
    }.get(r.type, {})
    return {"name": f"{r.name}-0c1d2e3", **r.inputs, **extra}  # names not given are autonamed


class FakeStack:
    """A stack whose state is the plan's resources each update has created so far."""

    def __init__(self, plan, log, domain):
        self.plan, self.log, self.domain = plan, log, domain
        self.state: dict[str, dict] = {}
        self.fail_whole_stack = None
        self.never_created: set[str] = set()  # types a stack of an older councilkit does not have

    def outputs(self):
        return {}

    def up(self, **kwargs):
        from pulumi.automation import OutputValue

        self.log.append(("up", kwargs.get("target")))
        if kwargs.get("target") is None and self.fail_whole_stack:
            raise self.fail_whole_stack
        chosen = set(kwargs["target"]) if kwargs.get("target") else {r.urn for r in self.plan.resources}
        for r in self.plan.resources:
            if r.urn in chosen and r.type not in self.never_created:
                self.state[r.urn] = {"urn": r.urn, "type": r.type, "parent": r.parent,
                                     "outputs": state_outputs(r, self.domain)}
        outputs = {k: OutputValue(v, False) for k, v in self.plan.outputs.items()} if not kwargs.get("target") else {}
        return type("UpResult", (), {"outputs": outputs})()

    def export_stack(self):
        from pulumi.automation import Deployment

        self.log.append(("export_stack",))
        return Deployment(version=3, deployment={"resources": list(self.state.values())})


def stubbed(service: str, region: str = "eu-west-2"):
    client = botocore.session.get_session().create_client(
        service, region_name=region, aws_access_key_id="test", aws_secret_access_key="test")
    stub = Stubber(client)
    stub.activate()
    return client, stub


class Clock:
    def __init__(self, log):
        self.t, self.log = 0.0, log

    def now(self):
        return self.t

    def sleep(self, seconds):
        self.log.append(("sleep", seconds))
        self.t += seconds


@pytest.fixture
def world(monkeypatch, tmp_path):
    """A folder, a fake Automation API holding one FakeStack, stubbed AWS clients, a fake clock,
    and a smoke check that answers 200 (tests/test_golive.py checks a real HTTP server)."""
    import pulumi.automation as auto

    from councilkit.cli import planning

    log: list = []
    stacks: dict = {}
    clients: dict = {}

    def make(app="nextcloud", **answers):
        folder = new_stack(app, **{**ANSWERS, **answers}, folder=str(tmp_path / app)).path
        return folder

    def open_(stack_name, work_dir=None, opts=None, **kwargs):
        if stack_name not in stacks:
            d = automation.open_folder(work_dir).deployment()
            stacks[stack_name] = FakeStack(cached_plan(d), log, d.domain)
        return stacks[stack_name]

    def client(service, region):
        log.append(("client", service))
        if service == "ce":  # Cost Explorer is global, in us-east-1 (stacks/aws/billing.py)
            assert region == "us-east-1"
            ce, stub = clients["ce"]
            stub.add_response("update_cost_allocation_tags_status", {"Errors": []},
                              {"CostAllocationTagsStatus": [{"TagKey": "stack", "Status": "Active"}]})
            return ce
        assert region == "eu-west-2"
        return clients[service][0]

    for service in ("acm", "ecr", "ecs", "elbv2", "logs"):
        clients[service] = stubbed(service)
    clients["ce"] = stubbed("ce", "us-east-1")
    monkeypatch.setattr(auto, "create_or_select_stack", open_)
    monkeypatch.setattr(planning, "plan_deployment", cached_plan)
    monkeypatch.setattr(automation.shutil, "which", lambda name: "/opt/pulumi/bin/pulumi")
    monkeypatch.setattr(aws_golive, "client", client)
    clock = Clock(log)
    monkeypatch.setattr(golive, "CLOCK", clock)
    monkeypatch.setattr(smoke, "FETCH", working_app(log))
    monkeypatch.setattr(golive, "RESOLVE", lambda host: {"203.0.113.10"})
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse")
    monkeypatch.setenv("AWS_PROFILE", "council")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "400")  # rich wraps stderr at 80 columns otherwise
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    return SimpleNamespace(log=log, stacks=stacks, stub=lambda s: clients[s][1], make=make, clock=clock)


def main(argv, capsys):
    return run_main(argv, capsys)


def acm_status(stub, *statuses, reason=None):
    for status in statuses:
        detail = {"CertificateArn": CERT_ARN, "DomainName": ANSWERS["domain"], "Status": status}
        if reason:
            detail["FailureReason"] = reason
        stub.add_response("describe_certificate", {"Certificate": detail}, {"CertificateArn": CERT_ARN})


def ups(log):
    return [target for call, *rest in log if call == "up" for target in rest]


# --- the phases -------------------------------------------------------------------------------


def test_aws_goes_live_certificate_first_image_only_for_built_apps_and_the_whole_stack_last():
    from councilkit.blueprints.deployment import build_deployment

    aws = CLOUDS["aws"]
    assert aws.go_live_phases(build_deployment("nextcloud", cloud="aws", tier="trial")) == [CERTIFICATE_PHASE, APP_PHASE]
    for app in ("localgov-drupal", "suitecrm"):
        assert aws.go_live_phases(build_deployment(app, cloud="aws", tier="production")) == [
            CERTIFICATE_PHASE, IMAGE_PHASE, APP_PHASE]
    assert APP_PHASE.target_types is None and APP_PHASE.smoke


def test_the_certificate_phase_targets_the_certificate_its_component_and_its_provider_only(plan_of):
    """A --target update fails when a targeted resource's parent or dependency is not created
    (pulumi step_generator.go, "untargeted create"): the Edge component must be listed; the
    certificate's validation and the listener (which wait for DNS) must not."""
    d, plan = plan_of("nextcloud", "aws", "trial")
    stack = d.stack_name
    assert golive.targets(plan, CERTIFICATE_PHASE.target_types) == sorted([
        f"urn:pulumi:{stack}::councilkit::councilkit:aws:Edge$aws:acm/certificate:Certificate::nextcloud-cert",
        f"urn:pulumi:{stack}::councilkit::pulumi:pulumi:Stack$councilkit:aws:Edge::nextcloud",
        f"urn:pulumi:{stack}::councilkit::pulumi:pulumi:Stack$pulumi:providers:aws::aws",
    ])


def test_every_targeted_resource_comes_with_everything_it_needs(plan_of):
    d, plan = plan_of("localgov-drupal", "aws", "production")
    index = plan.by_urn()
    for phase in (CERTIFICATE_PHASE, IMAGE_PHASE):
        chosen = set(golive.targets(plan, phase.target_types))
        assert chosen
        for urn in chosen:
            r = index[urn]
            needs = {r.parent, *r.dependencies, *(u for us in r.property_dependencies.values() for u in us),
                     r.provider.rpartition("::")[0]}
            assert {u for u in needs if u in index} <= chosen, urn
    image = {index[u].type for u in golive.targets(plan, IMAGE_PHASE.target_types)}
    assert {"aws:ecr/repository:Repository", "aws:ecr/lifecyclePolicy:LifecyclePolicy", "councilkit:aws:Registry"} <= image
    assert "aws:ecs/service:Service" not in image and "aws:lb/loadBalancer:LoadBalancer" not in image


# --- certificate ------------------------------------------------------------------------------


def test_first_up_shows_and_writes_the_records_before_waiting_and_goes_on_once_issued(world, capsys):
    folder = world.make()
    seen_at_first_wait = read_at_first_sleep(world.clock, folder / "DNS-RECORDS.md")
    acm_status(world.stub("acm"), "PENDING_VALIDATION", "PENDING_VALIDATION", "ISSUED")
    code, out, err = main(["up", str(folder)], capsys)
    assert code == 0, err
    first, last = ups(world.log)
    assert first == golive.targets(cached_plan(automation.open_folder(folder).deployment()), CERTIFICATE_PHASE.target_types)
    assert last is None, "then the whole stack"
    line = "CNAME _3f1c.files.borsetshire.gov.uk. _9a8b.xlfgrmvvlj.acm-validations.aws."
    assert line in err
    assert err.index(line) < err.index("done: ISSUED") < err.index("✓ 200 https://files.borsetshire.gov.uk/status.php")
    # Once the app answers, the budget's cost allocation tag is activated (stacks/aws/billing.py).
    assert "budget: cost allocation tag stack is active" in err + out
    written = seen_at_first_wait[0]
    assert "| CNAME | `_3f1c.files.borsetshire.gov.uk.` | `_9a8b.xlfgrmvvlj.acm-validations.aws.` |" in written
    assert [c for c in world.log if c[0] == "sleep"] == [("sleep", 60.0), ("sleep", 60.0)], "ACM's own waiter delay"
    world.stub("acm").assert_no_pending_responses()
    assert "admin user: admin (from NEXTCLOUD_ADMIN_USER)" in err
    assert "admin password: the `admin-password` secret" in err
    assert "url: https://files.borsetshire.gov.uk" in out


def test_a_wait_that_runs_out_exits_3_says_what_to_do_and_keeps_the_records(world, capsys):
    folder = world.make()
    acm_status(world.stub("acm"), *["PENDING_VALIDATION"] * 3)
    code, _, err = main(["up", str(folder), "--dns-wait", "2"], capsys)
    assert code == 3
    assert ups(world.log) == [ups(world.log)[0]] and ups(world.log)[0], "the whole stack never started"
    text = " ".join(err.split())
    assert ("waiting on the council: the validation record for files.borsetshire.gov.uk is not visible to ACM "
            f"yet after 2 min; the records are in {folder / 'DNS-RECORDS.md'}") in text
    assert f"run `councilkit up {folder}` again to continue" in text
    assert "_9a8b.xlfgrmvvlj.acm-validations.aws." in (folder / "DNS-RECORDS.md").read_text()
    assert world.clock.t == 120


def test_dns_wait_0_shows_the_records_checks_once_and_stops(world, capsys):
    folder = world.make()
    acm_status(world.stub("acm"), "PENDING_VALIDATION")
    code, _, err = main(["up", str(folder), "--dns-wait", "0"], capsys)
    assert code == 3 and "_3f1c.files.borsetshire.gov.uk." in err
    assert not [c for c in world.log if c[0] == "sleep"]


def test_the_next_up_with_the_certificate_issued_skips_straight_to_the_app(world, capsys):
    folder = world.make()
    acm_status(world.stub("acm"), "PENDING_VALIDATION")
    assert main(["up", str(folder), "--dns-wait", "0"], capsys)[0] == 3
    world.log.clear()
    acm_status(world.stub("acm"), "ISSUED")
    code, _, err = main(["up", str(folder)], capsys)
    assert code == 0, err
    assert ups(world.log) == [None], "no targeted update, no wait: only the whole stack"
    err = " ".join(err.split())
    assert "phase certificate: nothing to do, the certificate for files.borsetshire.gov.uk is already ISSUED" in err
    assert not [c for c in world.log if c[0] == "sleep"]


@pytest.mark.parametrize("status,why", [("FAILED", "CAA_ERROR"),
                                        ("VALIDATION_TIMED_OUT", "ACM stopped looking for the record after 72 hours")])
def test_a_certificate_that_cannot_be_issued_is_one_line_with_how_to_recover(world, capsys, status, why):
    folder = world.make()
    acm_status(world.stub("acm"), status, reason="CAA_ERROR" if status == "FAILED" else None)
    code, _, err = main(["up", str(folder)], capsys)
    assert code == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"error: the certificate for files.borsetshire.gov.uk is {status} ({why}); "
                           "it cannot be issued now: request a new one with `cd ")
    assert "pulumi up -s borsetshire-county-council-nextcloud-trial --target-replace " in last
    assert "aws:acm/certificate:Certificate::nextcloud-cert" in last and last.endswith("then run `councilkit up` again")


# --- image ------------------------------------------------------------------------------------


def test_the_image_is_built_after_its_repository_and_before_the_service(world, capsys, monkeypatch):
    folder = world.make("localgov-drupal", domain="www.borsetshire.gov.uk")
    acm_status(world.stub("acm"), "ISSUED")  # after the certificate phase's update

    real_up = FakeStack.up

    def builder_in_state(self, **kwargs):
        """The builder's project in the state after the image phase, whether or not the plan has
        it yet (stacks/aws/builder.py is another piece of work)."""
        result = real_up(self, **kwargs)
        if kwargs.get("target") and any("Registry" in u for u in kwargs["target"]):
            urn = "urn:pulumi:s::councilkit::councilkit:aws:Builder$aws:codebuild/project:Project::localgov-drupal-build"
            self.state.setdefault(urn, {"urn": urn, "type": "aws:codebuild/project:Project", "outputs": {"name": "b"}})
        return result

    monkeypatch.setattr(FakeStack, "up", builder_in_state)
    built = []

    def build_and_push(state_resources, image_dir, region, tag, console):
        world.log.append(("build_and_push",))
        built.append((sorted(r["type"] for r in state_resources), image_dir, region, tag))
        return f"{REPO_URL}:{tag}"

    monkeypatch.setattr(aws_golive, "build_and_push", build_and_push)
    code, _, err = main(["up", str(folder)], capsys)
    assert code == 0, err
    order = [c[0] if c[0] != "up" else ("up", "whole" if c[1] is None else len(c[1])) for c in world.log
             if c[0] in ("up", "build_and_push")]
    assert order[-2:] == ["build_and_push", ("up", "whole")]
    types, image_dir, region, tag = built[0]
    assert "aws:codebuild/project:Project" in types and "aws:ecr/repository:Repository" in types
    assert "aws:ecs/service:Service" not in types, "the service does not exist yet"
    assert (image_dir, region, tag) == (folder / "image", "eu-west-2", "4.0.5-councilkit-1.0.1")
    assert f"image {REPO_URL}:4.0.5-councilkit-1.0.1 is in ECR" in err


def without_builder(world, folder):
    d = automation.open_folder(folder).deployment()
    stack = FakeStack(cached_plan(d), world.log, d.domain)
    stack.never_created = {"aws:codebuild/project:Project"}
    world.stacks[d.stack_name] = stack


def test_without_a_builder_up_prints_the_docker_commands_and_stops_before_the_service(world, capsys):
    folder = world.make("localgov-drupal", domain="www.borsetshire.gov.uk")
    without_builder(world, folder)
    acm_status(world.stub("acm"), "ISSUED")
    code, _, err = main(["up", str(folder)], capsys)
    assert code == 3
    assert None not in ups(world.log), "the whole stack (the service) is not created"
    text = " ".join(err.split())
    assert ("aws ecr get-login-password --region eu-west-2 | docker login --username AWS --password-stdin "
            "123456789012.dkr.ecr.eu-west-2.amazonaws.com") in text
    # localgov-drupal@1.0.1 builds Dockerfile-1.0.1, named by its absolute path.
    assert (f"docker build -f {(folder / 'image').resolve() / 'Dockerfile-1.0.1'} "
            f"--build-arg BASE_IMAGE=php:8.3-apache-bookworm --build-arg LOCALGOV_PROJECT_VERSION=4.0.0 "
            f"--build-arg LOCALGOV_VERSION=4.0.5") in text
    assert f"-t {REPO_URL}:4.0.5-councilkit-1.0.1 {folder / 'image'}" in text
    assert f"docker push {REPO_URL}:4.0.5-councilkit-1.0.1" in text
    assert f"waiting on the council: image {REPO_URL}:4.0.5-councilkit-1.0.1 is not in ECR yet" in text


def test_an_image_already_in_ecr_skips_the_image_phase(world, capsys):
    folder = world.make("localgov-drupal", domain="www.borsetshire.gov.uk")
    without_builder(world, folder)
    acm_status(world.stub("acm"), "ISSUED")
    assert main(["up", str(folder)], capsys)[0] == 3, "no builder yet: the council pushes the image"
    world.log.clear()
    acm_status(world.stub("acm"), "ISSUED")
    world.stub("ecr").add_response("describe_images", {"imageDetails": [{"imageTags": ["4.0.5-councilkit-1.0.1"]}]},
                                   {"repositoryName": "councilkit/borsetshire-county-council/localgov-drupal-trial",
                                    "imageIds": [{"imageTag": "4.0.5-councilkit-1.0.1"}]})
    code, _, err = main(["up", str(folder)], capsys)
    assert code == 0, err
    assert ups(world.log) == [None]
    err = " ".join(err.split())
    assert f"phase image: nothing to do, image {REPO_URL}:4.0.5-councilkit-1.0.1 is already in ECR" in err
    world.stub("ecr").assert_no_pending_responses()


# --- the app ----------------------------------------------------------------------------------


def test_the_smoke_check_asks_the_domain_for_the_web_health_check_through_the_load_balancer(plan_of):
    from councilkit.stacks.cloud import GoLive

    d, plan = plan_of("nextcloud", "aws", "trial")
    live = GoLive(d, None, None, lambda: [])
    target = CLOUDS["aws"].smoke_target(live, plan.outputs)
    hc = d.blueprint.web.health_check
    assert target.url == f"https://{d.domain}{hc.path}" and hc.host_header
    assert target.healthy_codes == hc.healthy_codes == "200", "the real answer, not the ALB's 400 allowance"
    assert target.via == plan.outputs["load_balancer_dns"]
    assert (target.record.type, target.record.name, target.record.value) == ("CNAME", d.domain, target.via)


def test_a_failed_app_update_says_what_is_failing_from_ecs_the_target_group_and_the_logs(world, capsys):
    from pulumi.automation import CommandError

    folder = world.make()
    acm_status(world.stub("acm"), "ISSUED")
    code, _, err = main(["up", str(folder), "--dns-wait", "0"], capsys)
    assert code == 0, err
    fake = next(iter(world.stacks.values()))
    fake.fail_whole_stack = CommandError("code: 255\n stdout: \n stderr: error: waiting for ECS service to be stable: timeout\n")
    acm_status(world.stub("acm"), "ISSUED")
    stub_diagnostics(world, fake)
    code, _, err = main(["up", str(folder)], capsys)
    assert code == 2
    assert "what is failing:" in err
    for line in DIAGNOSTIC_LINES:
        assert line in err, line
    assert err.strip().splitlines()[-1].startswith("error: pulumi up of borsetshire-county-council-nextcloud-trial failed")


DIAGNOSTIC_LINES = [
    "ECS service nextcloud-web-0c1d2e3: 0 of 1 tasks running; its latest events:",
    "10:05:00 (service nextcloud-web-0c1d2e3) has started 1 tasks: (task 1a2b).",
    "stopped task 1a2b: Essential container in task exited",
    "container web: exit code 1, OutOfMemoryError: Container killed due to memory usage",
    "load balancer target 10.0.1.20:80 is unhealthy: Target.ResponseCodeMismatch (Health checks failed with these codes: [500])",
    "last 2 log lines of web (/councilkit/borsetshire-county-council-nextcloud-trial):",
    "PHP Fatal error: Allowed memory size exhausted",
]


def stub_diagnostics(world, fake):
    """ECS, ELBv2 and Logs answers for one failing web service."""
    import datetime as dt

    from botocore.stub import ANY

    state = fake.state.values()
    cluster = next(r["outputs"]["name"] for r in state if r["type"] == "aws:ecs/cluster:Cluster")
    names = sorted(r["outputs"]["name"] for r in state if r["type"] == "aws:ecs/service:Service")
    tg = next(r for r in state if r["type"] == "aws:lb/targetGroup:TargetGroup")
    tg["outputs"]["arn"] = "arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/ck-x/1"
    task = "arn:aws:ecs:eu-west-2:123456789012:task/c/1a2b"
    ecs = world.stub("ecs")
    ecs.add_response("describe_services", {"services": [
        {"serviceName": n, "runningCount": 0, "desiredCount": 1, "events": [
            {"id": "1", "createdAt": dt.datetime(2026, 12, 2, 10, 5), "message": f"(service {n}) has started 1 tasks: (task 1a2b)."},
            {"id": "0", "createdAt": dt.datetime(2026, 12, 2, 10, 0), "message": f"(service {n}) was unable to place a task."},
        ]} for n in names]}, {"cluster": cluster, "services": names})
    for n in names:
        ecs.add_response("list_tasks", {"taskArns": [task]}, {"cluster": cluster, "serviceName": n, "desiredStatus": "STOPPED"})
        ecs.add_response("describe_tasks", {"tasks": [{"taskArn": task, "stoppedReason": "Essential container in task exited",
                                                        "containers": [{"name": "web", "exitCode": 1,
                                                                        "reason": "OutOfMemoryError: Container killed due to memory usage"}]}]},
                         {"cluster": cluster, "tasks": [task]})
    world.stub("elbv2").add_response("describe_target_health", {"TargetHealthDescriptions": [
        {"Target": {"Id": "10.0.1.20", "Port": 80}, "TargetHealth": {
            "State": "unhealthy", "Reason": "Target.ResponseCodeMismatch",
            "Description": "Health checks failed with these codes: [500]"}}]}, {"TargetGroupArn": tg["outputs"]["arn"]})
    world.stub("logs").add_response("filter_log_events", {"events": [
        {"timestamp": 1, "message": "AH00094: Command line: 'apache2 -D FOREGROUND'\n"},
        {"timestamp": 2, "message": "PHP Fatal error: Allowed memory size exhausted\n"}]},
        {"logGroupName": "/councilkit/borsetshire-county-council-nextcloud-trial", "logStreamNamePrefix": "web/",
         "startTime": ANY})


def missing_needs(plan, chosen: set[str]) -> set[str]:
    """What the engine would refuse as an "untargeted create": a parent, dependency or provider
    of a targeted resource that is neither targeted nor the root stack."""
    index = plan.by_urn()
    missing = set()
    for urn in chosen:
        r = index[urn]
        needs = {r.parent, *r.dependencies, *(u for us in r.property_dependencies.values() for u in us),
                 r.provider.rpartition("::")[0]}
        missing |= {u for u in needs if u in index} - chosen
    return missing


def test_the_needs_check_catches_a_target_list_without_the_parent_component(plan_of):
    d, plan = plan_of("nextcloud", "aws", "trial")
    chosen = set(golive.targets(plan, CERTIFICATE_PHASE.target_types))
    assert missing_needs(plan, chosen) == set()
    edge = next(u for u in chosen if u.endswith("$councilkit:aws:Edge::nextcloud"))
    assert missing_needs(plan, chosen - {edge}) == {edge}, "planted: the component left out"


def test_the_image_phase_targets_the_builder_component_by_its_own_type():
    from councilkit.stacks.aws.image_build import BUILDER_TYPE

    assert BUILDER_TYPE in IMAGE_PHASE.target_types and aws_golive.BUILDER == BUILDER_TYPE
