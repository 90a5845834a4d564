"""The Azure acceptance suite (tests/acceptance, CLOUD=azure), run offline against fakes.

Pulumi is faked where councilkit meets it (`pulumi.automation.create_or_select_stack` /
`select_stack`, as in test_acceptance_orchestration.py) by a stack that builds its state from the
folder's offline plan, so councilkit's real Azure go-live phases run on it: domain → image →
identity → app, each a targeted update, with the records read from the state. Every `az` call
(the suite's and the go-live's) goes to one fake Azure CLI holding a DNS zone, resource groups,
tagged resources and soft-deleted Key Vaults; councilkit's DNS lookups read that zone. One run of
LocalGov Drupal, trial and production, shows the phase order, that the records are published
while `up` waits for them, the image build `up` asks for, the re-creation with the same answers,
what the destroys keep and delete, and what is written.
"""

from __future__ import annotations

import http.server
import io
import json
import re
import shlex
import shutil
import subprocess
import sys
import threading
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from acceptance import az as azcli
from acceptance import azure_steps, runner
from acceptance.azure_dns import Publisher, records_in
from acceptance.config import Options
from acceptance.dns import Record
from acceptance.results import FAILED, NOT_RUN, PASSED
from fake_smoke import every_text, working_app
from councilkit.cli import automation
from councilkit.cli import golive as cli_golive
from councilkit.cli import smoke as cli_smoke
from councilkit.stacks.azure import golive as azure_golive
from councilkit.stacks.azure import names
from councilkit.stacks.azure.offline import azure_outputs
from councilkit.stacks.cloud import CLOUDS, CouncilAction
from councilkit.stacks.outputs import DnsRecord

pytestmark = pytest.mark.usefixtures("no_cloud_questions")  # destroy asks no cloud in tests

ROOT = Path(__file__).resolve().parent.parent
RUN_ID = "12021500abcd"
SUFFIX = "acc.example.gov.uk"
ZONE = "example.gov.uk"  # the suffix's parent: record names are relative to it
ZONE_GROUP = "rg-dns"
SUB = "11111111-2222-3333-4444-555555555555"
COUNCIL = f"Acceptance Test Council {RUN_ID}"
CREATED_ON = "2026-12-02T15:00:00.0000000Z"
PHASES = azure_steps.PHASES
APP = "localgov-drupal"  # builds its image: the image phase runs


def console():
    from rich.console import Console

    return Console(file=io.StringIO(), width=200)


# --- the fakes --------------------------------------------------------------------------------


