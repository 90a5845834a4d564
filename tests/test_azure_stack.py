"""The Azure stack's resources carry the settings a production-ready deployment needs (issue 3).

Each real blueprint is planned once per tier (conftest.planned caches it) and the tests read the
resource inputs as the provider would receive them (camelCase wire names).
"""

from __future__ import annotations

import importlib

import pytest

from helpers import APPS, TIERS, planned
from councilkit.stacks.azure.apps import SHARE_ROOT
from councilkit.stacks.azure.files import SHARE_GIB, SHARE_NAME
from councilkit.stacks.azure.network import DATABASE_DELEGATION, SUBNETS
from councilkit.stacks.azure.cache import EVICTION, TLS_PORT
from councilkit.stacks.plan import refers_to

CASES = [(app, tier) for app in APPS for tier in TIERS]

MANAGED_REDIS = "azure-native:redisenterprise:RedisEnterprise"


@pytest.fixture(params=CASES, ids=[f"{a}-{t}" for a, t in CASES])
def case(request):
    app, tier = request.param
    return planned(app, "azure", tier)


@pytest.fixture(params=APPS)
def production(request):
    return planned(request.param, "azure", "production")


@pytest.fixture(params=TIERS)
def nextcloud(request):
    return planned("nextcloud", "azure", request.param)


@pytest.fixture
def nextcloud_production():
    """Nextcloud runs Redis only with several web replicas (Cache.only_with_replicas)."""
    return planned("nextcloud", "azure", "production")


def test_single_replica_nextcloud_trial_runs_without_redis():
    d, plan = planned("nextcloud", "azure", "trial")
    assert d.caches == [] and plan.of_type(MANAGED_REDIS) == []


@pytest.fixture(params=TIERS)
def drupal(request):
    return planned("localgov-drupal", "azure", request.param)


def _apps(plan):
    return plan.of_type("azure-native:app:ContainerApp") + plan.of_type("azure-native:app:Job")


def _web(plan):
    return next(r for r in plan.of_type("azure-native:app:ContainerApp") if r.inputs["configuration"].get("ingress"))


def _job(plan, kind: str):
    """The cron job ("Schedule") or a one-off job ("Manual")."""
    found = [j for j in plan.of_type("azure-native:app:Job") if j.inputs["configuration"]["triggerType"] == kind]
    assert len(found) == 1, [j.name for j in found]
    return found[0]


def _server(plan):
    found = plan.of_type("azure-native:dbforpostgresql:Server") + plan.of_type("azure-native:dbformysql:Server")
    assert len(found) == 1
    return found[0]


# -- resource group, network --------------------------------------------------------------------


RESOURCE_GROUP = "azure-native:resources:ResourceGroup"


def stack_group(plan):
    """The stack's own resource group: the one a destroy deletes (production also has one kept
    for the Recovery Services vault, which a destroy leaves with its recovery points)."""
    [group] = [g for g in plan.of_type(RESOURCE_GROUP) if not g.retain_on_delete]
    return group


def test_production_keeps_its_backup_vault_in_a_group_of_its_own_in_the_same_region(case):
    d, plan = case
    kept = [g for g in plan.of_type(RESOURCE_GROUP) if g.retain_on_delete]
    if not d.production:
        assert kept == []
        return
    [group] = kept
    assert group.inputs["location"] == stack_group(plan).inputs["location"] == d.region
    vault = plan.one("azure-native:recoveryservices:Vault")
    assert vault.retain_on_delete and refers_to(vault.inputs["resourceGroupName"], group)


def test_deployment_has_one_resource_group_in_its_region(case):
    d, plan = case
    rg = stack_group(plan)
    assert rg.inputs["location"] == d.region == "uksouth"
    assert d.stack_name in rg.inputs["resourceGroupName"]


def test_apps_subnet_is_delegated_to_container_apps_environments(case):
    _, plan = case
    subnets = {s.inputs["subnetName"]: s for s in plan.of_type("azure-native:network:Subnet")}
    assert [x["serviceName"] for x in subnets["apps"].inputs["delegations"]] == ["Microsoft.App/environments"]


