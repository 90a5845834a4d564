"""`councilkit up` on Azure goes live in steps: domain, image, identity, app.

The Automation API is faked at its boundary (as in test_golive_aws.py): the fake stack's state
grows with each update, built from the offline plan of the same folder. DNS answers through a
fake lookup, the Azure CLI through a fake runner, and both go-live clocks are fake.
"""

from __future__ import annotations

import subprocess
from types import SimpleNamespace

import pytest

from councilkit.blueprints.deployment import build_deployment
from councilkit.cli import automation, golive, smoke
from councilkit.cli.newstack import new_stack
from councilkit.stacks.azure import golive as azure_golive
from councilkit.stacks.azure.cloud import (APP_PHASE, DOMAIN_PHASE, DOMAIN_PHASE_PRODUCTION, IDENTITY_PHASE,
                                           IMAGE_PHASE, LINK_PHASE)
from councilkit.stacks.cloud import CLOUDS, GoLive

from fake_smoke import working_app
from helpers import run_main, read_at_first_sleep

ANSWERS = dict(cloud="azure", tier="trial", council="Borsetshire County Council",
               domain="files.borsetshire.gov.uk", contact="it@borsetshire.gov.uk")
VERIFICATION = "7C5D2A1B9E8F4A3B2C1D0E9F8A7B6C5D4E3F2A1B0C9D8E7F6A5B4C3D2E1F0A9B"
DEFAULT_DOMAIN = "wonderfulsea-1a2b3c4d.uksouth.azurecontainerapps.io"
FRONT_DOOR = "fd-borsetshire-abcdefgh.z01.azurefd.net"
ENVIRONMENT_NAME = "environment-env1a2b3c4"
T0 = 1_796_000_000.0  # the fake wall clock's start (2026-11-30)
_PLANS: dict = {}
from councilkit.cli.planning import plan_deployment as real_plan  # noqa: E402  (before any monkeypatch)


def cached_plan(d):
    if d.stack_name not in _PLANS:
        _PLANS[d.stack_name] = real_plan(d)
    return _PLANS[d.stack_name]