class World:
    """What Azure holds and what the fakes saw, in order."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.timeline: list[str] = []
        self.argv: list[list[str]] = []  # every `az` call
        self.records: dict[tuple[str, str], list[str]] = {}
        self.groups: set[str] = set()
        self.tagged: dict[str, list[str]] = {}  # stack → resource ids
        self.deleted_vaults: list[dict] = []
        self.images: set[str] = set()
        self.state: dict[str, dict[str, dict]] = {}
        self.outputs: dict[str, dict] = {}
        self.history: dict[str, list] = {}
        self.config: dict[str, set] = {}
        self.incarnation: dict[str, int] = {}
        self.plans: dict[str, object] = {}
        self.fail_app_phase = False
        self.drift = False  # a second whole-stack `up` changes something
        self.leave_tagged = ""  # a resource id a destroy leaves behind
        self.signed_out = False
        self.approved_links: set[str] = set()  # stacks whose Front Door connection `up` approved
        self.lock = threading.Lock()

    def lookup(self, name: str, rtype: str) -> list[str]:
        with self.lock:
            return list(self.records.get((name.lower().rstrip("."), rtype), []))


def key_of(d) -> str:
    return f"{d.app_id}-{d.tier}"


def flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def fake_az(world: World):
    def run(argv, capture_output=True, text=True, timeout=None):
        world.argv.append(list(argv))
        args = list(argv[1:])
        for opt in ("--subscription", "--output"):
            if opt in args:
                i = args.index(opt)
                assert opt != "--subscription" or args[i + 1] == SUB
                del args[i:i + 2]
        head = " ".join(args[:5])

        def ok(value=None):
            return subprocess.CompletedProcess(argv, 0, json.dumps(value) if value is not None else "", "")

        def err(message):
            return subprocess.CompletedProcess(argv, 1, "", f"ERROR: {message}\n")

        if head.startswith("account show"):
            return err("Please run 'az login' to setup account.") if world.signed_out else ok(
                {"id": SUB, "tenantId": "t", "state": "Enabled", "user": {"name": "tester@example.org"}})
        if head.startswith("network dns zone list"):
            return ok([{"name": "other.example.org", "resourceGroup": "rg-x"}, {"name": ZONE, "resourceGroup": ZONE_GROUP}])
        if head.startswith("network dns record-set"):
            rtype, verb = args[3].upper(), args[4]
            assert (flag(args, "--resource-group"), flag(args, "--zone-name")) == (ZONE_GROUP, ZONE)
            fqdn = f"{flag(args, '--record-set-name')}.{ZONE}"
            value = flag(args, "--value" if rtype == "TXT" else "--cname")
            with world.lock:
                values = world.records.setdefault((fqdn, rtype), [])
                if verb == "remove-record":
                    values.remove(value)
                else:
                    values[:] = [*values, value] if rtype == "TXT" else [value]
            world.timeline.append(f"dns {'-' if verb == 'remove-record' else '+'} {rtype} {fqdn.split('.')[0]}")
            return ok({})
        if head.startswith("group exists"):
            return ok(flag(args, "--name").lower() in world.groups)
        if head.startswith("resource list"):
            stack = flag(args, "--tag").split("=", 1)[1]
            return ok([{"id": i, "name": i.rsplit("/", 1)[1]} for i in world.tagged.get(stack, [])])
        if head.startswith("keyvault list-deleted"):
            return ok(world.deleted_vaults)
        if head.startswith("acr build"):
            world.images.add(f"{flag(args, '--registry')}/{flag(args, '--image')}")
            world.timeline.append("acr build")
            return ok()
        if head.startswith("backup item list"):  # `--output tsv`: one name a line
            world.timeline.append("az backup item list")
            return subprocess.CompletedProcess(argv, 0, "AzureFileShare;files\n", "")
        if head.startswith(("backup vault", "backup protection")):
            assert "<" not in " ".join(args), "every placeholder was filled in"
            world.timeline.append(f"az {' '.join(args[:3])}")
            return ok()
        if head.startswith("group delete"):
            name = flag(args, "--name")
            world.groups.discard(name.lower())
            for stack, ids in world.tagged.items():
                world.tagged[stack] = [i for i in ids if f"/resourceGroups/{name}/" not in i]
            world.timeline.append(f"az group delete {name.rsplit('-', 1)[1]}")
            return ok()
        if head.startswith("network private-endpoint-connection list"):  # Front Door's request, pending once
            stack = flag(args, "--resource-group")[len("rg-"):]
            state = "Approved" if stack in world.approved_links else "Pending"
            return ok([{"id": f"/pec/{stack}", "name": "fd", "properties": {"privateLinkServiceConnectionState": {
                "status": state, "description": f"councilkit: Front Door for {stack}"}}}])
        if head.startswith("network private-endpoint-connection approve"):
            world.approved_links.add(flag(args, "--id").rsplit("/", 1)[1])
            world.timeline.append("az private link approve")
            return ok({})
        if head.startswith("acr repository show"):
            present = f"{flag(args, '--name')}/{flag(args, '--image')}" in world.images
            return ok() if present else err("repository not found")
        return err(f"the fake Azure CLI does not know `az {head}`")  # e.g. containerapp diagnosis

    return run


PHASE_OF = (("identity", "azure-native:keyvault:Secret"), ("image", "azure-native:containerregistry:Registry"),
            ("domain", "azure-native:app:ManagedEnvironment"))


class FakeStack:
    """A Pulumi stack whose state is the folder's offline plan, created phase by phase."""

    def __init__(self, name: str, work_dir: str, world: World):
        self.name, self.work_dir, self.world = name, work_dir, world

    def _deployment(self):
        from councilkit.cli.stackdir import open_folder

        return open_folder(self.work_dir).deployment()

    def _plan(self, d):
        from councilkit.cli.planning import plan_deployment

        if self.name not in self.world.plans:
            self.world.plans[self.name] = plan_deployment(d)
        return self.world.plans[self.name]

    def up(self, target=None, **kwargs):
        from pulumi.automation import CommandError, OutputValue

        w, d = self.world, self._deployment()
        key = key_of(d)
        config = w.config.setdefault(self.name, set())
        if target is not None and automation.RELEASE_PROTECTION in config:
            w.timeline.append(f"up {key} release protection")
            return type("UpResult", (), {"outputs": {}})()
        plan = self._plan(d)
        urns = set(target) if target is not None else {r.urn for r in plan.resources}
        by_type = {r.type for r in plan.resources if r.urn in urns}
        phase = next((p for p, t in PHASE_OF if t in by_type), "?") if target is not None else "app"
        w.timeline.append(f"up {key} {phase}")
        if phase == "app" and w.fail_app_phase:
            raise CommandError("code: 255\n stdout: \n stderr: error: creating Container App: ContainerAppOperationError\n")
        state = w.state.setdefault(self.name, {})
        fresh = [r for r in plan.resources if r.urn in urns and r.urn not in state]
        for r in fresh:
            outputs = azure_outputs(r.type, r.name, dict(r.inputs))
            if r.type == "azure-native:authorization:RoleAssignment":
                outputs["createdOn"] = CREATED_ON
            state[r.urn] = {"urn": r.urn, "type": r.type, "parent": r.parent, "outputs": outputs}
        history = w.history.setdefault(self.name, [])
        changes = {"create": len(fresh), "same": len(urns) - len(fresh)}
        if phase == "app" and not fresh and w.drift:
            changes = {"update": 2, "same": len(urns) - 2}
        history.append(types.SimpleNamespace(kind="update", resource_changes={k: v for k, v in changes.items() if v}))
        if phase != "app":
            return type("UpResult", (), {"outputs": {}})()
        n = w.incarnation.get(self.name, 0)
        outputs = {**plan.outputs, "url": f"{w.base_url}/{key}", "key_vault": f"kv-{key}-{n}"}
        group = names.resource_group(d)
        w.groups.add(group.lower())
        w.tagged[d.stack_name] = [f"/subscriptions/{SUB}/resourceGroups/{group}/providers/Microsoft.App/containerApps/web"]
        if "backup_vault" in outputs:
            outputs |= {"backup_vault": f"rsv-{key}-{n}", "backup_resource_group": f"rg-{d.stack_name}-backup-{n}"}
            w.groups.add(outputs["backup_resource_group"].lower())
            w.tagged[d.stack_name].append(f"/subscriptions/{SUB}/resourceGroups/{outputs['backup_resource_group']}"
                                          f"/providers/Microsoft.RecoveryServices/vaults/{outputs['backup_vault']}")
        w.outputs[self.name] = outputs
        return type("UpResult", (), {"outputs": {k: OutputValue(v, False) for k, v in outputs.items()}})()

    def outputs(self):
        from pulumi.automation import OutputValue

        return {k: OutputValue(v, False) for k, v in self.world.outputs.get(self.name, {}).items()}

    def export_stack(self):
        return types.SimpleNamespace(version=3, deployment={"resources": list(self.world.state.get(self.name, {}).values())})

    def history(self, **kwargs):
        return list(reversed(self.world.history.get(self.name, [])))

    def destroy(self, **kwargs):
        w, d = self.world, self._deployment()
        purge = automation.DELETE_BACKUPS in w.config.get(self.name, set())
        w.timeline.append(f"destroy {key_of(d)}" + (" --delete-backups" if purge else ""))
        outputs = w.outputs.pop(self.name, {})
        state = w.state.pop(self.name, {})
        vault = outputs.get("key_vault") or next((r["outputs"]["vaultName"] for r in state.values()
                                                  if r["type"] == "azure-native:keyvault:Vault"), None)
        if vault:  # soft-deleted, with its tags (REST Vaults - List Deleted)
            w.deleted_vaults.append({"name": vault, "properties": {
                "tags": {"stack": d.stack_name}, "deletionDate": "2026-12-02T16:00:00Z",
                "scheduledPurgeDate": "2026-12-09T16:00:00Z", "purgeProtectionEnabled": True}})
        w.groups.discard(names.resource_group(d).lower())
        kept = [] if purge else [i for i in w.tagged.get(d.stack_name, []) if "-backup-" in i]
        if purge and outputs.get("backup_resource_group"):
            w.groups.discard(outputs["backup_resource_group"].lower())
        w.tagged[d.stack_name] = kept + [i for i in w.tagged.get(d.stack_name, []) if i not in kept and w.leave_tagged
                                         and i.endswith(w.leave_tagged)]
        w.incarnation[self.name] = w.incarnation.get(self.name, 0) + 1

    def set_config(self, key, value, *args, **kwargs):
        self.world.config.setdefault(self.name, set()).add(key)

    def remove_config(self, key, *args, **kwargs):
        self.world.config.setdefault(self.name, set()).discard(key)


