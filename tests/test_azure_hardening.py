"""Issue 12 (Azure, defect 11): the hardening Checkov found on Azure production plans, pinned on
real plans: the apps subnet's outbound rules, the registry's private endpoint, Key Vault secrets'
expiry (advisory), and each new control's catch."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from councilkit.cli.offline import run_offline
from councilkit.stacks.policy import CONTROLS, Facts, run
from councilkit.stacks.policy import types as t

from helpers import build_deployment, planned

CONTROL = {c.id: c for c in CONTROLS}
TODAY = dt.date(2026, 11, 25)


def _outbound(plan) -> list[dict]:
    """The apps subnet NSG's outbound rules, in priority order."""
    nsg = next(g for g in plan.of_type(t.NSG) if g.name.endswith("-apps-nsg"))
    rules = [r for r in nsg.inputs["securityRules"] if r["direction"] == "Outbound"]
    return sorted(rules, key=lambda r: r["priority"])


@pytest.mark.parametrize("tier", ["trial", "production"])
def test_the_apps_subnet_sends_only_to_named_ports_then_denies_the_rest(tier):
    _, plan = planned("nextcloud", "azure", tier)
    rules = _outbound(plan)
    by_name = {r["name"]: r for r in rules}
    # Microsoft's NSG table for workload-profile environments (firewall-integration.md): each row.
    for tag in ("AzureMonitor", "MicrosoftContainerRegistry", "AzureFrontDoor.FirstParty"):
        row = next(r for r in rules if r["destinationAddressPrefix"] == tag)
        assert (row["access"], row["protocol"], row["destinationPortRanges"]) == ("Allow", "Tcp", ["443"])
    assert (by_name["allow-ntp-out"]["protocol"], by_name["allow-ntp-out"]["destinationPortRanges"]) == ("Udp", ["123"])
    assert by_name["allow-apps-subnet-out"]["destinationAddressPrefix"] == "10.20.0.0/23"
    # As on AWS: HTTPS and mail submission to the internet, data ports only to their own subnet.
    assert (by_name["allow-https-out"]["destinationAddressPrefix"], by_name["allow-https-out"]["destinationPortRanges"]) \
        == ("Internet", ["443"])
    assert by_name["allow-mail-out"]["destinationPortRanges"] == ["587", "465"]
    assert (by_name["allow-db-out"]["destinationAddressPrefix"], by_name["allow-db-out"]["destinationPortRanges"]) \
        == ("10.20.2.0/24", ["5432"])
    assert by_name["allow-endpoints-out"]["destinationAddressPrefix"] == "10.20.3.0/24"
    assert set(by_name["allow-endpoints-out"]["destinationPortRanges"]) >= {"443"}
    last = rules[-1]
    assert (last["name"], last["access"], last["destinationAddressPrefix"], last["destinationPortRange"]) \
        == ("deny-all-out", "Deny", "*", "*")
    # Every allow comes before the deny, and the deny before Azure's own defaults (65000+).
    assert all(r["priority"] < last["priority"] < 65000 for r in rules[:-1])
    assert not any(r["access"] == "Allow" and r.get("destinationPortRange") == "*"
                   and r["destinationAddressPrefix"] in ("*", "Internet") for r in rules)


def test_nfs_and_managed_redis_ports_go_only_to_the_endpoints_subnet():
    d, plan = planned("nextcloud", "azure", "production")
    ports = {r["name"]: r.get("destinationPortRanges") for r in _outbound(plan)}["allow-endpoints-out"]
    expected = {"443"} | ({"2049"} if d.blueprint.files else set()) | ({"10000"} if d.caches else set())
    assert set(ports) == expected


def test_the_inbound_rules_are_unchanged_by_the_outbound_ones():
    _, plan = planned("nextcloud", "azure", "trial")
    nsg = next(g for g in plan.of_type(t.NSG) if g.name.endswith("-apps-nsg"))
    inbound = [r for r in nsg.inputs["securityRules"] if r["direction"] == "Inbound"]
    assert [r["name"] for r in inbound] == ["allow-web-in"]


def _registry_program(d):
    """Network + Registry given the network, as stack.py would build them once it passes `network`."""
    from councilkit.stacks.azure.network import Network, NetworkArgs
    from councilkit.stacks.azure.registry import Registry, RegistryArgs

    def program():
        net = Network("network", NetworkArgs(d, "rg-x", "uksouth"))
        Registry("registry", RegistryArgs(d, "rg-x", "uksouth", "principal-id", network=net))
        return {}
    return program


