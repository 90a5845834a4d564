"""Service: the app's processes on ECS Fargate, with logs and least-privilege roles.

- web: an ECS service behind the load balancer (replicas from the tier; ≥2 in production),
  rolled back automatically if a new version fails its health checks.
- cron: a task definition run by EventBridge Scheduler on the blueprint's schedule.
- service: an ECS service other containers reach by name through a private Cloud Map
  namespace (`${service.NAME}` in a blueprint becomes `NAME.<namespace>:PORT`).
- worker: an ECS service with no load balancer.
- singleton: never two copies, even during a rollout (stop the old task, then start the new).
Production tasks run in private subnets with no public IP; trials run on Fargate Spot.
The execution role may read only this deployment's secrets, log group and image repository; the
task role may only mount this deployment's file system through its access points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from councilkit.blueprints.deployment import Deployment
from councilkit.blueprints.model import Container
from councilkit.stacks.spec import mounts_of, render_env, size_of

from . import iam
from .fargate import task_size
from .schedule import aws_cron


# ECS container health check limits (ECS API HealthCheck, botocore ecs model): interval 5-300 s,
# timeout 2-60 s, retries 1-10, startPeriod 0-300 s.
START_PERIOD_MAX = 300
INTERVAL_RANGE = (5, 300)
RETRIES_RANGE = (1, 10)
HEALTHY_RETRIES = 3
# Scheduler retry policy (Scheduler API RetryPolicy: attempts 0-185, event age 60-86400 s): a few
# attempts within 5 minutes, the shortest interval of any blueprint's schedule.
SCHEDULE_RETRIES = 3
SCHEDULE_MAX_AGE_SECONDS = 300
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600  # SQS maximum (MessageRetentionPeriod 60-1209600)


def health_timing(grace_seconds: int, interval_seconds: int) -> dict:
    """startPeriod, interval and retries such that a container is never declared unhealthy
    before the blueprint's grace has passed (startPeriod + retries x interval >= grace), though
    ECS caps startPeriod at 300 s: a first Nextcloud install asks for 600 s.

    Raises ValueError when no allowed combination covers the grace (over 300 + 10 x 300 s).
    """
    start = min(grace_seconds, START_PERIOD_MAX)
    interval = min(max(interval_seconds, INTERVAL_RANGE[0]), INTERVAL_RANGE[1])
    retries = HEALTHY_RETRIES
    remaining = grace_seconds - start
    if start + retries * interval < grace_seconds:
        retries = min(RETRIES_RANGE[1], -(-remaining // interval))
    if start + retries * interval < grace_seconds:
        interval = min(INTERVAL_RANGE[1], -(-remaining // retries))
    if start + retries * interval < grace_seconds:
        raise ValueError(f"a grace of {grace_seconds} s is longer than an ECS container health check can wait "
                         f"({START_PERIOD_MAX} + {RETRIES_RANGE[1]} x {INTERVAL_RANGE[1]} s)")
    return {"startPeriod": start, "interval": interval, "retries": retries}


def scratch_volumes(container: Container) -> list[tuple[str, str]]:
    """(volume name, path) of a read-only container's writable paths: ECS bind mounts with no
    host, i.e. empty directories on the task's ephemeral storage (ECS developer guide, "Bind
    mount examples": "To provide an empty data volume")."""
    return [(f"scratch-{i}", path) for i, path in enumerate(container.writable_paths)] if container.read_only_root else []


def _tasks_of_cluster(cluster_arn: str) -> str:
    """arn:aws:ecs:R:A:cluster/NAME → arn:aws:ecs:R:A:task/NAME/* (the ECS task ARN format)."""
    return cluster_arn.replace(":cluster/", ":task/", 1) + "/*"


def host_header_check(container: Container, domain: str) -> dict:
    """A container health check that sends the site's Host, for apps the ALB cannot check
    properly (see edge.alb_matcher). curl ships in the official php/* based images."""
    hc = container.health_check
    url = f"http://localhost:{container.port}{hc.path}"
    return {
        "command": ["CMD-SHELL", f"curl -fsS -o /dev/null -H 'Host: {domain}' {url} || exit 1"],
        "timeout": 10,
        **health_timing(hc.grace_seconds, hc.interval_seconds),
    }


