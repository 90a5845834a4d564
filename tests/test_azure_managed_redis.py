"""Azure caches are Azure Managed Redis (issue 12, defect 5): TLS only, private only, HA in
production, the blueprint's eviction, the env the containers get, priced, judged by the controls.

Azure Cache for Redis is retiring (stacks/azure/cache.py names the sources); every fact pinned
here cites its source in cache.py, offline.py, prices.py or the price file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from helpers import TIERS, planned
from councilkit.blueprints.deployment import build_deployment, clouds_for
from councilkit.blueprints.loader import discover, load_file
from councilkit.blueprints.model import Cache as CacheSpec
from councilkit.cli.planning import plan_deployment
from councilkit.stacks import deployability
from councilkit.stacks.azure import cache as amr
from councilkit.stacks.azure import names
from councilkit.stacks.azure.offline import INVOKE_RESULTS, azure_outputs
from councilkit.stacks.cloud import cloud_for
from councilkit.stacks.cost import estimate, price_book
from councilkit.stacks.policy import CONTROLS, Facts, evaluate, run
from councilkit.stacks.policy import types as t

FIXTURES = Path(__file__).parent / "fixtures" / "blueprints"
SDK = Path(__import__("pulumi_azure_native").__file__).parent / "redisenterprise"
TODAY = dt.date(2026, 11, 25)
CONTROL = {c.id: c for c in CONTROLS}
OLD_REDIS = "azure-native:redis:Redis"


@pytest.fixture(scope="module")
def nextcloud():
    return planned("nextcloud", "azure", "production")


@pytest.fixture(scope="module", params=TIERS)
def queue_app(request):
    d = build_deployment("queue-app", cloud="azure", tier=request.param, blueprint_dirs=(FIXTURES,))
    return d, plan_deployment(d)


@pytest.fixture(scope="module", params=["nextcloud-production", "queue-app-trial", "queue-app-production"])
def case(request, nextcloud):
    if request.param == "nextcloud-production":
        return nextcloud
    tier = request.param.rsplit("-", 1)[1]
    d = build_deployment("queue-app", cloud="azure", tier=tier, blueprint_dirs=(FIXTURES,))
    return d, plan_deployment(d)


def _env(app) -> dict[str, dict]:
    return {v["name"]: v for v in app.inputs["template"]["containers"][0]["env"]}


def _clusters(plan):
    return {c.inputs["clusterName"]: c for c in plan.of_type(t.REDIS_CLUSTER)}


def _databases(plan):
    return {db.inputs["clusterName"]: db for db in plan.of_type(t.REDIS_DATABASE)}


# -- the cluster and its database ------------------------------------------------------------------


def test_each_blueprint_cache_is_one_managed_redis_cluster_with_one_default_database(case):
    d, plan = case
    clusters, databases = _clusters(plan), _databases(plan)
    assert len(clusters) == len(d.caches) >= 1
    assert set(databases) == set(clusters) == {amr.redis_name(d, c) for c in d.caches}
    assert {db.inputs["databaseName"] for db in databases.values()} == {"default"}
    for name, cluster in clusters.items():
        # The database takes the cluster's name from the cluster itself, so it waits for it.
        assert cluster.urn in databases[name].property_dependencies["clusterName"]
    assert plan.of_type(OLD_REDIS) == []


def test_trial_runs_the_smallest_balanced_sku_without_ha_and_production_with_ha(case):
    d, plan = case
    for cluster in plan.of_type(t.REDIS_CLUSTER):
        i = cluster.inputs
        assert i["sku"] == {"name": amr.SKU[(d.tier, d.sizes.cache.size)]}
        assert i["highAvailability"] == ("Enabled" if d.production else "Disabled")
        assert i["location"] == d.region == "uksouth"
    if d.tier == "trial" and d.sizes.cache.size == "small":
        assert {c.inputs["sku"]["name"] for c in plan.of_type(t.REDIS_CLUSTER)} == {"Balanced_B0"}


def test_clients_connect_over_tls_1_2_only_and_never_from_a_public_network(case):
    _, plan = case
    for cluster in plan.of_type(t.REDIS_CLUSTER):
        assert cluster.inputs["minimumTlsVersion"] == "1.2"
        assert cluster.inputs["publicNetworkAccess"] == "Disabled"
    for db in plan.of_type(t.REDIS_DATABASE):
        assert db.inputs["clientProtocol"] == "Encrypted"
        assert db.inputs["port"] == 10000
        assert db.inputs["clusteringPolicy"] == "NoCluster"
        assert db.inputs["accessKeysAuthentication"] == "Enabled"


def test_each_database_evicts_as_its_blueprint_cache_says(case):
    d, plan = case
    databases = _databases(plan)
    got = {c.name: databases[amr.redis_name(d, c)].inputs["evictionPolicy"] for c in d.caches}
    assert got == {c.name: amr.EVICTION[c.eviction] for c in d.caches}
    if d.app_id == "queue-app":  # a cache that drops old keys, a queue that never does
        assert got == {"cache": "AllKeysLRU", "queue": "NoEviction"}


def test_every_setting_is_one_the_installed_sdk_accepts():
    """SKU, eviction, protocol and clustering spellings pinned to pulumi-azure-native's enums."""
    enums = (SDK / "_enums.py").read_text()
    for value in [*amr.SKU.values(), *amr.EVICTION.values(), "Encrypted", "NoCluster", "Enabled", "Disabled", "1.2"]:
        assert f'= "{value}"' in enums, value
    assert "'azure-native:redisenterprise:listDatabaseKeys'" in (SDK / "list_database_keys.py").read_text()
    assert "azure-native:redisenterprise:listDatabaseKeys" in INVOKE_RESULTS


