"""Bigger apps on AWS, generically: internal services, singletons, one-off steps, several caches."""

from __future__ import annotations

from pathlib import Path

import pytest

from councilkit.blueprints.deployment import build_deployment
from councilkit.cli.planning import plan_deployment

from helpers import container_definitions

FIXTURES = Path(__file__).parent / "fixtures" / "blueprints"


@pytest.fixture(scope="module", params=["trial", "production"])
def planned_app(request):
    d = build_deployment("queue-app", cloud="aws", tier=request.param, blueprint_dirs=(FIXTURES,))
    return d, plan_deployment(d)


def _services(plan):
    return {s.name.split("-", 2)[-1]: s for s in plan.of_type("aws:ecs/service:Service")}


def test_internal_services_register_in_a_private_namespace(planned_app):
    d, plan = planned_app
    ns = plan.one("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace")
    assert ns.inputs["name"] == "queue-app.internal"
    registered = {s.inputs["name"] for s in plan.of_type("aws:servicediscovery/service:Service")}
    assert registered == {"backend", "websocket"}
    services = _services(plan)
    assert "serviceRegistries" in services["backend"].inputs
    assert "loadBalancers" not in services["backend"].inputs


def test_service_placeholders_become_namespace_addresses(planned_app):
    _, plan = planned_app
    web = next(t for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.name.endswith("-frontend"))
    env = {e["name"]: e["value"] for e in container_definitions(web)[0]["environment"]}
    assert env["BACKEND"] == "backend.queue-app.internal:8000"
    assert env["SOCKETIO"] == "websocket.queue-app.internal:9000"


def test_tasks_reach_each_other_only_on_service_ports(planned_app):
    _, plan = planned_app
    tasks_sg = next(s for s in plan.of_type("aws:ec2/securityGroup:SecurityGroup") if s.name.endswith("-tasks"))
    internal = [r for r in tasks_sg.inputs["ingress"] if r.get("self")]
    assert sorted(r["fromPort"] for r in internal) == [8000, 9000]


def test_singleton_is_stopped_before_its_successor_starts(planned_app):
    d, plan = planned_app
    services = _services(plan)
    scheduler = services["scheduler"].inputs
    assert scheduler["desiredCount"] == 1
    assert scheduler["deploymentMinimumHealthyPercent"] == 0 and scheduler["deploymentMaximumPercent"] == 100
    if d.production:
        assert services["queue-long"].inputs["deploymentMinimumHealthyPercent"] == 50


def test_each_cache_is_its_own_encrypted_redis_with_its_eviction_policy(planned_app):
    _, plan = planned_app
    groups = plan.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    assert len(groups) == 2
    assert all(g.inputs["transitEncryptionEnabled"] and g.inputs["atRestEncryptionEnabled"] for g in groups)
    policies = sorted(p.inputs["parameters"][0]["value"] for p in plan.of_type("aws:elasticache/parameterGroup:ParameterGroup"))
    assert policies == ["allkeys-lru", "noeviction"]
    web = next(t for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.name.endswith("-frontend"))
    env = {e["name"]: e["value"] for e in container_definitions(web)[0]["environment"]}
    assert env["REDIS_CACHE"].startswith("rediss://") and env["REDIS_QUEUE"].startswith("rediss://")
    assert env["REDIS_CACHE"] != env["REDIS_QUEUE"]


def test_install_and_upgrade_steps_are_exported_for_one_off_runs(planned_app):
    _, plan = planned_app
    one_off = plan.outputs["one_off"]
    assert one_off["install"]["container"] == "backend"
    assert one_off["install"]["commands"] == [["bench", "new-site", "--admin-password-from-env", "site"]]
    assert one_off["upgrade"]["commands"] == [["bench", "--site", "all", "migrate"]]
    assert one_off["install"]["task_definition"].startswith("arn:aws:ecs:")


def test_database_parameters_from_the_blueprint_reach_the_parameter_group(planned_app):
    _, plan = planned_app
    params = {p["name"]: p["value"] for p in plan.one("aws:rds/parameterGroup:ParameterGroup").inputs["parameters"]}
    assert params["character_set_server"] == "utf8mb4" and params["require_secure_transport"] == "1"
