"""What AWS (and terraform-provider-aws, under pulumi-aws) refuses that the offline mocks accept.

Each rule cites the provider validator or AWS API reference it encodes: terraform-provider-aws
(hashicorp/terraform-provider-aws, `internal/service/<service>/`), the AWS API models shipped with
botocore (`botocore/data/<service>/<version>/service-2.json`, whose shapes carry the API reference's
lengths, patterns and constraint text) and AWS user guides. Names that Pulumi generates (auto-names)
are not in a plan and are not judged here. Imports no SDK: the policy pack and `councilkit plan`
both run these.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from councilkit.stacks.deployability.model import Problem, Related, Rule
from councilkit.stacks.deployability.paths import unknown, value_at
from councilkit.stacks.deployability.validators import (
    Validator, all_of, field, integer_between, length, matches, refuses,
)

TF = "terraform-provider-aws"
BOTOCORE = "AWS API reference (botocore {})"

# Terraform's generated suffix for `name_prefix` (create.Name / id.UniqueIDSuffixLength): a prefix may
# be at most the name's limit less 26 (internal/service/iam/role.go: roleNamePrefixMaxLen =
# roleNameMaxLen - UniqueIDSuffixLength = 38; internal/service/elbv2/validate.go: 32 - 26 = 6).
UNIQUE_SUFFIX = 26


def _rule(id_, title, types, inputs, validator: Validator, source, bad, good) -> Rule:
    return Rule(id=id_, title=title, types=tuple(types), inputs=tuple(inputs),
                check=field(*inputs, validator=validator), source=source, bad=bad, good=good)


# --- EC2 security groups --------------------------------------------------------------------

# internal/service/ec2/validate.go validSecurityGroupRuleDescription; the EC2 API (IpRange,
# CreateSecurityGroup) documents the same set for group names and descriptions.
SG_CHARS = r"[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*"
SG_WORDS = "may contain only a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*"
SG_TEXT = all_of(length(0, 255), matches(SG_CHARS, SG_WORDS))
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"

SG_RULE_DESCRIPTION = _rule(
    "AWS-DEP-001", "security group rule descriptions: up to 255 characters of a-zA-Z0-9, space and ._-:/()#,@[]+=&;{}!$*",
    [SECURITY_GROUP], ["ingress[*].description", "egress[*].description"], SG_TEXT,
    f"{TF} internal/service/ec2/validate.go validSecurityGroupRuleDescription; EC2 API IpRange.Description",
    bad={"ingress[0].description": "from King's Lynn offices"},
    good={"ingress[0].description": "from Kings Lynn offices (HTTPS, port 443)"},
)
SG_DESCRIPTION = _rule(
    "AWS-DEP-002", "security group description: up to 255 characters of a-zA-Z0-9, space and ._-:/()#,@[]+=&;{}!$*",
    [SECURITY_GROUP], ["description"], SG_TEXT,
    BOTOCORE.format("ec2 2016-11-15") + " CreateSecurityGroupRequest.Description",
    bad={"description": "Database – only the app’s tasks"}, good={"description": "Database: only the app tasks"},
)
SG_NAME = _rule(
    "AWS-DEP-003", "security group name: up to 255 characters of the description set, not starting sg-",
    [SECURITY_GROUP], ["name", "namePrefix"],
    all_of(length(1, 255), matches(SG_CHARS, SG_WORDS), refuses(r"^sg-", "must not start with sg-")),
    BOTOCORE.format("ec2 2016-11-15") + " CreateSecurityGroupRequest.GroupName",
    bad={"name": "sg-council"}, good={"name": "council-database"},
)
SG_RULE_TYPES = ("aws:ec2/securityGroupRule:SecurityGroupRule", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                 "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
SG_STANDALONE_RULE = _rule(
    "AWS-DEP-004", "security group rule description (standalone rules): same set and length as inline rules",
    SG_RULE_TYPES, ["description"], SG_TEXT,
    f"{TF} internal/service/ec2/validate.go validSecurityGroupRuleDescription",
    bad={"description": "Council's VPN"}, good={"description": "Council VPN"},
)

# --- Elastic Load Balancing v2 ------------------------------------------------------------------

LB_TYPES = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
TG_TYPES = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
ALNUM_HYPHEN = matches(r"[0-9A-Za-z-]+", "may contain only letters, digits and hyphens")
NO_EDGE_HYPHEN = refuses(r"^-|-$", "must not begin or end with a hyphen")
NOT_INTERNAL = refuses(r"^internal-", 'must not begin with "internal-" (AWS reserves it)')

LB_NAME = _rule(
    "AWS-DEP-005", "load balancer name: 1-32 letters, digits and hyphens, no hyphen at either end, not internal-",
    LB_TYPES, ["name"], all_of(length(1, 32), ALNUM_HYPHEN, NO_EDGE_HYPHEN, NOT_INTERNAL),
    f"{TF} internal/service/elbv2/validate.go validName; ELBv2 API CreateLoadBalancerInput.Name",
    bad={"name": "ck-royal-borough-of-kings-lynn-nextcloud"}, good={"name": "ck-kings-lynn-nextc-p0f074d"},
)
LB_NAME_PREFIX = _rule(
    "AWS-DEP-006", "load balancer name prefix: up to 6 letters, digits and hyphens, no leading hyphen",
    LB_TYPES, ["namePrefix"],
    all_of(length(1, 6), ALNUM_HYPHEN, refuses(r"^-", "must not begin with a hyphen"), NOT_INTERNAL),
    f"{TF} internal/service/elbv2/validate.go validNamePrefix",
    bad={"namePrefix": "council-"}, good={"namePrefix": "ck-"},
)
TG_NAME = _rule(
    "AWS-DEP-007", "target group name: 1-32 letters, digits and hyphens, no hyphen at either end",
    TG_TYPES, ["name"], all_of(length(1, 32), ALNUM_HYPHEN, NO_EDGE_HYPHEN),
    f"{TF} internal/service/elbv2/validate.go validTargetGroupName; ELBv2 API CreateTargetGroupInput.Name",
    bad={"name": "ck-kings-lynn-nextcloud-"}, good={"name": "ck-kings-lynn-nextcloud"},
)
TG_NAME_PREFIX = _rule(
    "AWS-DEP-008", f"target group name prefix: up to {32 - UNIQUE_SUFFIX} letters, digits and hyphens",
    TG_TYPES, ["namePrefix"],
    all_of(length(1, 32 - UNIQUE_SUFFIX), ALNUM_HYPHEN, refuses(r"^-", "must not begin with a hyphen")),
    f"{TF} internal/service/elbv2/validate.go validTargetGroupNamePrefix (32 - id.UniqueIDSuffixLength)",
    bad={"namePrefix": "nextcloud"}, good={"namePrefix": "nc-"},
)

# --- IAM ------------------------------------------------------------------------------------

IAM_ROLE = ("aws:iam/role:Role",)
IAM_CHARS = matches(r"[\w+=,.@-]*", "may contain only ASCII letters, digits and _+=,.@-")
ROLE_NAME = _rule(
    "AWS-DEP-009", "IAM role name: 1-64 ASCII letters, digits and _+=,.@-",
    IAM_ROLE, ["name"], all_of(length(1, 64), IAM_CHARS),
    f"{TF} internal/service/iam/role.go roleNameMaxLen, internal/service/iam/validate.go validResourceName; "
    "IAM API roleNameType",
    bad={"name": "kings-lynn-nextcloud-tâche"}, good={"name": "kings-lynn-nextcloud-task"},
)
ROLE_NAME_PREFIX = _rule(
    "AWS-DEP-010", f"IAM role name prefix: 1-{64 - UNIQUE_SUFFIX} ASCII letters, digits and _+=,.@-",
    IAM_ROLE, ["namePrefix"], all_of(length(1, 64 - UNIQUE_SUFFIX), IAM_CHARS),
    f"{TF} internal/service/iam/role.go roleNamePrefixMaxLen (64 - UniqueIDSuffixLength)",
    bad={"namePrefix": "royal-borough-of-kings-lynn-and-west-norfolk-"}, good={"namePrefix": "kings-lynn-"},
)
ROLE_DESCRIPTION = _rule(
    "AWS-DEP-011", "IAM role description: up to 1000 characters, tab, newlines and Latin-1 printable only",
    IAM_ROLE, ["description"],
    all_of(length(0, 1000), matches(r"[\t\n\r\x20-\x7e\xa1-\xff]*",
                                    "may contain only printable Latin-1 characters (no curly quotes or emoji)")),
    BOTOCORE.format("iam 2010-05-08") + " roleDescriptionType; " + f"{TF} internal/service/iam/role.go description",
    bad={"description": "runs King’s Lynn’s app"}, good={"description": "runs King's Lynn's app"},
)

# --- ECS and Fargate ------------------------------------------------------------------------

ECS_NAME = all_of(length(1, 255), matches(r"[A-Za-z0-9_-]+", "may contain only letters, digits, _ and -"))
ECS_NAMES = _rule(
    "AWS-DEP-012", "ECS cluster, service and task family names: 1-255 letters, digits, _ and -",
    ("aws:ecs/cluster:Cluster", "aws:ecs/service:Service", "aws:ecs/taskDefinition:TaskDefinition"),
    ["name", "family"], ECS_NAME,
    BOTOCORE.format("ecs 2014-11-13") + " CreateClusterRequest.clusterName, CreateServiceRequest.serviceName, "
    "RegisterTaskDefinitionRequest.family",
    bad={"name": "kings.lynn/nextcloud"}, good={"name": "kings-lynn_nextcloud"},
)

# Fargate task sizes: cpu units → memory MiB. ECS API RegisterTaskDefinitionRequest.memory (botocore
# ecs 2014-11-13), the "Task size" table of the ECS developer guide; stacks/aws/fargate.py keeps the
# copy the stack rounds sizes up with, and tests/test_deployability_rules_aws.py ties the two together.
FARGATE_TASK_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: (1024, 2048, 3072, 4096),
    1024: (2048, 3072, 4096, 5120, 6144, 7168, 8192),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}
_UNITS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(vcpu|gb)?\s*$", re.IGNORECASE)


def _amount(value: Any, per_unit: int) -> int | None:
    """CPU units or MiB from "1024", 1024, "1 vCPU" or "2 GB" (the forms ECS converts), else None."""
    m = _UNITS.match(str(value)) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
    if not m:
        return None
    number = float(m.group(1)) * (per_unit if m.group(2) else 1)
    return int(number) if number.is_integer() else None


def _fargate_size(inputs: Mapping[str, Any], related: Related) -> Iterable[Problem]:
    needs = value_at(inputs, "requiresCompatibilities") or []
    if "FARGATE" not in needs:
        return
    cpu_text, memory_text = value_at(inputs, "cpu"), value_at(inputs, "memory")
    cpu, memory = _amount(cpu_text, 1024), _amount(memory_text, 1024)
    if cpu_text is None or memory_text is None:
        return
    if cpu not in FARGATE_TASK_SIZES:
        yield Problem("cpu", cpu_text, f"Fargate has no task size of {cpu_text} CPU units "
                                       f"(it has {', '.join(map(str, FARGATE_TASK_SIZES))})")
    elif memory not in FARGATE_TASK_SIZES[cpu]:
        allowed = FARGATE_TASK_SIZES[cpu]
        yield Problem("memory", memory_text, f"Fargate runs {cpu} CPU units only with {allowed[0]}-{allowed[-1]} MiB "
                                             f"in its steps ({', '.join(map(str, allowed[:4]))}…)")


FARGATE_SIZE = Rule(
    "AWS-DEP-013", "Fargate task CPU and memory: one of the pairs of the Fargate task-size table",
    ("aws:ecs/taskDefinition:TaskDefinition",), ("cpu", "memory", "requiresCompatibilities"), _fargate_size,
    BOTOCORE.format("ecs 2014-11-13") + " RegisterTaskDefinitionRequest.memory (ECS developer guide, Task size)",
    bad={"cpu": "256", "memory": "4096"}, good={"cpu": "1024", "memory": "4096"},
)

# --- RDS ------------------------------------------------------------------------------------

RDS_INSTANCE = ("aws:rds/instance:Instance",)


def _version(text: Any) -> tuple[int, ...] | None:
    parts = str(text).split(".") if text is not None else []
    return tuple(int(p) for p in parts) if parts and all(p.isdigit() for p in parts) else None


# db.t4g: the first engine version of each engine that runs it (every later version does). Amazon RDS
# User Guide, "Supported DB engines for DB instance classes" (awsdocs/amazon-rds-user-guide
# doc_source/Concepts.DBInstanceClass.md, db.t4g rows): all MariaDB 10.4-10.6, MySQL 8.0.25 and
# higher, PostgreSQL 12.7 and higher; "No" for Oracle and SQL Server.
T4G_FROM = {"mariadb": (10, 4), "mysql": (8, 0, 25), "postgres": (12, 7)}


def _class_for_engine(inputs: Mapping[str, Any], related: Related) -> Iterable[Problem]:
    cls, engine, text = (value_at(inputs, k) for k in ("instanceClass", "engine", "engineVersion"))
    if not (isinstance(cls, str) and cls.startswith("db.t4g.") and isinstance(engine, str)):
        return
    if engine not in T4G_FROM:
        yield Problem("instanceClass", cls, f"RDS for {engine} does not run the db.t4g classes")
        return
    version, first = _version(text), T4G_FROM[engine]
    # A version given only as far as a major (`16`, `8.0`) is the newest minor of it: compare that far.
    if version is not None and version < first[: len(version)]:
        yield Problem("instanceClass", cls, f"{cls} runs {engine} {'.'.join(map(str, first))} and later, "
                                            f"not {text}")


RDS_CLASS = Rule(
    "AWS-DEP-014", "RDS instance class: supported by the database engine and version (db.t4g table)",
    RDS_INSTANCE, ("instanceClass", "engine", "engineVersion"), _class_for_engine,
    "Amazon RDS User Guide, Supported DB engines for DB instance classes "
    "(awsdocs/amazon-rds-user-guide doc_source/Concepts.DBInstanceClass.md)",
    bad={"instanceClass": "db.t4g.medium", "engine": "sqlserver-ex"},
    good={"instanceClass": "db.t4g.medium", "engine": "postgres"},
)

# Amazon RDS User Guide, "Amazon RDS DB engine, Region, and instance class support for Database
# Insights" (USER_DatabaseInsights.Engines): not for these classes on RDS for MariaDB and MySQL.
NO_INSIGHTS = {"mariadb", "mysql"}
NO_INSIGHTS_CLASSES = frozenset({"db.t2.micro", "db.t2.small", "db.t3.micro", "db.t3.small",
                                 "db.t4g.micro", "db.t4g.small"})


def _insights(inputs: Mapping[str, Any], related: Related) -> Iterable[Problem]:
    if value_at(inputs, "performanceInsightsEnabled") is True and value_at(inputs, "engine") in NO_INSIGHTS \
            and value_at(inputs, "instanceClass") in NO_INSIGHTS_CLASSES:
        yield Problem("performanceInsightsEnabled", True,
                      f"RDS for {value_at(inputs, 'engine')} has no Performance Insights on "
                      f"{value_at(inputs, 'instanceClass')} (micro and small burstable classes)")


RDS_INSIGHTS = Rule(
    "AWS-DEP-015", "Performance Insights: not on micro or small burstable classes for MariaDB and MySQL",
    RDS_INSTANCE, ("performanceInsightsEnabled", "engine", "instanceClass"), _insights,
    "Amazon RDS User Guide, instance class support for Database Insights (USER_DatabaseInsights.Engines)",
    bad={"engine": "mariadb", "engineVersion": "10.11", "instanceClass": "db.t4g.micro",
         "performanceInsightsEnabled": True},
    good={"engine": "mariadb", "engineVersion": "10.11", "instanceClass": "db.t4g.medium",
          "performanceInsightsEnabled": True},
)

RDS_IDENTIFIER_TEXT = all_of(
    matches(r"[A-Za-z][0-9A-Za-z-]*", "must start with a letter and contain only letters, digits and hyphens"),
    refuses(r"--", "must not contain two consecutive hyphens"),
    refuses(r"-$", "must not end with a hyphen"),
)
FINAL_SNAPSHOT = _rule(
    "AWS-DEP-016", "RDS final snapshot identifier: 1-255 letters, digits, hyphens; letter first; no --; no - at the end",
    RDS_INSTANCE, ["finalSnapshotIdentifier"], all_of(length(1, 255), RDS_IDENTIFIER_TEXT),
    BOTOCORE.format("rds 2014-10-31") + " DeleteDBInstanceMessage.FinalDBSnapshotIdentifier; "
    f"{TF} internal/service/rds/instance.go final_snapshot_identifier",
    bad={"finalSnapshotIdentifier": "ck-kings-lynn--final-"}, good={"finalSnapshotIdentifier": "ck-kings-lynn-final"},
)
RDS_IDENTIFIER = _rule(
    "AWS-DEP-017", "RDS instance identifier: 1-63 lowercase letters, digits, hyphens; letter first; no --; no - at the end",
    RDS_INSTANCE, ["identifier"],
    all_of(length(1, 63), matches(r"[0-9a-z-]+", "may contain only lowercase letters, digits and hyphens"),
           RDS_IDENTIFIER_TEXT),
    BOTOCORE.format("rds 2014-10-31") + f" CreateDBInstanceMessage.DBInstanceIdentifier; {TF} "
    "internal/service/rds/validate.go validIdentifier",
    bad={"identifier": "1st-borough-db"}, good={"identifier": "first-borough-db"},
)


def parameter_group_family(engine: Any, version: Any) -> str | None:
    """The DB parameter group family of an engine version: postgres<major> (from 10), mysql<major.minor>,
    mariadb<major.minor> — the shape of every family of these engines in the RDS API's list
    (DescribeEngineDefaultParametersMessage.DBParameterGroupFamily, botocore rds 2014-10-31)."""
    v = _version(version)
    if v is None or engine not in ("postgres", "mysql", "mariadb"):
        return None
    if engine == "postgres":
        return f"postgres{v[0]}" if v[0] >= 10 else (f"postgres{v[0]}.{v[1]}" if len(v) > 1 else None)
    return f"{engine}{v[0]}.{v[1]}" if len(v) > 1 else None


def _family(inputs: Mapping[str, Any], related: Related) -> Iterable[Problem]:
    expected = parameter_group_family(value_at(inputs, "engine"), value_at(inputs, "engineVersion"))
    group = related("parameterGroupName", "aws:rds/parameterGroup:ParameterGroup")
    family = value_at(group, "family") if group else None
    if expected and isinstance(family, str) and family != expected:
        yield Problem("engineVersion", value_at(inputs, "engineVersion"),
                      f"its parameter group is of family {family}; {value_at(inputs, 'engine')} "
                      f"{value_at(inputs, 'engineVersion')} needs {expected}")


RDS_FAMILY = Rule(
    "AWS-DEP-018", "RDS parameter group family matches the instance's engine and version (postgres16, mysql8.0, mariadb10.11)",
    RDS_INSTANCE, ("engine", "engineVersion", "parameterGroupName"), _family,
    BOTOCORE.format("rds 2014-10-31") + " CreateDBParameterGroupMessage.DBParameterGroupFamily, "
    "DescribeEngineDefaultParametersMessage.DBParameterGroupFamily",
    bad={"engineVersion": "15"}, good={"engineVersion": "16"}, scope="stack",
)

# --- ElastiCache ----------------------------------------------------------------------------

REPLICATION_GROUP = ("aws:elasticache/replicationGroup:ReplicationGroup",)
AUTH_SOURCE = BOTOCORE.format("elasticache 2015-02-02") + " CreateReplicationGroupMessage.AuthToken"


def _token_needs_tls(inputs: Mapping[str, Any], related: Related) -> Iterable[Problem]:
    def raw(key: str) -> Any:
        try:
            return inputs.get(key)
        except Exception:  # noqa: BLE001 — an unknown during a real preview
            return "[unknown]"

    token, tls = raw("authToken"), raw("transitEncryptionEnabled")
    if token in (None, "") or (tls is not None and unknown(tls)) or tls == "[unknown]":
        return
    if tls is not True:
        yield Problem("transitEncryptionEnabled", tls, "an AUTH token can be set only with transit encryption on")


CACHE_TOKEN_TLS = Rule(
    "AWS-DEP-019", "ElastiCache AUTH token: only with transitEncryptionEnabled", REPLICATION_GROUP,
    ("authToken", "transitEncryptionEnabled"), _token_needs_tls, AUTH_SOURCE,
    bad={"transitEncryptionEnabled": False}, good={"transitEncryptionEnabled": True},
)
CACHE_TOKEN = _rule(
    "AWS-DEP-020", "ElastiCache AUTH token: 16-128 printable ASCII, the only specials !&#$^<>-",
    REPLICATION_GROUP, ["authToken"],
    all_of(length(16, 128), matches(r"[A-Za-z0-9!&#$^<>-]*", "may contain only letters, digits and !&#$^<>-")),
    AUTH_SOURCE,
    bad={"authToken": "p@ssw0rd/with-quotes\"-0123456789"}, good={"authToken": "Abc-123!Def-456#Ghi"},
)

# The ElastiCache API's list of cache parameter group families (botocore elasticache 2015-02-02
# CreateCacheParameterGroupMessage.CacheParameterGroupFamily, "Valid values are: …").
CACHE_FAMILIES = ("valkey8", "valkey7", "memcached1.4", "memcached1.5", "memcached1.6", "redis2.6", "redis2.8",
                  "redis3.2", "redis4.0", "redis5.0", "redis6.x", "redis7")


def cache_parameter_group_family(engine: Any, version: Any) -> str | None:
    """The family an engine version's parameter group must be of, by the shape of that list:
    redis7 and valkey7/8 by major, redis6.x for every Redis 6, <engine><major.minor> before."""
    v = _version(version)
    if v is None or engine not in ("redis", "valkey", "memcached"):
        return None
    if engine == "valkey" or (engine == "redis" and v[0] >= 7):
        family = f"{engine}{v[0]}"
    elif engine == "redis" and v[0] == 6:
        family = "redis6.x"
    else:
        family = f"{engine}{v[0]}.{v[1]}" if len(v) > 1 else None
    return family if family in CACHE_FAMILIES else None


def _cache_family(inputs: Mapping[str, Any], related: Related) -> Iterable[Problem]:
    engine, version = value_at(inputs, "engine") or "redis", value_at(inputs, "engineVersion")
    group = related("parameterGroupName", "aws:elasticache/parameterGroup:ParameterGroup")
    family = value_at(group, "family") if group else None
    if not isinstance(family, str) or version is None:
        return
    expected = cache_parameter_group_family(engine, version)
    if family not in CACHE_FAMILIES:
        yield Problem("parameterGroupName", value_at(inputs, "parameterGroupName"),
                      f"its parameter group's family {family} is not one ElastiCache has ({', '.join(CACHE_FAMILIES)})")
    elif expected and family != expected:
        yield Problem("engineVersion", version, f"its parameter group is of family {family}; {engine} {version} needs {expected}")


CACHE_FAMILY = Rule(
    "AWS-DEP-035", "ElastiCache parameter group family exists and matches the engine version (redis7, redis6.x, valkey8)",
    REPLICATION_GROUP, ("engine", "engineVersion", "parameterGroupName"), _cache_family,
    BOTOCORE.format("elasticache 2015-02-02") + " CreateCacheParameterGroupMessage.CacheParameterGroupFamily",
    bad={"engineVersion": "6.2"}, good={"engineVersion": "7.1"}, scope="stack",
)

# --- EventBridge Scheduler ------------------------------------------------------------------

SCHEDULE = ("aws:scheduler/schedule:Schedule",)
RATE_UNITS = ("minute", "minutes", "hour", "hours", "day", "days")
_AT = re.compile(r"at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)")
_RATE = re.compile(r"rate\((\d+) ([a-z]+)\)")
_CRON = re.compile(r"cron\((.*)\)")


def schedule_expression_problem(text: str) -> str | None:
    """Why EventBridge Scheduler refuses `text`, or None: at(yyyy-mm-ddThh:mm:ss), rate(n unit) with n a
    positive whole number and unit minute(s)|hour(s)|day(s), or cron() with six fields (minutes hours
    day-of-month month day-of-week year) and `?` in exactly one of the two day fields."""
    if len(text) > 256:
        return "is over 256 characters"
    if _AT.fullmatch(text):
        return None
    rate = _RATE.fullmatch(text)
    if rate:
        if int(rate.group(1)) < 1 or rate.group(2) not in RATE_UNITS:
            return "rate() needs a positive whole number and minute(s), hour(s) or day(s)"
        return None
    cron = _CRON.fullmatch(text)
    if not cron:
        return "must be at(...), rate(value unit) or cron(six fields)"
    fields = cron.group(1).split()
    if len(fields) != 6:
        return f"cron() needs six fields (minutes hours day-of-month month day-of-week year), not {len(fields)}"
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        return "cron() needs ? in exactly one of day-of-month and day-of-week"
    if any("?" in f for i, f in enumerate(fields) if i not in (2, 4)):
        return "cron() allows ? only in day-of-month or day-of-week"
    return None


SCHEDULE_EXPRESSION = _rule(
    "AWS-DEP-021", "Scheduler expression: at(), rate(n unit) or cron() with 6 fields and ? in exactly one day field",
    SCHEDULE, ["scheduleExpression"],
    lambda v: schedule_expression_problem(v) if isinstance(v, str) else None,
    BOTOCORE.format("scheduler 2021-06-30") + " CreateScheduleInput.ScheduleExpression; EventBridge user guide, "
    "cron expressions (eb-scheduled-rule-pattern)",
    bad={"scheduleExpression": "cron(*/5 * * * *)"}, good={"scheduleExpression": "cron(0/5 * * * ? *)"},
)


def _fields(spec: Mapping[str, Validator]):
    checks = [field(pattern, validator=v) for pattern, v in spec.items()]

    def check(inputs: Mapping[str, Any], related: Related) -> Iterable[Problem]:
        for c in checks:
            yield from c(inputs, related)

    return check


SCHEDULE_TEXT = Rule(
    "AWS-DEP-022", "Scheduler name 1-64 of 0-9a-zA-Z-_. and description up to 512 characters", SCHEDULE,
    ("name", "description"),
    _fields({"name": all_of(length(1, 64), matches(r"[0-9a-zA-Z\-_.]+", "may contain only 0-9a-zA-Z-_.")),
             "description": length(0, 512)}),
    BOTOCORE.format("scheduler 2021-06-30") + " CreateScheduleInput.Name, CreateScheduleInput.Description",
    bad={"name": "nextcloud cron (every 5 minutes)"}, good={"name": "nextcloud-cron"},
)

# --- WAF ------------------------------------------------------------------------------------

WEB_ACL = ("aws:wafv2/webAcl:WebAcl",)
WAF_SOURCE = BOTOCORE.format("wafv2 2019-07-29")
# AWS WAF developer guide, AWS Managed Rules rule groups list (awsdocs/aws-waf-and-shield-advanced-
# developer-guide doc_source/aws-managed-rule-groups-baseline.md, -use-case.md, -ip-rep.md): WCUs.
MANAGED_GROUP_WCU = {
    "AWSManagedRulesCommonRuleSet": 700,
    "AWSManagedRulesAdminProtectionRuleSet": 100,
    "AWSManagedRulesKnownBadInputsRuleSet": 200,
    "AWSManagedRulesSQLiRuleSet": 200,
    "AWSManagedRulesAmazonIpReputationList": 25,
}
# Rate-based rule statement: "WCUs – 2 plus any additional WCUs for a nested statement"
# (doc_source/waf-rule-statement-type-rate-based.md).
RATE_BASED_WCU = 2
# A web ACL may use up to 5,000 WCUs (AWS What's New, 2023-04, "AWS WAF increases web ACL capacity
# units limit"; 1,500 are in the base price).
WEB_ACL_MAX_WCU = 5000


def web_acl_capacity(rules: Any) -> tuple[int, int]:
    """(the least WCUs the web ACL's rules use, how many rules' WCUs are not known here)."""
    total, unknown_rules = 0, 0
    for rule in rules if isinstance(rules, list) else []:
        statement = rule.get("statement", {}) if isinstance(rule, Mapping) else {}
        group = statement.get("managedRuleGroupStatement")
        rate = statement.get("rateBasedStatement")
        if isinstance(group, Mapping) and group.get("vendorName") == "AWS" and group.get("name") in MANAGED_GROUP_WCU:
            total += MANAGED_GROUP_WCU[group["name"]]
        elif isinstance(rate, Mapping):
            total += RATE_BASED_WCU
            unknown_rules += bool(rate.get("scopeDownStatement") or rate.get("customKeys"))
        else:
            unknown_rules += 1
    return total, unknown_rules


def _capacity(inputs: Mapping[str, Any], related: Related) -> Iterable[Problem]:
    rules = value_at(inputs, "rules")
    if rules is None:
        return
    total, _ = web_acl_capacity(rules)
    if total > WEB_ACL_MAX_WCU:
        yield Problem("rules", f"{total} WCUs", f"uses at least {total:,} WCUs; a web ACL may use {WEB_ACL_MAX_WCU:,}")


WAF_CAPACITY = Rule(
    "AWS-DEP-023", f"WAF web ACL capacity: the rules' WCUs add up to {WEB_ACL_MAX_WCU:,} at most",
    WEB_ACL, ("rules",), _capacity,
    "AWS WAF developer guide: AWS Managed Rules rule groups list (WCUs), rate-based rule statement, web ACL capacity units",
    bad={"rules": [{"name": f"crs-{i}", "priority": i, "overrideAction": {"none": {}},
                    "statement": {"managedRuleGroupStatement": {"name": "AWSManagedRulesCommonRuleSet", "vendorName": "AWS"}},
                    "visibilityConfig": {"cloudwatchMetricsEnabled": True, "metricName": f"crs-{i}",
                                         "sampledRequestsEnabled": True}} for i in range(8)]},
    good={"rules": [{"name": "crs", "priority": 0, "overrideAction": {"none": {}},
                     "statement": {"managedRuleGroupStatement": {"name": "AWSManagedRulesCommonRuleSet", "vendorName": "AWS"}},
                     "visibilityConfig": {"cloudwatchMetricsEnabled": True, "metricName": "crs",
                                          "sampledRequestsEnabled": True}}]},
)
WAF_RATE_LIMIT = _rule(
    "AWS-DEP-024", "WAF rate-based rule limit: 10 to 2,000,000,000 requests",
    WEB_ACL, ["rules[*].statement.rateBasedStatement.limit"], integer_between(10, 2_000_000_000),
    WAF_SOURCE + " RateBasedStatement.Limit (RateLimit)",
    bad={"rules[4].statement.rateBasedStatement.limit": 5}, good={"rules[4].statement.rateBasedStatement.limit": 100},
)
WAF_NAMES = _rule(
    "AWS-DEP-025", "WAF web ACL and rule names: 1-128 letters, digits, _ and -",
    WEB_ACL, ["name", "rules[*].name"], all_of(length(1, 128), matches(r"[\w\-]+", "may contain only letters, digits, _ and -")),
    WAF_SOURCE + " EntityName (CreateWebACLRequest.Name, Rule.Name)",
    bad={"rules[0].name": "King's Lynn rate limit"}, good={"rules[0].name": "kings-lynn-rate-limit"},
)
WAF_METRICS = _rule(
    "AWS-DEP-026", "WAF metric names: 1-128 of letters, digits and _#:.-/",
    WEB_ACL, ["visibilityConfig.metricName", "rules[*].visibilityConfig.metricName"],
    all_of(length(1, 128), matches(r"[\w#:.\-/]+", "may contain only letters, digits and _#:.-/ (no spaces)")),
    WAF_SOURCE + " VisibilityConfig.MetricName",
    bad={"visibilityConfig.metricName": "nextcloud waf"}, good={"visibilityConfig.metricName": "nextcloud-waf"},
)

# --- CloudWatch, Secrets Manager, SNS, KMS, Backup ------------------------------------------

LOG_GROUP = _rule(
    "AWS-DEP-027", "CloudWatch log group name: 1-512 of letters, digits and ._-/#",
    ("aws:cloudwatch/logGroup:LogGroup",), ["name"],
    all_of(length(1, 512), matches(r"[.\-_/#A-Za-z0-9]+", "may contain only letters, digits and ._-/#")),
    BOTOCORE.format("logs 2014-03-28") + " CreateLogGroupRequest.logGroupName",
    bad={"name": "/councilkit/king's-lynn"}, good={"name": "/councilkit/kings-lynn"},
)
SECRET_CHARS = matches(r"[A-Za-z0-9/_+=.@-]+", "may contain only ASCII letters, digits and /_+=.@-")
SECRET_TEXT = Rule(
    "AWS-DEP-028", "Secrets Manager name (or prefix) of letters, digits and /_+=.@-, up to 512; description up to 2048",
    ("aws:secretsmanager/secret:Secret",), ("name", "namePrefix", "description"),
    _fields({"name": all_of(length(1, 512), SECRET_CHARS),
             "namePrefix": all_of(length(1, 512 - UNIQUE_SUFFIX), SECRET_CHARS),
             "description": length(0, 2048)}),
    BOTOCORE.format("secretsmanager 2017-10-17") + " CreateSecretRequest.Name, CreateSecretRequest.Description",
    bad={"namePrefix": "councilkit/king's-lynn/admin-password-"}, good={"namePrefix": "councilkit/kings-lynn/admin-password-"},
)
SNS_TOPIC = _rule(
    "AWS-DEP-029", "SNS topic name: 1-256 letters, digits, _ and - (FIFO topics end .fifo)",
    ("aws:sns/topic:Topic",), ["name"],
    matches(r"[A-Za-z0-9_-]{1,256}|[A-Za-z0-9_-]{1,251}\.fifo", "must be 1-256 letters, digits, _ and - (or end .fifo)"),
    BOTOCORE.format("sns 2010-03-31") + " CreateTopicInput.Name",
    bad={"name": "nextcloud alerts"}, good={"name": "nextcloud-alerts"},
)
ALIAS_TEXT = all_of(matches(r"alias/[a-zA-Z0-9:/_-]+", "must be alias/ followed by letters, digits and :/_-"),
                   refuses(r"^alias/aws/", "must not begin alias/aws/ (AWS managed keys)"))
KMS_ALIAS = Rule(
    "AWS-DEP-030", f"KMS alias: alias/ then letters, digits and :/_-, up to 256 (a prefix {256 - UNIQUE_SUFFIX}); not alias/aws/",
    ("aws:kms/alias:Alias",), ("name", "namePrefix"),
    _fields({"name": all_of(length(1, 256), ALIAS_TEXT), "namePrefix": all_of(length(1, 256 - UNIQUE_SUFFIX), ALIAS_TEXT)}),
    BOTOCORE.format("kms 2014-11-01") + " CreateAliasRequest.AliasName",
    bad={"namePrefix": "councilkit/kings-lynn-"}, good={"namePrefix": "alias/councilkit/kings-lynn-"},
)
ALARM_TEXT = Rule(
    "AWS-DEP-031", "CloudWatch alarm name up to 255 characters, description up to 1024",
    ("aws:cloudwatch/metricAlarm:MetricAlarm",), ("name", "alarmDescription"),
    _fields({"name": length(1, 255), "alarmDescription": length(0, 1024)}),
    BOTOCORE.format("cloudwatch 2010-08-01") + " PutMetricAlarmInput.AlarmName, PutMetricAlarmInput.AlarmDescription",
    bad={"alarmDescription": "x" * 1025}, good={"alarmDescription": "Database CPU above 80%"},
)
BACKUP_VAULT = _rule(
    "AWS-DEP-032", "AWS Backup vault name: 2-50 letters, digits, - and _",
    ("aws:backup/vault:Vault",), ["name"], matches(r"[a-zA-Z0-9\-_]{2,50}", "must be 2-50 letters, digits, - and _"),
    BOTOCORE.format("backup 2018-11-15") + " CreateBackupVaultInput.BackupVaultName",
    bad={"name": "kings.lynn.vault"}, good={"name": "kings-lynn-vault"},
)
BACKUP_RULE = _rule(
    "AWS-DEP-033", "AWS Backup rule names: 1-50 letters, digits and -_.",
    ("aws:backup/plan:Plan",), ["rules[*].ruleName"], matches(r"[a-zA-Z0-9\-_.]{1,50}", "must be 1-50 letters, digits and -_."),
    BOTOCORE.format("backup 2018-11-15") + " BackupRuleInput.RuleName",
    bad={"rules[0].ruleName": "daily at 02:00"}, good={"rules[0].ruleName": "daily-0200"},
)

# internal/service/s3/bucket.go validBucketName, for buckets outside us-east-1 (every UK region);
# us-east-1 is looser, so a name valid here is valid there too.
S3_BUCKET = _rule(
    "AWS-DEP-034", "S3 bucket name: 3-63 lowercase letters, digits, hyphens and single periods; not an IP address",
    ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"), ["bucket"],
    all_of(length(3, 63), matches(r"[0-9a-z.-]+", "may contain only lowercase letters, digits, hyphens and periods"),
           refuses(r"^(?:[0-9]{1,3}\.){3}[0-9]{1,3}$", "must not be formatted as an IP address"),
           refuses(r"^\.|\.$", "must not start or end with a period"), refuses(r"\.\.", "must not have two periods together")),
    f"{TF} internal/service/s3/bucket.go validBucketName",
    bad={"bucket": "Kings_Lynn.backups"}, good={"bucket": "kings-lynn.backups"},
)

# WAF sends its logs only to a destination whose name starts aws-waf-logs- (botocore wafv2
# 2019-07-29, PutLoggingConfiguration: "The name that you give the destination must start with
# aws-waf-logs-"): a CloudWatch log group, an S3 bucket or a Firehose delivery stream.
WAF_LOG_PREFIX = "aws-waf-logs-"
WAF_DESTINATION_NAME = (
    (re.compile(r"^arn:aws[a-z-]*:logs:[^:]*:[^:]*:log-group:([^:]+)(:\*)?$"), "log group"),
    (re.compile(r"^arn:aws[a-z-]*:s3:::([^/]+)$"), "bucket"),
    (re.compile(r"^arn:aws[a-z-]*:firehose:[^:]*:[^:]*:deliverystream/(.+)$"), "delivery stream"),
)


def _waf_log_destination(inputs: Mapping[str, Any], related: Related) -> Iterable[Problem]:
    destinations = value_at(inputs, "logDestinationConfigs")
    for i, arn in enumerate(destinations if isinstance(destinations, list) else []):
        for pattern, what in WAF_DESTINATION_NAME:
            found = pattern.match(arn) if isinstance(arn, str) else None
            if found and not found.group(1).startswith(WAF_LOG_PREFIX):
                yield Problem(f"logDestinationConfigs[{i}]", arn,
                              f"WAF logs only to a {what} named {WAF_LOG_PREFIX}*, not {found.group(1)!r}")
    group = related("logDestinationConfigs", "aws:cloudwatch/logGroup:LogGroup")
    name = value_at(group, "name") if group else None
    if isinstance(name, str) and not unknown(name) and not name.startswith(WAF_LOG_PREFIX):
        yield Problem("logDestinationConfigs", name,
                      f"its log group is named {name!r}; WAF logs only to a log group named {WAF_LOG_PREFIX}*")


WAF_LOG_DESTINATION = Rule(
    "AWS-DEP-036", "WAF logging destination (log group, bucket or delivery stream) is named aws-waf-logs-*",
    ("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",), ("logDestinationConfigs",),
    _waf_log_destination,
    BOTOCORE.format("wafv2 2019-07-29") + " PutLoggingConfiguration (documentation: \"The name that you give "
    "the destination must start with aws-waf-logs-\")",
    bad={"logDestinationConfigs[0]": "arn:aws:s3:::council-waf"},
    good={"logDestinationConfigs[0]": "arn:aws:s3:::aws-waf-logs-council"},
    scope="stack",
)


RULES: tuple[Rule, ...] = (
    SG_RULE_DESCRIPTION, SG_DESCRIPTION, SG_NAME, SG_STANDALONE_RULE,
    LB_NAME, LB_NAME_PREFIX, TG_NAME, TG_NAME_PREFIX,
    ROLE_NAME, ROLE_NAME_PREFIX, ROLE_DESCRIPTION,
    ECS_NAMES, FARGATE_SIZE,
    RDS_CLASS, RDS_INSIGHTS, FINAL_SNAPSHOT, RDS_IDENTIFIER, RDS_FAMILY,
    CACHE_TOKEN_TLS, CACHE_TOKEN, CACHE_FAMILY,
    SCHEDULE_EXPRESSION, SCHEDULE_TEXT,
    WAF_CAPACITY, WAF_RATE_LIMIT, WAF_NAMES, WAF_METRICS,
    LOG_GROUP, SECRET_TEXT, SNS_TOPIC, KMS_ALIAS, ALARM_TEXT, BACKUP_VAULT, BACKUP_RULE, S3_BUCKET,
    WAF_LOG_DESTINATION,
)