def test_database_subnet_is_delegated_to_the_flexible_server(case):
    d, plan = case
    subnets = {s.inputs["subnetName"]: s for s in plan.of_type("azure-native:network:Subnet")}
    service = subnets["database"].inputs["delegations"][0]["serviceName"]
    assert service == DATABASE_DELEGATION[d.database_engine]
    assert service.lower().startswith(f"microsoft.{_server(plan).type.split(':')[1]}/")


def test_key_vault_storage_and_redis_have_private_endpoints_with_private_dns(case):
    d, plan = case
    groups = sorted(
        g for pe in plan.of_type("azure-native:network:PrivateEndpoint")
        for c in pe.inputs["privateLinkServiceConnections"] for g in c["groupIds"]
    )
    built = any(c.build for c in d.blueprint.containers)
    expected = (["file", "vault"] + (["redisEnterprise"] if d.caches else [])
                + (["registry"] if built and d.production else []))
    assert groups == sorted(expected)
    zones = {z.inputs["privateZoneName"] for z in plan.of_type("azure-native:privatedns:PrivateZone")}
    assert {"privatelink.vaultcore.azure.net", "privatelink.file.core.windows.net"} <= zones
    assert len(plan.of_type("azure-native:network:PrivateDnsZoneGroup")) == len(expected)


# -- environment ----------------------------------------------------------------------------------


def test_container_apps_environment_is_vnet_integrated(case):
    _, plan = case
    env = plan.one("azure-native:app:ManagedEnvironment")
    assert env.inputs["vnetConfiguration"]["infrastructureSubnetId"] == "network-apps-id"


def test_environment_is_zone_redundant_in_production_only(case):
    d, plan = case
    assert plan.one("azure-native:app:ManagedEnvironment").inputs["zoneRedundant"] is d.production


def test_log_analytics_keeps_30_days_for_trials_and_90_for_production(case):
    d, plan = case
    workspace = plan.one("azure-native:operationalinsights:Workspace")
    assert workspace.inputs["retentionInDays"] == (90 if d.production else 30)
    setting = plan.one("azure-native:monitor:DiagnosticSetting")
    assert setting.inputs["resourceUri"] == "environment-env-id"


def test_a_trial_caps_log_ingestion_at_half_a_gigabyte_a_day(case):
    # 30 days' retention is inside what ingestion pays for; the cap bounds a trial's log bill.
    d, plan = case
    capping = plan.one("azure-native:operationalinsights:Workspace").inputs.get("workspaceCapping")
    assert capping == (None if d.production else {"dailyQuotaGb": 0.5})


# -- apps ---------------------------------------------------------------------------------------


def test_web_ingress_is_external_https_only_on_the_blueprint_port(case):
    d, plan = case
    ingress = _web(plan).inputs["configuration"]["ingress"]
    assert ingress["external"] is True
    assert ingress["allowInsecure"] is False
    assert ingress["targetPort"] == d.blueprint.web.port


def test_web_runs_at_least_two_replicas_in_production(case):
    d, plan = case
    scale = _web(plan).inputs["template"]["scale"]
    assert scale["minReplicas"] == (max(2, d.sizes.processes["web"].replicas) if d.production else 1)
    assert scale["maxReplicas"] >= scale["minReplicas"]


def test_web_probes_check_the_blueprint_health_path(case):
    d, plan = case
    probes = _web(plan).inputs["template"]["containers"][0]["probes"]
    assert {p["type"] for p in probes} == {"Startup", "Liveness", "Readiness"}
    assert {p["httpGet"]["path"] for p in probes} == {d.blueprint.web.health_check.path}
    startup = next(p for p in probes if p["type"] == "Startup")
    allowed = startup["initialDelaySeconds"] + startup["periodSeconds"] * startup["failureThreshold"]
    assert allowed >= d.blueprint.web.health_check.grace_seconds


