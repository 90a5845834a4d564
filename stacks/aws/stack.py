"""AWS: a Deployment as ECS Fargate behind an ALB, with RDS, EFS, ElastiCache and Secrets Manager.

Each concern is one ComponentResource (network, firewall, edge, service, files, database,
cache, secrets, monitoring, backup, registry); this module wires them together and returns the
typed StackOutputs. No per-app code: everything comes from the blueprint.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from councilkit.blueprints.deployment import Deployment
from councilkit.stacks.outputs import AdminCredentials, StackOutputs
from councilkit.stacks.spec import SecretSpec, blueprint_secrets

from .backup import Backup, BackupArgs
from .builder import Builder, BuilderArgs
from .cache import Cache, CacheArgs
from .cloud import read_secret_command
from .database import Database, DatabaseArgs
from .edge import Edge, EdgeArgs
from .files import Files, FilesArgs
from .firewall import Firewall, FirewallArgs
from .kms import StackKey, StackKeyArgs
from .monitoring import Monitoring, MonitoringArgs
from .network import Network, NetworkArgs
from .registry import Registry, RegistryArgs
from .secrets import Secrets, SecretsArgs
from .service import Service, ServiceArgs
from .settings import LOG_RETENTION_DAYS, MONTHLY_BUDGET_USD

DB_PASSWORD = "database-password"


def cache_token(cache) -> str:
    return f"{cache.name}-auth-token"


def _secret_specs(d: Deployment) -> list[SecretSpec]:
    bp = d.blueprint
    specs = blueprint_secrets(d)
    if bp.database:
        specs.append(SecretSpec(DB_PASSWORD, f"{bp.database.engine} password for {bp.database.user}", 40))
    for cache in d.caches:
        specs.append(SecretSpec(cache_token(cache), f"Redis AUTH token of {cache.name}", 64))
    return specs


def _one_off(d: Deployment, service: Service, subnets, security_group) -> dict:
    """How `councilkit up`/`upgrade` run install and upgrade steps once: an ECS RunTask of the
    named container's task definition with the command overridden, in the app's own network."""
    bp = d.blueprint
    steps = {"upgrade": bp.upgrade}
    if bp.install:
        steps["install"] = bp.install
    return {
        "cluster": service.cluster.name,
        "subnets": subnets,
        "security_groups": [security_group],
        "assign_public_ip": not d.production,
        **{
            kind: {
                "task_definition": service.task_definitions[s.container].arn,
                "container": s.container,
                "commands": s.commands,
            }
            for kind, s in steps.items()
        },
    }


def build(d: Deployment) -> StackOutputs:
    bp = d.blueprint
    provider = aws.Provider("aws", region=d.region)
    opts = pulumi.ResourceOptions(providers=[provider])
    retention = LOG_RETENTION_DAYS[d.tier]
    name = d.app_id

    key = StackKey(name, StackKeyArgs(d), opts).arn
    network = Network(name, NetworkArgs(d, retention, key), opts)
    web = bp.web
    db_port = {"postgres": 5432}.get(bp.database.engine, 3306) if bp.database else None
    firewall = Firewall(
        name,
        FirewallArgs(
            network.vpc.id, web.port, db_port, cache=bool(d.caches), files=bool(bp.files),
            internal_ports=[c.port for c in bp.containers if c.role == "service"],
        ),
        opts,
    )
    task_subnets = network.private_subnet_ids if d.production else network.public_subnet_ids
    secrets = Secrets(name, SecretsArgs(d, _secret_specs(d), key), opts)
    registry = Registry(name, RegistryArgs(d), opts) if any(c.build for c in bp.containers) else None
    builder = Builder(name, BuilderArgs(d, registry.repository, retention, key), opts) if registry else None

    secret_env: dict[str, pulumi.Input[str]] = {}
    extra_env: dict[str, pulumi.Input[str]] = {}
    waits_for: list[pulumi.Resource] = []
    database = None
    if bp.database:
        database = Database(
            name,
            DatabaseArgs(d, network.private_subnet_ids, firewall.database.id, secrets.values[DB_PASSWORD], key),
            opts,
        )
        env = bp.database.env
        # host_includes_port: the app reads the port from the host alone (WordPress).
        extra_env[env.host] = (pulumi.Output.concat(database.instance.address, f":{database.port}")
                               if env.host_includes_port else database.instance.address)
        if env.port:
            extra_env[env.port] = str(database.port)
        extra_env[env.name] = bp.database.name
        extra_env[env.user] = bp.database.user
        secret_env[env.password] = secrets.arns[DB_PASSWORD]
        waits_for.append(database)
    for spec in d.caches:
        cache = Cache(
            f"{name}-{spec.name}" if spec.name != "cache" else name,
            CacheArgs(d, spec, network.private_subnet_ids, firewall.cache.id, secrets.values[cache_token(spec)], key),
            opts,
        )
        env = spec.env
        extra_env[env.host] = pulumi.Output.concat(env.host_prefix, cache.group.primary_endpoint_address)
        if env.port:
            extra_env[env.port] = str(cache.port)
        if env.tls:
            extra_env[env.tls] = "true"
        if env.password:
            secret_env[env.password] = secrets.arns[cache_token(spec)]
        waits_for.append(cache)
    files = None
    if bp.files:
        files = Files(name, FilesArgs(d, network.private_subnet_ids, firewall.files.id, key), opts)
        waits_for.append(files)

    edge = Edge(
        name,
        EdgeArgs(d, network.vpc.id, network.public_subnet_ids, firewall.edge.id, web.port, retention, key),
        opts,
    )
    service = Service(
        name,
        ServiceArgs(
            deployment=d,
            subnet_ids=task_subnets,
            assign_public_ip=not d.production,
            security_group_id=firewall.tasks.id,
            target_group_arn=edge.target_group.arn,
            log_retention_days=retention,
            secret_env=secret_env,
            blueprint_secret_arns={s.name: secrets.arns[s.name] for s in bp.secrets},
            extra_env=extra_env,
            file_system=files.file_system if files else None,
            access_points=files.access_points if files else {},
            registry=registry,
            vpc_id=network.vpc.id,
            depends_on=[*waits_for, edge],
            kms_key_arn=key,
        ),
        opts,
    )
    Monitoring(
        name,
        MonitoringArgs(
            deployment=d,
            load_balancer_suffix=edge.load_balancer.arn_suffix,
            target_group_suffix=edge.target_group.arn_suffix,
            db_instance_id=database.instance.identifier if database else None,
            db_storage_gib=d.sizes.database.storage_gib if database else None,
            monthly_budget_usd=MONTHLY_BUDGET_USD[d.tier],
            kms_key_arn=key,
            schedule_group=service.schedule_group.name if service.schedule_group else None,
            dead_letter_queue=service.dead_letters.name if service.dead_letters else None,
        ),
        opts,
    )
    if d.production:
        protected = [r for r in (database and database.instance.arn, files and files.file_system.arn) if r]
        backup = Backup(name, BackupArgs(protected, key), opts)

    locations = {"secrets": f"AWS Secrets Manager, {d.region}", "logs": service.log_group.name}
    if database:
        locations["database"] = database.instance.address
    if files:
        locations["files"] = files.file_system.id
    details = {
        "load_balancer_dns": edge.load_balancer.dns_name,
        "cluster": service.cluster.name,
        "log_group": service.log_group.name,
    }
    if registry:
        details["image_repository"] = registry.url
    # What `destroy` keeps unless --delete-backups, by the names AWS knows them by.
    details["kms_key"] = key
    if database and database.final_snapshot is not None:
        details["final_snapshot"] = database.final_snapshot
    if d.production:
        details["backup_vault"] = backup.vault.name
        details["access_logs_bucket"] = edge.access_logs_bucket.bucket
        details["backup_role"] = backup.role.arn
    # What `councilkit backups | backup` asks RDS and AWS Backup about (stacks/aws/backups.py).
    if database:
        details["database_instance"] = database.instance.identifier
    if files:
        details["file_system_arn"] = files.file_system.arn
    if builder:
        details["image_builder"] = builder.project.name
        details["image_source_bucket"] = builder.bucket.id
    return StackOutputs(
        cloud="aws",
        region=d.region,
        url=f"https://{d.domain}",
        dns_records=edge.validation_records,
        admin_credentials=AdminCredentials(
            "AWS Secrets Manager", d.region, dict(secrets.arns), read_secret_command(d.region)
        ),
        one_off=_one_off(d, service, task_subnets, firewall.tasks.id),
        data_locations=locations,
        details=details,
    )
