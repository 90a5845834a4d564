"""Monthly cost of AWS resources in a plan (prices: prices/aws-<region>.yaml, usage: usage.yaml)."""

from __future__ import annotations

import re
from decimal import Decimal

from councilkit.stacks.cost.model import DAYS_PER_MONTH, Free, Line, Unpriced
from councilkit.stacks.cost.pricing import Context, get, runs_per_month
from councilkit.stacks.plan import refers_to

PRICERS: dict = {}
FREE = {
    "aws:ec2/vpc:Vpc": "no charge for a VPC",
    "aws:ec2/subnet:Subnet": "no charge for subnets",
    "aws:ec2/routeTable:RouteTable": "no charge for route tables",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "no charge",
    "aws:ec2/internetGateway:InternetGateway": "no charge for an internet gateway",
    "aws:ec2/securityGroup:SecurityGroup": "no charge for security groups",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "no charge for security groups",
    "aws:ec2/securityGroupRule:SecurityGroupRule": "no charge for security groups",
    "aws:ec2/flowLog:FlowLog": "billed as log ingestion on its log group",
    "aws:iam/role:Role": "IAM is free",
    "aws:iam/rolePolicy:RolePolicy": "IAM is free",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "IAM is free",
    "aws:iam/policy:Policy": "IAM is free",
    "aws:ecs/taskDefinition:TaskDefinition": "billed through the services and schedules that run it",
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": "no charge",
    "aws:acm/certificate:Certificate": "public ACM certificates are free",
    "aws:acm/certificateValidation:CertificateValidation": "no charge",
    "aws:lb/targetGroup:TargetGroup": "included in the load balancer",
    "aws:lb/listener:Listener": "included in the load balancer",
    "aws:efs/mountTarget:MountTarget": "no charge for mount targets",
    "aws:efs/accessPoint:AccessPoint": "no charge for access points",
    "aws:efs/fileSystemPolicy:FileSystemPolicy": "no charge",
    "aws:rds/subnetGroup:SubnetGroup": "no charge",
    "aws:rds/parameterGroup:ParameterGroup": "no charge",
    "aws:elasticache/subnetGroup:SubnetGroup": "no charge",
    "aws:elasticache/parameterGroup:ParameterGroup": "no charge",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "included in the bucket",
    "aws:s3/bucketPolicy:BucketPolicy": "included in the bucket",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "SSE-S3 is free",
    "aws:s3/bucketVersioning:BucketVersioning": "included in the bucket (versions are stored GB)",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "included in the bucket",
    "aws:sns/topic:Topic": "the first 1,000 e-mail notifications a month are free",
    "aws:sns/topicSubscription:TopicSubscription": "no charge",
    "aws:budgets/budget:Budget": "budgets without actions are free",
    "aws:backup/vault:Vault": "backup storage is priced per protected resource, on the backup selection",
    "aws:backup/plan:Plan": "backup storage is priced per protected resource, on the backup selection",
    "aws:wafv2/webAclAssociation:WebAclAssociation": "included in the web ACL",
    "aws:secretsmanager/secretVersion:SecretVersion": "included in the secret",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": "no charge",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "no charge for security groups",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "no charge for security groups",
    "aws:scheduler/scheduleGroup:ScheduleGroup": "no charge for schedule groups",
    "aws:kms/alias:Alias": "included in the key",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": "billed as log ingestion on its log group",
    "aws:sqs/queue:Queue": ("no standing charge (SQS bills requests); the dead-letter queue receives a "
                            "message only when a scheduled run fails"),
}
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
# EventBridge Scheduler expressions (Scheduler user guide, "Schedule types"): cron(6 fields) or
# rate(value unit) with unit minute(s), hour(s) or day(s).
AWS_CRON = re.compile(r"^cron\((.+)\)$")
AWS_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
PER_DAY = {"minute": Decimal(1440), "hour": Decimal(24), "day": Decimal(1)}


