"""Each AWS deployability rule against the source it cites: the AWS API models botocore ships
(lengths, patterns and constraint text of the API reference), the Fargate table the stack rounds
sizes with, and the behaviour of the trickier checks (cron, engine versions, WAF capacity)."""

from __future__ import annotations

import re
from functools import lru_cache

import pytest
from botocore.loaders import Loader

from councilkit.stacks.aws import deployability as aws
from councilkit.stacks.aws import fargate
from councilkit.stacks.deployability import plant

from helpers import planned

RULES = {r.id: r for r in aws.RULES}


@lru_cache(maxsize=None)
def model(service: str) -> dict:
    return Loader().load_service_model(service, "service-2")


def shape(service: str, name: str) -> dict:
    return model(service)["shapes"][name]


def member_doc(service: str, shape_name: str, member: str) -> str:
    ref = shape(service, shape_name)["members"][member]
    text = ref.get("documentation") or shape(service, ref["shape"]).get("documentation", "")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def valid(rule_id: str, path: str, value) -> bool:
    return not RULES[rule_id].problems(plant({}, path, value))


# --- character sets and lengths, from the API models --------------------------------------------

def test_security_group_texts_allow_exactly_the_characters_ec2_documents():
    doc = member_doc("ec2", "IpRange", "Description")
    assert "Up to 255 characters" in doc
    listed = doc.split("a-z, A-Z, 0-9, spaces, and ")[1].split()[0]
    assert listed == "._-:/()#,@[]+=&;{}!$*"
    assert "._-:/()#,@[]+=&;{}!$*" in member_doc("ec2", "CreateSecurityGroupRequest", "Description")
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ") | set(listed)
    for c in map(chr, range(32, 127)):
        assert valid("AWS-DEP-001", "ingress[0].description", f"rule {c}") == (c in allowed), repr(c)
        assert valid("AWS-DEP-002", "description", f"group {c}") == (c in allowed), repr(c)
    assert valid("AWS-DEP-001", "ingress[0].description", "x" * 255)
    assert not valid("AWS-DEP-001", "ingress[0].description", "x" * 256)
    assert not valid("AWS-DEP-001", "ingress[0].description", "café")


def test_load_balancer_and_target_group_names_follow_the_elbv2_reference():
    lb = member_doc("elbv2", "CreateLoadBalancerInput", "Name")
    assert "maximum of 32 characters" in lb and 'must not begin with "internal-"' in lb
    tg = member_doc("elbv2", "CreateTargetGroupInput", "Name")
    assert "maximum of 32 characters" in tg and "internal-" not in tg
    assert valid("AWS-DEP-005", "name", "a" * 32) and not valid("AWS-DEP-005", "name", "a" * 33)
    assert not valid("AWS-DEP-005", "name", "internal-app") and valid("AWS-DEP-007", "name", "internal-app")
    assert not valid("AWS-DEP-005", "name", "-ck") and not valid("AWS-DEP-007", "name", "ck-")
    assert valid("AWS-DEP-006", "namePrefix", "ck-") and not valid("AWS-DEP-006", "namePrefix", "council")
    assert valid("AWS-DEP-008", "namePrefix", "a" * 6) and not valid("AWS-DEP-008", "namePrefix", "a" * 7)


@pytest.mark.parametrize("rule_id,path,service,shape_name", [
    ("AWS-DEP-009", "name", "iam", "roleNameType"),
    ("AWS-DEP-025", "name", "wafv2", "EntityName"),
    ("AWS-DEP-027", "name", "logs", "LogGroupName"),
    ("AWS-DEP-022", "name", "scheduler", "Name"),
    ("AWS-DEP-030", "name", "kms", "AliasNameType"),
    ("AWS-DEP-032", "name", "backup", "BackupVaultName"),
    ("AWS-DEP-033", "rules[0].ruleName", "backup", "BackupRuleName"),
])
def test_name_patterns_and_lengths_are_the_api_models(rule_id, path, service, shape_name):
    s = shape(service, shape_name)
    pattern = s["pattern"]
    bounds = re.search(r"\{(\d+),(\d+)\}\$?$", pattern)
    lo, hi = (int(bounds.group(1)), int(bounds.group(2))) if bounds else (s.get("min", 1), s["max"])
    body = re.sub(r"\{\d+,\d+\}\$?$", "", pattern).strip("^$").rstrip("+*")
    charset = re.compile(body)
    first = "alias/" if service == "kms" else ""
    for c in map(chr, range(32, 127)):
        value = first + "ab" + c
        assert valid(rule_id, path, value) == bool(charset.fullmatch(c)), (rule_id, repr(c))
    assert valid(rule_id, path, first + "a" * (hi - len(first)))
    assert not valid(rule_id, path, first + "a" * (hi - len(first) + 1))
    if lo > 1:
        assert not valid(rule_id, path, "a" * (lo - 1))


