"""The cost estimate (issue 4): sourced, dated prices; every priced type has a price; totals add up;
a missing price is listed as unpriced, never silently zero; trials show the trial period's total."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest

from councilkit.stacks.plan import PlannedResource
from councilkit.stacks.aws import prices as aws
from councilkit.stacks.azure import prices as azure
from councilkit.stacks.cost import estimate, price_book
from councilkit.stacks.cost.model import PRICES_DIR, DAYS_PER_MONTH, PriceBook, PriceDataError, money
from councilkit.stacks.aws.prices import scheduler_runs_per_month

from helpers import engine_identities, APPS, TIERS, planned

TODAY = dt.date(2026, 11, 25)
REAL = [(cloud, app, tier) for cloud in ("aws", "azure") for app in APPS for tier in TIERS]


def res(type_: str, name_: str, **inputs) -> PlannedResource:
    """A planned resource whose engine-given identities are `<name>-id` and, on AWS, its ARN."""
    return PlannedResource(urn=f"urn:pulumi:test::councilkit::{type_}::{name_}", type=type_, name=name_,
                           parent="", custom=True, inputs=inputs, identities=engine_identities(type_, name_))


def _estimate(resources, cloud="aws", tier="production", **kw):
    region = {"aws": "eu-west-2", "azure": "uksouth"}[cloud]
    return estimate(resources, cloud=cloud, region=region, tier=tier, today=TODAY, **kw)


TASK = res("aws:ecs/taskDefinition:TaskDefinition", "web", cpu="1024", memory="2048",
           runtimePlatform={"cpuArchitecture": "X86_64"})
SHARE_ACCOUNT = res("azure-native:storage:StorageAccount", "acct", accountName="stx", kind="FileStorage",
                    sku={"name": "Premium_LRS"})
APP_TEMPLATE = {"containers": [{"name": "web", "resources": {"cpu": 0.5, "memory": "1Gi"}}], "scale": {"minReplicas": 1}}

# One plausible resource per priced type (plus what it refers to), as a plan would carry it.
SAMPLES = {
    # The self-managed database VM (stacks/azure/database_vm.py).
    "azure-native:compute:VirtualMachine": [res("azure-native:compute:VirtualMachine", "vm",
                                                hardwareProfile={"vmSize": "Standard_D2s_v5"},
                                                storageProfile={"osDisk": {"managedDisk": {"storageAccountType": "Premium_LRS"}}})],
    "azure-native:compute:Disk": [res("azure-native:compute:Disk", "data", sku={"name": "Premium_ZRS"}, diskSizeGB=100)],
    "azure-native:network:NatGateway": [res("azure-native:network:NatGateway", "nat", sku={"name": "Standard"})],
    "aws:ecs/service:Service": [TASK, res("aws:ecs/service:Service", "svc", taskDefinition="arn:aws:ecs:mock-region:123456789012:taskdefinition/web",
                                          desiredCount=2, capacityProviderStrategies=[{"capacityProvider": "FARGATE", "weight": 1}])],
    "aws:scheduler/schedule:Schedule": [TASK, res("aws:scheduler/schedule:Schedule", "cron", scheduleExpression="cron(0/15 * * * ? *)",
                                                  target={"ecsParameters": {"taskDefinitionArn": "arn:aws:ecs:mock-region:123456789012:taskdefinition/web"}})],
    "aws:rds/instance:Instance": [res("aws:rds/instance:Instance", "db", engine="postgres", instanceClass="db.t4g.micro",
                                      allocatedStorage=20, storageType="gp3")],
    "aws:elasticache/replicationGroup:ReplicationGroup": [res("aws:elasticache/replicationGroup:ReplicationGroup", "r",
                                                              engine="redis", nodeType="cache.t4g.micro", numCacheClusters=2)],
    "aws:efs/fileSystem:FileSystem": [res("aws:efs/fileSystem:FileSystem", "fs", throughputMode="elastic")],
    "aws:efs/backupPolicy:BackupPolicy": [res("aws:efs/backupPolicy:BackupPolicy", "b", backupPolicy={"status": "ENABLED"})],
    "aws:backup/selection:Selection": [res("aws:backup/selection:Selection", "s", resources=["arn:aws:rds:x:1:db:db"])],
    "aws:secretsmanager/secret:Secret": [res("aws:secretsmanager/secret:Secret", "s")],
    "aws:kms/key:Key": [res("aws:kms/key:Key", "k")],
    "aws:codebuild/project:Project": [res("aws:codebuild/project:Project", "build",
                                          environment={"type": "LINUX_CONTAINER", "computeType": "BUILD_GENERAL1_MEDIUM"})],
    "aws:ecr/repository:Repository": [res("aws:ecr/repository:Repository", "repo")],
    "aws:s3/bucket:Bucket": [res("aws:s3/bucket:Bucket", "logs")],
    "aws:s3/bucketV2:BucketV2": [res("aws:s3/bucketV2:BucketV2", "logs")],
    "aws:lb/loadBalancer:LoadBalancer": [res("aws:lb/loadBalancer:LoadBalancer", "alb", loadBalancerType="application",
                                             subnets=["a", "b"])],
    "aws:ec2/natGateway:NatGateway": [res("aws:ec2/natGateway:NatGateway", "nat")],
    "aws:ec2/eip:Eip": [res("aws:ec2/eip:Eip", "eip", domain="vpc")],
    "aws:ec2/vpcEndpoint:VpcEndpoint": [res("aws:ec2/vpcEndpoint:VpcEndpoint", "e", vpcEndpointType="Interface", subnetIds=["a", "b"])],
    "aws:wafv2/webAcl:WebAcl": [res("aws:wafv2/webAcl:WebAcl", "waf", rules=[{"name": "a"}, {"name": "b"}])],
    "aws:cloudwatch/logGroup:LogGroup": [res("aws:cloudwatch/logGroup:LogGroup", "logs", retentionInDays=30)],
    "aws:ecs/cluster:Cluster": [res("aws:ecs/cluster:Cluster", "c", settings=[{"name": "containerInsights", "value": "enabled"}])],
    "aws:cloudwatch/metricAlarm:MetricAlarm": [res("aws:cloudwatch/metricAlarm:MetricAlarm", "a")],
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": [
        res("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace", "ns", name="app.internal")],
    "aws:servicediscovery/service:Service": [
        res("aws:servicediscovery/service:Service", "backend", name="backend"),
        res("aws:ecs/service:Service", "svc", desiredCount=2,
            serviceRegistries={"registryArn": "arn:aws:servicediscovery:mock-region:123456789012:service/backend"})],
    "azure-native:app:ContainerApp": [res("azure-native:app:ContainerApp", "web", template=APP_TEMPLATE,
                                          configuration={"ingress": {"external": True}})],
    "azure-native:app:Job": [res("azure-native:app:Job", "cron", template=APP_TEMPLATE,
                                 configuration={"triggerType": "Schedule", "replicaTimeout": 270,
                                                "scheduleTriggerConfig": {"cronExpression": "*/5 * * * *"}})],
    "azure-native:dbforpostgresql:Server": [res("azure-native:dbforpostgresql:Server", "pg", sku={"name": "Standard_B1ms"},
                                                storage={"storageSizeGB": 32})],
    "azure-native:dbformysql:Server": [res("azure-native:dbformysql:Server", "my", sku={"name": "Standard_B1ms"},
                                           storage={"storageSizeGB": 20, "autoIoScaling": "Enabled"})],
    "azure-native:redisenterprise:RedisEnterprise": [res("azure-native:redisenterprise:RedisEnterprise", "amr",
                                                         sku={"name": "Balanced_B0"}, highAvailability="Disabled")],
    "azure-native:storage:StorageAccount": [res("azure-native:storage:StorageAccount", "blobs", kind="StorageV2",
                                                sku={"name": "Standard_LRS"})],
    "azure-native:storage:FileShare": [SHARE_ACCOUNT, res("azure-native:storage:FileShare", "html", accountName="stx",
                                                          shareName="html", shareQuota=100)],
    "azure-native:keyvault:Vault": [res("azure-native:keyvault:Vault", "kv")],
    "azure-native:cdn:Profile": [res("azure-native:cdn:Profile", "fd", sku={"name": "Standard_AzureFrontDoor"})],
    "azure-native:frontdoor:Policy": [res("azure-native:frontdoor:Policy", "waf", sku={"name": "Standard_AzureFrontDoor"},
                                          customRules={"rules": [{"name": "geo"}]})],
    "azure-native:operationalinsights:Workspace": [res("azure-native:operationalinsights:Workspace", "logs", retentionInDays=90)],
    "azure-native:monitor:MetricAlert": [res("azure-native:monitor:MetricAlert", "alert")],
    "azure-native:network:PrivateEndpoint": [res("azure-native:network:PrivateEndpoint", "pe")],
    "azure-native:privatedns:PrivateZone": [res("azure-native:privatedns:PrivateZone", "zone")],
    "azure-native:network:PublicIPAddress": [res("azure-native:network:PublicIPAddress", "ip")],
    "azure-native:containerregistry:Registry": [res("azure-native:containerregistry:Registry", "acr", sku={"name": "Basic"})],
    "azure-native:recoveryservices:ProtectedItem": [
        SHARE_ACCOUNT, res("azure-native:storage:FileShare", "html", accountName="stx", shareName="html", shareQuota=100),
        res("azure-native:recoveryservices:ProtectedItem", "item", properties={"friendlyName": "html"})],
}
# Priced only in configurations the stacks do not use: a dedicated workload profile is unpriced,
# a Consumption-only environment free (test below).
NEVER_PRICED = {"azure-native:app:ManagedEnvironment"}
PRICED = [("aws", t) for t in aws.PRICERS] + [("azure", t) for t in azure.PRICERS if t not in NEVER_PRICED]


@pytest.mark.parametrize("name", ["aws-eu-west-2.yaml", "azure-uksouth.yaml"])
def test_every_price_names_its_source_page_and_date(name):
    book = PriceBook.load(PRICES_DIR / name)
    assert book.prices and book.compiled
    for price in book.prices.values():
        assert price.amount > 0 and price.source.startswith("https://") and price.unit
        dt.date.fromisoformat(price.date)
    if book.currency == "USD":
        assert book.gbp_per_usd and book.gbp_rate_date and book.gbp_rate_source.startswith("https://")
    header = " ".join(line.lstrip("# ") for line in (PRICES_DIR / name).read_text().split("\ncloud:", 1)[0].splitlines())
    assert "without network access" in header and "not when it was read" in header


def test_a_price_without_its_source_is_refused(tmp_path):
    bad = tmp_path / "aws-eu-west-2.yaml"
    bad.write_text("cloud: aws\nregion: eu-west-2\ncurrency: USD\ncompiled: '2026-11-25'\nhours_per_month: 730\n"
                   "prices:\n  nat.hour: {price: 0.05, unit: hour, date: '2026-11-25'}\n")
    with pytest.raises(PriceDataError, match="nat.hour"):
        PriceBook.load(bad)


def test_every_pricing_rule_has_a_sample():
    assert set(SAMPLES) == {t for _, t in PRICED}


@pytest.mark.parametrize("cloud,type_", PRICED, ids=[t for _, t in PRICED])
def test_each_priced_resource_type_has_a_price(cloud, type_):
    e = _estimate(SAMPLES[type_], cloud=cloud)
    mine = [line for line in e.lines if line.type == type_]
    assert mine and sum(line.monthly for line in mine) > 0, e.unpriced
    assert not [u for u in e.unpriced if u.type == type_]


@pytest.mark.parametrize("cloud,app,tier", REAL, ids=["-".join(c) for c in REAL])
def test_real_plans_are_fully_priced_and_every_resource_is_accounted_for(cloud, app, tier):
    d, plan = planned(app, cloud, tier)
    e = estimate(plan.resources, cloud=cloud, region=d.region, tier=tier, expires_on=d.expires_on, today=TODAY)
    assert e.unpriced == (), [(u.type, u.reason) for u in e.unpriced]
    cloud_resources = {r.urn for r in plan.resources if r.custom and not r.type.startswith("pulumi:providers:")}
    priced = {line.urn for line in e.lines}
    free = {f.urn for f in e.free}
    assert priced | free == cloud_resources and not priced & free
    assert e.currency == {"aws": "USD", "azure": "GBP"}[cloud] and e.total > 0


@pytest.mark.parametrize("cloud,app,tier", REAL, ids=["-".join(c) for c in REAL])
def test_total_is_the_sum_of_the_lines(cloud, app, tier):
    d, plan = planned(app, cloud, tier)
    e = estimate(plan.resources, cloud=cloud, region=d.region, tier=tier, expires_on=d.expires_on, today=TODAY)
    assert e.total == sum(line.monthly for line in e.lines)
    assert all(line.monthly == money(line.quantity * line.price.amount) for line in e.lines)
    doc = json.loads(json.dumps(e.as_json()))
    assert round(sum(Decimal(str(x["monthly"])) for x in doc["lines"]), 2) == Decimal(str(doc["monthly_total"]))


def test_a_consumption_environment_is_free_and_a_dedicated_one_unpriced():
    env = "azure-native:app:ManagedEnvironment"
    e = _estimate([res(env, "consumption", workloadProfiles=[{"workloadProfileType": "Consumption"}]),
                   res(env, "dedicated", workloadProfiles=[{"workloadProfileType": "D4"}])], cloud="azure")
    assert [f.name for f in e.free] == ["consumption"] and [u.name for u in e.unpriced] == ["dedicated"]


def test_a_missing_price_is_listed_as_unpriced_never_zero():
    book, _ = price_book("aws", "eu-west-2")
    without = dataclasses.replace(book, prices={k: v for k, v in book.prices.items() if k != "rds.postgres.db.t4g.micro"})
    db = SAMPLES["aws:rds/instance:Instance"]
    e = _estimate(db, book=without)
    assert e.lines == () and e.total == 0
    assert [(u.name, u.reason) for u in e.unpriced] == [("db", "no price 'rds.postgres.db.t4g.micro' in aws-eu-west-2.yaml")]


def test_an_unknown_resource_type_is_unpriced_and_a_known_free_one_says_why():
    e = _estimate([res("aws:opensearch/domain:Domain", "search"), res("aws:ec2/vpc:Vpc", "vpc")])
    assert [(u.name, u.reason) for u in e.unpriced] == [("search", "no pricing rule for aws:opensearch/domain:Domain")]
    assert [(f.name, f.reason) for f in e.free] == [("vpc", "no charge for a VPC")]


def test_an_unreadable_schedule_is_unpriced_rather_than_guessed():
    cron = SAMPLES["aws:scheduler/schedule:Schedule"]
    odd = dataclasses.replace(cron[1], inputs={**cron[1].inputs, "scheduleExpression": "cron(0 9 L * ? *)"})
    e = _estimate([cron[0], odd])
    assert [u.name for u in e.unpriced] == ["cron"] and "cannot read how often" in e.unpriced[0].reason


@pytest.mark.parametrize("expression,per_day", [
    ("*/5 * * * *", 288), ("cron(0/5 * * * ? *)", 288), ("0 3 * * *", 1), ("15,45 * * * *", 48),
    ("0 8-17 * * *", 10), ("rate(15 minutes)", 96), ("cron(0 2 * * ? *)", 1),
])
def test_runs_per_month_of_a_daily_schedule(expression, per_day):
    assert scheduler_runs_per_month(expression) == Decimal(per_day) * DAYS_PER_MONTH


def test_usage_based_lines_state_their_assumption():
    d, plan = planned("nextcloud", "aws", "production")
    e = estimate(plan.resources, cloud="aws", region=d.region, tier="production", today=TODAY)
    by_key = {line.price.key: line for line in e.lines}
    assert "assumes 50 GB" in by_key["efs.standard.gb_month"].assumption
    assert "assumes 1 LCU" in by_key["alb.lcu_hour"].assumption
    assert by_key["alb.hour"].assumption is None  # an hour is an hour
    assert any("each scheduled run lasts 60 s" in a for a in e.assumptions)


def test_trial_estimate_shows_the_total_for_the_trial_period():
    d, plan = planned("nextcloud", "azure", "trial")
    e = estimate(plan.resources, cloud="azure", region=d.region, tier="trial", expires_on=d.expires_on, today=TODAY)
    assert e.trial_days == 30
    assert e.trial_total == money(e.total * 30 / DAYS_PER_MONTH)
    short = estimate(plan.resources, cloud="azure", region=d.region, tier="trial", expires_on="2026-12-10", today=TODAY)
    assert short.trial_days == 15 and short.trial_total < e.trial_total
    _, prod = planned("nextcloud", "azure", "production")
    assert estimate(prod.resources, cloud="azure", region="uksouth", tier="production").trial_total is None


def test_usd_estimates_carry_a_gbp_total_at_the_files_rate():
    d, plan = planned("localgov-drupal", "aws", "trial")
    e = estimate(plan.resources, cloud="aws", region=d.region, tier="trial", expires_on=d.expires_on, today=TODAY)
    doc = e.as_json()
    assert doc["currency"] == "USD" and doc["prices"]["gbp_per_usd"] == 0.731  # issue 17: 0.75 was 2.6% high
    assert Decimal(str(doc["monthly_total_gbp"])) == (e.total * Decimal("0.731")).quantize(Decimal("0.01"))
    assert doc["price_date"] == "2026-12-03" and "aws-eu-west-2.yaml" in doc["price_source"]


def test_a_region_without_a_price_file_says_whose_prices_it_shows():
    d, plan = planned("nextcloud", "azure", "trial")
    e = estimate(plan.resources, cloud="azure", region="ukwest", tier="trial", today=TODAY)
    assert e.notes == ("no price file for azure ukwest: uksouth prices shown (list prices differ by region)",)