def scheduler_runs_per_month(expression: str) -> Decimal:
    """Runs a month of an EventBridge Scheduler expression: rate(...) by its unit, cron(...) by
    reading it back as the blueprint's 5-field cron (schedule.blueprint_cron)."""
    from .schedule import blueprint_cron

    text = expression.strip()
    rate = AWS_RATE.match(text)
    if rate:
        return PER_DAY[rate.group(2).rstrip("s")] / int(rate.group(1)) * DAYS_PER_MONTH
    if not AWS_CRON.match(text):
        return runs_per_month(text)
    try:
        five = blueprint_cron(text)
    except ValueError:
        raise Unpriced(f"cannot read how often {expression!r} runs") from None
    return runs_per_month(five)


def prices(*types: str):
    def register(fn):
        for type_ in types:
            PRICERS[type_] = fn
        return fn

    return register


def _gb(ctx: Context, key: str) -> str:
    return f"assumes {ctx.use(key).normalize():f} GB a month"


# --- compute -----------------------------------------------------------------------------------


def _task_size(task) -> tuple[Decimal, Decimal, str]:
    """(vCPU, GB, x86|arm) of a Fargate task definition."""
    try:
        cpu = Decimal(str(task.inputs["cpu"])) / 1024
        memory = Decimal(str(task.inputs["memory"])) / 1024
    except (KeyError, ArithmeticError, ValueError):
        raise Unpriced(f"task definition {task.name} has no task-level cpu and memory") from None
    arch = get(task.inputs, "runtimePlatform.cpuArchitecture", "X86_64")
    return cpu, memory, "arm" if arch == "ARM64" else "x86"


def _capacity(inputs, strategies_path: str) -> list[tuple[str, Decimal]]:
    """[(price prefix, share of tasks)] from a capacity provider strategy (or plain FARGATE)."""
    strategies = get(inputs, strategies_path) or []
    weights = [(s.get("capacityProvider"), Decimal(str(s.get("weight", 1) or 0))) for s in strategies]
    weights = [(p, w) for p, w in weights if w > 0] or [("FARGATE", Decimal(1))]
    total = sum(w for _, w in weights)
    names = {"FARGATE": "fargate", "FARGATE_SPOT": "fargate.spot"}
    out = []
    for provider, weight in weights:
        if provider not in names:
            raise Unpriced(f"capacity provider {provider} is not Fargate")
        out.append((names[provider], weight / total))
    return out


def _fargate_lines(ctx: Context, r, task, task_hours: Decimal, what: str, assumption: str | None,
                   strategies_path: str, public_ip: bool) -> list[Line]:
    cpu, memory, arch = _task_size(task)
    lines = []
    for prefix, share in _capacity(r.inputs, strategies_path):
        hours = task_hours * share
        label = "Fargate Spot" if "spot" in prefix else "Fargate"
        note = assumption
        if "spot" in prefix:
            note = "; ".join(x for x in (assumption, "Fargate Spot at a typical price (spot prices vary)") if x)
        lines.append(ctx.line(r, f"{label} vCPU ({what}, {cpu.normalize():f} vCPU)", hours * cpu,
                              f"{prefix}.{arch}.vcpu_hour", note))
        lines.append(ctx.line(r, f"{label} memory ({what}, {memory.normalize():f} GB)", hours * memory,
                              f"{prefix}.{arch}.gb_hour", note))
    if public_ip:
        lines.append(ctx.line(r, f"public IPv4 address ({what})", task_hours, "public_ipv4.hour", assumption))
    return lines


@prices("aws:ecs/service:Service")
def ecs_service(r, ctx: Context) -> list[Line]:
    task = ctx.find(TASK_DEFINITION, r.inputs.get("taskDefinition"))
    if task is None:
        raise Unpriced("its task definition is not in the plan")
    if r.inputs.get("launchType") not in (None, "FARGATE"):
        raise Unpriced(f"launch type {r.inputs.get('launchType')} is not priced (Fargate only)")
    count = int(r.inputs.get("desiredCount", 1) or 0)
    public = get(r.inputs, "networkConfiguration.assignPublicIp") is True
    return _fargate_lines(ctx, r, task, ctx.hours * count, f"{count} task{'s' if count != 1 else ''} always on",
                          None, "capacityProviderStrategies", public)