def test_iam_role_description_is_the_models_latin_1_set():
    s = shape("iam", "roleDescriptionType")
    assert s["max"] == 1000 and s["pattern"] == "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*"
    assert valid("AWS-DEP-011", "description", "King's Lynn — é") is False  # the em dash is not Latin-1
    assert valid("AWS-DEP-011", "description", "King's Lynn é\tnew\nline")
    assert not valid("AWS-DEP-011", "description", "x" * 1001)


def test_role_name_prefix_leaves_room_for_terraforms_26_character_suffix():
    assert shape("iam", "roleNameType")["max"] - aws.UNIQUE_SUFFIX == 38
    assert valid("AWS-DEP-010", "namePrefix", "a" * 38) and not valid("AWS-DEP-010", "namePrefix", "a" * 39)
    assert not valid("AWS-DEP-009", "name", "tâche"), "Go's \\w is ASCII: so is the rule's"


def test_ecs_names_are_the_255_letters_digits_underscores_and_hyphens_ecs_documents():
    for shape_name, member in (("CreateClusterRequest", "clusterName"), ("CreateServiceRequest", "serviceName"),
                               ("RegisterTaskDefinitionRequest", "family")):
        assert "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed" in \
            member_doc("ecs", shape_name, member)
    assert valid("AWS-DEP-012", "name", "a_b-C9" * 42) and not valid("AWS-DEP-012", "name", "a" * 256)
    assert not valid("AWS-DEP-012", "family", "kings.lynn")


def test_waf_metric_names_rate_limits_and_texts_match_the_wafv2_and_cloudwatch_models():
    metric = shape("wafv2", "MetricName")
    assert metric["pattern"] == "^[\\w#:\\.\\-/]+$"
    assert "can be from one to 128 characters long" in member_doc("wafv2", "VisibilityConfig", "MetricName")
    assert valid("AWS-DEP-026", "visibilityConfig.metricName", "a#b:c.d-e/f_1")
    assert not valid("AWS-DEP-026", "visibilityConfig.metricName", "a b")
    limit = shape("wafv2", "RateLimit")
    assert (limit["min"], limit["max"]) == (10, 2_000_000_000)
    path = "rules[0].statement.rateBasedStatement.limit"
    assert valid("AWS-DEP-024", path, 10) and valid("AWS-DEP-024", path, 2_000_000_000)
    assert not valid("AWS-DEP-024", path, 9) and not valid("AWS-DEP-024", path, 2_000_000_001)
    assert shape("cloudwatch", "AlarmDescription")["max"] == 1024 and shape("cloudwatch", "AlarmName")["max"] == 255
    assert shape("scheduler", "Description")["max"] == 512
    assert shape("secretsmanager", "NameType")["max"] == 512 and shape("secretsmanager", "DescriptionType")["max"] == 2048
    assert "/_+=.@-" in member_doc("secretsmanager", "CreateSecretRequest", "Name")
    assert not valid("AWS-DEP-028", "name", "councilkit/king's") and valid("AWS-DEP-028", "name", "councilkit/k_+=.@-")
    assert "between 1 and 256 characters" in member_doc("sns", "CreateTopicInput", "Name")
    assert valid("AWS-DEP-029", "name", "alerts.fifo") and not valid("AWS-DEP-029", "name", "alerts.txt")