# -- private endpoint and DNS ------------------------------------------------------------------------


def test_each_cluster_has_a_private_endpoint_registered_in_the_managed_redis_zone(case):
    _, plan = case
    zones = [z for z in plan.of_type("azure-native:privatedns:PrivateZone")
             if z.inputs["privateZoneName"] == "privatelink.redis.azure.net"]
    assert len(zones) == 1
    assert not [z for z in plan.of_type("azure-native:privatedns:PrivateZone")
                if z.inputs["privateZoneName"] == "privatelink.redis.cache.windows.net"]
    zone = zones[0]
    links = [link for link in plan.of_type("azure-native:privatedns:VirtualNetworkLink")
             if link.inputs["privateZoneName"] in (zone.identities.get("name"), zone.name)
             or zone.urn in link.property_dependencies.get("privateZoneName", [])]
    assert len(links) == 1 and links[0].inputs["virtualNetwork"]["id"].endswith("vnet-id")
    endpoints = {pe.name: pe for pe in plan.of_type("azure-native:network:PrivateEndpoint")}
    groups = {g.inputs["privateEndpointName"]: g for g in plan.of_type("azure-native:network:PrivateDnsZoneGroup")}
    for cluster in plan.of_type(t.REDIS_CLUSTER):
        pe = endpoints[f"{cluster.name}-pe"]
        (connection,) = pe.inputs["privateLinkServiceConnections"]
        assert connection["groupIds"] == ["redisEnterprise"]
        assert cluster.urn in pe.property_dependencies["privateLinkServiceConnections"]
        assert pe.inputs["subnet"]["id"] == "network-endpoints-id"
        (config,) = groups[pe.name].inputs["privateDnsZoneConfigs"]
        assert config["name"] == "redisEnterprise" and zone.urn in groups[pe.name].property_dependencies["privateDnsZoneConfigs"]


# -- what the containers get --------------------------------------------------------------------------


def test_nextcloud_gets_the_tls_host_port_10000_and_the_key_from_key_vault(nextcloud):
    d, plan = nextcloud
    cenv = d.blueprint.cache.env
    host = f"{amr.redis_name(d, d.blueprint.cache)}.uksouth.redis.azure.net"
    for app in plan.of_type("azure-native:app:ContainerApp"):
        env = _env(app)
        assert env[cenv.host]["value"] == f"{cenv.host_prefix}{host}"
        assert env[cenv.port]["value"] == "10000"
        assert env[cenv.password] == {"name": cenv.password, "secretRef": "cache-password"}
    secret = next(s for s in plan.of_type("azure-native:keyvault:Secret") if s.inputs["secretName"] == "cache-password")
    assert secret.inputs["properties"]["value"] == "[secret]"
    assert plan.outputs["caches"] == {"cache": host}