@pytest.fixture(scope="module")
def web():
    """The suite's own smoke target: every path answers `status` (200 unless a test says), a
    200 with every text the catalogue's smoke requests look for (tests/fake_smoke.py)."""
    status = {"code": 200}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = every_text() if status["code"] == 200 else b""
            self.send_response(status["code"])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", status
    server.shutdown()
    server.server_close()


def patched(web, monkeypatch, tmp_path) -> World:
    import time

    import pulumi.automation as auto

    w = World(web[0])

    def opener(stack_name, work_dir=None, opts=None, **kwargs):
        return FakeStack(stack_name, work_dir, w)

    real_which = shutil.which
    monkeypatch.setattr(auto, "create_or_select_stack", opener)
    monkeypatch.setattr(auto, "select_stack", opener)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: f"/opt/bin/{name}" if name in ("pulumi", "az")
                        else real_which(name, *a, **k))
    monkeypatch.setattr(azcli, "RUN", fake_az(w))
    monkeypatch.setattr(azure_golive, "RUN", fake_az(w))
    monkeypatch.setattr(azure_golive, "LOOKUP", w.lookup)
    created = azure_golive._created(CREATED_ON)
    monkeypatch.setattr(azure_golive, "CLOCK", azure_golive.Clock(now=lambda: created + 3600, sleep=lambda s: None))
    # councilkit's own waits poll quickly; the DNS wait ends only when the zone has the records.
    monkeypatch.setattr(cli_golive, "CLOCK", cli_golive.Clock(now=time.monotonic, sleep=lambda s: time.sleep(0.005)))
    monkeypatch.setattr(cli_golive, "RESOLVE", lambda host: set())
    # `up`'s check of the domain is answered as a working app would; the suite's own check of
    # the `url` output goes to the web fixture on 127.0.0.1.
    monkeypatch.setattr(cli_smoke, "FETCH", working_app(local=True))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse")
    monkeypatch.setenv("ARM_SUBSCRIPTION_ID", "")  # preflight sets it; restored after
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home" / ".azure").mkdir(parents=True)
    (tmp_path / "home" / ".azure" / "azureProfile.json").write_text("{}")  # what `az login` leaves
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    return w