def test_elasticache_auth_token_rules_are_the_documented_ones():
    doc = member_doc("elasticache", "CreateReplicationGroupMessage", "AuthToken")
    assert "only on replication groups where TransitEncryptionEnabled is true" in doc
    assert "at least 16 characters and no more than 128" in doc
    assert "!, &, #, $, ^, <, >, and -" in doc
    path = "authToken"
    assert valid("AWS-DEP-020", path, "A1!&#$^<>-" + "b" * 6) and not valid("AWS-DEP-020", path, "a" * 15)
    assert not valid("AWS-DEP-020", path, "a" * 129)
    for special in "@/\"_%*":
        assert not valid("AWS-DEP-020", path, "a" * 16 + special), special
    rule = RULES["AWS-DEP-019"]
    assert rule.problems({"authToken": "[secret]", "transitEncryptionEnabled": True}) == []
    assert [p.path for p in rule.problems({"authToken": "[secret]"})] == ["transitEncryptionEnabled"]
    assert rule.problems({"transitEncryptionEnabled": False}) == [], "no token, nothing to refuse"


def test_final_snapshot_and_instance_identifiers_follow_the_rds_reference():
    doc = member_doc("rds", "DeleteDBInstanceMessage", "FinalDBSnapshotIdentifier")
    assert "1 to 255 letters or numbers" in doc and "First character must be a letter" in doc
    assert "Can't end with a hyphen or contain two consecutive hyphens" in doc
    assert "1 to 63 letters, numbers, or hyphens" in member_doc("rds", "CreateDBInstanceMessage", "DBInstanceIdentifier")
    for bad in ("1st-final", "a--b", "a-", "a_b", "a" * 256):
        assert not valid("AWS-DEP-016", "finalSnapshotIdentifier", bad), bad
    assert valid("AWS-DEP-016", "finalSnapshotIdentifier", "A" + "b-c" * 84)
    assert not valid("AWS-DEP-017", "identifier", "Upper") and not valid("AWS-DEP-017", "identifier", "a" * 64)


# --- Fargate ------------------------------------------------------------------------------------

def _documented_fargate_sizes() -> dict[int, set[int]]:
    """The Fargate table as the ECS API reference writes it (RegisterTaskDefinitionRequest.memory)."""
    doc = member_doc("ecs", "RegisterTaskDefinitionRequest", "memory")
    table: dict[int, set[int]] = {}
    for part, cpu in re.findall(r"((?:\d+ \([\d.]+ GB\), )*\d+ \([\d.]+ GB\)|Between [^-]+?) - Available cpu values: (\d+)", doc):
        cpu = int(cpu)
        between = re.match(r"Between (\d+)\s*(?:\(\d+ GB\)|GB) and (\d+)\s*(?:\(\d+ GB\)|GB) in (?:increments of (\d+) \(\d+ GB\)|(\d+) GB increments)", part)
        if between:
            lo, hi = int(between.group(1)), int(between.group(2))
            if between.group(4):  # written in GB
                lo, hi, step = lo * 1024, hi * 1024, int(between.group(4)) * 1024
            else:
                step = int(between.group(3))
            table[cpu] = set(range(lo, hi + 1, step))
        else:
            table[cpu] = {int(m) for m in re.findall(r"(\d+) \(", part)}
    return table


def test_the_fargate_table_is_the_ecs_api_references_and_the_stacks_own():
    documented = _documented_fargate_sizes()
    assert set(documented) == {256, 512, 1024, 2048, 4096, 8192, 16384}
    assert {k: set(v) for k, v in aws.FARGATE_TASK_SIZES.items()} == documented
    assert {k: set(v) for k, v in fargate.VALID.items()} == documented, "stacks/aws/fargate.py rounds to the same table"


@pytest.mark.parametrize("cpu,memory,ok", [("256", "512", True), ("256", "4096", False), ("1 vCPU", "2 GB", True),
                                           ("8192", "20480", True), ("8192", "18432", False), ("300", "512", False)])
def test_fargate_pairs(cpu, memory, ok):
    rule = RULES["AWS-DEP-013"]
    found = rule.problems({"cpu": cpu, "memory": memory, "requiresCompatibilities": ["FARGATE"]})
    assert (found == []) == ok
    assert rule.problems({"cpu": "300", "memory": "1", "requiresCompatibilities": ["EC2"]}) == [], "EC2 tasks are not Fargate's"