def iso(t: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.1234567Z")


class FakeStack:
    """A stack whose state is the plan's resources each update has created so far; role
    assignments get `createdOn` from the fake wall clock, as Azure stamps them."""

    def __init__(self, plan, log, clock):
        self.plan, self.log, self.clock = plan, log, clock
        self.state: dict[str, dict] = {}

    def outputs(self):
        return {}

    def _outputs(self, r):
        extra = {
            "azure-native:app:ManagedEnvironment": {
                "name": ENVIRONMENT_NAME, "defaultDomain": DEFAULT_DOMAIN,
                "customDomainConfiguration": {"customDomainVerificationId": VERIFICATION}},
            "azure-native:cdn:AFDEndpoint": {"hostName": FRONT_DOOR},
            "azure-native:authorization:RoleAssignment": {"createdOn": iso(self.clock.t)},
        }.get(r.type, {})
        return {**r.inputs, **extra}

    def up(self, **kwargs):
        from pulumi.automation import OutputValue

        target = kwargs.get("target")
        self.log.append(("up", target))
        chosen = set(target) if target else {r.urn for r in self.plan.resources}
        for r in self.plan.resources:
            if r.urn in chosen and r.urn not in self.state:
                self.state[r.urn] = {"urn": r.urn, "type": r.type, "parent": r.parent, "outputs": self._outputs(r)}
        outputs = {k: OutputValue(v, False) for k, v in self.plan.outputs.items()} if not target else {}
        return type("UpResult", (), {"outputs": outputs})()

    def export_stack(self):
        from pulumi.automation import Deployment

        return Deployment(version=3, deployment={"resources": list(self.state.values())})


class Clock:
    def __init__(self, log, t=0.0):
        self.t, self.log = t, log

    def now(self):
        return self.t

    def sleep(self, seconds):
        self.log.append(("sleep", seconds))
        self.t += seconds


class Dns:
    """Published records: (type, name) → values; `publish_after` seconds on the clock."""

    def __init__(self, clock):
        self.clock, self.records, self.asked = clock, {}, []

    def publish(self, rtype, name, value, at=0.0):
        self.records[(rtype, name)] = (value, at)

    def lookup(self, name, rtype):
        self.asked.append((rtype, name))
        value, at = self.records.get((rtype, name), (None, 0))
        return [value] if value is not None and self.clock.t >= at else []


@pytest.fixture
def world(monkeypatch, tmp_path):
    import pulumi.automation as auto

    from councilkit.cli import planning

    log: list = []
    stacks: dict = {}
    up_clock = Clock(log)
    wall = Clock(log, T0)
    dns = Dns(up_clock)
    az = SimpleNamespace(images=set(), calls=[], installed=True, signed_out=False, connections=[], approvals=[])

    def make(app="nextcloud", **answers):
        return new_stack(app, **{**ANSWERS, **answers}, folder=str(tmp_path / app)).path

    def open_(stack_name, work_dir=None, opts=None, **kwargs):
        if stack_name not in stacks:
            d = automation.open_folder(work_dir).deployment()
            stacks[stack_name] = FakeStack(cached_plan(d), log, wall)
        return stacks[stack_name]

    def run(argv, **kwargs):
        az.calls.append(argv)
        if argv[1:3] == ["account", "show"]:
            return subprocess.CompletedProcess(argv, 1 if az.signed_out else 0, "", "ERROR: Please run 'az login'")
        if argv[1:4] == ["network", "private-endpoint-connection", "list"]:
            import json

            return subprocess.CompletedProcess(argv, 0, json.dumps(az.connections), "")
        if argv[1:4] == ["network", "private-endpoint-connection", "approve"]:
            conn = next(c for c in az.connections if c["id"] == argv[argv.index("--id") + 1])
            az.approvals.append(conn["id"])
            conn["properties"]["privateLinkServiceConnectionState"]["status"] = "Approved"
            return subprocess.CompletedProcess(argv, 0, "{}", "")
        image = argv[argv.index("--image") + 1]
        return subprocess.CompletedProcess(argv, 0 if image in az.images else 3, "", "ERROR: manifest unknown")

    monkeypatch.setattr(auto, "create_or_select_stack", open_)
    monkeypatch.setattr(planning, "plan_deployment", cached_plan)
    monkeypatch.setattr(automation.shutil, "which", lambda name: f"/usr/bin/{name}" if name != "az" or az.installed else None)
    monkeypatch.setattr(azure_golive.shutil, "which", lambda name: "/usr/bin/az" if az.installed else None)
    monkeypatch.setattr(azure_golive, "RUN", run)
    monkeypatch.setattr(azure_golive, "LOOKUP", dns.lookup)
    monkeypatch.setattr(azure_golive, "CLOCK", wall)
    monkeypatch.setattr(golive, "CLOCK", up_clock)
    monkeypatch.setattr(smoke, "FETCH", working_app(log))
    monkeypatch.setattr(golive, "RESOLVE", lambda host: {"203.0.113.10"})
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse")
    monkeypatch.setenv("ARM_CLIENT_ID", "00000000-0000-0000-0000-000000000001")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    return SimpleNamespace(log=log, stacks=stacks, make=make, clock=up_clock, wall=wall, dns=dns, az=az)


def main(argv, capsys):
    return run_main(argv, capsys)


def ups(log):
    return [target for call, *rest in log if call == "up" for target in rest]


def phase_of(plan, target, phases):
    """Which phase a targeted update was (its URNs are exactly that phase's targets)."""
    return next(p.name for p in phases if p.target_types and golive.targets(plan, p.target_types) == target)


def web_fqdn(d):
    from councilkit.stacks.azure import names

    return f"{names.container_app(d, d.blueprint.web.name)}.{DEFAULT_DOMAIN}"


def publish_all(world, d, at=0.0):
    if not d.production:
        world.dns.publish("TXT", f"asuid.{d.domain}", VERIFICATION, at)
    world.dns.publish("CNAME", d.domain, (FRONT_DOOR if d.production else web_fqdn(d)) + ".", at)


# --- the phases -------------------------------------------------------------------------------


@pytest.mark.parametrize("app,tier,phases", [
    ("nextcloud", "trial", [DOMAIN_PHASE, IDENTITY_PHASE, APP_PHASE]),
    ("nextcloud", "production", [DOMAIN_PHASE_PRODUCTION, LINK_PHASE, IDENTITY_PHASE, APP_PHASE]),
    ("localgov-drupal", "trial", [DOMAIN_PHASE, IMAGE_PHASE, IDENTITY_PHASE, APP_PHASE]),
    ("localgov-drupal", "production", [DOMAIN_PHASE_PRODUCTION, IMAGE_PHASE, LINK_PHASE, IDENTITY_PHASE, APP_PHASE]),
])
def test_azure_goes_live_domain_first_image_for_built_apps_identity_then_everything(app, tier, phases):
    assert CLOUDS["azure"].go_live_phases(build_deployment(app, cloud="azure", tier=tier)) == phases
    assert APP_PHASE.target_types is None and APP_PHASE.smoke


@pytest.mark.parametrize("app,tier", [("nextcloud", "trial"), ("localgov-drupal", "production")])
def test_each_targeted_phase_brings_what_it_needs_and_no_app(plan_of, app, tier):
    d, plan = plan_of(app, "azure", tier)
    index = plan.by_urn()
    for phase in CLOUDS["azure"].go_live_phases(d)[:-1]:
        chosen = set(golive.targets(plan, phase.target_types))
        assert chosen, phase.name
        for urn in chosen:
            r = index[urn]
            needs = {r.parent, *r.dependencies, *(u for us in r.property_dependencies.values() for u in us),
                     r.provider.rpartition("::")[0]}
            assert {u for u in needs if u in index} <= chosen, (phase.name, urn)
        types = {index[u].type for u in chosen}
        assert not types & {"azure-native:app:ContainerApp", "azure-native:app:Job",
                            "azure-native:app:ManagedCertificate"}, phase.name
    domain = {index[u].type for u in golive.targets(plan, CLOUDS["azure"].go_live_phases(d)[0].target_types)}
    assert {"azure-native:resources:ResourceGroup", "azure-native:app:ManagedEnvironment"} <= domain
    assert ("azure-native:cdn:AFDEndpoint" in domain) == d.production
    assert "azure-native:cdn:AFDCustomDomain" not in domain, "the domain's own validation waits for DNS"


# --- defect 4: the apps after every secret and the role assignment ---------------------------------


@pytest.mark.parametrize("app,tier", [("nextcloud", "trial"), ("localgov-drupal", "production")])
def test_every_app_is_created_after_the_secrets_it_references_and_the_role_assignment(plan_of, app, tier):
    d, plan = plan_of(app, "azure", tier)
    secrets = {r.inputs["secretName"]: r for r in plan.of_type("azure-native:keyvault:Secret")}
    reader = next(r for r in plan.of_type("azure-native:authorization:RoleAssignment")
                  if r.name.endswith("apps-read"))
    apps = plan.of_type("azure-native:app:ContainerApp") + plan.of_type("azure-native:app:Job")
    assert apps and secrets
    for a in apps:
        referenced = [s["keyVaultUrl"].rsplit("/", 1)[-1] for s in a.inputs["configuration"].get("secrets") or []]
        assert referenced, a.name
        for name in referenced:
            assert plan.created_before(secrets[name], a), (name, a.name)
        assert plan.created_before(reader, a), a.name


def test_the_order_check_catches_an_app_that_does_not_wait_for_its_secrets(plan_of):
    """Planted: the web app's dependencies without the Secrets component and its children."""
    import dataclasses

    d, plan = plan_of("nextcloud", "azure", "trial")
    web = next(a for a in plan.of_type("azure-native:app:ContainerApp") if a.name.endswith("-web"))
    secret = plan.of_type("azure-native:keyvault:Secret")[0]
    assert plan.created_before(secret, web)
    under = {r.urn for r in plan.resources if "councilkit:azure:Secrets" in r.urn}
    cut = dataclasses.replace(web, dependencies=[u for u in web.dependencies if u not in under])
    index = {r.urn: r for r in plan.resources}
    index[web.urn] = cut
    broken = dataclasses.replace(plan, resources=[index[r.urn] for r in plan.resources])
    assert not broken.created_before(secret, cut)


# --- defect 2: the records first, written, waited for, resumed ---------------------------------


def test_first_up_shows_and_writes_the_records_before_waiting_then_binds_the_domain(world, capsys):
    folder = world.make()
    d = automation.open_folder(folder).deployment()
    publish_all(world, d, at=120)  # seen on the third look
    seen_at_first_wait = read_at_first_sleep(world.clock, folder / "DNS-RECORDS.md")
    code, out, err = main(["up", str(folder)], capsys)
    assert code == 0, err
    plan = cached_plan(d)
    phases = CLOUDS["azure"].go_live_phases(d)
    assert [phase_of(plan, t, phases) if t else "app" for t in ups(world.log)] == ["domain", "identity", "app"]
    txt = f"TXT asuid.files.borsetshire.gov.uk {VERIFICATION}"
    cname = f"CNAME files.borsetshire.gov.uk {web_fqdn(d)}"
    assert txt in err and cname in err
    assert err.index(txt) < err.index("done: every record is visible in DNS") < err.index("role assignments: in effect")
    assert err.index("role assignments: in effect") < err.index("✓ 200 https://files.borsetshire.gov.uk/status.php")
    written = seen_at_first_wait[0]
    assert f"| TXT | `asuid.files.borsetshire.gov.uk` | `{VERIFICATION}` |" in written
    assert f"| CNAME | `files.borsetshire.gov.uk` | `{web_fqdn(d)}` |" in written
    assert [e[1] for e in world.log if e[0] == "sleep"][:2] == [60.0, 60.0], "DNS polled once a minute"
    assert "url: https://files.borsetshire.gov.uk" in out


def test_a_dns_wait_that_runs_out_exits_3_before_any_app_and_the_next_up_resumes(world, capsys):
    folder = world.make()
    d = automation.open_folder(folder).deployment()
    world.dns.publish("TXT", f"asuid.{d.domain}", VERIFICATION)  # the CNAME is still missing
    code, _, err = main(["up", str(folder), "--dns-wait", "2"], capsys)
    assert code == 3
    assert len(ups(world.log)) == 1 and ups(world.log)[0], "only the domain phase ran"
    text = " ".join(err.split())
    assert (f"waiting on the council: the DNS records for {d.domain} are not visible yet after 2 min; "
            f"the records are in {folder / 'DNS-RECORDS.md'}") in text
    assert ("CNAME", d.domain) in world.dns.asked and ("TXT", f"asuid.{d.domain}") in world.dns.asked
    assert web_fqdn(d) in (folder / "DNS-RECORDS.md").read_text()
    assert world.clock.t == 120
    state = world.stacks[d.stack_name].state.values()
    assert not [r for r in state if r["type"].startswith("azure-native:app:Container")], "no app yet"

    world.log.clear()
    publish_all(world, d)
    code, _, err = main(["up", str(folder), "--dns-wait", "2"], capsys)
    assert code == 0, err
    err = " ".join(err.split())
    assert f"phase domain: nothing to do, the records for {d.domain} are already visible in DNS" in err
    plan = cached_plan(d)
    assert [phase_of(plan, t, CLOUDS["azure"].go_live_phases(d)) if t else "app" for t in ups(world.log)] == [
        "identity", "app"]


def test_production_records_are_the_cname_to_front_door_only(world, capsys):
    folder = world.make(tier="production")
    code, _, err = main(["up", str(folder), "--dns-wait", "0"], capsys)
    assert code == 3
    assert f"CNAME files.borsetshire.gov.uk {FRONT_DOOR}" in err
    written = (folder / "DNS-RECORDS.md").read_text()
    assert f"| CNAME | `files.borsetshire.gov.uk` | `{FRONT_DOOR}` |" in written
    assert "asuid" not in written and "asuid" not in err, "the web app binds no domain in production"
    assert not [c for c in world.log if c[0] == "sleep"]


def test_records_are_matched_as_dns_returns_them(monkeypatch):
    from councilkit.stacks.outputs import DnsRecord

    answers = {("TXT", "asuid.x.gov.uk"): ['"ABC"'], ("CNAME", "x.gov.uk"): ["App.Example.IO."]}
    monkeypatch.setattr(azure_golive, "LOOKUP", lambda name, rtype: answers.get((rtype, name), []))
    assert azure_golive.visible(DnsRecord("TXT", "asuid.x.gov.uk", "ABC"))
    assert azure_golive.visible(DnsRecord("CNAME", "x.gov.uk", "app.example.io"))
    assert not azure_golive.visible(DnsRecord("TXT", "asuid.x.gov.uk", "ABD")), "planted: a wrong value"


def test_txt_and_cname_are_read_with_the_machines_own_resolver(monkeypatch):
    """dnspython reads TXT through the system resolver; nothing is asked of a third party."""
    import dns.resolver

    asked = []

    def resolve(name, rtype):
        asked.append((name, rtype))
        if rtype == "TXT":
            return [SimpleNamespace(strings=(b"AB", b"C"))]
        return [SimpleNamespace(target=SimpleNamespace(to_text=lambda: "app.example.io."))]

    monkeypatch.setattr(dns.resolver, "resolve", resolve)
    assert azure_golive.lookup("asuid.x.gov.uk", "TXT") == ["ABC"]
    assert azure_golive.lookup("x.gov.uk", "CNAME") == ["app.example.io."]
    assert asked == [("asuid.x.gov.uk", "TXT"), ("x.gov.uk", "CNAME")]


def test_a_name_not_published_yet_reads_as_nothing(monkeypatch):
    import dns.resolver

    def resolve(name, rtype):
        raise dns.resolver.NXDOMAIN()

    monkeypatch.setattr(dns.resolver, "resolve", resolve)
    assert azure_golive.lookup("asuid.x.gov.uk", "TXT") == []


# --- defect 3: the image before the apps ----------------------------------------------------------


def test_a_built_app_stops_after_the_registry_with_the_acr_build_command_and_resumes(world, capsys):
    folder = world.make("localgov-drupal", domain="www.borsetshire.gov.uk")
    d = automation.open_folder(folder).deployment()
    publish_all(world, d)
    code, _, err = main(["up", str(folder)], capsys)
    assert code == 3
    plan = cached_plan(d)
    phases = CLOUDS["azure"].go_live_phases(d)
    assert [phase_of(plan, t, phases) for t in ups(world.log)] == ["domain", "image"], "no app, no identity wait"
    state = world.stacks[d.stack_name].state.values()
    assert {"azure-native:containerregistry:Registry"} <= {r["type"] for r in state}
    assert not [r for r in state if r["type"] == "azure-native:app:ContainerApp"]
    text = " ".join(err.split())
    registry = next(r for r in plan.of_type("azure-native:containerregistry:Registry")).inputs["registryName"]
    image = f"{d.app_id}:4.0.5-councilkit-1.0.1"
    import shlex

    command = next(line.strip() for line in err.splitlines() if line.strip().startswith("az acr build"))
    argv = shlex.split(command)
    assert argv[:7] == ["az", "acr", "build", "--registry", registry, "--image", image]
    build = next(c.build for c in d.blueprint.containers if c.build)
    wanted = {"BASE_IMAGE": "php:8.3-apache-bookworm", **build.args}
    assert [argv[i + 1] for i, x in enumerate(argv) if x == "--build-arg"] == [f"{k}={v}" for k, v in wanted.items()]
    assert "LOCALGOV_VERSION=4.0.5" in argv and argv[-1] == str(folder / "image")
    assert argv[argv.index("--file") + 1] == build.dockerfile == "Dockerfile-1.0.1"  # localgov-drupal@1.0.1
    assert f"waiting on the council: image {registry.lower()}.azurecr.io/{image} is not in the registry yet" in text

    world.log.clear()
    world.az.images.add(image)  # the council ran az acr build
    code, _, err = main(["up", str(folder)], capsys)
    assert code == 0, err
    assert [phase_of(plan, t, phases) if t else "app" for t in ups(world.log)] == ["identity", "app"]
    assert world.az.calls[-1] == ["az", "acr", "repository", "show", "--name", registry, "--image", image,
                                  "--output", "none"]
    text = " ".join(err.split())
    assert f"phase image: nothing to do, image {registry.lower()}.azurecr.io/{image} is already in the registry" in text


def test_the_image_reference_the_apps_pull_is_the_one_acr_build_pushes(plan_of):
    d, plan = plan_of("localgov-drupal", "azure", "trial")
    registry = plan.of_type("azure-native:containerregistry:Registry")[0].inputs["registryName"]
    web = next(a for a in plan.of_type("azure-native:app:ContainerApp") if a.name.endswith("-web"))
    pulled = web.inputs["template"]["containers"][0]["image"]
    assert pulled == f"{registry.lower()}.azurecr.io/{azure_golive.image_name(d)}"


# --- defect 4: the bounded wait for the role assignments -------------------------------------


def test_the_identity_phase_waits_at_most_ten_minutes_with_progress_and_is_skipped_once_old(world, capsys):
    folder = world.make()
    d = automation.open_folder(folder).deployment()
    publish_all(world, d)
    code, _, err = main(["up", str(folder)], capsys)
    assert code == 0, err
    waited = [e[1] for e in world.log if e[0] == "sleep"]
    assert sum(waited) == 600 and max(waited) <= 30, "ten minutes in visible steps"
    assert "waiting up to 10 min for the role assignments to take effect" in err

    world.log.clear()
    world.wall.t += 60  # the next up, a minute after the first one finished
    code, _, err = main(["up", str(folder)], capsys)
    assert code == 0, err
    assert "phase identity: nothing to do" in " ".join(err.split())
    assert not [c for c in world.log if c[0] == "sleep"]


def test_a_role_assignment_made_minutes_ago_waits_only_for_the_rest(monkeypatch):
    wall = Clock([], T0)
    monkeypatch.setattr(azure_golive, "CLOCK", wall)
    state = [{"type": "azure-native:authorization:RoleAssignment", "outputs": {"createdOn": iso(T0 - 420)}},
             {"type": "azure-native:authorization:RoleAssignment", "outputs": {"createdOn": iso(T0 - 900)}}]
    live = GoLive(build_deployment("nextcloud", cloud="azure", tier="trial"), None, None, lambda: state)
    assert azure_golive.propagation_left(live) == 180
    state[0]["outputs"]["createdOn"] = None
    assert azure_golive.propagation_left(live) == 600, "no createdOn: counted as made now"


# --- the app ------------------------------------------------------------------------------------


@pytest.mark.parametrize("tier,via", [("trial", "web"), ("production", FRONT_DOOR)])
def test_the_smoke_check_goes_through_the_web_app_or_front_door(tier, via):
    d = build_deployment("nextcloud", cloud="azure", tier=tier, domain=ANSWERS["domain"])
    state = [{"type": "azure-native:app:ManagedEnvironment", "outputs": {"defaultDomain": DEFAULT_DOMAIN}},
             {"type": "azure-native:cdn:AFDEndpoint", "outputs": {"hostName": FRONT_DOOR}}]
    target = CLOUDS["azure"].smoke_target(GoLive(d, None, None, lambda: state), {})
    hc = d.blueprint.web.health_check
    assert target.url == f"https://{d.domain}{hc.path}" and target.healthy_codes == hc.healthy_codes
    assert target.via == (web_fqdn(d) if via == "web" else via)


def test_the_plan_shows_the_environments_verification_id_as_the_asuid_value(plan_of):
    d, plan = plan_of("nextcloud", "azure", "trial")
    asuid = next(r for r in plan.outputs["dns_records"] if r["name"] == f"asuid.{d.domain}")
    assert asuid["value"] == "mock-verification-id", "the environment's customDomainVerificationId"


@pytest.mark.parametrize("tier", ["trial", "production"])
def test_the_runbook_says_up_prints_writes_and_waits_for_the_records(tier):
    d = build_deployment("nextcloud", cloud="azure", tier=tier, domain=ANSWERS["domain"])
    steps = CLOUDS["azure"].runbook(d, d.stack_name)["dns_steps"]
    text = " ".join(s["text"] for s in steps)
    assert ("`asuid." in text) == (tier == "trial"), "production binds no domain on the web app"
    assert "DNS-RECORDS.md" in text and "exit code 3" in text and "pulumi preview" not in text
    if tier == "trial":
        assert f"`asuid.{d.domain}` (the environment's domain verification id)" in text
        assert steps[0]["command"].endswith(
            "--query \"[0].properties.customDomainConfiguration.customDomainVerificationId\" -o tsv")