def options(tmp_path: Path, apps=(APP,), tiers=("trial",)) -> Options:
    return Options(apps=apps, domain_suffix=SUFFIX, out=tmp_path / "out", run_id=RUN_ID, region="uksouth",
                   cloud="azure", tiers=tiers, subscription=SUB, poll_every=0.01, smoke_timeout=2,
                   leftover_wait=0, dns_wait_minutes=1)


@pytest.fixture(scope="module")
def azure_run(web, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("azure")
    with pytest.MonkeyPatch.context() as monkeypatch:
        world = patched(web, monkeypatch, tmp_path)
        opts = options(tmp_path, tiers=("trial", "production"))
        result = runner.run(opts, None, console())
        yield result, opts, world


# --- one run: LocalGov Drupal, trial and production --------------------------------------------


def test_every_phase_passes_in_order_for_each_tier(azure_run):
    result, _, world = azure_run
    assert [a.app for a in result.apps] == [f"{APP}-trial", f"{APP}-production"]
    for app in result.apps:
        assert [(p.phase, p.status) for p in app.phases] == [(p, PASSED) for p in PHASES], app.phases
    assert result.ok
    assert world.outputs == {}, "every stack was destroyed"


def test_records_are_published_while_up_waits_and_the_image_is_built_when_up_asks(azure_run):
    _, _, world = azure_run
    first = world.timeline[: world.timeline.index(f"up {APP}-trial app") + 1]
    assert first == [
        f"up {APP}-trial domain",
        "dns + TXT asuid", f"dns + CNAME {APP}-trial-{RUN_ID}",  # from DNS-RECORDS.md, while `up` waits for them
        f"up {APP}-trial image", "acr build",  # `up` stopped (exit 3) for the image; the suite ran the build
        f"up {APP}-trial identity", f"up {APP}-trial app",  # the next `up`: domain and image already done
    ]
    prod = world.timeline[world.timeline.index(f"up {APP}-production app"):][:2]
    assert prod == [f"up {APP}-production app", "dns + TXT _dnsauth"], \
        "Front Door's validation records are in the outputs only: published once `up` has them"


def test_the_image_build_is_the_command_up_printed(azure_run):
    from councilkit.cli.stackdir import open_folder

    result, opts, world = azure_run
    folder = opts.run_dir / "stacks" / f"{APP}-trial"
    d = open_folder(folder).deployment()
    [build] = [a for a in world.argv if a[1:3] == ["acr", "build"]][:1]
    command = azure_golive.acr_build_command(d, folder)
    assert build == [*shlex.split(command), "--subscription", SUB, "--output", "none"]
    assert f"image built as `up` asked, then `up` again: {command}" in result.apps[0].phase("up").details


def test_a_second_up_changes_nothing_and_says_so(azure_run):
    result, _, world = azure_run
    again = result.apps[0].phase("again")
    assert re.fullmatch(r"second `up`: 1 update\(s\), nothing changed \(\d+ resources the same\)", again.message)
    after = world.timeline[world.timeline.index(f"up {APP}-trial app") + 1:]
    assert after[0] == f"up {APP}-trial app", "domain, image and identity are done: only the whole stack runs"


def test_re_creation_with_the_same_answers_gets_a_new_key_vault_and_lists_the_old_one_soft_deleted(azure_run):
    result, opts, world = azure_run
    trial = result.apps[0]
    assert trial.phase("recreate").message.startswith(
        f"`new` + `up` with the same answers: Key Vault kv-{APP}-trial-1 (the destroyed kv-{APP}-trial-0 stays "
        "soft-deleted); GET http://127.0.0.1:")
    assert (opts.run_dir / "stacks" / f"{APP}-trial-again" / "RETIRED.md").is_file()
    left = trial.phase("leftovers")
    assert left.details == [
        f"Key Vault kv-{APP}-trial-{n} soft-deleted on 2026-12-02T16:00:00Z, purged by Azure on 2026-12-09T16:00:00Z "
        "(purge protection: no one can purge it sooner)" for n in (0, 1)]


def test_production_keeps_its_vault_on_a_plain_destroy_and_purge_deletes_both_vaults(azure_run):
    result, opts, world = azure_run
    prod = result.apps[1]
    stack = prod.stack
    assert world.timeline.count(f"destroy {APP}-production") == 1
    assert world.timeline.count(f"destroy {APP}-production --delete-backups") == 1
    assert "kept: Recovery Services vault" in " ".join(prod.phase("destroy").details)
    # The first incarnation's kept vault goes with the commands its RETIRED.md gives, in order,
    # each file-share item the listing printed filled in.
    purge = world.timeline[world.timeline.index(f"destroy {APP}-production --delete-backups") + 1:]
    assert [e for e in purge if e.startswith("az ")] == [
        "az backup vault backup-properties", "az backup item list", "az backup protection undelete",
        "az backup protection disable", "az backup vault delete", "az group delete 0"]
    ran = [x for x in prod.phase("purge").details if x.startswith("ran, as ")]
    retired = json.loads((opts.run_dir / "stacks" / f"{APP}-production" / "retired.json").read_text())
    [vault] = [k for k in retired["kept"] if k["delete"]]
    assert ran == [f"ran, as {APP}-production/RETIRED.md says: " + c.replace("<EACH_ITEM_LISTED>", "'AzureFileShare;files'")
                   for c in vault["delete"]]
    assert prod.phase("purge").message.endswith("; then what the first destroy kept, with RETIRED.md's 6 command(s)")
    assert not {f"rg-{stack}-backup-0", f"rg-{stack}-backup-1"} & world.groups, "both incarnations' vault groups are gone"
    left = prod.phase("leftovers")
    assert left.message == f"nothing of {stack} is left: its resource group is gone and nothing is tagged stack={stack}"
    assert [x.split(" soft-deleted")[0] for x in left.details] == [f"Key Vault kv-{APP}-production-{n}" for n in (0, 1)]
    # Front Door's validation record is only in the outputs: published after `up`, deleted after.
    assert any(d.startswith("DNS record published after up (from the stack's outputs): TXT _dnsauth.")
               for d in prod.phase("up").details)
    assert not any(values for values in world.records.values()), "every record the suite made is deleted"


def test_junit_and_summary_name_each_trial_and_phase_with_cost(azure_run):
    from councilkit.cli.planning import plan_deployment
    from councilkit.cli.stackdir import open_folder
    from councilkit.stacks.cost import estimate

    result, opts, _ = azure_run
    root = ET.parse(opts.run_dir / "junit.xml").getroot()
    cases = root.find("testsuite").findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        (f"acceptance.{APP}-{tier}", p) for tier in ("trial", "production") for p in PHASES]
    assert root.find("testsuite").get("failures") == "0"
    text = (opts.run_dir / "summary.md").read_text()
    assert "- cloud: azure, region: uksouth" in text and "- result: all phases passed" in text
    assert (f"- billed cost, a day later: Cost analysis of the subscription (Azure portal, Cost Management), "
            f"filtered by the tag `council` = `acceptance-test-council-{RUN_ID}`") in text
    d = open_folder(opts.run_dir / "stacks" / f"{APP}-production").deployment()
    monthly = estimate(plan_deployment(d).resources, cloud="azure", region="uksouth", tier="production").total_gbp
    cost = result.apps[1].cost
    assert cost.monthly == monthly and 0 < cost.hours < 1
    assert f"cost: £{cost.gbp} estimated (councilkit list prices: £{monthly}/month" in text
    assert re.search(rf"\| plan \| ✅ passed \| \d+\.\d s \| \d+ resources planned; deployability rules and mandatory "
                     rf"controls pass; £{monthly}/month estimated \|", text)


