"""Every blueprint in the catalogue plans on Azure, both tiers, with no per-app code (issue 6).

Parametrised over `discover()`, so a blueprint a colleague adds is covered the moment its file
lands. Each (app, tier) is planned once per session (conftest.planned) and shared with the other
Azure tests.
"""

from __future__ import annotations

import pytest

from helpers import TIERS, planned
from councilkit.blueprints.loader import discover
from councilkit.blueprints.model import PLACEHOLDER_RE
from councilkit.stacks.azure import names
from councilkit.stacks.azure.apps import one_off_job_name, one_off_steps
from councilkit.stacks.azure.files import SHARE_NAME
from councilkit.stacks.spec import mounts_of

from councilkit.blueprints.deployment import build_deployment, clouds_for
from councilkit.blueprints.loader import load_file
from councilkit.stacks.azure.cache import EVICTION

ON_AZURE = [app for app, versions in discover().items()
            if "azure" in clouds_for(load_file(list(versions.values())[-1].path))]
NOT_ON_AZURE = sorted(set(discover()) - set(ON_AZURE))
CASES = [(app, tier) for app in ON_AZURE for tier in TIERS]


def test_every_blueprint_runs_on_azure_erpnext_on_a_self_managed_mariadb():
    """ERPNext needs MariaDB itself: Azure runs it self-managed (database_vm.py), not refused."""
    assert NOT_ON_AZURE == []
    assert build_deployment("erpnext", cloud="azure", tier="trial").database_hosting == "self-managed"


@pytest.fixture(scope="module", params=CASES, ids=[f"{a}-{t}" for a, t in CASES])
def case(request):
    app, tier = request.param
    return planned(app, "azure", tier)


def _apps(plan):
    return {a.inputs["containerAppName"]: a for a in plan.of_type("azure-native:app:ContainerApp")}


def _jobs(plan):
    return {j.inputs["jobName"]: j for j in plan.of_type("azure-native:app:Job")}


def test_each_process_is_a_container_app_or_a_scheduled_job(case):
    d, plan = case
    apps, jobs = _apps(plan), _jobs(plan)
    expected_apps = set()
    for c in d.blueprint.containers:
        name = names.container_app(d, c.name)
        assert names.CONTAINER_APP_RE.fullmatch(name), name
        if c.role == "cron":
            config = jobs[name].inputs["configuration"]
            assert config["triggerType"] == "Schedule"
            assert config["scheduleTriggerConfig"]["cronExpression"] == c.schedule
            continue
        expected_apps.add(name)
        ingress = apps[name].inputs["configuration"].get("ingress")
        scale = apps[name].inputs["template"]["scale"]
        if c.role == "web":
            assert ingress["external"] is True and ingress["targetPort"] == c.port
            # Trial only: in production Front Door holds the domain.
            assert ingress.get("customDomains") == (None if d.production else [{"name": d.domain, "bindingType": "Auto"}])
        elif c.role == "service":
            assert ingress["external"] is False and ingress["transport"] == "tcp"
            assert ingress["targetPort"] == ingress["exposedPort"] == c.port
        else:
            assert ingress is None
        if c.singleton:
            assert scale == {"minReplicas": 1, "maxReplicas": 1}
    assert set(apps) == expected_apps


def test_one_off_steps_are_manual_jobs(case):
    d, plan = case
    jobs = _jobs(plan)
    manual = {n for n, j in jobs.items() if j.inputs["configuration"]["triggerType"] == "Manual"}
    assert manual == {one_off_job_name(d, kind) for kind in one_off_steps(d)}
    for kind, step in one_off_steps(d).items():
        assert plan.outputs["one_off"][kind]["container"] == step.container


def test_service_placeholders_name_apps_of_the_same_environment(case):
    d, plan = case
    services = {c.name: f"{names.container_app(d, c.name)}:{c.port}" for c in d.blueprint.containers if c.role == "service"}
    apps = _apps(plan)
    for c in d.blueprint.containers:
        if c.role == "cron":
            continue
        env = {v["name"]: v.get("value") for v in apps[names.container_app(d, c.name)].inputs["template"]["containers"][0]["env"]}
        for key, text in c.env.items():
            for service, address in services.items():
                if f"${{service.{service}}}" in text:
                    assert address in env[key], (c.name, key)
            # No councilkit placeholder is left (shell `${VAR%...}` in a command line may stay).
            assert not PLACEHOLDER_RE.search(env[key] or ""), (c.name, key)


def test_database_runs_on_the_flexible_server_of_its_engine(case):
    d, plan = case
    postgres = plan.of_type("azure-native:dbforpostgresql:Server")
    mysql = plan.of_type("azure-native:dbformysql:Server")
    db = d.blueprint.database
    if d.database_hosting == "self-managed":  # MariaDB itself (ERPNext): a VM, no flexible server
        assert postgres == mysql == [] and len(plan.of_type("azure-native:compute:VirtualMachine")) == 1
        return
    if db is None:
        assert postgres == mysql == []
    elif db.engine == "postgres":
        assert len(postgres) == 1 and mysql == []
        assert postgres[0].inputs["version"] == db.version.split(".")[0]
    else:  # mysql, and mariadb (Azure Database for MariaDB is retired: MySQL flexible server)
        assert len(mysql) == 1 and postgres == []
        assert mysql[0].inputs["version"].startswith(("5.7", "8."))
    if db is not None:
        server = (postgres or mysql)[0].inputs
        assert server["network"]["publicNetworkAccess"] == "Disabled"


def test_shared_paths_are_subdirectories_of_one_nfs_share_mounted_where_the_blueprint_says(case):
    d, plan = case
    shares = {s.inputs["shareName"]: s for s in plan.of_type("azure-native:storage:FileShare")}
    assert set(shares) == ({SHARE_NAME} if d.blueprint.files else set())
    assert {s.inputs["enabledProtocols"] for s in shares.values()} <= {"NFS"}
    storages = {s.inputs["storageName"] for s in plan.of_type("azure-native:app:ManagedEnvironmentsStorage")}
    assert storages == set(shares)
    resources = {**_apps(plan), **_jobs(plan)}
    for c in d.blueprint.containers:
        resource = resources[names.container_app(d, c.name)]
        mounts = resource.inputs["template"]["containers"][0].get("volumeMounts") or []
        assert {(m["mountPath"], m["subPath"]) for m in mounts} == {(f.path, f.name) for f in mounts_of(d, c)}, c.name


def test_each_cache_is_its_own_redis(case):
    d, plan = case
    databases = plan.of_type("azure-native:redisenterprise:Database")
    assert sorted(db.inputs["evictionPolicy"] for db in databases) == sorted(EVICTION[c.eviction] for c in d.caches)
