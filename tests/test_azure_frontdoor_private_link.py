"""Issue 12 defect 7: production through Front Door Premium → Container Apps over Private Link the
way Microsoft documents it (origin host and Host header = the web app's FQDN, Front Door's managed
certificate on the council's domain, no domain or certificate on the web app), and the Private
Link connection approved by `up` (go-live phase `link`) instead of by hand."""

from __future__ import annotations

import shlex

import pytest

from councilkit.cli import automation
from councilkit.stacks.azure import private_link
from councilkit.stacks.azure.edge import request_message
from councilkit.stacks.cloud import CLOUDS

from helpers import planned
from test_golive_azure import FRONT_DOOR, ENVIRONMENT_NAME, cached_plan, main, phase_of, publish_all, ups, world  # noqa: F401

ORIGIN = "azure-native:cdn:AFDOrigin"


def _web(plan):
    return next(a for a in plan.of_type("azure-native:app:ContainerApp") if a.name.endswith("-web"))


# --- the plan -------------------------------------------------------------------------------------


@pytest.mark.parametrize("app", ["nextcloud", "localgov-drupal"])
def test_front_door_calls_the_app_by_its_own_fqdn_over_private_link(app):
    d, plan = planned(app, "azure", "production")
    origin = plan.one(ORIGIN).inputs
    # Microsoft's how-to: --host-name $ACA_ENDPOINT --origin-host-header $ACA_ENDPOINT.
    assert origin["hostName"] == origin["originHostHeader"] == plan.outputs["web_fqdn"]
    assert origin["originHostHeader"] != d.domain
    assert origin["enforceCertificateNameCheck"] is True
    link = origin["sharedPrivateLinkResource"]
    assert link["groupId"] == "managedEnvironments" and link["requestMessage"] == request_message(d)
    # One origin: Front Door's health probes off (health-probes.md, "Disabling health probes").
    assert "healthProbeSettings" not in plan.one("azure-native:cdn:AFDOriginGroup").inputs
    domain = plan.one("azure-native:cdn:AFDCustomDomain").inputs
    assert domain["hostName"] == d.domain and domain["tlsSettings"]["certificateType"] == "ManagedCertificate"


@pytest.mark.parametrize("tier", ["trial", "production"])
def test_only_a_trial_web_app_binds_the_domain_with_a_managed_certificate(tier):
    d, plan = planned("nextcloud", "azure", tier)
    ingress = _web(plan).inputs["configuration"]["ingress"]
    certificates = plan.of_type("azure-native:app:ManagedCertificate")
    if d.production:
        assert "customDomains" not in ingress and certificates == []
    else:
        assert ingress["customDomains"] == [{"name": d.domain, "bindingType": "Auto"}]
        assert [c.inputs["properties"]["domainControlValidation"] for c in certificates] == ["CNAME"]


def test_production_dns_records_are_the_cname_to_front_door_and_its_dnsauth_only():
    d, plan = planned("nextcloud", "azure", "production")
    records = [(r["type"], r["name"]) for r in plan.outputs["dns_records"]]
    assert records == [("CNAME", d.domain), ("TXT", f"_dnsauth.{d.domain}")]


def test_the_web_apps_own_probes_still_carry_the_domain_the_app_trusts():
    """The platform's probes go straight to the container, so the Host Nextcloud trusts is right."""
    d, plan = planned("nextcloud", "azure", "production")
    probes = _web(plan).inputs["template"]["containers"][0]["probes"]
    assert {h["value"] for p in probes for h in p["httpGet"]["httpHeaders"]} == {d.domain}


def test_the_by_hand_fallback_output_is_one_line_that_approves_each_pending_request():
    d, plan = planned("nextcloud", "azure", "production")
    line = plan.outputs["private_link_approval"]["cli"]
    assert "\n" not in line and line.startswith("for id in $(az network private-endpoint-connection list ")
    listing = shlex.split(line[len("for id in $("):line.index("); do")])
    assert listing[:4] == ["az", "network", "private-endpoint-connection", "list"]
    assert listing[listing.index("--type") + 1] == "Microsoft.App/managedEnvironments"
    query = listing[listing.index("--query") + 1]
    assert "status=='Pending'" in query and f"description=='{request_message(d)}'" in query
    assert 'do az network private-endpoint-connection approve --id "$id"' in line


def test_the_link_phase_brings_the_origin_and_what_it_needs_and_no_app():
    d, plan = planned("localgov-drupal", "azure", "production")
    from councilkit.cli import golive

    [link] = [p for p in CLOUDS["azure"].go_live_phases(d) if p.name == "link"]
    index = plan.by_urn()
    types = {index[u].type for u in golive.targets(plan, link.target_types)}
    assert {ORIGIN, "azure-native:app:ManagedEnvironment", "azure-native:cdn:AFDOriginGroup"} <= types
    assert not types & {"azure-native:app:ContainerApp", "azure-native:app:Job", "azure-native:cdn:Route"}


# --- `up` approves the connection -------------------------------------------------------------


def _connection(name, message, state="Pending"):
    return {"id": f"/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/managedEnvironments/"
                  f"{ENVIRONMENT_NAME}/privateEndpointConnections/{name}", "name": name,
            "properties": {"privateLinkServiceConnectionState": {"status": state, "description": message}}}


def _production(world):
    folder = world.make(tier="production")
    d = automation.open_folder(folder).deployment()
    publish_all(world, d)
    return folder, d