def test_every_az_command_the_suite_runs_is_pinned(azure_run):
    _, _, world = azure_run
    assert ["az", "account", "show", "--output", "json"] in world.argv, "the CLI's default subscription, unscoped"
    ours = [a for a in world.argv if "--subscription" in a]
    assert all(a in ours or a[1:3] in (["account", "show"], ["acr", "repository"], ["network", "private-endpoint-connection"])
               for a in world.argv), \
        "the suite names the subscription in every other call (`acr repository show` and the Private Link " \
        "approval are councilkit's own go-live)"

    def shape(argv):
        """`az <command words> --flag ...`: the words before the first flag, then each flag once."""
        words = argv[1:argv.index("--subscription")]
        first = next(i for i, w in enumerate(words + ["--"]) if w.startswith("--"))
        return " ".join(words[:first] + list(dict.fromkeys(w for w in words[first:] if w.startswith("--"))))

    assert {shape(a) for a in ours} == {
        "network dns zone list",
        "network dns record-set txt add-record --resource-group --zone-name --record-set-name --value",
        "network dns record-set cname set-record --resource-group --zone-name --record-set-name --cname",
        "network dns record-set txt remove-record --resource-group --zone-name --record-set-name --value",
        "network dns record-set cname remove-record --resource-group --zone-name --record-set-name --cname",
        "acr build --registry --image --build-arg --file",  # localgov-drupal@1.0.1 builds Dockerfile-1.0.1
        "group exists --name",
        "resource list --tag",
        "keyvault list-deleted --resource-type",
        # RETIRED.md's, as councilkit prints them (stacks/azure/cloud.py destroy_keeps)
        "backup vault backup-properties set --name --resource-group --soft-delete-feature-state",
        "backup item list --resource-group --vault-name --backup-management-type --workload-type --query --output",
        "backup protection undelete --resource-group --vault-name --container-name --item-name --backup-management-type "
        "--workload-type",
        "backup protection disable --resource-group --vault-name --container-name --item-name --backup-management-type "
        "--workload-type --delete-backup-data --yes",
        "backup vault delete --name --resource-group --yes",
        "group delete --name --yes",
    }
    assert ["keyvault", "list-deleted", "--resource-type", "vault"] == [a for a in ours if "list-deleted" in a][0][1:5]
    assert all(a[-2:] in (["--output", "json"], ["--output", "none"]) or a[-4:-2] == ["--output", "tsv"] for a in ours)