def test_a_production_registry_given_the_network_is_premium_behind_a_private_endpoint():
    d = build_deployment("localgov-drupal", cloud="azure", tier="production")
    plan = run_offline(_registry_program(d), d.stack_name)
    acr = plan.of_type(t.REGISTRY)[0]
    # Private endpoints are a Premium feature (ACR private-link docs).
    assert acr.inputs["sku"] == {"name": "Premium"}
    # Kept on: `az acr build` (the go-live image phase) fails with public access off.
    assert acr.inputs["publicNetworkAccess"] == "Enabled"
    assert acr.inputs["networkRuleBypassOptions"] == "AzureServices"
    (pe,) = plan.of_type(t.PRIVATE_ENDPOINT)
    (conn,) = pe.inputs["privateLinkServiceConnections"]
    assert conn["groupIds"] == ["registry"]
    zones = [z.inputs["privateZoneName"] for z in plan.of_type("azure-native:privatedns:PrivateZone")]
    assert "privatelink.azurecr.io" in zones
    subnet = next(s for s in plan.of_type(t.SUBNET) if s.inputs["subnetName"] == "endpoints")
    from councilkit.stacks.plan import refers_to
    assert refers_to(pe.inputs["subnet"]["id"], subnet)
    # The advisory control sees the private endpoint and names the one thing left open.
    result = run(CONTROL["CK-AZR-032"], plan.resources, Facts(cloud="azure", tier="production", today=TODAY))
    assert result.status == "failed"
    assert result.results[0].reason == "public network access is on (kept for `az acr build`, which fails without it)"


def test_a_trial_registry_stays_basic_with_no_private_endpoint():
    d = build_deployment("localgov-drupal", cloud="azure", tier="trial")
    plan = run_offline(_registry_program(d), d.stack_name)
    assert plan.of_type(t.REGISTRY)[0].inputs["sku"] == {"name": "Basic"}
    assert plan.of_type(t.PRIVATE_ENDPOINT) == []


def test_the_premium_sku_is_priced_from_the_dated_price_file():
    from councilkit.stacks.cost import estimate

    d = build_deployment("localgov-drupal", cloud="azure", tier="production")
    plan = run_offline(_registry_program(d), d.stack_name)
    est = estimate(plan.resources, cloud="azure", region="uksouth", tier="production")
    lines = [line for line in est.lines if line.type == t.REGISTRY]
    assert [(line.item, line.price.key, line.price.amount) for line in lines] \
        == [("Premium registry", "acr.Premium.day", Decimal("1.667") * Decimal("0.731"))]  # issue 17: $ at one rate
    assert "container-registry" in lines[0].price.source


def test_key_vault_secrets_carry_no_expiry_and_the_advisory_control_says_why():
    _, plan = planned("nextcloud", "azure", "production")
    secrets = plan.of_type(t.KV_SECRET)
    assert secrets and not any((s.inputs.get("properties") or {}).get("attributes", {}).get("expires") for s in secrets)
    control = CONTROL["CK-AZR-033"]
    assert control.mandatory is False
    facts = Facts(cloud="azure", tier="production", today=TODAY)
    assert run(control, plan.resources, facts).status == "passed"
    # Mutation self-test: plant an expiry on the real plan's first secret.
    import dataclasses

    first = secrets[0]
    planted = dataclasses.replace(first, inputs={**first.inputs, "properties": {
        **first.inputs["properties"], "attributes": {"expires": 1830297600}}})
    result = run(control, [planted if r is first else r for r in plan.resources], facts)
    assert result.status == "failed"
    (failure,) = result.failures
    assert failure.reason.startswith("expires 1830297600: after then the apps could fail to resolve it")


@pytest.mark.parametrize("fragment, why", [
    ("no-deny", "no deny-all outbound rule"),
    ("open", "to every port"),
])
def test_the_egress_control_catches_a_planted_open_nsg_in_a_real_plan(fragment, why):
    """Mutation self-test: take the real plan, open its apps NSG, see CK-AZR-031 fail."""
    import dataclasses

    _, plan = planned("nextcloud", "azure", "production")
    facts = Facts(cloud="azure", tier="production", today=TODAY)
    assert run(CONTROL["CK-AZR-031"], plan.resources, facts).status == "passed"
    mutated = []
    for r in plan.resources:
        if r.type == t.NSG and r.name.endswith("-apps-nsg"):
            rules = [x for x in r.inputs["securityRules"] if x["name"] != "deny-all-out"]
            if fragment == "open":
                rules = r.inputs["securityRules"] + [{"name": "any-out", "priority": 90, "direction": "Outbound",
                                                      "access": "Allow", "protocol": "*",
                                                      "destinationAddressPrefix": "Internet",
                                                      "destinationPortRange": "*"}]
            r = dataclasses.replace(r, inputs={**r.inputs, "securityRules": rules})
        mutated.append(r)
    result = run(CONTROL["CK-AZR-031"], mutated, facts)
    assert result.status == "failed"
    assert why in result.results[0].reason