def test_up_approves_each_pending_front_door_request_waits_for_approved_then_goes_on(world, capsys):
    folder, d = _production(world)
    # Front Door may make several requests (Microsoft's known issue); someone else's is left alone.
    world.az.connections[:] = [_connection("fd-1", request_message(d)), _connection("fd-2", request_message(d)),
                               _connection("other", "someone else's request")]
    code, _, err = main(["up", str(folder)], capsys)
    assert code == 0, err
    plan = cached_plan(d)
    phases = CLOUDS["azure"].go_live_phases(d)
    assert [phase_of(plan, t, phases) if t else "app" for t in ups(world.log)] == ["domain", "link", "identity", "app"]
    assert [i.rsplit("/", 1)[1] for i in world.az.approvals] == ["fd-1", "fd-2"]
    listing = next(c for c in world.az.calls if c[1:4] == ["network", "private-endpoint-connection", "list"])
    assert listing[listing.index("--name") + 1] == ENVIRONMENT_NAME
    assert listing[listing.index("--type") + 1] == "Microsoft.App/managedEnvironments"
    text = " ".join(err.split())
    assert "Private Link: approved (fd-1 Approved, fd-2 Approved)" in text
    assert text.index("Private Link: approved") < text.index("role assignments: in effect")
    assert world.az.connections[2]["properties"]["privateLinkServiceConnectionState"]["status"] == "Pending"

    # A second `up` finds it approved, says so and approves nothing.
    world.log.clear()
    world.az.approvals.clear()
    code, _, err = main(["up", str(folder)], capsys)
    assert code == 0, err
    assert "phase link: nothing to do, Front Door's Private Link connection is already approved" in " ".join(err.split())
    assert world.az.approvals == []


def test_up_waits_visibly_for_front_doors_request_to_appear_and_gives_up_bounded(world, capsys):
    folder, d = _production(world)
    code, _, err = main(["up", str(folder)], capsys)  # no request ever comes
    assert code == 3
    sleeps = [e[1] for e in world.log if e[0] == "sleep" and e[1] == private_link.POLL_SECONDS]
    assert sum(sleeps) == private_link.APPROVAL_WAIT_SECONDS
    text = " ".join(err.split())
    assert "the connection was not approved within 10 min (no connection from Front Door yet)" in text
    assert "waiting on the council: Front Door's Private Link connection to the Container Apps environment is " \
           "not approved yet" in text
    assert not [t for t in ups(world.log) if t is None], "no app is made"


@pytest.mark.parametrize("what,why", [("installed", "the Azure CLI (az) is not installed here"),
                                      ("signed_out", "the Azure CLI is not signed in (`az login`)")])
def test_without_a_signed_in_az_up_prints_the_command_by_hand_and_exits_3(world, capsys, monkeypatch, what, why):
    from types import SimpleNamespace

    folder, d = _production(world)
    if what == "installed":  # only here: the fixture's `which` is the one every module shares
        monkeypatch.setattr(private_link, "shutil", SimpleNamespace(which=lambda name: None))
    world.az.signed_out = what == "signed_out"
    code, _, err = main(["up", str(folder)], capsys)
    assert code == 3, err
    text = " ".join(err.split())
    assert f"{why}, so councilkit cannot approve Front Door's Private Link connection" in text
    by_hand = [line.strip() for line in err.splitlines() if line.strip().startswith("for id in $(az network")]
    assert by_hand == [private_link.approve_by_hand(d, ENVIRONMENT_NAME)]
    assert world.az.approvals == []


def test_the_runbook_no_longer_asks_the_council_to_approve_by_hand():
    from councilkit.blueprints.deployment import build_deployment

    d = build_deployment("nextcloud", cloud="azure", tier="production", domain="files.borsetshire.gov.uk")
    text = " ".join(s["text"] for s in CLOUDS["azure"].runbook(d, d.stack_name)["dns_steps"])
    assert "`up` approves" in text and f"asuid.{d.domain}" not in text
    assert "Approve Front Door's Private Link connection" not in text


# --- the check ----------------------------------------------------------------------------------


def test_real_production_plans_pass_the_front_door_origin_control_and_its_plants_are_caught():
    """Mutation self-test of CK-AZR-040 on a real plan: the council's domain as Host, then a
    managed-certificate binding on the web app, each caught."""
    import dataclasses
    import datetime as dt

    from councilkit.stacks.policy import CONTROLS, Facts, run

    control = next(c for c in CONTROLS if c.id == "CK-AZR-040")
    facts = Facts(cloud="azure", tier="production", today=dt.date(2026, 11, 25))
    d, plan = planned("nextcloud", "azure", "production")
    assert run(control, plan.resources, facts).status == "passed"

    def planted(target, **inputs):
        return [dataclasses.replace(r, inputs={**r.inputs, **inputs}) if r.urn == target.urn else r
                for r in plan.resources]

    origin, web = plan.one(ORIGIN), _web(plan)
    result = run(control, planted(origin, originHostHeader=d.domain), facts)
    assert result.status == "failed" and f"sends Host {d.domain!r}" in result.results[0].reason
    ingress = {**web.inputs["configuration"]["ingress"], "customDomains": [{"name": d.domain, "bindingType": "Auto"}]}
    result = run(control, planted(web, configuration={**web.inputs["configuration"], "ingress": ingress}), facts)
    assert result.status == "failed" and "managed certificate" in result.results[0].reason