# --- failures still clean up -------------------------------------------------------------------


def test_a_failed_up_is_still_destroyed_twice_and_checked(web, tmp_path, monkeypatch):
    world = patched(web, monkeypatch, tmp_path)
    world.fail_app_phase = True
    [app] = runner.run(options(tmp_path, apps=("wordpress",)), None, console()).apps
    assert [(p.phase, p.status) for p in app.phases] == [
        ("create", PASSED), ("plan", PASSED), ("up", FAILED), ("smoke", NOT_RUN), ("again", NOT_RUN),
        ("destroy", PASSED), ("recreate", NOT_RUN), ("purge", PASSED), ("leftovers", PASSED)]
    assert app.phase("up").message == ("pulumi up of acceptance-test-council-12021500abcd-wordpress-trial failed: "
                                       "creating Container App: ContainerAppOperationError")
    assert world.timeline[world.timeline.index("up wordpress-trial app"):] == [
        "up wordpress-trial app", "destroy wordpress-trial",
        "dns - TXT asuid", f"dns - CNAME wordpress-trial-{RUN_ID}",  # the records published before the failure
        "destroy wordpress-trial"]  # purge: a trial has no backups to release, so the same plain destroy
    assert not any(world.records.values())
    assert app.phase("recreate").message == "not run: up failed"
    [vault] = app.phase("leftovers").details  # no outputs were written: found by its stack tag
    assert re.fullmatch(r"Key Vault kv-acceptan-t[0-9a-f]{6}-[0-9a-f]{4} soft-deleted on 2026-12-02T16:00:00Z, purged by "
                        r"Azure on 2026-12-09T16:00:00Z \(purge protection: no one can purge it sooner\)", vault), vault


def test_a_second_up_that_changes_something_fails_and_a_leftover_names_its_id(web, tmp_path, monkeypatch):
    world = patched(web, monkeypatch, tmp_path)
    world.drift = True
    world.leave_tagged = "containerApps/web"
    [app] = runner.run(options(tmp_path, apps=("wordpress",)), None, console()).apps
    assert (app.phase("again").status, app.phase("again").message) == (
        FAILED, "the second `up` changed what the first made: 2 update")
    assert [app.phase(p).status for p in ("recreate", "destroy", "purge")] == [NOT_RUN, PASSED, PASSED]
    left = app.phase("leftovers")
    group = f"rg-acceptance-test-council-{RUN_ID}-wordpress-trial"
    assert left.status == FAILED
    assert left.message == (f"1 left after destroy: tagged resource left: /subscriptions/{SUB}/resourceGroups/{group}"
                            "/providers/Microsoft.App/containerApps/web")


def test_a_dns_wait_that_runs_out_is_said_as_such_not_taken_for_the_image_step(web, tmp_path, monkeypatch):
    world = patched(web, monkeypatch, tmp_path)
    monkeypatch.setattr(azure_golive, "LOOKUP", lambda name, rtype: [])  # published, not visible from here yet
    opts = options(tmp_path)
    opts.dns_wait_minutes = 0
    [app] = runner.run(opts, None, console()).apps
    up = app.phase("up")
    assert (up.status, up.message) == (FAILED, "`councilkit up` ran out of its 0 min DNS wait: the records are in zone "
                                               f"{ZONE} but not visible from this machine yet; run the suite again later")
    assert "acr build" not in world.timeline and world.timeline[0] == f"up {APP}-trial domain"
    assert [app.phase(p).status for p in ("destroy", "purge", "leftovers")] == [PASSED, PASSED, PASSED]


# --- the pieces on their own -----------------------------------------------------------------------


def test_the_records_the_suite_publishes_are_the_ones_councilkit_writes_for_the_council(tmp_path):
    """records_in reads councilkit's own DNS-RECORDS.md (cli/golive.py records_text)."""
    d = types.SimpleNamespace(domain=f"wp.{SUFFIX}", stack_name="s", blueprint=types.SimpleNamespace(
        app=types.SimpleNamespace(name="WordPress")), council=COUNCIL)
    action = CouncilAction(what="publish these", records=[
        DnsRecord("TXT", f"asuid.wp.{SUFFIX}", "ABC123", "proves"), DnsRecord("CNAME", f"wp.{SUFFIX}", "web.x.io", "sends")])
    assert records_in(cli_golive.records_text(d, action)) == [
        Record(f"asuid.wp.{SUFFIX}", "TXT", "ABC123"), Record(f"wp.{SUFFIX}", "CNAME", "web.x.io")]