@dataclass
class ServiceArgs:
    deployment: Deployment
    subnet_ids: list[pulumi.Input[str]]
    assign_public_ip: bool
    security_group_id: pulumi.Input[str]
    target_group_arn: pulumi.Input[str]
    log_retention_days: int
    secret_env: dict[str, pulumi.Input[str]]
    """env name → Secrets Manager ARN, for every container (database, cache)."""
    blueprint_secret_arns: dict[str, pulumi.Input[str]]
    """blueprint secret name → ARN, injected where a container's secret_env asks."""
    extra_env: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    file_system: aws.efs.FileSystem | None = None
    access_points: dict[str, aws.efs.AccessPoint] = field(default_factory=dict)
    registry: object | None = None
    vpc_id: pulumi.Input[str] | None = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)
    kms_key_arn: pulumi.Input[str] | None = None
    """the stack's key: logs are encrypted with it, and secrets encrypted with it are decrypted"""
    alert_topic_arn: pulumi.Input[str] | None = None


class Service(pulumi.ComponentResource):
    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:aws:Service", name, None, opts)
        self._name = name
        self._args = args
        child = pulumi.ResourceOptions(parent=self)
        self._child = child
        d = args.deployment
        self.cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            # No fixed name: Pulumi's auto-name (resource name + random suffix) lets a
            # replacement cluster exist beside the old one while services move.
            # Container Insights' metrics are billed as custom metrics (ECS developer guide,
            # "Container Insights"): worth it for production, not for a 30-day single-replica trial,
            # whose logs and the service's own CPU/memory metrics (free) still reach CloudWatch.
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights",
                                                 value="enabled" if d.production else "disabled")],
            opts=child,
        )
        # Services and schedules name FARGATE/FARGATE_SPOT, which the cluster accepts only once
        # this is in place: they depend on it (the review saw services race it).
        self.capacity = aws.ecs.ClusterCapacityProviders(
            f"{name}-capacity",
            cluster_name=self.cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            opts=child,
        )
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=f"/councilkit/{d.stack_name}", retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn, opts=child,
        )
        self.namespace = None
        self.service_addresses: dict[str, str] = {}
        internal = [c for c in d.blueprint.containers if c.role == "service"]
        if internal:
            namespace = f"{d.app_id}.internal"
            self.namespace = aws.servicediscovery.PrivateDnsNamespace(
                f"{name}-namespace", name=namespace, vpc=args.vpc_id,
                description=f"internal services of {d.app_id}", opts=child,
            )
            self.service_addresses = {c.name: f"{c.name}.{namespace}:{c.port}" for c in internal}
        self.execution_role = self._execution_role()
        self.task_role = self._task_role()
        self.schedule_group = None
        self.dead_letters = None
        self.task_definitions: dict[str, aws.ecs.TaskDefinition] = {}
        self.services: dict[str, aws.ecs.Service] = {}
        for container in d.blueprint.containers:
            task = self._task_definition(container)
            self.task_definitions[container.name] = task
            if container.role == "cron":
                self._schedule(container, task)
            else:
                self._service(container, task)
        self.register_outputs({"cluster": self.cluster.name, "log_group": self.log_group.name})

    # --- roles -------------------------------------------------------------------------------
    def _execution_role(self) -> aws.iam.Role:
        a = self._args
        secret_arns = [arn for _, arn in sorted({**a.secret_env, **a.blueprint_secret_arns}.items())]
        statements = [
            iam.allow(["logs:CreateLogStream", "logs:PutLogEvents"], [pulumi.Output.concat(self.log_group.arn, ":*")]),
        ]
        if secret_arns:
            statements.append(iam.allow(["secretsmanager:GetSecretValue"], secret_arns))
            # Secrets encrypted with a customer-managed key also need kms:Decrypt on it (ECS
            # developer guide, "Required IAM permissions for Amazon ECS secrets").
            if a.kms_key_arn is not None:
                statements.append(iam.allow(["kms:Decrypt"], [a.kms_key_arn]))
        if a.registry is not None:
            statements.append(
                iam.allow(
                    ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                    [a.registry.repository.arn],
                )
            )
            # GetAuthorizationToken is account-wide by design: it takes no resource but "*".
            statements.append(iam.allow(["ecr:GetAuthorizationToken"], ["*"]))
        return iam.role(f"{self._name}-execution", "ecs-tasks.amazonaws.com", iam.document(*statements), self._child)

    def _task_role(self) -> aws.iam.Role:
        a = self._args
        policy = None
        if a.file_system is not None:
            policy = iam.document(
                {
                    **iam.allow(
                        ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"], [a.file_system.arn]
                    ),
                    "Condition": {
                        "ArnEquals": {
                            "elasticfilesystem:AccessPointArn": [ap.arn for _, ap in sorted(a.access_points.items())]
                        }
                    },
                }
            )
        return iam.role(f"{self._name}-task", "ecs-tasks.amazonaws.com", policy, self._child)

    # --- tasks -------------------------------------------------------------------------------
    def _container_definition(self, container: Container) -> dict:
        a = self._args
        d = a.deployment
        env = {**render_env(container, d, services=self.service_addresses), **a.extra_env}
        secrets = dict(a.secret_env)
        for env_name, secret_name in container.secret_env.items():
            secrets[env_name] = a.blueprint_secret_arns[secret_name]
        registry_url = a.registry.url if a.registry is not None else None
        image = (
            container.image
            if container.image
            else pulumi.Output.concat(registry_url, ":", container.build.tag)
        )
        definition = {
            "name": container.name,
            "image": image,
            "essential": True,
            "environment": [{"name": k, "value": v} for k, v in sorted(env.items())],
            "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(secrets.items())],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": self.log_group.name,
                    "awslogs-region": d.region,
                    "awslogs-stream-prefix": container.name,
                },
            },
            "mountPoints": [
                {"sourceVolume": f.name, "containerPath": f.path, "readOnly": False}
                for f in mounts_of(d, container)
            ] + [
                {"sourceVolume": name, "containerPath": path, "readOnly": False}
                for name, path in scratch_volumes(container)
            ],
        }
        if container.read_only_root:
            definition["readonlyRootFilesystem"] = True
        if container.port:
            definition["portMappings"] = [{"containerPort": container.port, "protocol": "tcp"}]
        if container.health_check and container.health_check.host_header:
            definition["healthCheck"] = host_header_check(container, d.domain)
        if container.command:
            definition["command"] = container.command
        if container.entrypoint:
            definition["entryPoint"] = container.entrypoint
        if container.user:
            definition["user"] = container.user
        return definition

    def _task_definition(self, container: Container) -> aws.ecs.TaskDefinition:
        a = self._args
        d = a.deployment
        size = size_of(d, container)
        cpu, memory = task_size(size.cpu, size.memory_gib)
        volumes = [
            aws.ecs.TaskDefinitionVolumeArgs(
                name=f.name,
                efs_volume_configuration=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationArgs(
                    file_system_id=a.file_system.id,
                    transit_encryption="ENABLED",
                    authorization_config=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationAuthorizationConfigArgs(
                        access_point_id=a.access_points[f.name].id, iam="ENABLED"
                    ),
                ),
            )
            for f in mounts_of(d, container)
        ] + [aws.ecs.TaskDefinitionVolumeArgs(name=name) for name, _ in scratch_volumes(container)]
        return aws.ecs.TaskDefinition(
            f"{self._name}-{container.name}",
            family=f"{d.stack_name}-{container.name}"[:255],
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(cpu),
            memory=str(memory),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            execution_role_arn=self.execution_role.arn,
            task_role_arn=self.task_role.arn,
            container_definitions=pulumi.Output.json_dumps([self._container_definition(container)]),
            volumes=volumes,
            opts=self._child,
        )

    def _network(self, args_cls):
        a = self._args
        return args_cls(
            subnets=a.subnet_ids, security_groups=[a.security_group_id], assign_public_ip=a.assign_public_ip
        )

    def _capacity(self, args_cls):
        provider = "FARGATE" if self._args.deployment.production else "FARGATE_SPOT"
        return [args_cls(capacity_provider=provider, weight=1)]

    def _service(self, container: Container, task: aws.ecs.TaskDefinition) -> None:
        a = self._args
        d = a.deployment
        replicas = size_of(d, container).replicas
        web = container.role == "web"
        registries = None
        if container.role == "service":
            discovery = aws.servicediscovery.Service(
                f"{self._name}-{container.name}",
                name=container.name,
                dns_config=aws.servicediscovery.ServiceDnsConfigArgs(
                    namespace_id=self.namespace.id,
                    routing_policy="MULTIVALUE",
                    dns_records=[aws.servicediscovery.ServiceDnsConfigDnsRecordArgs(ttl=10, type="A")],
                ),
                # Custom health checking (ECS reports task health), without failure_threshold:
                # pulumi-aws deprecates it ("no longer supported by AWS and the value is always set
                # to 1", pulumi_aws/servicediscovery/_inputs.py), and setting it warns on every plan.
                health_check_custom_config=aws.servicediscovery.ServiceHealthCheckCustomConfigArgs(),
                opts=self._child,
            )
            registries = aws.ecs.ServiceServiceRegistriesArgs(registry_arn=discovery.arn)
        # Never more tasks than asked: apps sharing code on EFS (Nextcloud) must not run two
        # versions side by side for long, so production replaces half at a time; a singleton
        # (a scheduler, a repository that cannot cluster) is stopped before its successor starts.
        min_healthy = 0 if (container.singleton or not d.production) else 50
        self.services[container.name] = aws.ecs.Service(
            f"{self._name}-{container.name}",
            cluster=self.cluster.arn,
            task_definition=task.arn,
            desired_count=replicas,
            capacity_provider_strategies=self._capacity(aws.ecs.ServiceCapacityProviderStrategyArgs),
            network_configuration=self._network(aws.ecs.ServiceNetworkConfigurationArgs),
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=a.target_group_arn, container_name=container.name, container_port=container.port
                )
            ] if web else None,
            service_registries=registries,
            health_check_grace_period_seconds=container.health_check.grace_seconds if web else None,
            deployment_minimum_healthy_percent=min_healthy,
            deployment_maximum_percent=100,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
            enable_execute_command=False,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            # `up` ends only when ECS reports the service steady (the circuit breaker rolls back a
            # version whose tasks keep failing, and Pulumi reports that as the update's error).
            wait_for_steady_state=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*a.depends_on, self.capacity]),
        )

    def _schedule_home(self):
        """The stack's schedule group (so alarms see only its schedules) and the dead-letter
        queue where a run that still fails after its retries is kept, made once."""
        if self.schedule_group is None:
            self.schedule_group = aws.scheduler.ScheduleGroup(f"{self._name}-schedules", opts=self._child)
            # SQS-managed encryption: the scheduler sends with its role and no key grant.
            self.dead_letters = aws.sqs.Queue(
                f"{self._name}-schedule-dead-letters",
                sqs_managed_sse_enabled=True,
                message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
                opts=self._child,
            )
        return self.schedule_group, self.dead_letters

    def _schedule(self, container: Container, task: aws.ecs.TaskDefinition) -> None:
        a = self._args
        d = a.deployment
        group, dead_letters = self._schedule_home()
        role = iam.role(
            f"{self._name}-{container.name}-scheduler",
            "scheduler.amazonaws.com",
            iam.document(
                {
                    **iam.allow(["ecs:RunTask"], [task.arn_without_revision.apply(lambda arn: f"{arn}:*")]),
                    "Condition": {"ArnLike": {"ecs:cluster": self.cluster.arn}},
                },
                # RunTask with propagateTags/managed tags tags the new task, which ECS authorises
                # as ecs:TagResource (ECS developer guide, "Grant permission to tag resources on
                # creation": condition ecs:CreateAction = RunTask). Without it no run starts.
                {
                    **iam.allow(["ecs:TagResource"], [self.cluster.arn.apply(_tasks_of_cluster)]),
                    "Condition": {"StringEquals": {"ecs:CreateAction": "RunTask"}},
                },
                iam.allow(["iam:PassRole"], [self.execution_role.arn, self.task_role.arn]),
                # EventBridge Scheduler sends undeliverable runs to the DLQ with this role
                # (Scheduler user guide, "Configuring a dead-letter queue": sqs:SendMessage).
                iam.allow(["sqs:SendMessage"], [dead_letters.arn]),
            ),
            self._child,
        )
        aws.scheduler.Schedule(
            f"{self._name}-{container.name}",
            group_name=group.name,
            schedule_expression=aws_cron(container.schedule),
            schedule_expression_timezone="UTC",
            flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
            description=f"{d.app_id} {container.name} ({container.schedule} UTC)",
            target=aws.scheduler.ScheduleTargetArgs(
                arn=self.cluster.arn,
                role_arn=role.arn,
                ecs_parameters=aws.scheduler.ScheduleTargetEcsParametersArgs(
                    task_definition_arn=task.arn_without_revision,
                    task_count=1,
                    capacity_provider_strategies=self._capacity(
                        aws.scheduler.ScheduleTargetEcsParametersCapacityProviderStrategyArgs
                    ),
                    network_configuration=self._network(
                        aws.scheduler.ScheduleTargetEcsParametersNetworkConfigurationArgs
                    ),
                    propagate_tags="TASK_DEFINITION",
                    enable_ecs_managed_tags=True,
                ),
                # A run whose RunTask call fails (Spot capacity, throttling) is retried for a
                # few minutes, never into the next run's slot; then it goes to the DLQ.
                retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                    maximum_retry_attempts=SCHEDULE_RETRIES, maximum_event_age_in_seconds=SCHEDULE_MAX_AGE_SECONDS
                ),
                dead_letter_config=aws.scheduler.ScheduleTargetDeadLetterConfigArgs(arn=dead_letters.arn),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*a.depends_on, self.capacity]),
        )