def test_probes_send_the_site_host_header_only_when_the_blueprint_asks(case):
    d, plan = case
    probes = _web(plan).inputs["template"]["containers"][0]["probes"]
    headers = [p["httpGet"].get("httpHeaders") for p in probes]
    if d.blueprint.web.health_check.host_header:
        assert all(h == [{"name": "Host", "value": d.domain}] for h in headers)
    else:
        assert all(h is None for h in headers)


def test_cron_runs_as_a_scheduled_job_with_the_blueprint_expression(case):
    d, plan = case
    cron = next(c for c in d.blueprint.containers if c.role == "cron")
    job = _job(plan, "Schedule")
    config = job.inputs["configuration"]
    assert config["scheduleTriggerConfig"]["cronExpression"] == cron.schedule
    assert config["scheduleTriggerConfig"]["parallelism"] == 1
    assert config["replicaRetryLimit"] == 0


def test_apps_run_as_the_user_assigned_identity(case):
    _, plan = case
    identity = plan.one("azure-native:managedidentity:UserAssignedIdentity")
    for resource in _apps(plan):
        assert resource.inputs["identity"] == {
            "type": "UserAssigned", "userAssignedIdentities": [f"{identity.name}-id"]
        }


def test_container_app_secrets_are_key_vault_references_through_the_identity(case):
    _, plan = case
    vault = plan.one("azure-native:keyvault:Vault").inputs["vaultName"]
    for resource in _apps(plan):
        secrets = resource.inputs["configuration"]["secrets"]
        assert secrets
        for secret in secrets:
            assert "value" not in secret
            assert secret["keyVaultUrl"] == f"https://{vault}.vault.azure.net/secrets/{secret['name']}"
            assert secret["identity"] == "identity-apps-id"


def test_no_env_var_holds_a_secret_value(case):
    d, plan = case
    secret_envs = {d.blueprint.database.env.password}
    secret_envs |= {k for c in d.blueprint.containers for k in c.secret_env}
    if d.blueprint.cache and d.blueprint.cache.env.password:
        secret_envs.add(d.blueprint.cache.env.password)
    for resource in _apps(plan):
        for container in resource.inputs["template"]["containers"]:
            for var in container["env"]:
                assert var.get("value") != "[secret]", var["name"]
                if var["name"] in secret_envs:
                    assert "secretRef" in var and "value" not in var, var["name"]


def test_every_blueprint_secret_and_the_db_password_are_generated_into_key_vault(case):
    d, plan = case
    stored = {s.inputs["secretName"] for s in plan.of_type("azure-native:keyvault:Secret")}
    generated = {r.name.removeprefix("secrets-") for r in plan.of_type("random:index/randomPassword:RandomPassword")}
    expected = {s.name for s in d.blueprint.secrets} | {"db-password"}
    assert expected <= generated and expected <= stored


def test_shared_paths_are_subdirectories_of_one_nfs_volume_mounted_into_every_container(case):
    d, plan = case
    storages = plan.of_type("azure-native:app:ManagedEnvironmentsStorage")
    assert [s.inputs["storageName"] for s in storages] == [SHARE_NAME]
    assert storages[0].inputs["properties"]["nfsAzureFile"]["shareName"].endswith(f"/{SHARE_NAME}")
    for resource in _apps(plan):
        volumes = resource.inputs["template"]["volumes"]
        assert volumes == [{"name": SHARE_NAME, "storageName": SHARE_NAME, "storageType": "NfsAzureFile"}]
        mounts = resource.inputs["template"]["containers"][0]["volumeMounts"]
        assert {(m["mountPath"], m["subPath"]) for m in mounts} == {(f.path, f.name) for f in d.blueprint.files}
        assert {m["volumeName"] for m in mounts} == {SHARE_NAME}


def test_an_init_container_creates_each_subdirectory_with_its_owner_and_mode(case):
    d, plan = case
    init = _web(plan).inputs["template"]["initContainers"][0]
    # The init container sees the share's root (no subPath), so it can create the subdirectories.
    assert init["volumeMounts"] == [{"volumeName": SHARE_NAME, "mountPath": SHARE_ROOT}]
    script = init["command"][-1]
    for f in d.blueprint.files:
        path = f"{SHARE_ROOT}/{f.name}"
        assert f"mkdir -p {path} && chown {f.uid}:{f.gid} {path} && chmod {f.mode} {path}" in script