def test_records_go_in_the_zone_by_relative_name_and_placeholders_are_never_published(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(azcli, "RUN", lambda argv, **kw: calls.append(argv) or subprocess.CompletedProcess(argv, 0, "{}", ""))
    zone = azcli.Zone(ZONE, ZONE_GROUP)
    assert zone.relative(f"asuid.wp.{SUFFIX}") == "asuid.wp.acc" and zone.relative(ZONE + ".") == "@"
    with pytest.raises(azcli.AzFailed, match="is not in DNS zone example.gov.uk"):
        zone.relative("wp.other.org")
    pub = Publisher(azcli.Az(SUB), zone, tmp_path)
    assert pub.publish([Record(f"asuid.wp.{SUFFIX}", "TXT", "ABC"), Record(f"wp.{SUFFIX}", "CNAME", "(known after deployment)"),
                        Record(f"asuid.wp.{SUFFIX}", "TXT", "ABC")][:2]) == [Record(f"asuid.wp.{SUFFIX}", "TXT", "ABC")]
    assert calls == [["az", "network", "dns", "record-set", "txt", "add-record", "--resource-group", ZONE_GROUP,
                      "--zone-name", ZONE, "--record-set-name", "asuid.wp.acc", "--value", "ABC",
                      "--subscription", SUB, "--output", "json"]]
    assert pub.publish([Record(f"asuid.wp.{SUFFIX}", "TXT", "ABC")]) == [], "each record once"


def test_an_az_that_fails_or_hangs_is_one_line(monkeypatch):
    monkeypatch.setattr(azcli, "RUN", lambda argv, **kw: subprocess.CompletedProcess(
        argv, 1, "", "WARNING: x\nERROR: (AuthorizationFailed) The client does not have authorization\n"))
    with pytest.raises(azcli.AzFailed, match=r"^`az group exists --name rg-x --subscription .*` failed: ERROR: "
                                             r"\(AuthorizationFailed\) The client does not have authorization$"):
        azcli.Az(SUB).group_exists("rg-x")

    def hang(argv, **kw):
        raise subprocess.TimeoutExpired(argv, kw["timeout"])

    monkeypatch.setattr(azcli, "RUN", hang)
    with pytest.raises(azcli.AzFailed, match=r"did not answer within 300 s$"):
        azcli.Az(SUB).deleted_vaults()


def test_what_the_suite_reads_is_what_the_azure_stack_exports():
    """The outputs the run reads after `up`, from a real offline plan of both tiers."""
    from helpers import planned

    for tier in ("trial", "production"):
        d, plan = planned("nextcloud", "azure", tier)
        assert {"url", "key_vault", "resource_group", "dns_records"} <= set(plan.outputs)
        assert plan.outputs["resource_group"] == names.resource_group(d)
        assert ("backup_vault" in plan.outputs) == ("backup_resource_group" in plan.outputs) == (tier == "production")
        assert d.tags["stack"] == d.stack_name, "leftovers asks for resources tagged stack=<stack>"
        vault = plan.one("azure-native:keyvault:Vault")
        assert vault.inputs["tags"]["stack"] == d.stack_name, "a soft-deleted vault is found by its tag"
        assert names.resource_group(d) in [g.inputs["resourceGroupName"] for g in plan.of_type(
            "azure-native:resources:ResourceGroup")], "the group leftovers asks `az group exists` about"
    assert CLOUDS["azure"].go_live_phases(d)[0].name == "domain"


# --- before anything is created: one error line, exit 2 --------------------------------------


def fake_bin(tmp_path: Path, az_script: str | None) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    (folder / "pulumi").write_text("#!/bin/sh\nexit 1\n")
    (folder / "pulumi").chmod(0o755)
    if az_script is not None:
        (folder / "az").write_text("#!/bin/sh\n" + az_script)
        (folder / "az").chmod(0o755)
    return folder


SIGNED_IN = ('case "$1 $2" in\n  "account show") echo \'{"id": "' + SUB + '"}\';;\n'
             '  "network dns") echo \'[{"name": "elsewhere.org", "resourceGroup": "rg"}]\';;\nesac\n')


def acceptance(tmp_path, env, *args):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/acceptance", "-p", "no:cacheprovider", "--cloud", "azure",
         "--acceptance-out", str(tmp_path / "out"), *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def bare_env(tmp_path: Path, path: str, home_azure: bool = False, **extra: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARM_", "AZURE_", "PULUMI_", "COUNCILKIT_ACCEPTANCE"))}
    (tmp_path / "home").mkdir(exist_ok=True)
    if home_azure:
        (tmp_path / "home" / ".azure").mkdir(exist_ok=True)
        (tmp_path / "home" / ".azure" / "azureProfile.json").write_text("{}")
    return {**env, "HOME": str(tmp_path / "home"), "PATH": path, "PULUMI_CONFIG_PASSPHRASE": "x", **extra}


@pytest.mark.parametrize(("case", "az_script", "extra", "message"), [
    ("no pulumi", None, {}, automation.MISSING_CLI),
    ("no az", None, {"pulumi": "1"}, azcli.MISSING_AZ),
    ("no subscription", SIGNED_IN, {"nosub": "1"}, azcli.MISSING_SUBSCRIPTION),
    ("not signed in", 'echo "ERROR: Please run \'az login\' to setup account." >&2\nexit 1\n', {},
     "the Azure CLI is not signed in (`az account show` failed: ERROR: Please run 'az login' to setup account.); "
     "run `az login` and try again"),
    ("another subscription", SIGNED_IN.replace(SUB, "99999999-2222-3333-4444-555555555555"), {},
     f"the Azure CLI's default subscription is 99999999-2222-3333-4444-555555555555, not {SUB}; run "
     f"`az account set --subscription {SUB}` (Pulumi deploys into the default)"),
    ("no zone", SIGNED_IN, {"home": "1"},
     f"--domain-suffix: no Azure DNS zone for {SUFFIX} in subscription {SUB}; create one (`az network dns zone create`) "
     "and delegate it, so trials get real domains"),
])
def test_a_missing_precondition_is_one_error_line_and_exit_2(tmp_path, case, az_script, extra, message):
    folder = fake_bin(tmp_path, az_script)
    path = str(tmp_path / "empty") if case == "no pulumi" else str(folder)
    args = ["--apps", "wordpress", "--domain-suffix", SUFFIX, *([] if "nosub" in extra else ["--subscription", SUB])]
    result = acceptance(tmp_path, bare_env(tmp_path, path, home_azure="home" in extra), *args)
    assert (result.returncode, result.stderr, result.stdout) == (2, f"error: {message}\n", "")
    assert not (tmp_path / "out").exists(), "nothing was created"


@pytest.mark.parametrize(("args", "message"), [
    (("--cloud", "gcp"), "--cloud (CLOUD=): unknown cloud 'gcp'; the acceptance suite runs on aws or azure"),
    (("--tiers", "staging"), "--tiers: unknown tier 'staging'; this cloud's suite runs trial, production"),
    (("--subscription", "my-sandbox"), "--subscription: 'my-sandbox' is not a subscription id (a GUID such as "
                                       "00000000-0000-0000-0000-000000000000)"),
])
def test_bad_options_are_one_error_line(tmp_path, args, message):
    folder = fake_bin(tmp_path, SIGNED_IN)
    result = acceptance(tmp_path, bare_env(tmp_path, str(folder)), "--apps", "wordpress", "--domain-suffix", SUFFIX,
                        "--subscription", SUB, *args)
    assert (result.returncode, result.stderr) == (2, f"error: {message}\n")


def test_make_acceptance_passes_the_cloud_and_collects_one_test_per_trial_and_phase():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^acceptance: .*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "--cloud '$(CLOUD)'" in recipe and "--tiers '$(TIERS)'" in recipe and "--subscription '$(SUBSCRIPTION)'" in recipe
    assert re.search(r"^CLOUD \?= aws$", makefile, re.M), "AWS stays the default"
    named = subprocess.run([sys.executable, "-m", "pytest", "-q", "--collect-only", "-p", "no:cacheprovider",
                            "tests/acceptance", "--cloud", "azure", "--apps", "wordpress", "--tiers",
                            "trial,production", "--domain-suffix", SUFFIX],
                           capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert [line for line in named.stdout.splitlines() if "::" in line] == [
        f"tests/acceptance/test_sandbox.py::test_phase[wordpress-{tier}-{p}]" for tier in ("trial", "production")
        for p in PHASES]


def test_the_readme_says_how_to_run_it_on_azure_and_names_each_az_command():
    section = (ROOT / "README.md").read_text().split("## Real-cloud acceptance tests", 1)[1].split("\n## ", 1)[0]
    assert "make acceptance CLOUD=azure" in section
    for command in ("az account show", "az network dns record-set", "az group exists", "az resource list",
                    "az keyvault list-deleted", "az acr build"):
        assert f"`{command}" in section, command


def test_the_readmes_azure_hourly_costs_bound_councilkits_estimate_of_every_app_that_plans():
    from decimal import Decimal

    from acceptance.config import parse_apps
    from acceptance.cost import HOURS_PER_MONTH
    from councilkit.blueprints.errors import UserError
    from councilkit.stacks.cost import estimate
    from helpers import planned

    section = (ROOT / "README.md").read_text().split("### On Azure", 1)[1].split("\n## ", 1)[0]
    trial, production = [tuple(Decimal(x) for x in m) for m in re.findall(r"£([\d.]+)–([\d.]+) an hour", section)]
    hourly = {"trial": [], "production": []}
    for app in parse_apps(""):
        for tier, found in hourly.items():
            try:
                d, plan = planned(app, "azure", tier)
            except (UserError, KeyError):  # ERPNext on Azure, while another change lands: it does not plan
                continue
            found.append(estimate(plan.resources, cloud="azure", region=d.region, tier=tier).total_gbp / HOURS_PER_MONTH)
    assert len(hourly["trial"]) >= 6
    for (low, high), found in ((trial, hourly["trial"]), (production, hourly["production"])):
        assert low <= min(found) and max(found) <= high, (low, high, min(found), max(found))
