"""The AWS stack's resources carry the settings a production-ready deployment needs (issue 2, §4)."""

from __future__ import annotations

import json

import pytest

from helpers import APPS, TIERS, container_definitions, planned

CASES = [(app, tier) for app in APPS for tier in TIERS]


@pytest.fixture(params=CASES, ids=[f"{a}-{t}" for a, t in CASES])
def case(request):
    app, tier = request.param
    d, plan = planned(app, "aws", tier)
    return d, plan


def _policy_statements(plan) -> list[dict]:
    out = []
    for r in plan.of_type("aws:iam/rolePolicy:RolePolicy"):
        out += json.loads(r.inputs["policy"])["Statement"]
    return out


def test_vpc_spans_two_azs_with_public_and_private_subnets(case):
    d, plan = case
    subnets = plan.of_type("aws:ec2/subnet:Subnet")
    assert {s.inputs["availabilityZone"] for s in subnets} == {f"{d.region}a", f"{d.region}b"}
    kinds = sorted(s.inputs["tags"]["tier-network"] for s in subnets)
    assert kinds == ["private", "private", "public", "public"]
    assert all(s.inputs.get("mapPublicIpOnLaunch") is not True for s in subnets)


def test_production_has_a_nat_gateway_per_az_and_trial_none(case):
    d, plan = case
    nats = plan.of_type("aws:ec2/natGateway:NatGateway")
    assert len(nats) == (2 if d.production else 0)


def test_https_listener_uses_tls12_plus_policy_and_certificate(case):
    d, plan = case
    listeners = {l.inputs["port"]: l for l in plan.of_type("aws:lb/listener:Listener")}
    https = listeners[443]
    assert https.inputs["protocol"] == "HTTPS"
    assert https.inputs["sslPolicy"].startswith("ELBSecurityPolicy-TLS13-1-2")
    assert https.inputs["certificateArn"]
    cert = plan.one("aws:acm/certificate:Certificate")
    assert cert.inputs["domainName"] == d.domain and cert.inputs["validationMethod"] == "DNS"


def test_http_listener_only_redirects_to_https(case):
    _, plan = case
    http = next(l for l in plan.of_type("aws:lb/listener:Listener") if l.inputs["port"] == 80)
    action = http.inputs["defaultActions"][0]
    assert action["type"] == "redirect"
    assert action["redirect"] == {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}


def test_waf_access_logs_and_alb_deletion_protection_only_in_production(case):
    d, plan = case
    alb = plan.one("aws:lb/loadBalancer:LoadBalancer")
    assert alb.inputs["dropInvalidHeaderFields"] is True
    acls = plan.of_type("aws:wafv2/webAcl:WebAcl")
    if d.production:
        groups = {r["statement"]["managedRuleGroupStatement"]["name"] for r in acls[0].inputs["rules"]
                  if "managedRuleGroupStatement" in r["statement"]}
        assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"} <= groups
        assert plan.one("aws:wafv2/webAclAssociation:WebAclAssociation")
        assert alb.inputs["accessLogs"]["enabled"] is True
        assert alb.inputs["enableDeletionProtection"] is True
    else:
        assert acls == [] and "accessLogs" not in alb.inputs
        assert alb.inputs["enableDeletionProtection"] is False


def test_target_group_health_check_uses_the_blueprint_path(case):
    d, plan = case
    tg = plan.one("aws:lb/targetGroup:TargetGroup")
    assert tg.inputs["healthCheck"]["path"] == d.blueprint.web.health_check.path
    assert tg.inputs["targetType"] == "ip"


def test_host_header_apps_get_a_container_check_with_their_domain(plan_of):
    d, plan = plan_of("nextcloud", "aws", "production")
    tg = plan.one("aws:lb/targetGroup:TargetGroup")
    assert tg.inputs["healthCheck"]["matcher"] == "200,400"
    web = next(t for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.name.endswith("-web"))
    check = container_definitions(web)[0]["healthCheck"]
    assert f"Host: {d.domain}" in check["command"][1] and "/status.php" in check["command"][1]
    assert check["startPeriod"] <= 300


def test_apps_that_trust_private_hosts_keep_a_strict_alb_check(plan_of):
    _, plan = plan_of("localgov-drupal", "aws", "production")
    assert plan.one("aws:lb/targetGroup:TargetGroup").inputs["healthCheck"]["matcher"] == "200"
    web = next(t for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.name.endswith("-web"))
    assert "healthCheck" not in container_definitions(web)[0]