# -- database -----------------------------------------------------------------------------------


def test_database_has_public_network_access_disabled_and_private_dns(case):
    _, plan = case
    network = _server(plan).inputs["network"]
    assert network["publicNetworkAccess"] == "Disabled"
    assert network["delegatedSubnetResourceId"] == "network-database-id"
    assert any(k.startswith("privateDns") for k in network)


def test_database_requires_tls(case):
    _, plan = case
    params = {
        c.inputs["configurationName"]: c.inputs["value"]
        for c in plan.of_type(_server(plan).type.replace(":Server", ":Configuration"))
    }
    assert params["require_secure_transport"].lower() == "on"


def test_database_ha_is_zone_redundant_in_production_only(case):
    d, plan = case
    ha = _server(plan).inputs["highAvailability"]["mode"]
    assert ha == ("ZoneRedundant" if d.production else "Disabled")


def test_production_keeps_14_days_of_geo_redundant_database_backups(case):
    d, plan = case
    backup = _server(plan).inputs["backup"]
    if d.production:
        assert backup["backupRetentionDays"] >= 14 and backup["geoRedundantBackup"] == "Enabled"
    else:
        assert backup["geoRedundantBackup"] == "Disabled"


def test_database_is_burstable_in_trial_and_general_purpose_in_production(case):
    d, plan = case
    assert _server(plan).inputs["sku"]["tier"] == ("GeneralPurpose" if d.production else "Burstable")


def test_mariadb_blueprint_runs_on_mysql_flexible_server_8(drupal):
    _, plan = drupal
    server = plan.one("azure-native:dbformysql:Server")
    assert server.inputs["version"].startswith("8.0")
    params = {c.inputs["configurationName"]: c.inputs["value"] for c in plan.of_type("azure-native:dbformysql:Configuration")}
    assert params["character_set_server"] == "utf8mb4"


def test_postgres_blueprint_runs_on_postgresql_flexible_server(nextcloud):
    d, plan = nextcloud
    assert plan.one("azure-native:dbforpostgresql:Server").inputs["version"] == d.blueprint.database.version


# -- secrets ------------------------------------------------------------------------------------


def test_key_vault_uses_rbac_soft_delete_and_purge_protection(case):
    _, plan = case
    props = plan.one("azure-native:keyvault:Vault").inputs["properties"]
    assert props["enableRbacAuthorization"] is True
    assert props["enableSoftDelete"] is True
    assert props["enablePurgeProtection"] is True
    assert props["publicNetworkAccess"] == "Disabled"


def test_identity_may_read_secrets_of_this_vault_only(case):
    _, plan = case
    grants = [r for r in plan.of_type("azure-native:authorization:RoleAssignment") if r.inputs["scope"] == "secrets-vault-id"]
    assert len(grants) == 1
    assert grants[0].inputs["roleDefinitionId"].endswith("4633458b-17de-408a-b874-0445c86b69e6")


# -- files --------------------------------------------------------------------------------------


def test_storage_account_refuses_old_tls_and_public_blob_access(case):
    _, plan = case
    account = plan.one("azure-native:storage:StorageAccount").inputs
    assert account["minimumTlsVersion"] == "TLS1_2"
    assert account["allowBlobPublicAccess"] is False
    assert account["publicNetworkAccess"] == "Disabled"
    assert account["networkRuleSet"]["defaultAction"] == "Deny"


def test_https_only_is_off_solely_for_the_network_isolated_nfs_account(case):
    # NFS shares require "secure transfer" off; the account is then reachable only privately.
    _, plan = case
    for account in plan.of_type("azure-native:storage:StorageAccount"):
        nfs = account.inputs["kind"] == "FileStorage"
        assert account.inputs["enableHttpsTrafficOnly"] is (not nfs)
        if nfs:
            assert account.inputs["publicNetworkAccess"] == "Disabled"


