"""Issue 12 defect 8: a Container Apps environment reached through a private endpoint (Front Door's
Private Link origin in production) bills the Dedicated Plan Management meter, on the Consumption
plan too; the estimate used to list the environment as free."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from councilkit.stacks.cost import estimate, price_book
from councilkit.stacks.plan import PlannedResource

from helpers import engine_identities, planned

TODAY = dt.date(2026, 11, 25)
ENV = "azure-native:app:ManagedEnvironment"
ITEM = "Dedicated Plan Management (reached through a private endpoint)"


def _estimate(app: str, tier: str):
    d, plan = planned(app, "azure", tier)
    return plan, estimate(plan.resources, cloud="azure", region=d.region, tier=tier, expires_on=d.expires_on,
                          today=TODAY)


def _res(type_: str, name: str, **inputs) -> PlannedResource:
    return PlannedResource(urn=f"urn:pulumi:t::councilkit::{type_}::{name}", type=type_, name=name, parent="",
                           custom=True, inputs=inputs, identities=engine_identities(type_, name))


def test_production_behind_front_door_pays_the_management_meter_every_hour():
    plan, e = _estimate("nextcloud", "production")
    (env,) = plan.of_type(ENV)
    (line,) = [line for line in e.lines if line.urn == env.urn]
    book, _ = price_book("azure", "uksouth")
    assert line.item == ITEM and line.quantity == 730
    assert line.price == book["container_apps.plan_management.hour"]
    assert line.monthly == Decimal("53.36")  # 730 h x $0.10 x 0.731: what a council sees on its bill
    assert not [f for f in e.free if f.urn == env.urn]


def test_a_trial_reached_directly_keeps_a_free_environment():
    plan, e = _estimate("nextcloud", "trial")
    (env,) = plan.of_type(ENV)
    assert not [line for line in e.lines if line.urn == env.urn]
    assert "Consumption plan" in next(f.reason for f in e.free if f.urn == env.urn)


def test_the_meter_follows_the_endpoint_not_the_tier():
    """Planted: an ordinary private endpoint into an environment charges it; one into another
    resource, or a Private Link origin into another environment, does not."""
    env = _res(ENV, "env", workloadProfiles=[{"workloadProfileType": "Consumption"}])
    other = _res(ENV, "other", workloadProfiles=[{"workloadProfileType": "Consumption"}])
    into_other = _res("azure-native:cdn:AFDOrigin", "o", originName="o",
                      sharedPrivateLinkResource={"privateLink": {"id": "other"}})
    vault_pe = _res("azure-native:network:PrivateEndpoint", "kv",
                    privateLinkServiceConnections=[{"privateLinkServiceId": "some-vault"}])
    lines = estimate([env, other, into_other, vault_pe], cloud="azure", region="uksouth", tier="production",
                     today=TODAY).lines
    assert [(line.name, line.item) for line in lines if line.item == ITEM] == [("other", ITEM)]
    env_pe = _res("azure-native:network:PrivateEndpoint", "envpe",
                  privateLinkServiceConnections=[{"privateLinkServiceId": "env"}])
    lines = estimate([env, env_pe], cloud="azure", region="uksouth", tier="production", today=TODAY).lines
    assert [line.name for line in lines if line.item == ITEM] == ["env"]


def test_the_price_is_the_us_figure_at_the_files_one_rate():
    text = _price_text()
    block = text[text.index("# Dedicated Plan Management"):text.index("container_apps.plan_management.hour")]
    assert "$0.10" in block and "issue 1596" in block
    book, _ = price_book("azure", "uksouth")
    # Issue 17: every Azure figure is its US price at the file's one rate, this one included.
    assert book["container_apps.plan_management.hour"].amount == Decimal("0.10") * book.gbp_per_usd
    assert book["container_apps.vcpu_second.active"].amount == Decimal("0.000024") * book.gbp_per_usd


def _price_text() -> str:
    from pathlib import Path

    import councilkit.stacks.cost as cost

    return (Path(cost.__file__).parent / "prices" / "azure-uksouth.yaml").read_text()