def test_queue_app_without_a_port_variable_gets_the_port_on_each_url(queue_app):
    d, plan = queue_app
    app = next(a for a in plan.of_type("azure-native:app:ContainerApp") if a.inputs["containerAppName"].endswith("-frontend"))
    env = _env(app)
    for spec in d.caches:
        assert env[spec.env.host]["value"] == f"rediss://{amr.redis_name(d, spec)}.uksouth.redis.azure.net:10000"
    stored = {s.inputs["secretName"] for s in plan.of_type("azure-native:keyvault:Secret")}
    assert {"cache-password", "queue-password"} <= stored


def test_offline_engine_answers_the_host_name_azure_gives_a_cluster():
    out = azure_outputs(t.REDIS_CLUSTER, "cache-redis", {"clusterName": "redis-x", "location": "uksouth", "name": "cache-redis"})
    assert out["hostName"] == "redis-x.uksouth.redis.azure.net" and out["name"] == "redis-x"
    # Other types keep their own answers.
    assert azure_outputs("azure-native:cdn:AFDEndpoint", "ep", {})["hostName"].endswith(".azurefd.net")


def test_no_plan_holds_the_retiring_azure_cache_for_redis():
    on_azure = [app for app, versions in discover().items()
                if "azure" in clouds_for(load_file(list(versions.values())[-1].path))]
    for app in on_azure:
        for tier in TIERS:
            _, plan = planned(app, "azure", tier)
            assert plan.of_type(OLD_REDIS) == [], (app, tier)
            assert not [pe for pe in plan.of_type("azure-native:network:PrivateEndpoint")
                        if pe.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["redisCache"]]


def test_cluster_names_stay_valid_for_long_councils_and_cache_names():
    d = build_deployment("nextcloud", cloud="azure", tier="production",
                         council="The Royal Borough of Kingston upon Thames and District Council")
    for spec in (CacheSpec(engine="redis", version="7.1", env={"host": "REDIS"}),
                 CacheSpec(name="q" * 32, engine="redis", version="7.1", env={"host": "REDIS"})):
        name = amr.redis_name(d, spec)
        # 1-60 characters (SDK cluster_name), letters, digits, single inner hyphens (azurerm
        # validate.ManagedRedisName).
        assert len(name) <= 60 and names.DNS_LABEL_RE.fullmatch(name) and "--" not in name, name


# -- price ---------------------------------------------------------------------------------------------


def _estimate(d, plan):
    return estimate(plan.resources, cloud="azure", region=d.region, tier=d.tier, expires_on=d.expires_on, today=TODAY)


def test_price_is_per_node_hour_two_nodes_with_ha_and_the_database_is_free(case):
    d, plan = case
    book, _ = price_book("azure", "uksouth")
    e = _estimate(d, plan)
    lines = [line for line in e.lines if line.type == t.REDIS_CLUSTER]
    assert len(lines) == len(d.caches)
    sku = amr.SKU[(d.tier, d.sizes.cache.size)]
    nodes = 2 if d.production else 1
    for line in lines:
        assert line.quantity == Decimal(730) * nodes
        assert line.price.amount == book[f"managed_redis.{sku}"].amount
        assert ("two nodes, high availability" if d.production else "one node, no HA") in line.item
    assert {f.type for f in e.free} >= {t.REDIS_DATABASE}
    assert not [u for u in e.unpriced if "redis" in u.type]