def test_web_service_replicas_subnets_and_public_ip_follow_the_tier(case):
    d, plan = case
    web = next(s for s in plan.of_type("aws:ecs/service:Service") if s.name.endswith("-web"))
    net = web.inputs["networkConfiguration"]
    if d.production:
        assert web.inputs["desiredCount"] >= 2
        assert net["assignPublicIp"] is False
        private = {s.urn for s in plan.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["tier-network"] == "private"}
        assert all(s.endswith("-id") for s in net["subnets"]) and len(net["subnets"]) == 2
        assert all(any(n.split("-id")[0] in u for u in private) for n in net["subnets"])
        assert web.inputs["capacityProviderStrategies"][0]["capacityProvider"] == "FARGATE"
    else:
        assert web.inputs["capacityProviderStrategies"][0]["capacityProvider"] == "FARGATE_SPOT"
    assert web.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert web.inputs["loadBalancers"][0]["containerPort"] == d.blueprint.web.port


def test_cron_runs_on_the_blueprint_schedule_via_eventbridge_scheduler(case):
    d, plan = case
    cron = next(c for c in d.blueprint.containers if c.role == "cron")
    schedule = plan.one("aws:scheduler/schedule:Schedule")
    assert schedule.inputs["scheduleExpression"].startswith("cron(")
    assert schedule.inputs["target"]["ecsParameters"]["taskCount"] == 1
    assert cron.schedule in schedule.inputs["description"]


def test_log_group_has_retention(case):
    d, plan = case
    groups = plan.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert groups and all(g.inputs["retentionInDays"] >= (365 if d.production else 30) for g in groups)


def test_no_iam_policy_allows_star_actions_on_star_resources(case):
    _, plan = case
    for st in _policy_statements(plan):
        if st["Effect"] != "Allow":
            continue
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        assert not any(a == "*" or a.endswith(":*") for a in actions), st
        if "*" in resources:
            assert actions == ["ecr:GetAuthorizationToken"], st
        if actions == ["ecs:TagResource"]:
            # Only tasks of this stack's cluster, and only as RunTask creates them.
            assert st["Condition"] == {"StringEquals": {"ecs:CreateAction": "RunTask"}}
            assert all(":task/" in r and r.endswith("/*") for r in resources), st


def test_execution_role_reads_only_this_deployments_secrets(case):
    _, plan = case
    secrets = {s.inputs.get("namePrefix") for s in plan.of_type("aws:secretsmanager/secret:Secret")}
    read = [st for st in _policy_statements(plan) if "secretsmanager:GetSecretValue" in st["Action"]]
    assert len(read) == 1
    assert len(read[0]["Resource"]) == len(secrets)
    assert all(":secretsmanager:" in arn for arn in read[0]["Resource"])