# --- RDS engines ----------------------------------------------------------------------------------

def test_parameter_group_families_are_those_the_rds_api_lists():
    doc = member_doc("rds", "DescribeEngineDefaultParametersMessage", "DBParameterGroupFamily")
    families = [f for f in re.findall(r"\b((?:mariadb|mysql|postgres)[\d.]+)\b", doc)]
    assert {"mariadb10.6", "mysql8.0", "postgres14"} <= set(families)
    for family in families:
        engine, version = re.match(r"([a-z]+)([\d.]+)", family).groups()
        assert aws.parameter_group_family(engine, version + ".3") == family
    assert aws.parameter_group_family("postgres", "16") == "postgres16"
    assert aws.parameter_group_family("mariadb", "10.11") == "mariadb10.11"
    assert aws.parameter_group_family("oracle-ee", "19") is None


@pytest.mark.parametrize("engine,version,ok", [("postgres", "12.6", False), ("postgres", "12.7", True), ("postgres", "12", True),
                                               ("mysql", "8.0.23", False), ("mysql", "8.0", True), ("mysql", "5.7", False),
                                               ("mariadb", "10.3", False), ("mariadb", "10.11", True),
                                               ("oracle-se2", "19", False)])
def test_db_t4g_classes_need_an_engine_version_that_runs_them(engine, version, ok):
    found = RULES["AWS-DEP-014"].problems({"instanceClass": "db.t4g.micro", "engine": engine, "engineVersion": version})
    assert (found == []) == ok, found
    assert RULES["AWS-DEP-014"].problems({"instanceClass": "db.m7g.large", "engine": "postgres", "engineVersion": "9.6"}) == [], \
        "classes the table here does not cover are not judged"


def test_performance_insights_on_small_burstable_mariadb_is_refused():
    rule = RULES["AWS-DEP-015"]
    base = {"engine": "mysql", "performanceInsightsEnabled": True}
    assert rule.problems({**base, "instanceClass": "db.t4g.small"})
    assert rule.problems({**base, "instanceClass": "db.t4g.medium"}) == []
    assert rule.problems({**base, "engine": "postgres", "instanceClass": "db.t4g.micro"}) == []


# --- EventBridge Scheduler ------------------------------------------------------------------------

def test_schedule_expression_limits_are_the_models():
    assert shape("scheduler", "ScheduleExpression")["max"] == 256
    doc = member_doc("scheduler", "CreateScheduleInput", "ScheduleExpression")
    assert "six fields" in doc and "minute | minutes | hour | hours | day | days" in doc


@pytest.mark.parametrize("expression,ok", [
    ("cron(0/5 * * * ? *)", True), ("cron(0 2 ? * MON-FRI *)", True), ("rate(5 minutes)", True), ("rate(1 day)", True),
    ("at(2026-12-01T02:00:00)", True), ("cron(*/5 * * * *)", False), ("cron(0 2 * * * *)", False),
    ("cron(0 2 ? * ? *)", False), ("cron(? 2 1 * ? *)", False), ("rate(0 minutes)", False), ("rate(5 weeks)", False),
    ("every 5 minutes", False), ("cron(" + "1 " * 200 + ")", False),
])
def test_schedule_expressions(expression, ok):
    assert (aws.schedule_expression_problem(expression) is None) == ok


def test_every_cron_the_stack_writes_for_the_catalogue_is_accepted():
    from councilkit.stacks.aws.schedule import aws_cron

    for expression in ("*/5 * * * *", "0 2 * * *", "30 3 * * 1-5", "0 */6 * * *", "15 4 1 * *", "0 0 * * 0"):
        assert aws.schedule_expression_problem(aws_cron(expression)) is None, expression


# --- WAF capacity ---------------------------------------------------------------------------------

