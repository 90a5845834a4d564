"""Database: RDS for the blueprint's engine, encrypted, private and TLS-only.

Production: Multi-AZ, deletion protection, a final snapshot on delete, 14+ days of backups and
Performance Insights. Trial: single AZ, 7 days of backups, deletable in one command.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from councilkit.blueprints.deployment import Deployment

from .settings import DATABASE_BACKUP_DAYS, final_snapshot_id

# Neutral sizes → RDS classes (Graviton burstable/general purpose; PI needs medium or larger).
INSTANCE_CLASS = {"small": "db.t4g.micro", "medium": "db.t4g.medium", "large": "db.m7g.large"}
PORT = {"postgres": 5432, "mysql": 3306, "mariadb": 3306}
# Parameter group family and the parameter that refuses unencrypted connections.
FAMILY = {"postgres": "postgres{major}", "mysql": "mysql{version}", "mariadb": "mariadb{version}"}
FORCE_TLS = {"postgres": ("rds.force_ssl", "1"), "mysql": ("require_secure_transport", "1"),
             "mariadb": ("require_secure_transport", "1")}
LOG_EXPORTS = {"postgres": ["postgresql", "upgrade"], "mysql": ["error", "slowquery"],
               "mariadb": ["error", "slowquery"]}
PRODUCTION_BACKUP_DAYS = DATABASE_BACKUP_DAYS["production"]
TRIAL_BACKUP_DAYS = DATABASE_BACKUP_DAYS["trial"]


@dataclass
class DatabaseArgs:
    deployment: Deployment
    subnet_ids: list[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    password: pulumi.Input[str]


class Database(pulumi.ComponentResource):
    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:aws:Database", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        d = args.deployment
        db = d.blueprint.database
        size = d.sizes.database
        self.port = PORT[db.engine]
        family = FAMILY[db.engine].format(major=db.version.split(".")[0], version=db.version)
        tls_name, tls_value = FORCE_TLS[db.engine]
        parameters = {tls_name: tls_value, **db.parameters}
        subnets = aws.rds.SubnetGroup(f"{name}-subnets", subnet_ids=args.subnet_ids, opts=child)
        params = aws.rds.ParameterGroup(
            f"{name}-params",
            family=family,
            parameters=[
                aws.rds.ParameterGroupParameterArgs(name=k, value=v, apply_method="pending-reboot")
                for k, v in sorted(parameters.items())
            ],
            opts=child,
        )
        prod = d.production
        self.instance = aws.rds.Instance(
            f"{name}-db",
            engine=db.engine,
            engine_version=db.version,
            instance_class=INSTANCE_CLASS[size.size],
            allocated_storage=size.storage_gib,
            max_allocated_storage=size.storage_gib * 2,
            storage_type="gp3",
            storage_encrypted=True,
            db_name=db.name,
            username=db.user,
            password=args.password,
            port=self.port,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[args.security_group_id],
            parameter_group_name=params.name,
            publicly_accessible=False,
            multi_az=prod,
            deletion_protection=prod,
            skip_final_snapshot=not prod,
            final_snapshot_identifier=final_snapshot_id(d) if prod else None,
            backup_retention_period=PRODUCTION_BACKUP_DAYS if prod else TRIAL_BACKUP_DAYS,
            backup_window="01:00-02:00",
            maintenance_window="sun:03:00-sun:04:00",
            copy_tags_to_snapshot=True,
            auto_minor_version_upgrade=True,
            performance_insights_enabled=prod,
            performance_insights_retention_period=7 if prod else None,
            enabled_cloudwatch_logs_exports=LOG_EXPORTS[db.engine],
            ca_cert_identifier="rds-ca-rsa2048-g1",
            apply_immediately=not prod,
            opts=child,
        )
        self.register_outputs({"address": self.instance.address})
