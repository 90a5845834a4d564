"""`plan --format infracost`: the estimate in Infracost's JSON output format, validated against
Infracost's own schema (infracost/infracost v0.10.45 schema/infracost.schema.json, vendored in
tests/fixtures/schemas) and checked against the arithmetic of internal/output/output.go."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from helpers import planned, run_main

from councilkit.cli.exports import Assessed, export
from councilkit.cli.planning import assess, deployability
from councilkit.stacks.cost import estimate
from councilkit.stacks.cost.model import money

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "schemas" / "infracost.schema.json").read_text())
VALIDATOR = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
CASES = [("nextcloud", "aws", "trial"), ("localgov-drupal", "aws", "production"),
         ("nextcloud", "azure", "production"), ("localgov-drupal", "azure", "trial")]
NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.timezone.utc)
HOURS = Decimal(730)


def infracost_of(d, plan, cost=None):
    report, assessed_cost = assess(plan, d)
    a = Assessed(plan=plan, deployment=d, report=report, cost=cost or assessed_cost,
                 checked=deployability(plan, d), source=d.blueprint.ref, generated=NOW)
    return export("infracost", a)


def schema_errors(doc) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in VALIDATOR.iter_errors(doc)]


@pytest.fixture(scope="module")
def real():
    out = {}
    for case in CASES:
        d, plan = planned(*case)
        out[case] = (d, plan, assess(plan, d)[1], infracost_of(d, plan))
    return out


def components(doc):
    return [c for r in doc["projects"][0]["breakdown"]["resources"] for c in r["costComponents"]]


@pytest.mark.parametrize("case", CASES, ids=["-".join(c) for c in CASES])
def test_every_real_plan_exports_valid_infracost_json(real, case):
    _, _, _, doc = real[case]
    assert schema_errors(doc) == []
    assert doc["version"] == "0.2" and doc["currency"] == "GBP"
    assert doc["timeGenerated"] == "2026-11-25T09:30:00Z"
    [project] = doc["projects"]
    assert project["metadata"]["type"] == "councilkit_plan" and project["breakdown"]["resources"]


@pytest.mark.parametrize("case", CASES, ids=["-".join(c) for c in CASES])
def test_totals_are_the_estimates_in_pounds(real, case):
    _, _, cost, doc = real[case]
    assert money(Decimal(doc["totalMonthlyCost"])) == cost.total_gbp
    assert doc["totalMonthlyCost"] == doc["projects"][0]["breakdown"]["totalMonthlyCost"] == doc["diffTotalMonthlyCost"]
    assert doc["pastTotalMonthlyCost"] == "0" and doc["projects"][0]["pastBreakdown"]["resources"] == []
    for resource in doc["projects"][0]["breakdown"]["resources"]:
        parts = [Decimal(c["monthlyCost"]) for c in resource["costComponents"] if c["monthlyCost"] is not None]
        assert Decimal(resource["monthlyCost"]) == sum(parts)


@pytest.mark.parametrize("case", CASES, ids=["-".join(c) for c in CASES])
def test_costs_are_decimal_strings_with_infracosts_hourly_arithmetic(real, case):
    _, _, _, doc = real[case]
    for c in components(doc):
        for key in ("price", "monthlyQuantity", "hourlyQuantity", "monthlyCost", "hourlyCost"):
            assert c[key] is None or (isinstance(c[key], str) and "E" not in c[key] and Decimal(c[key]) >= 0)
        if c["monthlyQuantity"] is not None:  # output.go: hourlyQuantity = monthlyQuantity / 730
            assert abs(Decimal(c["hourlyQuantity"]) * HOURS - Decimal(c["monthlyQuantity"])) < Decimal("1e-15")
            assert abs(Decimal(c["hourlyCost"]) * HOURS - Decimal(c["monthlyCost"])) < Decimal("1e-15")


@pytest.mark.parametrize("case", CASES, ids=["-".join(c) for c in CASES])
def test_resources_are_named_uniquely_and_counted_as_infracost_does(real, case):
    _, _, cost, doc = real[case]
    resources = doc["projects"][0]["breakdown"]["resources"]
    names = [r["name"] for r in resources]
    assert len(set(names)) == len(names) == len(cost.by_resource())
    summary = doc["projects"][0]["summary"]
    assert summary["totalNoPriceResources"] == len(cost.free)
    assert summary["totalUnsupportedResources"] == len(cost.unpriced)
    assert summary["totalDetectedResources"] == len(resources) + len(cost.free) + len(cost.unpriced)
    assert sum(summary["noPriceResourceCounts"].values()) == len(cost.free)


def test_aws_dollar_prices_are_converted_at_the_files_rate_and_stay_traceable(real):
    _, _, cost, doc = real[("nextcloud", "aws", "trial")]
    rate = cost.book.gbp_per_usd
    line = next(ln for ln in cost.lines if ln.price.key.startswith("rds."))
    resource = next(r for r in doc["projects"][0]["breakdown"]["resources"] if r["metadata"]["urn"] == line.urn)
    component = next(c for c in resource["costComponents"] if c["name"] == line.item)
    assert Decimal(component["price"]) == line.price.amount * rate
    assert Decimal(component["monthlyCost"]) == line.monthly * rate
    listed = next(p for p in resource["metadata"]["prices"] if p["key"] == line.price.key)
    assert listed["currency"] == "USD" and Decimal(listed["listPrice"]) == line.price.amount
    assert listed["source"].startswith("https://") and resource["metadata"]["gbpPerUsd"]["rate"] == str(rate)
    assert resource["resourceType"] == "aws:rds/instance:Instance"


def test_lines_priced_on_an_assumption_are_usage_based(real):
    _, _, cost, doc = real[("nextcloud", "azure", "production")]
    assumed = {ln.item for ln in cost.lines if ln.assumption}
    assert assumed
    for c in components(doc):
        assert c.get("usageBased", False) == (c["name"] in assumed)


def test_usage_nobody_gave_has_null_quantity_and_cost_but_keeps_its_price(real):
    d, plan, _, _ = real[("nextcloud", "azure", "production")]
    cost = estimate(plan.resources, cloud=d.cloud, region=d.region, tier=d.tier, expires_on=d.expires_on,
                    usage={"private_endpoint_in_gb": None})
    doc = infracost_of(d, plan, cost=cost)
    assert schema_errors(doc) == []
    unknown = [c for c in components(doc) if c["name"] == "data processed inbound"]
    assert unknown
    for c in unknown:  # as Infracost writes a usage-based component with no usage given
        assert c["monthlyQuantity"] is None and c["hourlyQuantity"] is None
        assert c["monthlyCost"] is None and c["hourlyCost"] is None
        assert Decimal(c["price"]) > 0 and c["usageBased"] is True


def test_cli_writes_infracost_json_and_still_exits_as_plan_does(tmp_path, capsys):
    out = tmp_path / "infracost.json"
    code, stdout, stderr = run_main(["plan", "nextcloud", "--cloud", "azure", "--format", "infracost",
                                     "--out", str(out)], capsys)
    assert code == 0, stderr
    assert f"infracost written to {out}" in stdout and "cost:" in stdout
    doc = json.loads(out.read_text())
    assert schema_errors(doc) == [] and doc["projects"][0]["metadata"]["path"] == "nextcloud"


def test_json_flag_and_format_json_write_the_same_plan(tmp_path, capsys):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    code, _, stderr = run_main(["plan", "nextcloud", "--json", str(a), "--format", "json", "--out", str(b)], capsys)
    assert code == 0, stderr
    assert a.read_text() == b.read_text() and "steps" in json.loads(a.read_text())