def test_efs_is_encrypted_with_an_access_point_per_shared_path(case):
    d, plan = case
    fs = plan.one("aws:efs/fileSystem:FileSystem")
    assert fs.inputs["encrypted"] is True
    points = plan.of_type("aws:efs/accessPoint:AccessPoint")
    assert sorted(p.inputs["tags"]["path"] for p in points) == sorted(f.path for f in d.blueprint.files)
    for p, f in zip(sorted(points, key=lambda p: p.inputs["tags"]["path"]), sorted(d.blueprint.files, key=lambda f: f.path)):
        assert p.inputs["posixUser"] == {"uid": f.uid, "gid": f.gid}
    policy = json.loads(plan.one("aws:efs/fileSystemPolicy:FileSystemPolicy").inputs["policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_tasks_mount_shared_paths_over_tls_with_iam(case):
    d, plan = case
    web = next(t for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.name.endswith("-web"))
    volumes = web.inputs["volumes"]
    assert {v["name"] for v in volumes} == {f.name for f in d.blueprint.files}
    for v in volumes:
        assert v["efsVolumeConfiguration"]["transitEncryption"] == "ENABLED"
        assert v["efsVolumeConfiguration"]["authorizationConfig"]["iam"] == "ENABLED"
    mounts = container_definitions(web)[0]["mountPoints"]
    assert {m["containerPath"] for m in mounts} == {f.path for f in d.blueprint.files}


def test_database_is_encrypted_private_and_engine_matches_blueprint(case):
    d, plan = case
    db = plan.one("aws:rds/instance:Instance")
    assert db.inputs["engine"] == d.blueprint.database.engine
    assert db.inputs["engineVersion"] == d.blueprint.database.version
    assert db.inputs["storageEncrypted"] is True
    assert db.inputs["publiclyAccessible"] is False
    assert db.inputs["password"] == "[secret]"


def test_database_production_settings(case):
    d, plan = case
    db = plan.one("aws:rds/instance:Instance").inputs
    if d.production:
        assert db["multiAz"] is True
        assert db["deletionProtection"] is True
        assert db["skipFinalSnapshot"] is False and db["finalSnapshotIdentifier"]
        assert db["backupRetentionPeriod"] >= 14
        assert db["performanceInsightsEnabled"] is True
    else:
        assert db["multiAz"] is False and db["deletionProtection"] is False
        assert db["skipFinalSnapshot"] is True


def test_database_refuses_unencrypted_connections(case):
    d, plan = case
    params = {p["name"]: p["value"] for p in plan.one("aws:rds/parameterGroup:ParameterGroup").inputs["parameters"]}
    expected = "rds.force_ssl" if d.blueprint.database.engine == "postgres" else "require_secure_transport"
    assert params[expected] == "1"


def test_secrets_are_generated_stored_and_injected_by_reference(case):
    d, plan = case
    versions = plan.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert versions and all(v.inputs["secretString"] == "[secret]" for v in versions)
    for task in plan.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        definition = container_definitions(task)[0]
        names = {s["name"] for s in definition["secrets"]}
        container = next(c for c in d.blueprint.containers if task.name.endswith(f"-{c.name}"))
        assert set(container.secret_env) | {d.blueprint.database.env.password} <= names
        assert all(s["valueFrom"].startswith("arn:") for s in definition["secrets"])
        assert not names & {e["name"] for e in definition["environment"]}


def test_cache_is_redis_with_encryption_in_transit_and_at_rest(plan_of):
    d, plan = plan_of("nextcloud", "aws", "production")
    redis = plan.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs
    assert redis["transitEncryptionEnabled"] is True and redis["atRestEncryptionEnabled"] is True
    assert redis["authToken"] == "[secret]"
    assert redis["automaticFailoverEnabled"] is True and redis["numCacheClusters"] == 2
    env = {e["name"]: e["value"] for e in container_definitions(
        next(t for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.name.endswith("-web")))[0]["environment"]}
    # Since nextcloud 1.1.0 the host is bare: TLS is added by the app's start-up, not the env
    # (tests/test_blueprint_nextcloud_next.py runs it); the address is the replication group's.
    host = env[d.blueprint.cache.env.host]
    assert host and "://" not in host


def test_no_cache_when_the_blueprint_has_none(plan_of):
    _, plan = plan_of("localgov-drupal", "aws", "production")
    assert plan.of_type("aws:elasticache/replicationGroup:ReplicationGroup") == []


def test_alarms_cover_5xx_unhealthy_hosts_db_cpu_and_storage_and_notify_contact(case):
    d, plan = case
    metrics = {a.inputs["metricName"] for a in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert {"HTTPCode_Target_5XX_Count", "UnHealthyHostCount", "CPUUtilization", "FreeStorageSpace"} <= metrics
    sub = plan.one("aws:sns/topicSubscription:TopicSubscription")
    assert sub.inputs["endpoint"] == d.contact and sub.inputs["protocol"] == "email"


def test_backup_plan_covers_database_and_files_in_production_only(case):
    d, plan = case
    selections = plan.of_type("aws:backup/selection:Selection")
    if d.production:
        resources = selections[0].inputs["resources"]
        assert any(":rds:" in r for r in resources) and any(":elasticfilesystem:" in r for r in resources)
        rules = plan.one("aws:backup/plan:Plan").inputs["rules"]
        assert max(r["lifecycle"]["deleteAfter"] for r in rules) >= 35
    else:
        assert selections == []


def test_every_taggable_resource_carries_the_design_tags(case):
    d, plan = case
    required = {"council", "app", "blueprint", "tier", "managed-by"} | ({"expires-on"} if not d.production else set())
    tagged = [r for r in plan.resources if "tags" in r.inputs]
    assert len(tagged) > 30
    for r in tagged:
        assert required <= set(r.inputs["tags"]), r.urn
        assert r.inputs["tags"]["blueprint"] == d.blueprint.ref


def test_region_defaults_to_london(case):
    d, plan = case
    provider = plan.one("pulumi:providers:aws")
    assert provider.inputs["region"] == "eu-west-2" == d.region


def test_a_built_image_gets_an_immutable_scanned_repository(plan_of):
    _, plan = plan_of("localgov-drupal", "aws", "trial")
    repo = plan.one("aws:ecr/repository:Repository").inputs
    assert repo["imageTagMutability"] == "IMMUTABLE"
    assert repo["imageScanningConfiguration"] == {"scanOnPush": True}


def test_upstream_images_are_used_exactly_as_pinned(plan_of):
    d, plan = plan_of("nextcloud", "aws", "trial")
    images = {container_definitions(t)[0]["image"] for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition")}
    assert images == {c.image for c in d.blueprint.containers}


@pytest.mark.parametrize("tier,value", [("trial", "disabled"), ("production", "enabled")])
def test_container_insights_only_in_production(tier, value):
    """Container Insights' metrics are billed as CloudWatch custom metrics (ECS developer guide,
    "Container Insights"; priced in stacks/aws/prices.py): production collects them (CK-AWS-029),
    a 30-day trial does not, which keeps it under the $70 target."""
    _, plan = planned("nextcloud", "aws", tier)
    settings = plan.one("aws:ecs/cluster:Cluster").inputs["settings"]
    assert settings == [{"name": "containerInsights", "value": value}]