@prices("aws:scheduler/schedule:Schedule")
def schedule(r, ctx: Context) -> list[Line]:
    ecs = get(r.inputs, "target.ecsParameters")
    runs = scheduler_runs_per_month(str(r.inputs.get("scheduleExpression", "")))
    lines = [ctx.line(r, "scheduler invocations", runs / Decimal(1_000_000), "scheduler.invocations_million")]
    if not ecs:
        return lines
    task = ctx.find(TASK_DEFINITION, ecs.get("taskDefinitionArn"))
    if task is None:
        raise Unpriced("its task definition is not in the plan")
    seconds = max(Decimal(60), ctx.use("cron_run_seconds"))  # Fargate bills at least one minute
    count = int(ecs.get("taskCount", 1) or 1)
    hours = runs * count * seconds / 3600
    assumption = f"assumes each scheduled run lasts {seconds.normalize():f} s ({runs:.0f} runs a month)"
    public = get(ecs, "networkConfiguration.assignPublicIp") is True
    return lines + _fargate_lines(ctx, r, task, hours, "scheduled runs", assumption,
                                  "target.ecsParameters.capacityProviderStrategies", public)


# --- data --------------------------------------------------------------------------------------


@prices("aws:rds/instance:Instance")
def rds_instance(r, ctx: Context) -> list[Line]:
    engine, cls = r.inputs.get("engine"), r.inputs.get("instanceClass")
    multi = r.inputs.get("multiAz") is True
    az = "multi_az." if multi else ""
    lines = [ctx.line(r, f"{cls} {'Multi-AZ' if multi else 'single-AZ'} ({engine})", ctx.hours,
                      f"rds.{engine}.{az}{cls}")]
    storage_type = r.inputs.get("storageType", "gp3")
    if storage_type != "gp3":
        raise Unpriced(f"storage type {storage_type} is not priced (gp3 only)")
    gb = Decimal(str(r.inputs.get("allocatedStorage", 20)))
    lines.append(ctx.line(r, f"gp3 storage ({gb:f} GB{', two copies' if multi else ''})", gb, f"rds.gp3.{az}gb_month",
                          "storage as allocated (autoscaling can grow it); backups up to its size are free"))
    return lines


@prices("aws:elasticache/replicationGroup:ReplicationGroup")
def elasticache(r, ctx: Context) -> list[Line]:
    engine = r.inputs.get("engine", "redis")
    node = r.inputs.get("nodeType")
    if r.inputs.get("numNodeGroups"):
        nodes = int(r.inputs["numNodeGroups"]) * (int(r.inputs.get("replicasPerNodeGroup", 0)) + 1)
    else:
        nodes = int(r.inputs.get("numCacheClusters", 1) or 1)
    return [ctx.line(r, f"{node} × {nodes} node{'s' if nodes > 1 else ''} ({engine})", ctx.hours * nodes,
                     f"elasticache.{engine}.{node}")]


@prices("aws:efs/fileSystem:FileSystem")
def efs(r, ctx: Context) -> list[Line]:
    lines = [ctx.line(r, "EFS Standard storage", ctx.use("efs_gb"), "efs.standard.gb_month",
                      f"{_gb(ctx, 'efs_gb')} stored, all in Standard (files moved to IA cost less)")]
    if r.inputs.get("throughputMode") == "elastic":
        lines.append(ctx.line(r, "EFS Elastic throughput reads", ctx.use("efs_read_gb"), "efs.elastic.read_gb",
                              f"assumes {ctx.use('efs_read_gb').normalize():f} GB read a month"))
        lines.append(ctx.line(r, "EFS Elastic throughput writes", ctx.use("efs_write_gb"), "efs.elastic.write_gb",
                              f"assumes {ctx.use('efs_write_gb').normalize():f} GB written a month"))
    elif r.inputs.get("throughputMode") == "provisioned":
        raise Unpriced("provisioned throughput is not priced")
    return lines