def test_waf_capacity_counts_the_managed_groups_the_edge_uses():
    try:
        from councilkit.stacks.aws.waf import MANAGED_RULE_GROUPS
    except ImportError:  # before the WAF had its own module
        from councilkit.stacks.aws.edge import MANAGED_RULE_GROUPS

    assert set(MANAGED_RULE_GROUPS) <= set(aws.MANAGED_GROUP_WCU), "every group the stack uses has a documented WCU"
    _, plan = planned("nextcloud", "aws", "production")
    acl = plan.one("aws:wafv2/webAcl:WebAcl")
    total, unknown = aws.web_acl_capacity(acl.inputs["rules"])
    assert total >= sum(aws.MANAGED_GROUP_WCU[g] for g in MANAGED_RULE_GROUPS) + aws.RATE_BASED_WCU - 2
    assert total <= aws.WEB_ACL_MAX_WCU
    rule = RULES["AWS-DEP-023"]
    assert rule.problems(acl.inputs) == []
    crs = acl.inputs["rules"][0]
    assert [p.path for p in rule.problems({"rules": [crs] * 8})] == ["rules"]


def test_s3_bucket_names_outside_us_east_1_are_dns_compliant():
    for bad in ("ab", "a" * 64, "Kings", "kings_lynn", "192.168.1.10", ".kings", "kings.", "kings..lynn"):
        assert not valid("AWS-DEP-034", "bucket", bad), bad
    for good in ("abc", "a" * 63, "kings-lynn.backups-2026", "1st-council"):
        assert valid("AWS-DEP-034", "bucket", good), good


def test_cache_parameter_group_families_are_the_elasticache_apis():
    doc = member_doc("elasticache", "CreateCacheParameterGroupMessage", "CacheParameterGroupFamily")
    listed = doc.split("Valid values are:")[1].replace("|", " ").split()
    assert tuple(listed) == aws.CACHE_FAMILIES
    assert aws.cache_parameter_group_family("redis", "7.1") == "redis7"
    assert aws.cache_parameter_group_family("redis", "6.2") == "redis6.x"
    assert aws.cache_parameter_group_family("redis", "5.0.6") == "redis5.0"
    assert aws.cache_parameter_group_family("valkey", "8.0") == "valkey8"
    assert aws.cache_parameter_group_family("redis", "9.0") is None, "a family the API does not list is not guessed"


def test_waf_logs_only_to_a_destination_named_aws_waf_logs():
    """AWS-DEP-036, from botocore's wafv2 PutLoggingConfiguration documentation: the stack's own
    log group passes; a log group of another name (planted in the real plan) and ARNs of a log
    group, bucket or stream of another name are refused."""
    import gzip
    import importlib.util
    from pathlib import Path

    from helpers import planned
    from councilkit.stacks import deployability

    root = Path(next(iter(importlib.util.find_spec("botocore").submodule_search_locations)))
    model = gzip.open(root / "data" / "wafv2" / "2019-07-29" / "service-2.json.gz").read().decode()
    assert "The name that you give the destination must start with <code>aws-waf-logs-</code>" in model

    rule = aws.WAF_LOG_DESTINATION
    _, plan = planned("nextcloud", "aws", "production")
    assert deployability.violations(plan.resources, (rule,)) == []
    group = plan.of_type("aws:cloudwatch/logGroup:LogGroup")
    waf_group = next(g for g in group if str(g.inputs.get("name", "")).startswith("aws-waf-logs-"))
    original = waf_group.inputs["name"]
    waf_group.inputs["name"] = "/councilkit/waf"  # the session's shared plan: put it back after
    try:
        found = deployability.violations(plan.resources, (rule,))
    finally:
        waf_group.inputs["name"] = original
    assert [(v.rule, v.value) for v in found] == [("AWS-DEP-036", "/councilkit/waf")]
    for arn, ok in [("arn:aws:logs:eu-west-2:123456789012:log-group:aws-waf-logs-x:*", True),
                    ("arn:aws:logs:eu-west-2:123456789012:log-group:/councilkit/waf:*", False),
                    ("arn:aws:firehose:eu-west-2:123456789012:deliverystream/waf", False),
                    ("arn:aws:s3:::aws-waf-logs-council", True)]:
        problems = rule.problems({"logDestinationConfigs": [arn]})
        assert (problems == []) == ok, (arn, problems)
