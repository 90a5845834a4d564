"""Two Azure charges a council would otherwise miss: the budget that silently stopped alerting a
year after it was made (its end date), and the private endpoint behind Front Door's Private Link
origin, which the estimate listed as free."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import re
from decimal import Decimal

import pytest

from councilkit.stacks.azure import monitoring, prices
from councilkit.stacks.cost import estimate, price_book
from councilkit.stacks.plan import PlannedResource

from helpers import engine_identities, planned

TODAY = dt.date(2026, 11, 25)
BUDGET = "azure-native:consumption:Budget"


# --- the budget's end ---------------------------------------------------------------------------

def test_the_end_date_default_is_the_budgets_apis_ten_years():
    from pulumi_azure_native import consumption

    words = re.sub(r"\s+", " ", inspect.getdoc(consumption.BudgetTimePeriodArgs.end_date) or "")
    assert "If not provided, we default this to 10 years from the start date" in words
    assert monitoring.BUDGET_YEARS == 10


def test_a_budget_runs_ten_years_from_the_first_of_its_month():
    assert monitoring.budget_period(dt.date(2026, 12, 2)) == ("2026-12-01T00:00:00Z", "2036-12-01T00:00:00Z")
    assert monitoring.budget_period(dt.date(2028, 2, 29)) == ("2028-02-01T00:00:00Z", "2038-02-01T00:00:00Z")


def test_the_planned_budget_carries_its_end_date_and_no_warning():
    d, plan = planned("nextcloud", "azure", "production")
    (budget,) = plan.of_type(BUDGET)
    start, end = budget.inputs["timePeriod"]["startDate"], budget.inputs["timePeriod"]["endDate"]
    begins = dt.date.fromisoformat(start[:10])
    assert begins.day == 1 and dt.date.fromisoformat(end[:10]) == begins.replace(year=begins.year + 10)
    assert monitoring.budget_ending(plan.resources, begins) == []


def _budget(end: str) -> PlannedResource:
    return PlannedResource(urn=f"urn:pulumi:s::councilkit::{BUDGET}::monitoring-budget", type=BUDGET,
                           name="monitoring-budget", parent="", custom=True,
                           inputs={"timePeriod": {"startDate": "2025-12-01T00:00:00Z", "endDate": end}})


@pytest.mark.parametrize("today,warned", [(dt.date(2026, 10, 1), False), (dt.date(2026, 10, 2), True),
                                          (dt.date(2026, 11, 30), True), (dt.date(2026, 12, 2), True)])
def test_a_budget_ending_within_60_days_is_warned_about(today, warned):
    # A budget made before this change: a year from 2025-12-01 (a real preview keeps the old period).
    found = monitoring.budget_ending([_budget("2026-12-01T00:00:00Z")], today)
    assert bool(found) == warned
    if warned:
        assert "2026-12-01" in found[0] and "no budget alerts" in found[0] and "pulumi up --replace" in found[0]
        assert ("ended" if today > dt.date(2026, 12, 1) else "ends") in found[0]


def test_budgets_without_a_known_end_are_not_guessed_at():
    assert monitoring.budget_ending([_budget("04da6b54-80e4-46f7-96ec-b56ff0331ba9")], TODAY) == []
    assert monitoring.budget_ending([dataclasses.replace(_budget("x"), inputs={})], TODAY) == []


# --- Front Door's Private Link origin -----------------------------------------------------------

def _estimate(app: str, tier: str):
    d, plan = planned(app, "azure", tier)
    return plan, estimate(plan.resources, cloud="azure", region=d.region, tier=tier, expires_on=d.expires_on,
                          today=TODAY)


def test_the_private_link_origins_endpoint_is_priced_per_hour_and_per_gb():
    plan, e = _estimate("nextcloud", "production")
    (origin,) = plan.of_type("azure-native:cdn:AFDOrigin")
    assert origin.inputs["sharedPrivateLinkResource"]["groupId"] == "managedEnvironments"
    (profile,) = plan.of_type("azure-native:cdn:Profile")
    mine = {line.item: line for line in e.lines if "Private Link origin" in line.item}
    assert set(mine) == {"Private Link origin web: private endpoint", "Private Link origin web: data processed outbound",
                         "Private Link origin web: data processed inbound"}
    book, _ = price_book("azure", "uksouth")
    hour, gb = mine["Private Link origin web: private endpoint"], mine["Private Link origin web: data processed outbound"]
    assert hour.urn == profile.urn and hour.price == book["private_endpoint.hour"]
    assert hour.quantity == 730 and hour.monthly == Decimal("5.34")  # 730 h x $0.01 x 0.731 (issue 17: one rate)
    assert gb.price == book["private_endpoint.out_gb"] and gb.quantity == 100 and "GB" in gb.assumption
    # Requests in are billed too (issue 17: both directions), but their volume is not known.
    inbound = mine["Private Link origin web: data processed inbound"]
    assert inbound.price == book["private_endpoint.in_gb"] and inbound.monthly == 0
    assert inbound.assumption.startswith("depends on usage: £0.0073 per GB processed inbound")
    assert book["private_endpoint.hour"].source == "https://azure.microsoft.com/en-gb/pricing/details/private-link/"
    reason = next(f.reason for f in e.free if f.urn == origin.urn)
    assert "priced on the profile" in reason


def test_the_charge_is_in_the_total_and_trials_without_front_door_are_unchanged():
    _, with_link = _estimate("nextcloud", "production")
    assert sum(line.monthly for line in with_link.lines if "Private Link origin" in line.item) == Decimal("6.07")
    plan, trial = _estimate("nextcloud", "trial")
    assert not plan.of_type("azure-native:cdn:AFDOrigin")
    assert not [line for line in trial.lines if "Private Link origin" in line.item]


def _res(type_: str, name: str, **inputs) -> PlannedResource:
    return PlannedResource(urn=f"urn:pulumi:t::councilkit::{type_}::{name}", type=type_, name=name, parent="",
                           custom=True, inputs=inputs, identities=engine_identities(type_, name))


def test_a_public_origin_adds_nothing_and_each_private_origin_adds_its_own_endpoint():
    profile = _res("azure-native:cdn:Profile", "afd", sku={"name": "Premium_AzureFrontDoor"})
    public = _res("azure-native:cdn:AFDOrigin", "public", originName="public", profileName="afd", hostName="x")
    private = [_res("azure-native:cdn:AFDOrigin", f"p{i}", originName=f"p{i}", profileName="afd",
                    sharedPrivateLinkResource={"privateLink": {"id": "env-id"}}) for i in (1, 2)]
    ctx_lines = estimate([profile, public], cloud="azure", region="uksouth", tier="production", today=TODAY).lines
    assert not [line for line in ctx_lines if "Private Link" in line.item]
    lines = estimate([profile, public, *private], cloud="azure", region="uksouth", tier="production", today=TODAY).lines
    assert sorted(line.item for line in lines if "Private Link" in line.item) == [
        "Private Link origin p1: data processed inbound", "Private Link origin p1: data processed outbound",
        "Private Link origin p1: private endpoint",
        "Private Link origin p2: data processed inbound", "Private Link origin p2: data processed outbound",
        "Private Link origin p2: private endpoint"]
    assert "azure-native:cdn:AFDOrigin" in prices.FREE and "azure-native:cdn:AFDOrigin" not in prices.PRICERS