def test_one_nfs_share_without_root_squash_holds_every_shared_path(case):
    # One 100 GiB-minimum premium share per deployment, not one per path (files.py).
    d, plan = case
    shares = plan.of_type("azure-native:storage:FileShare")
    assert [s.inputs["shareName"] for s in shares] == [SHARE_NAME]
    share = shares[0].inputs
    assert share["enabledProtocols"] == "NFS" and share["rootSquash"] == "NoRootSquash"
    assert share["shareQuota"] == SHARE_GIB[(d.tier, d.sizes.files_throughput)]


def test_the_nfs_account_keeps_its_private_endpoint_in_trials_too(case):
    # NFS is unauthenticated: the network is its only lock, so no public endpoint in any tier.
    _, plan = case
    endpoints = {r.name for r in plan.of_type("azure-native:network:PrivateEndpoint")}
    assert {"files-files-pe", "secrets-vault-pe"} <= endpoints


# -- cache --------------------------------------------------------------------------------------


def test_redis_accepts_tls_only(nextcloud_production):
    # Azure Managed Redis (Azure Cache for Redis is retiring): TLS-only database, private only.
    d, plan = nextcloud_production
    cluster = plan.one(MANAGED_REDIS).inputs
    database = plan.one("azure-native:redisenterprise:Database").inputs
    assert database["evictionPolicy"] == EVICTION[d.blueprint.cache.eviction]
    assert database["clientProtocol"] == "Encrypted" and database["port"] == TLS_PORT
    assert cluster["minimumTlsVersion"] == "1.2"
    assert cluster["publicNetworkAccess"] == "Disabled"


def test_apps_reach_redis_over_tls_with_the_key_from_key_vault(nextcloud_production):
    d, plan = nextcloud_production
    env = {v["name"]: v for v in _web(plan).inputs["template"]["containers"][0]["env"]}
    cenv = d.blueprint.cache.env
    assert env[cenv.host]["value"].startswith(cenv.host_prefix)
    assert env[cenv.port]["value"] == str(TLS_PORT)
    assert env[cenv.password] == {"name": cenv.password, "secretRef": "cache-password"}


def test_no_redis_without_a_cache_in_the_blueprint(drupal):
    _, plan = drupal
    assert plan.of_type(MANAGED_REDIS) == []


# -- registry -----------------------------------------------------------------------------------


def test_built_images_come_from_the_councils_registry_pulled_by_identity(drupal):
    d, plan = drupal
    acr = plan.one("azure-native:containerregistry:Registry").inputs
    assert acr["adminUserEnabled"] is False and acr["anonymousPullEnabled"] is False
    # Basic in a trial (a quarter of Standard's price, enough for one app's tags); Premium in
    # production, the only tier with a private endpoint (ACR private-link docs).
    assert acr["sku"] == {"name": "Premium" if d.production else "Basic"}
    server = f"{acr['registryName']}.azurecr.io"
    web = _web(plan).inputs
    assert web["template"]["containers"][0]["image"] == f"{server}/{d.app_id}:{d.blueprint.web.build.tag}"
    assert web["configuration"]["registries"] == [{"server": server, "identity": "identity-apps-id"}]
    pulls = [r for r in plan.of_type("azure-native:authorization:RoleAssignment") if r.inputs["scope"] == "registry-acr-id"]
    assert pulls[0].inputs["roleDefinitionId"].endswith("7f951dda-4ed3-4680-a7ca-43fe172d538d")


def test_no_registry_when_every_image_is_upstream(nextcloud):
    _, plan = nextcloud
    assert plan.of_type("azure-native:containerregistry:Registry") == []


# -- edge ---------------------------------------------------------------------------------------


def test_front_door_and_waf_exist_in_production_only(case):
    d, plan = case
    count = 1 if d.production else 0
    assert len(plan.of_type("azure-native:cdn:Profile")) == count
    assert len(plan.of_type("azure-native:frontdoor:Policy")) == count
    assert len(plan.of_type("azure-native:cdn:SecurityPolicy")) == count