@prices("aws:efs/backupPolicy:BackupPolicy")
def efs_backup_policy(r, ctx: Context) -> list[Line]:
    if get(r.inputs, "backupPolicy.status") != "ENABLED":
        raise Free("automatic backups are off")
    return [ctx.line(r, "EFS automatic backups (AWS Backup warm storage)", ctx.use("efs_gb"), "backup.efs.gb_month",
                     f"assumes the automatic backups hold about one copy of the files ({ctx.use('efs_gb').normalize():f} GB)")]


@prices("aws:backup/selection:Selection")
def backup_selection(r, ctx: Context) -> list[Line]:
    lines = []
    for arn in r.inputs.get("resources") or []:
        service = str(arn).split(":")[2] if str(arn).count(":") >= 2 else ""
        if service == "rds":
            key, use = "backup.rds.gb_month", "backup_rds_gb"
        elif service == "elasticfilesystem":
            key, use = "backup.efs.gb_month", "backup_efs_gb"
        else:
            raise Unpriced(f"backups of {arn} are not priced")
        lines.append(ctx.line(r, f"AWS Backup storage of {str(arn).rsplit('/', 1)[-1]}", ctx.use(use), key,
                              f"assumes {ctx.use(use).normalize():f} GB of {service} backups kept (daily and monthly, incremental)"))
    return lines


@prices("aws:secretsmanager/secret:Secret")
def secret(r, ctx: Context) -> list[Line]:
    return [ctx.line(r, "secret", 1, "secretsmanager.secret_month")]


@prices("aws:kms/key:Key")
def kms_key(r, ctx: Context) -> list[Line]:
    return [ctx.line(r, "customer managed key", 1, "kms.key_month")]


@prices("aws:ecr/repository:Repository")
def ecr(r, ctx: Context) -> list[Line]:
    return [ctx.line(r, "image storage", ctx.use("ecr_gb"), "ecr.gb_month", f"{_gb(ctx, 'ecr_gb')} of images kept")]