def test_managed_redis_prices_are_sourced_dated_and_grow_with_size():
    book, _ = price_book("azure", "uksouth")
    prices = [book[f"managed_redis.{sku}"] for sku in ("Balanced_B0", "Balanced_B1", "Balanced_B3", "Balanced_B5")]
    assert all(p.source.startswith("https://") and p.unit == "node-hour" and p.date == "2026-12-03" for p in prices)  # issue 17: re-derived at one rate
    amounts = [p.amount for p in prices]
    assert amounts == sorted(amounts) and len(set(amounts)) == 4
    assert set(amr.SKU.values()) <= {f"Balanced_{s}" for s in ("B0", "B1", "B3", "B5")}
    assert not [k for k in book.prices if k.startswith("redis.")]


def test_a_sku_without_a_price_is_unpriced_never_zero(nextcloud):
    d, plan = nextcloud
    cluster = plan.one(t.REDIS_CLUSTER)
    big = dataclasses.replace(cluster, inputs={**cluster.inputs, "sku": {"name": "MemoryOptimized_M10"}})
    e = estimate([big], cloud="azure", region="uksouth", tier="production", today=TODAY)
    assert [u.name for u in e.unpriced] == [cluster.name] and "managed_redis.MemoryOptimized_M10" in e.unpriced[0].reason


# -- policy and deployability --------------------------------------------------------------------------


def test_real_plans_pass_every_mandatory_control_and_deployability(case):
    d, plan = case
    report = evaluate(plan.resources, Facts.from_deployment(d, TODAY))
    assert {r.control.id: [f.reason for f in r.failures] for r in report.mandatory_failures} == {}
    judged = {r.control.id: {x.urn for x in r.results} for r in report.results}
    clusters = {c.urn for c in plan.of_type(t.REDIS_CLUSTER)}
    databases = {db.urn for db in plan.of_type(t.REDIS_DATABASE)}
    assert clusters | databases <= judged["CK-AZR-003"]
    assert clusters <= judged["CK-AZR-009"] and clusters <= judged["CK-GEN-002"]
    if d.production:
        assert clusters <= judged["CK-AZR-015"]
    assert deployability.check(plan, cloud_for("azure")) == []


MUTATIONS = [
    ("CK-AZR-003", t.REDIS_DATABASE, {"clientProtocol": "Plaintext"}, "plain text"),
    ("CK-AZR-003", t.REDIS_CLUSTER, {"minimumTlsVersion": "1.0"}, "minimumTlsVersion is 1.0"),
    ("CK-AZR-009", t.REDIS_CLUSTER, {"publicNetworkAccess": "Enabled"}, "publicNetworkAccess is Enabled"),
    ("CK-AZR-015", t.REDIS_CLUSTER, {"highAvailability": "Disabled"}, "one copy, no SLA"),
]


@pytest.mark.parametrize("control_id,type_,planted,why", MUTATIONS, ids=[f"{m[0]}-{list(m[2])[0]}" for m in MUTATIONS])
def test_a_planted_bad_setting_in_the_real_plan_is_caught(nextcloud, control_id, type_, planted, why):
    d, plan = nextcloud
    facts = Facts.from_deployment(d, TODAY)
    assert run(CONTROL[control_id], plan.resources, facts).status == "passed"
    bad = [dataclasses.replace(r, inputs={**r.inputs, **planted}) if r.type == type_ else r for r in plan.resources]
    result = run(CONTROL[control_id], bad, facts)
    assert result.status == "failed" and any(why in f.reason for f in result.failures), result.results


# -- the report ----------------------------------------------------------------------------------------


def test_the_report_draws_managed_redis_in_the_cache_layer_and_counts_its_region(nextcloud):
    _, plan = nextcloud
    azure = cloud_for("azure")
    assert azure.diagram_layers["cache"] == {t.REDIS_CLUSTER: "Azure Managed Redis"}
    assert OLD_REDIS not in {k for layer in azure.diagram_layers.values() for k in layer}
    only_cache = [r for r in plan.resources if r.type == t.REDIS_CLUSTER]
    assert azure.data_regions(type("P", (), {"resources": only_cache})()) == {"uksouth"}


def test_the_private_endpoint_zone_is_the_one_the_network_registers():
    from councilkit.stacks.azure import cache, network

    assert network.PRIVATE_LINK_ZONES[cache.GROUP_ID] == cache.PRIVATE_ZONE == "privatelink.redis.azure.net"