def test_waf_blocks_in_prevention_mode_with_the_managed_rule_set(production):
    d, plan = production
    waf = plan.one("azure-native:frontdoor:Policy").inputs
    assert waf["policySettings"]["mode"] == "Prevention"
    assert waf["policySettings"]["enabledState"] == "Enabled"
    assert "Microsoft_DefaultRuleSet" in {s["ruleSetType"] for s in waf["managedRules"]["managedRuleSets"]}
    assert waf["sku"]["name"] == plan.one("azure-native:cdn:Profile").inputs["sku"]["name"] == "Premium_AzureFrontDoor"


def test_front_door_serves_the_custom_domain_with_a_managed_certificate(production):
    d, plan = production
    domain = plan.one("azure-native:cdn:AFDCustomDomain").inputs
    assert domain["hostName"] == d.domain
    assert domain["tlsSettings"] == {"certificateType": "ManagedCertificate", "minimumTlsVersion": "TLS12"}
    route = plan.one("azure-native:cdn:Route").inputs
    assert route["httpsRedirect"] == "Enabled" and route["forwardingProtocol"] == "HttpsOnly"
    origin = plan.one("azure-native:cdn:AFDOrigin").inputs
    assert origin["hostName"].startswith(f"{d.app_id}-web.")


def test_dns_validation_records_are_stack_outputs(case):
    d, plan = case
    records = plan.outputs["dns_records"]
    by_name: dict[tuple[str, str], list[str]] = {}
    for r in records:
        assert isinstance(r["value"], str) and r["value"], r
        by_name.setdefault((r["type"], r["name"]), []).append(r["value"])
    # asuid proves ownership to Container Apps, which binds the domain on a trial's web app only.
    assert (("TXT", f"asuid.{d.domain}") in by_name) == (not d.production)
    cname = by_name[("CNAME", d.domain)]
    if d.production:
        assert cname == [plan.outputs["front_door_endpoint"]]
        # Front Door's managed certificate only: the web app has none in production.
        assert len(by_name[("TXT", f"_dnsauth.{d.domain}")]) == 1
    else:
        assert cname == [plan.outputs["web_fqdn"]]
        assert ("TXT", f"_dnsauth.{d.domain}") not in by_name
    assert plan.outputs["url"] == f"https://{d.domain}"


# -- the app's own domain (Host header) ------------------------------------------------------------


def test_web_app_carries_the_councils_domain_with_a_managed_certificate(case):
    d, plan = case
    ingress = _web(plan).inputs["configuration"]["ingress"]
    if d.production:  # Front Door holds the domain (tests/test_azure_frontdoor_private_link.py)
        assert "customDomains" not in ingress and not plan.of_type("azure-native:app:ManagedCertificate")
        return
    # Auto: Azure binds the managed certificate once issued (SniEnabled would need its id first).
    assert ingress["customDomains"] == [{"name": d.domain, "bindingType": "Auto"}]
    cert = plan.one("azure-native:app:ManagedCertificate").inputs
    assert cert["environmentName"] == plan.one("azure-native:app:ManagedEnvironment").name.replace("_", "-")
    assert cert["properties"]["subjectName"] == d.domain
    assert cert["properties"]["domainControlValidation"] == "CNAME"


def test_front_door_sends_the_apps_own_fqdn_as_host_to_the_app(production):
    d, plan = production
    origin = plan.one("azure-native:cdn:AFDOrigin").inputs
    assert origin["originHostHeader"] == origin["hostName"] == plan.outputs["web_fqdn"]
    assert origin["enforceCertificateNameCheck"] is True
    # One origin: no Front Door health probes (Microsoft's health-probes page).
    assert "healthProbeSettings" not in plan.one("azure-native:cdn:AFDOriginGroup").inputs


