"""Bigger apps on Azure, generically: internal services, singletons, one-off steps, several caches.

Mirrors tests/test_aws_multiservice.py on the same test-only blueprint (queue-app).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from councilkit.blueprints.deployment import build_deployment
from councilkit.cli.planning import plan_deployment
from councilkit.stacks.azure.cache import EVICTION, TLS_PORT

FIXTURES = Path(__file__).parent / "fixtures" / "blueprints"


@pytest.fixture(scope="module", params=["trial", "production"])
def planned_app(request):
    d = build_deployment("queue-app", cloud="azure", tier=request.param, blueprint_dirs=(FIXTURES,))
    return d, plan_deployment(d)


def _apps(plan):
    """container name → its container app (names are `<app id>-<container>`)."""
    return {a.inputs["containerAppName"].removeprefix("queue-app-"): a for a in plan.of_type("azure-native:app:ContainerApp")}


def _env(resource) -> dict[str, dict]:
    return {v["name"]: v for v in resource.inputs["template"]["containers"][0]["env"]}


def _one_off_jobs(plan):
    return {
        j.inputs["jobName"]: j
        for j in plan.of_type("azure-native:app:Job")
        if j.inputs["configuration"]["triggerType"] == "Manual"
    }


def test_each_process_but_cron_is_a_container_app_in_one_environment(planned_app):
    _, plan = planned_app
    apps = _apps(plan)
    assert set(apps) == {"frontend", "backend", "websocket", "scheduler", "queue-long"}
    assert {a.inputs["managedEnvironmentId"] for a in apps.values()} == {"environment-env-id"}


def test_internal_services_have_internal_tcp_ingress_on_their_port(planned_app):
    _, plan = planned_app
    apps = _apps(plan)
    for name, port in (("backend", 8000), ("websocket", 9000)):
        ingress = apps[name].inputs["configuration"]["ingress"]
        assert ingress["external"] is False
        assert ingress["transport"] == "tcp"
        assert ingress["targetPort"] == ingress["exposedPort"] == port
        assert ingress["allowInsecure"] is False
        assert "customDomains" not in ingress
    assert apps["frontend"].inputs["configuration"]["ingress"]["external"] is True


def test_workers_have_no_ingress(planned_app):
    _, plan = planned_app
    apps = _apps(plan)
    for name in ("scheduler", "queue-long"):
        assert "ingress" not in apps[name].inputs["configuration"]


def test_service_placeholders_become_app_name_and_port_in_the_environment(planned_app):
    _, plan = planned_app
    env = _env(_apps(plan)["frontend"])
    assert env["BACKEND"]["value"] == "queue-app-backend:8000"
    assert env["SOCKETIO"]["value"] == "queue-app-websocket:9000"


def test_singleton_runs_one_replica_in_single_revision_mode(planned_app):
    d, plan = planned_app
    apps = _apps(plan)
    scheduler = apps["scheduler"].inputs
    assert scheduler["template"]["scale"] == {"minReplicas": 1, "maxReplicas": 1}
    assert scheduler["configuration"]["activeRevisionsMode"] == "Single"
    stop = plan.outputs["one_off"]["singletons"]["scheduler"]
    assert stop["app"] == "queue-app-scheduler"
    assert stop["stop_before_rollout"].startswith("az containerapp revision deactivate")
    assert set(plan.outputs["one_off"]["singletons"]) == {"scheduler"}
    workers = apps["queue-long"].inputs["template"]["scale"]
    replicas = d.sizes.processes["queue-long"].replicas
    assert workers == {"minReplicas": replicas, "maxReplicas": replicas}


def test_each_cache_is_its_own_tls_only_redis_with_its_eviction_policy(planned_app):
    _, plan = planned_app
    # Azure Managed Redis: one cluster and one TLS-only database per blueprint cache.
    caches = plan.of_type("azure-native:redisenterprise:RedisEnterprise")
    databases = plan.of_type("azure-native:redisenterprise:Database")
    assert len(caches) == 2 and len(databases) == 2
    assert all(c.inputs["minimumTlsVersion"] == "1.2" and c.inputs["publicNetworkAccess"] == "Disabled" for c in caches)
    assert all(db.inputs["clientProtocol"] == "Encrypted" for db in databases)
    policies = sorted(db.inputs["evictionPolicy"] for db in databases)
    assert policies == sorted([EVICTION["allkeys-lru"], EVICTION["noeviction"]])
    assert len({c.inputs["clusterName"] for c in caches}) == 2
    redis_endpoints = [
        pe for pe in plan.of_type("azure-native:network:PrivateEndpoint")
        if pe.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["redisEnterprise"]
    ]
    assert len(redis_endpoints) == 2


def test_each_cache_key_is_kept_in_key_vault(planned_app):
    _, plan = planned_app
    stored = {s.inputs["secretName"]: s for s in plan.of_type("azure-native:keyvault:Secret")}
    assert {"cache-password", "queue-password"} <= set(stored)
    assert stored["queue-password"].inputs["properties"]["value"] == "[secret]"


def test_apps_reach_each_cache_at_its_own_tls_address(planned_app):
    _, plan = planned_app
    env = _env(_apps(plan)["frontend"])
    cache, queue = env["REDIS_CACHE"]["value"], env["REDIS_QUEUE"]["value"]
    assert cache.startswith("rediss://") and queue.startswith("rediss://")
    # No port variable in the blueprint: Azure's TLS port rides on the host.
    assert cache.endswith(f".uksouth.redis.azure.net:{TLS_PORT}") and queue.endswith(f":{TLS_PORT}")
    assert cache != queue


def test_install_and_upgrade_steps_are_manual_jobs_of_the_named_container(planned_app):
    _, plan = planned_app
    jobs = _one_off_jobs(plan)
    assert set(jobs) == {"queue-app-install-job", "queue-app-upgrade-job"}
    backend = _apps(plan)["backend"].inputs
    for name, args in (
        ("queue-app-install-job", ["bench", "new-site", "--admin-password-from-env", "site"]),
        ("queue-app-upgrade-job", ["bench", "--site", "all", "migrate"]),
    ):
        job = jobs[name].inputs
        config = job["configuration"]
        assert config["manualTriggerConfig"] == {"parallelism": 1, "replicaCompletionCount": 1}
        assert config["replicaRetryLimit"] == 0 and config["replicaTimeout"] > 0
        assert config["secrets"] == backend["configuration"]["secrets"]
        assert job["environmentId"] == "environment-env-id"
        main = job["template"]["containers"][0]
        theirs = backend["template"]["containers"][0]
        assert main["image"] == theirs["image"] == "example/backend:2.1.0"
        assert main["env"] == theirs["env"]
        assert main["volumeMounts"] == theirs["volumeMounts"]
        assert main["args"] == args and "command" not in main
        assert job["template"]["volumes"] == backend["template"]["volumes"]


def test_install_and_upgrade_steps_are_exported_for_one_off_runs(planned_app):
    d, plan = planned_app
    one_off = plan.outputs["one_off"]
    assert one_off["install"]["container"] == "backend"
    assert one_off["install"]["commands"] == [["bench", "new-site", "--admin-password-from-env", "site"]]
    assert one_off["upgrade"]["commands"] == [["bench", "--site", "all", "migrate"]]
    assert one_off["install"]["job"] == "queue-app-install-job"
    assert one_off["upgrade"]["start"] == (
        f"az containerapp job start --resource-group {one_off['resource_group']} --name queue-app-upgrade-job"
    )


def test_database_parameters_from_the_blueprint_reach_the_server(planned_app):
    _, plan = planned_app
    params = {c.inputs["configurationName"]: c.inputs["value"] for c in plan.of_type("azure-native:dbformysql:Configuration")}
    assert params["character_set_server"] == "utf8mb4" and params["require_secure_transport"] == "ON"
    assert plan.one("azure-native:dbformysql:Database").inputs["collation"] == "utf8mb4_unicode_ci"
