"""The AWS defects an independent review found, each pinned on the plan so it cannot come back.

Each test names the defect (issue 11) and the AWS rule it breaks; the rule's source is cited in
the stack module that encodes it.
"""

from __future__ import annotations

import json
import re

import pytest

from councilkit.stacks.aws import service, waf
from councilkit.stacks.aws.settings import DELETE_BACKUPS, RATE_LIMIT_PER_5_MIN, final_snapshot_prefix

from helpers import APPS, TIERS, container_definitions, planned

KEY = "aws:kms/key:Key"
CASES = [(app, tier) for app in APPS for tier in TIERS]


def key_of(plan):
    return plan.one(KEY)


def arn(resource) -> str:
    return resource.identities["arn"]


def statements(document) -> list[dict]:
    doc = json.loads(document) if isinstance(document, str) else document
    return doc["Statement"]


# --- 2 and 13: one customer-managed key per stack, usable by the services that write with it ----


@pytest.mark.parametrize("app,tier", CASES)
def test_one_rotating_customer_managed_key_encrypts_the_stacks_data(app, tier):
    _, plan = planned(app, "aws", tier)
    key = key_of(plan)
    assert key.inputs["enableKeyRotation"] is True
    uses = {
        "aws:rds/instance:Instance": "kmsKeyId",
        "aws:efs/fileSystem:FileSystem": "kmsKeyId",
        "aws:secretsmanager/secret:Secret": "kmsKeyId",
        "aws:cloudwatch/logGroup:LogGroup": "kmsKeyId",
        "aws:sns/topic:Topic": "kmsMasterKeyId",
        "aws:elasticache/replicationGroup:ReplicationGroup": "kmsKeyId",
        "aws:backup/vault:Vault": "kmsKeyArn",
    }
    seen = 0
    for type_, prop in uses.items():
        for r in plan.of_type(type_):
            assert r.inputs.get(prop) == arn(key), (r.name, prop)
            seen += 1
    assert seen >= 5