@prices("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
def bucket(r, ctx: Context) -> list[Line]:
    if _builds_from(ctx, r):
        return [ctx.line(r, "S3 Standard storage (image build inputs)", ctx.use("image_source_gb"),
                         "s3.standard.gb_month", f"{_gb(ctx, 'image_source_gb')} of build inputs, kept days not months")]
    return [ctx.line(r, "S3 Standard storage", ctx.use("s3_gb"), "s3.standard.gb_month", f"{_gb(ctx, 's3_gb')} stored")]


# --- image builds ------------------------------------------------------------------------------

CODEBUILD_PROJECT = "aws:codebuild/project:Project"


def _builds_from(ctx: Context, bucket) -> bool:
    """Whether a CodeBuild project takes its S3 source ("<bucket>/<key>") from this bucket."""
    return any(get(p.inputs, "source.type") == "S3"
               and refers_to(str(get(p.inputs, "source.location", "")).split("/", 1)[0], bucket)
               for p in ctx.of_type(CODEBUILD_PROJECT))


def _build_log_group(ctx: Context, group) -> bool:
    return any(get(p.inputs, "logsConfig.cloudwatchLogs.groupName") == group.inputs.get("name")
               for p in ctx.of_type(CODEBUILD_PROJECT) if group.inputs.get("name"))


@prices(CODEBUILD_PROJECT)
def codebuild_project(r, ctx: Context) -> list[Line]:
    """On-demand CodeBuild bills build minutes by compute type; a project costs nothing idle."""
    env = get(r.inputs, "environment") or {}
    if env.get("type", "LINUX_CONTAINER") != "LINUX_CONTAINER":
        raise Unpriced(f"{env.get('type')} build environments are not priced (Linux containers only)")
    compute = str(env.get("computeType", "BUILD_GENERAL1_SMALL"))
    builds, minutes = ctx.use("image_builds"), ctx.use("image_build_minutes")
    return [ctx.line(r, f"build minutes ({compute}, Linux)", builds * minutes,
                     f"codebuild.linux.{compute.lower().removeprefix('build_')}.minute",
                     f"assumes {builds.normalize():f} image builds a month of {minutes.normalize():f} minutes each "
                     "(a new blueprint version or a rebuild)")]


# --- network -----------------------------------------------------------------------------------


@prices("aws:lb/loadBalancer:LoadBalancer")
def load_balancer(r, ctx: Context) -> list[Line]:
    if r.inputs.get("loadBalancerType", "application") != "application":
        raise Unpriced(f"{r.inputs.get('loadBalancerType')} load balancers are not priced")
    lcu = ctx.use("alb_lcu")
    lines = [
        ctx.line(r, "Application Load Balancer", ctx.hours, "alb.hour"),
        ctx.line(r, "load balancer capacity units", ctx.hours * lcu, "alb.lcu_hour", f"assumes {lcu.normalize():f} LCU on average"),
    ]
    if r.inputs.get("internal") is not True:
        azs = len(r.inputs.get("subnets") or []) or 2
        lines.append(ctx.line(r, f"public IPv4 addresses (one per AZ, {azs})", ctx.hours * azs, "public_ipv4.hour"))
    return lines


@prices("aws:ec2/natGateway:NatGateway")
def nat_gateway(r, ctx: Context) -> list[Line]:
    return [
        ctx.line(r, "NAT gateway", ctx.hours, "nat.hour"),
        ctx.line(r, "NAT data processed", ctx.use("nat_gb"), "nat.gb", f"{_gb(ctx, 'nat_gb')} through each NAT gateway"),
    ]


@prices("aws:ec2/eip:Eip")
def elastic_ip(r, ctx: Context) -> list[Line]:
    return [ctx.line(r, "public IPv4 address (Elastic IP)", ctx.hours, "public_ipv4.hour")]


@prices("aws:ec2/vpcEndpoint:VpcEndpoint")
def vpc_endpoint(r, ctx: Context) -> list[Line]:
    if r.inputs.get("vpcEndpointType", "Gateway") == "Gateway":
        raise Free("gateway endpoints (S3, DynamoDB) are free")
    azs = len(r.inputs.get("subnetIds") or []) or 1
    # "Data processing charges apply for each Gigabyte processed through the VPC endpoint
    # regardless of the traffic's source or destination" (aws.amazon.com/privatelink/pricing/):
    # one meter for both directions.
    return [ctx.line(r, f"interface endpoint ({azs} AZ)", ctx.hours * azs, "vpc_endpoint.interface.hour"),
            ctx.usage_line(r, "data processed (both directions)", "vpc_endpoint_gb", "vpc_endpoint.interface.gb",
                           "assumes {q} GB a month through the endpoint, in and out")]


@prices("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace")
def cloud_map_namespace(r, ctx: Context) -> list[Line]:
    return [ctx.line(r, "private DNS namespace (Route 53 private hosted zone)", 1, "route53.hosted_zone_month",
                     "DNS queries not included")]


@prices("aws:servicediscovery/service:Service")
def cloud_map_service(r, ctx: Context) -> list[Line]:
    """One registered instance per task of the ECS services that register with it."""
    tasks = sum(int(s.inputs.get("desiredCount", 1) or 0) for s in ctx.of_type("aws:ecs/service:Service")
                if ctx.find(r.type, get(s.inputs, "serviceRegistries.registryArn")) is r)
    if not tasks:
        raise Free("no task registers with it")
    return [ctx.line(r, f"registered instances ({tasks} task{'s' if tasks != 1 else ''})", tasks, "cloudmap.instance_month")]


@prices("aws:wafv2/webAcl:WebAcl")
def web_acl(r, ctx: Context) -> list[Line]:
    rules = len(r.inputs.get("rules") or [])
    return [
        ctx.line(r, "web ACL", 1, "waf.web_acl_month"),
        ctx.line(r, f"rules and managed rule groups ({rules})", rules, "waf.rule_month"),
        ctx.line(r, "requests inspected", ctx.use("waf_requests_million"), "waf.requests_million",
                 f"assumes {ctx.use('waf_requests_million').normalize():f} million requests a month"),
    ]


# --- monitoring --------------------------------------------------------------------------------


@prices("aws:cloudwatch/logGroup:LogGroup")
def log_group(r, ctx: Context) -> list[Line]:
    flow = any(str(f.inputs.get("logDestination", "")).rsplit("/", 1)[-1] == r.name or
               f.inputs.get("logGroupName") == r.inputs.get("name")
               for f in ctx.of_type("aws:ec2/flowLog:FlowLog"))
    key, use, what = ("cloudwatch.logs.vended_gb", "flow_logs_gb", "VPC flow logs") if flow else \
        ("cloudwatch.logs.ingest_gb", "app_logs_gb", "logs")
    if _build_log_group(ctx, r):
        use, what = "build_logs_gb", "image build logs"
    gb = ctx.use(use)
    days = int(r.inputs.get("retentionInDays") or 0)
    months = Decimal(days) / Decimal(30) if days else Decimal(12)
    kept = "kept forever: a year's worth assumed" if not days else f"kept {days} days"
    return [
        ctx.line(r, f"{what} ingested", gb, key, f"assumes {gb.normalize():f} GB of {what} a month"),
        ctx.line(r, f"{what} stored ({kept})", gb * months, "cloudwatch.logs.stored_gb_month",
                 f"assumes {gb.normalize():f} GB of {what} a month"),
    ]


@prices("aws:ecs/cluster:Cluster")
def ecs_cluster(r, ctx: Context) -> list[Line]:
    insights = any(s.get("name") == "containerInsights" and s.get("value") in ("enabled", "enhanced")
                   for s in r.inputs.get("settings") or [])
    if not insights:
        raise Free("an ECS cluster is free (Container Insights off)")
    gb = ctx.use("container_insights_gb")
    services = [s for s in ctx.of_type("aws:ecs/service:Service") if ctx.find(r.type, s.inputs.get("cluster")) is r]
    metrics = CONTAINER_INSIGHTS_METRICS * (1 + len(services))
    return [ctx.line(r, "Container Insights performance logs", gb, "cloudwatch.logs.ingest_gb",
                     f"assumes {gb.normalize():f} GB of Container Insights events a month"),
            ctx.line(r, f"Container Insights metrics (cluster and {len(services)} service"
                        f"{'s' if len(services) != 1 else ''})", metrics, "cloudwatch.custom_metric_month",
                     f"assumes {CONTAINER_INSIGHTS_METRICS} metrics for the cluster and for each service")]


# "Metrics collected by CloudWatch Container Insights are charged as custom metrics" (Amazon ECS
# developer guide, cloudwatch-container-insights). CloudWatch Application Insights lists 16 Amazon
# ECS Container Insights metric names (ContainerInstanceCount, CpuUtilized, CpuReserved,
# DeploymentCount, DesiredTaskCount, MemoryUtilized, MemoryReserved, NetworkRxBytes,
# NetworkTxBytes, PendingTaskCount, RunningTaskCount, ServiceCount, StorageReadBytes,
# StorageWriteBytes, TaskCount, TaskSetCount: docs.aws.amazon.com/AmazonCloudWatch/latest/
# monitoring/appinsights-metrics-ecs.html). Each name is a billed metric per dimension value; which
# names each dimension (cluster, service, task family) carries was not read, so the estimate
# assumes all 16 once for the cluster and once per service: an assumption, stated on the line.
CONTAINER_INSIGHTS_METRICS = 16


@prices("aws:cloudwatch/metricAlarm:MetricAlarm")
def alarm(r, ctx: Context) -> list[Line]:
    return [ctx.line(r, "alarm (standard resolution)", 1, "cloudwatch.alarm_month")]