def test_only_front_door_reaches_a_production_app_over_private_link(case):
    d, plan = case
    env = plan.one("azure-native:app:ManagedEnvironment")
    assert env.inputs["publicNetworkAccess"] == ("Disabled" if d.production else "Enabled")
    if d.production:
        link = plan.one("azure-native:cdn:AFDOrigin").inputs["sharedPrivateLinkResource"]
        assert link["privateLink"] == {"id": "environment-env-id"}
        assert link["groupId"] == "managedEnvironments"
        assert link["privateLinkLocation"] == d.region
        assert "private_link_approval" in plan.outputs


# -- network security groups ------------------------------------------------------------------------


def _nsg_rules(plan):
    """subnet name → its NSG's rules, following each subnet's networkSecurityGroup reference."""
    nsgs = {f"{n.name}-id": n for n in plan.of_type("azure-native:network:NetworkSecurityGroup")}
    return {
        s.inputs["subnetName"]: nsgs[s.inputs["networkSecurityGroup"]["id"]].inputs["securityRules"]
        for s in plan.of_type("azure-native:network:Subnet")
    }


def _allowed(rules, source):
    return [r for r in rules if r["access"] == "Allow" and r["sourceAddressPrefix"] == source]


def test_every_subnet_has_its_own_network_security_group(case):
    _, plan = case
    rules = _nsg_rules(plan)
    assert set(rules) == {"apps", "database", "endpoints"}
    assert len(plan.of_type("azure-native:network:NetworkSecurityGroup")) == 3


def test_database_subnet_admits_only_the_apps_on_the_database_port(case):
    d, plan = case
    rules = _nsg_rules(plan)["database"]
    apps = _allowed(rules, SUBNETS["apps"])
    port = {"postgres": "5432"}.get(d.blueprint.database.engine, "3306")
    assert [r["destinationPortRanges"] for r in apps] == [[port]]
    deny = [r for r in rules if r["access"] == "Deny"]
    assert deny and deny[0]["sourceAddressPrefix"] == "VirtualNetwork"
    assert all(r["priority"] < deny[0]["priority"] for r in rules if r["access"] == "Allow")
    assert not _allowed(rules, "Internet") and not _allowed(rules, "*")


def test_private_endpoints_admit_the_apps_on_their_service_ports_only(case):
    d, plan = case
    rules = _nsg_rules(plan)["endpoints"]
    ports = set(_allowed(rules, SUBNETS["apps"])[0]["destinationPortRanges"])
    # The NSG must open the port the cache really serves (it said 6380 after the move to Managed Redis).
    assert ports == {"443", "2049"} | ({str(TLS_PORT)} if d.caches else set())
    assert any(r["access"] == "Deny" and r["sourceAddressPrefix"] == "VirtualNetwork" for r in rules)


def test_only_a_trial_admits_the_internet_to_the_apps_subnet(case):
    d, plan = case
    internet = _allowed(_nsg_rules(plan)["apps"], "Internet")
    if d.production:
        assert internet == []
    else:
        assert [sorted(r["destinationPortRanges"]) for r in internet] == [["443", "80"]]


# -- budget ---------------------------------------------------------------------------------------


def test_a_monthly_budget_on_the_resource_group_emails_the_contact(case):
    d, plan = case
    budget = plan.one("azure-native:consumption:Budget").inputs
    assert budget["scope"] == "resource-group-id"
    assert budget["category"] == "Cost" and budget["timeGrain"] == "Monthly"
    assert budget["amount"] == (900 if d.production else 100)
    assert budget["timePeriod"]["startDate"] == "2026-11-01T00:00:00Z"  # COUNCILKIT_TODAY's month
    alerts = {(n["threshold"], n["thresholdType"]) for n in budget["notifications"].values()}
    assert alerts == {(80, "Actual"), (100, "Forecasted")}
    assert all(n["contactEmails"] == [d.contact] and n["enabled"] for n in budget["notifications"].values())


# -- one-off steps --------------------------------------------------------------------------------