@pytest.mark.parametrize("app,tier", CASES)
def test_alarms_can_reach_the_contact_through_the_encrypted_topic(app, tier):
    # The defect: alias/aws/sns, whose policy CloudWatch may not use, so no alarm mail was sent.
    _, plan = planned(app, "aws", tier)
    topic = plan.one("aws:sns/topic:Topic")
    assert topic.inputs["kmsMasterKeyId"] != "alias/aws/sns"
    policy = statements(key_of(plan).inputs["policy"])
    publish = [s for s in policy if "cloudwatch.amazonaws.com" in json.dumps(s.get("Principal", {}))]
    assert len(publish) == 1
    assert set(publish[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    logs = [s for s in policy if "logs." in json.dumps(s.get("Principal", {}))]
    assert logs and "kms:EncryptionContext:aws:logs:arn" in json.dumps(logs[0]["Condition"])
    root = [s for s in policy if ":root" in json.dumps(s.get("Principal", {}))]
    assert root, "without the account statement nobody could administer the key"
    for alarm in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        assert alarm.inputs["alarmActions"] == [arn(topic)]


def test_tasks_may_decrypt_their_secrets_with_the_key():
    _, plan = planned("nextcloud", "aws", "production")
    key = arn(key_of(plan))
    execution = [r for r in plan.of_type("aws:iam/rolePolicy:RolePolicy") if r.name.endswith("-execution")]
    [policy] = execution
    decrypt = [s for s in statements(policy.inputs["policy"]) if s["Action"] == ["kms:Decrypt"]]
    assert decrypt and decrypt[0]["Resource"] == [key]


# --- 3: WAF lets uploads through, refuses bodies over the blueprint's limit, logs redacted ------


def web_acl_rules(plan) -> dict[str, dict]:
    return {r["name"]: r for r in plan.one("aws:wafv2/webAcl:WebAcl").inputs["rules"]}


@pytest.mark.parametrize("app", APPS)
def test_the_core_rule_set_counts_large_bodies_instead_of_blocking_every_upload(app):
    _, plan = planned(app, "aws", "production")
    crs = web_acl_rules(plan)["AWSManagedRulesCommonRuleSet"]
    overrides = crs["statement"]["managedRuleGroupStatement"]["ruleActionOverrides"]
    assert overrides == [{"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}]


@pytest.mark.parametrize("app", APPS)
def test_the_body_ceiling_refuses_only_requests_over_the_upload_limit(app):
    d, plan = planned(app, "aws", "production")
    rule = web_acl_rules(plan)["request-body-ceiling"]
    assert "block" in rule["action"]
    statement = rule["statement"]["regexMatchStatement"]
    assert statement["fieldToMatch"] == {"singleHeader": {"name": "content-length"}}
    pattern = re.compile(statement["regexString"])
    assert len(statement["regexString"]) <= 200  # WAF's regex length quota
    limit = d.blueprint.upload_limit_mib * waf.MIB
    for allowed in (0, 8193, 10 * waf.MIB, limit):
        assert not pattern.match(str(allowed)), allowed
    for refused in (int(limit * 1.1) + 1, limit * 10, 10**15):
        assert pattern.match(str(refused)), refused


@pytest.mark.parametrize("n", [10, 99, 100, 955, 8192, 2147483649, 123456789012345])
def test_the_ceiling_pattern_is_exact_at_its_rounded_limit(n):
    m, pattern = waf.at_least_pattern(n)
    assert n <= m < n * 1.1 + 10
    r = re.compile(pattern)
    for x in {0, 1, m - 1, m, m + 1, n - 1, 10 * m, int("9" * len(str(m)))}:
        if x >= 0:
            assert bool(r.match(str(x))) == (x >= m), (x, m)
    assert r.match("0" + str(m)) and not r.match("0" + str(m - 1))


def test_the_rate_limit_is_the_tiers_setting_not_an_office_blocking_2000():
    _, plan = planned("nextcloud", "aws", "production")
    rate = web_acl_rules(plan)["rate-limit"]["statement"]["rateBasedStatement"]
    assert rate["limit"] == RATE_LIMIT_PER_5_MIN["production"] > 2000
    assert rate["aggregateKeyType"] == "IP" and rate["evaluationWindowSec"] == 300


def test_waf_decisions_are_logged_without_credentials():
    _, plan = planned("nextcloud", "aws", "production")
    logging = plan.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
    redacted = sorted(f["singleHeader"]["name"] for f in logging.inputs["redactedFields"])
    assert redacted == ["authorization", "cookie"]
    groups = [g for g in plan.of_type("aws:cloudwatch/logGroup:LogGroup") if g.inputs.get("name", "").startswith("aws-waf-logs-")]
    assert len(groups) == 1
    assert logging.inputs["logDestinationConfigs"] == [arn(groups[0])]


def test_trials_have_no_waf():
    _, plan = planned("nextcloud", "aws", "trial")
    assert not plan.of_type("aws:wafv2/webAcl:WebAcl")


# --- 4: scheduled tasks can start, are retried, and their failures are seen ---------------------


def scheduler_policy(plan) -> list[dict]:
    [policy] = [r for r in plan.of_type("aws:iam/rolePolicy:RolePolicy") if r.name.endswith("-scheduler")]
    return statements(policy.inputs["policy"])


def test_the_scheduler_may_tag_the_tasks_it_starts():
    _, plan = planned("nextcloud", "aws", "production")
    by_action = {tuple(s["Action"]): s for s in scheduler_policy(plan)}
    tag = by_action[("ecs:TagResource",)]
    assert tag["Condition"] == {"StringEquals": {"ecs:CreateAction": "RunTask"}}
    run = by_action[("ecs:RunTask",)]
    assert "ecs:cluster" in json.dumps(run["Condition"])
    queue = plan.one("aws:sqs/queue:Queue")
    assert by_action[("sqs:SendMessage",)]["Resource"] == [arn(queue)]


def test_schedules_retry_then_park_failures_in_a_dead_letter_queue_that_alarms():
    _, plan = planned("nextcloud", "aws", "production")
    schedule = plan.one("aws:scheduler/schedule:Schedule")
    group = plan.one("aws:scheduler/scheduleGroup:ScheduleGroup")
    queue = plan.one("aws:sqs/queue:Queue")
    target = schedule.inputs["target"]
    assert target["retryPolicy"] == {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 300}
    assert target["deadLetterConfig"] == {"arn": arn(queue)}
    assert target["ecsParameters"]["propagateTags"] == "TASK_DEFINITION"
    assert schedule.inputs["groupName"] == group.identities["name"]
    assert queue.inputs["sqsManagedSseEnabled"] is True
    alarms = {a.inputs["metricName"]: a.inputs["dimensions"] for a in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert alarms["TargetErrorCount"] == {"ScheduleGroup": group.identities["name"]}
    assert alarms["InvocationDroppedCount"] == {"ScheduleGroup": group.identities["name"]}
    assert alarms["ApproximateNumberOfMessagesVisible"] == {"QueueName": queue.identities["name"]}


# --- 6: what must exist first ---------------------------------------------------------------------


def test_the_load_balancer_turns_on_access_logs_only_after_the_bucket_policy_exists():
    _, plan = planned("nextcloud", "aws", "production")
    alb = plan.one("aws:lb/loadBalancer:LoadBalancer")
    policy = plan.one("aws:s3/bucketPolicy:BucketPolicy")
    assert plan.created_before(policy, alb)


@pytest.mark.parametrize("app,tier", CASES)
def test_services_and_schedules_start_after_the_clusters_capacity_providers(app, tier):
    _, plan = planned(app, "aws", tier)
    capacity = plan.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    users = plan.of_type("aws:ecs/service:Service") + plan.of_type("aws:scheduler/schedule:Schedule")
    assert users
    for r in users:
        assert plan.created_before(capacity, r), r.name


# --- 7: up waits until ECS says the service is steady --------------------------------------------


@pytest.mark.parametrize("app,tier", CASES)
def test_services_are_waited_for(app, tier):
    _, plan = planned(app, "aws", tier)
    for s in plan.of_type("aws:ecs/service:Service"):
        assert s.inputs["waitForSteadyState"] is True, s.name


# --- 8: destroy completes; what it keeps is said, and can be deleted too --------------------------


def test_production_final_snapshots_are_unique_per_database():
    d, plan = planned("nextcloud", "aws", "production")
    db = plan.one("aws:rds/instance:Instance")
    suffix = plan.one("random:index/randomId:RandomId")
    snapshot = db.inputs["finalSnapshotIdentifier"]
    assert snapshot.startswith(final_snapshot_prefix(d)) and snapshot != final_snapshot_prefix(d)
    assert plan.created_before(suffix, db)
    assert re.match(r"^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]$", snapshot)
    assert plan.outputs["final_snapshot"] == snapshot  # StackOutputs details are top-level exports


def test_what_destroy_keeps_by_default_is_retained_and_the_rest_goes():
    _, plan = planned("nextcloud", "aws", "production")
    assert plan.one("aws:backup/vault:Vault").retain_on_delete
    assert plan.one(KEY).retain_on_delete  # the backups it encrypts outlive the stack
    [logs] = [b for b in plan.of_type("aws:s3/bucket:Bucket") if b.name.endswith("access-logs")]
    assert logs.retain_on_delete
    assert not plan.of_type("aws:ecr/repository:Repository")  # Nextcloud's image is upstream's
    for type_ in DELETE_BACKUPS:
        assert plan.of_type(type_), f"--delete-backups names {type_}, which the stack never makes"
    assert {"final_snapshot", "backup_vault", "access_logs_bucket", "kms_key"} <= set(plan.outputs)


def test_images_go_with_the_repository():
    _, plan = planned("localgov-drupal", "aws", "production")
    assert plan.one("aws:ecr/repository:Repository").inputs["forceDelete"] is True


def test_trial_keeps_nothing():
    _, plan = planned("nextcloud", "aws", "trial")
    db = plan.one("aws:rds/instance:Instance")
    assert db.inputs["skipFinalSnapshot"] is True and "finalSnapshotIdentifier" not in db.inputs
    assert not plan.one(KEY).retain_on_delete
    assert not any(r.retain_on_delete for r in plan.resources)


# --- 9: nothing that a change can replace has a fixed physical name ------------------------------

# Types whose replacement Pulumi creates before it deletes, and where AWS refuses a second
# resource of the same name: a literal name on them needs deleteBeforeReplace.
NAME_UNIQUE_AND_REPLACEABLE = {
    "aws:lb/loadBalancer:LoadBalancer": "name",
    "aws:lb/targetGroup:TargetGroup": "name",
    "aws:ecs/cluster:Cluster": "name",
    "aws:ecr/repository:Repository": "name",
}


@pytest.mark.parametrize("app,tier", CASES)
def test_a_replacement_never_collides_with_the_resource_it_replaces(app, tier):
    _, plan = planned(app, "aws", tier)
    checked = 0
    for type_, prop in NAME_UNIQUE_AND_REPLACEABLE.items():
        for r in plan.of_type(type_):
            checked += 1
            assert prop not in r.inputs or r.delete_before_replace, (r.name, r.inputs.get(prop))
    assert checked >= 3


def test_load_balancer_and_target_group_names_are_prefixes_of_at_most_six():
    _, plan = planned("nextcloud", "aws", "production")
    for type_ in ("aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup"):
        r = plan.one(type_)
        assert 1 <= len(r.inputs["namePrefix"]) <= 6 and r.inputs["tags"]["Name"].startswith("ck-")


# --- 10: one backup of the files, and a budget that can see the stack ---------------------------


@pytest.mark.parametrize("tier", TIERS)
def test_files_are_backed_up_once(tier):
    _, plan = planned("nextcloud", "aws", tier)
    assert plan.one("aws:efs/backupPolicy:BackupPolicy").inputs["backupPolicy"]["status"] == "DISABLED"
    selections = plan.of_type("aws:backup/selection:Selection")
    if tier == "production":
        fs = plan.one("aws:efs/fileSystem:FileSystem")
        assert arn(fs) in selections[0].inputs["resources"]
    else:
        assert not selections


def test_the_budget_filters_on_the_stacks_own_tag():
    d, plan = planned("nextcloud", "aws", "trial")
    budget = plan.one("aws:budgets/budget:Budget")
    assert budget.inputs["costFilters"] == [{"name": "TagKeyValue", "values": [f"user:stack${d.stack_name}"]}]
    assert plan.one("aws:ecs/cluster:Cluster").inputs["tags"]["stack"] == d.stack_name


# --- 11: a first install is never killed by its own health check ---------------------------------


@pytest.mark.parametrize("grace,interval", [(0, 30), (120, 30), (300, 30), (600, 30), (900, 10), (3300, 30)])
def test_the_container_check_waits_out_the_blueprints_grace(grace, interval):
    t = service.health_timing(grace, interval)
    assert 0 <= t["startPeriod"] <= 300 and 5 <= t["interval"] <= 300 and 1 <= t["retries"] <= 10
    assert t["startPeriod"] + t["retries"] * t["interval"] >= grace


def test_a_grace_no_ecs_check_can_cover_is_refused():
    with pytest.raises(ValueError, match="longer than an ECS container health check can wait"):
        service.health_timing(3301, 30)


def test_nextclouds_600_second_install_grace_is_honoured():
    d, plan = planned("nextcloud", "aws", "production")
    grace = d.blueprint.web.health_check.grace_seconds
    task = next(t for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.name.endswith("-web"))
    [web] = container_definitions(task)
    hc = web["healthCheck"]
    assert grace == 600 and hc["startPeriod"] == 300
    assert hc["startPeriod"] + hc["retries"] * hc["interval"] >= grace


# --- 13: the rest of what Checkov found ----------------------------------------------------------


def test_production_databases_have_enhanced_monitoring():
    _, plan = planned("nextcloud", "aws", "production")
    db = plan.one("aws:rds/instance:Instance")
    assert db.inputs["monitoringInterval"] == 60
    role = next(r for r in plan.of_type("aws:iam/role:Role") if arn(r) == db.inputs["monitoringRoleArn"])
    assert "monitoring.rds.amazonaws.com" in role.inputs["assumeRolePolicy"]
    attached = [a.inputs["policyArn"] for a in plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                if a.inputs["role"] == role.identities["name"]]
    assert attached == ["arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"]


def test_a_read_only_container_gets_a_scratch_directory_for_each_writable_path():
    from pathlib import Path

    fixtures = Path(__file__).parent / "fixtures" / "blueprints"
    _, plan = planned("queue-app", "aws", "production", blueprint_dirs=(fixtures,))
    tasks = {t.name.rsplit("-", 1)[-1]: t for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition")}
    [backend] = container_definitions(tasks["backend"])
    assert backend["readonlyRootFilesystem"] is True
    scratch = {m["containerPath"]: m["sourceVolume"] for m in backend["mountPoints"] if m["sourceVolume"].startswith("scratch-")}
    assert sorted(scratch) == ["/home/app/.cache", "/tmp"]
    volumes = {v["name"]: v for v in tasks["backend"].inputs["volumes"]}
    assert all(volumes[name] == {"name": name} for name in scratch.values())  # empty bind mounts
    [frontend] = container_definitions(tasks["frontend"])
    assert "readonlyRootFilesystem" not in frontend  # no shipped or fixture image is assumed read-only


@pytest.mark.parametrize("bad,message", [
    ({"writable_paths": ["/tmp"]}, "writable_paths are for a read_only_root container"),
    ({"read_only_root": True, "writable_paths": ["tmp"]}, "must be an absolute path"),
    ({"read_only_root": True, "writable_paths": ["/tmp", "/tmp"]}, "each path once"),
])
def test_writable_paths_are_checked_at_load(bad, message):
    from pydantic import ValidationError

    from councilkit.blueprints.model import Container

    with pytest.raises(ValidationError, match=message):
        Container(name="worker", role="worker", image="example/x:1.0.0", **bad)
