"""Corrections against public list prices and the charges that were missing (issue 17)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from councilkit.stacks.aws.prices import CONTAINER_INSIGHTS_METRICS
from councilkit.stacks.cost import estimate, price_book
from councilkit.stacks.cost.model import PRICES_DIR

from helpers import planned

AWS, _ = price_book("aws", "eu-west-2")
AZURE, _ = price_book("azure", "uksouth")
CLASSES = ["db.t4g.micro", "db.t4g.small", "db.t4g.medium", "db.t4g.large", "db.m7g.large"]


# --- AWS -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("az", ["", "multi_az."])
def test_rds_postgresql_costs_what_mysql_costs_in_london(cls, az):
    assert AWS[f"rds.postgres.{az}{cls}"].amount == AWS[f"rds.mysql.{az}{cls}"].amount == AWS[f"rds.mariadb.{az}{cls}"].amount


def test_the_rds_figures_issue_17_names():
    assert AWS["rds.postgres.db.t4g.micro"].amount == Decimal("0.018")
    assert AWS["rds.postgres.db.t4g.small"].amount == Decimal("0.036")
    assert AWS["rds.postgres.multi_az.db.t4g.medium"].amount == Decimal("0.144")


def test_london_backup_storage_and_scheduler_prices():
    assert AWS["backup.rds.gb_month"].amount == Decimal("0.10")
    assert AWS["scheduler.invocations_million"].amount == Decimal("1.15")
    assert AWS["scheduler.invocations_million"].source == "https://aws.amazon.com/eventbridge/pricing/"


def test_one_dated_sourced_pound_for_both_clouds_about_2_6_percent_below_the_old():
    assert AWS.gbp_per_usd == AZURE.gbp_per_usd == Decimal("0.731")
    assert abs(Decimal("0.75") / AWS.gbp_per_usd - Decimal("1.026")) < Decimal("0.001")
    for book in (AWS, AZURE):
        assert book.gbp_rate_date == "2026-12-03" and book.gbp_rate_source.startswith("https://www.bankofengland.co.uk/")


def test_a_postgres_production_plan_is_priced_at_the_corrected_multi_az_rate():
    d, plan = planned("nextcloud", "aws", "production")
    e = estimate(plan.resources, cloud="aws", region=d.region, tier="production")
    (db,) = [line for line in e.lines if line.type == "aws:rds/instance:Instance" and "Multi-AZ" in line.item]
    assert "(postgres)" in db.item and db.price.amount == AWS[f"rds.mysql.{db.price.key.split('.', 2)[2]}"].amount


# --- Azure: one source, one rate -----------------------------------------------------------------

def test_every_azure_figure_is_a_dollar_list_price_at_the_files_one_rate():
    raw = yaml.safe_load((PRICES_DIR / "azure-uksouth.yaml").read_text())["prices"]
    assert raw and all("usd" in entry and "price" not in entry for entry in raw.values())
    for key, entry in raw.items():
        assert AZURE[key].amount == Decimal(str(entry["usd"])) * Decimal("0.731"), key
    ratios = {AZURE[key].amount / Decimal(str(entry["usd"])) for key, entry in raw.items()}
    assert ratios == {Decimal("0.731")}  # the 2026-11-25 file ranged from 0.74 to 0.83


def test_front_door_premiums_base_fee_is_330_dollars():
    assert AZURE["front_door.premium.month"].amount == Decimal("330") * AZURE.gbp_per_usd == Decimal("241.230")
    assert AZURE["front_door.standard.month"].amount == Decimal("35") * AZURE.gbp_per_usd


def test_the_estimate_json_says_the_azure_figures_were_converted_and_at_what_rate():
    d, plan = planned("nextcloud", "azure", "trial")
    doc = estimate(plan.resources, cloud="azure", region=d.region, tier="trial").as_json()
    assert doc["currency"] == "GBP" and doc["prices"]["converted_from_usd_at"] == 0.731
    assert doc["prices"]["gbp_rate_date"] == "2026-12-03"


# --- missing charges -----------------------------------------------------------------------------

def test_container_insights_metrics_are_billed_as_custom_metrics_for_the_cluster_and_each_service():
    d, plan = planned("nextcloud", "aws", "production")
    e = estimate(plan.resources, cloud="aws", region=d.region, tier="production")
    (cluster,) = plan.of_type("aws:ecs/cluster:Cluster")
    services = [s for s in plan.of_type("aws:ecs/service:Service")]
    (metrics,) = [line for line in e.lines if line.urn == cluster.urn and "metrics" in line.item]
    assert metrics.price.key == "cloudwatch.custom_metric_month" and metrics.price.amount == Decimal("0.30")
    assert metrics.quantity == CONTAINER_INSIGHTS_METRICS * (1 + len(services)) and len(services) >= 1
    assert "16 metrics for the cluster and for each service" in metrics.assumption


def test_private_endpoints_bill_data_in_both_directions():
    d, plan = planned("localgov-drupal", "azure", "trial")
    e = estimate(plan.resources, cloud="azure", region=d.region, tier="trial")
    endpoints = plan.of_type("azure-native:network:PrivateEndpoint")
    assert endpoints
    for pe in endpoints:
        mine = {line.item: line for line in e.lines if line.urn == pe.urn}
        assert set(mine) == {"private endpoint", "data processed inbound", "data processed outbound"}
        assert mine["data processed inbound"].quantity == 2 and mine["data processed outbound"].quantity == 10
        assert mine["data processed inbound"].price.key == "private_endpoint.in_gb"


def test_an_interface_endpoints_data_depends_on_usage_with_its_unit_price():
    from councilkit.stacks.plan import PlannedResource

    endpoint = PlannedResource(urn="urn:pulumi:t::councilkit::aws:ec2/vpcEndpoint:VpcEndpoint::ecr", type="aws:ec2/vpcEndpoint:VpcEndpoint",
                               name="ecr", parent="", custom=True, inputs={"vpcEndpointType": "Interface", "subnetIds": ["a", "b"]})
    lines = estimate([endpoint], cloud="aws", region="eu-west-2", tier="production").lines
    data = next(line for line in lines if line.item == "data processed (both directions)")
    assert data.monthly == 0 and data.assumption == "depends on usage: $0.01 per GB processed (set vpc_endpoint_gb in a usage file)"
    priced = estimate([endpoint], cloud="aws", region="eu-west-2", tier="production", usage={"vpc_endpoint_gb": 300}).lines
    assert next(line for line in priced if line.item == data.item).monthly == Decimal("3.00")


def test_the_container_apps_environment_behind_front_door_pays_plan_management_at_the_one_rate():
    d, plan = planned("nextcloud", "azure", "production")
    e = estimate(plan.resources, cloud="azure", region=d.region, tier="production")
    (env,) = plan.of_type("azure-native:app:ManagedEnvironment")
    (line,) = [line for line in e.lines if line.urn == env.urn]
    assert line.price.key == "container_apps.plan_management.hour" and line.monthly == Decimal("53.36")