def test_upgrade_steps_run_as_a_manual_job_of_the_named_container(case):
    d, plan = case
    job = _job(plan, "Manual")
    config = job.inputs["configuration"]
    assert config["manualTriggerConfig"] == {"parallelism": 1, "replicaCompletionCount": 1}
    assert config["replicaRetryLimit"] == 0 and config["replicaTimeout"] >= 3600
    step = d.blueprint.upgrade
    named = next(r for r in _apps(plan) if r.inputs.get("containerAppName") == f"{d.app_id}-{step.container}")
    main, their = job.inputs["template"]["containers"][0], named.inputs["template"]["containers"][0]
    assert main["image"] == their["image"] and main["env"] == their["env"]
    assert main.get("volumeMounts") == their.get("volumeMounts")
    assert config["secrets"] == named.inputs["configuration"]["secrets"]
    assert "probes" not in main
    one_off = plan.outputs["one_off"]["upgrade"]
    assert one_off["job"] == job.inputs["jobName"] and one_off["commands"] == step.commands


def test_outputs_say_where_admin_credentials_live(case):
    _, plan = case
    vault = plan.one("azure-native:keyvault:Vault").inputs["vaultName"]
    assert plan.outputs["key_vault"] == plan.outputs["admin_credentials"]["location"] == vault
    assert plan.outputs["admin_credentials"]["store"] == "Azure Key Vault"
    assert "admin-password" in plan.outputs["admin_credentials"]["secrets"]
    assert plan.outputs["resource_group"] == stack_group(plan).inputs["resourceGroupName"]


# -- monitoring, backup -------------------------------------------------------------------------


def test_alerts_for_5xx_restarts_and_database_cpu_and_storage_email_the_contact(case):
    d, plan = case
    group = plan.one("azure-native:monitor:ActionGroup").inputs
    assert [r["emailAddress"] for r in group["emailReceivers"]] == [d.contact]
    metrics = {a.inputs["criteria"]["allOf"][0]["metricName"] for a in plan.of_type("azure-native:monitor:MetricAlert")}
    assert {"Requests", "RestartCount", "cpu_percent", "storage_percent"} <= metrics
    assert len(group["groupShortName"]) <= 12


def test_file_shares_are_backed_up_to_a_vault_in_production_only(case):
    d, plan = case
    protected = plan.of_type("azure-native:recoveryservices:ProtectedItem")
    if d.production:
        assert [p.inputs["protectedItemName"] for p in protected] == [f"AzureFileShare;{SHARE_NAME}"]
        assert plan.one("azure-native:recoveryservices:ProtectionPolicy").inputs["properties"]["workLoadType"] == "AzureFileShare"
    else:
        assert protected == [] and plan.of_type("azure-native:recoveryservices:Vault") == []


# -- tags ---------------------------------------------------------------------------------------


def _resource_class(type_: str):
    _, module, name = type_.split(":")
    return getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)


def test_every_taggable_resource_carries_the_deployment_tags(case):
    d, plan = case
    checked = 0
    for resource in plan.resources:
        if not resource.custom or not resource.type.startswith("azure-native:"):
            continue
        if not hasattr(_resource_class(resource.type), "tags"):
            continue
        checked += 1
        assert d.tags.items() <= resource.inputs.get("tags", {}).items(), resource.name
    assert checked >= 20


def test_trial_resources_carry_their_expiry_date(case):
    d, plan = case
    rg = stack_group(plan).inputs["tags"]
    assert ("expires-on" in rg) is (not d.production)


# -- regions ------------------------------------------------------------------------------------


def test_production_in_ukwest_falls_back_to_same_zone_ha():
    d, plan = planned("nextcloud", "azure", "production", region="ukwest")
    assert plan.one("azure-native:dbforpostgresql:Server").inputs["highAvailability"]["mode"] == "SameZone"
    assert plan.one("azure-native:app:ManagedEnvironment").inputs["zoneRedundant"] is False
    assert stack_group(plan).inputs["location"] == "ukwest"


def test_database_admin_password_is_a_secret_in_the_plan(case):
    _, plan = case
    assert _server(plan).inputs["administratorLoginPassword"] == "[secret]"
