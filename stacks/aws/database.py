"""Database: RDS for the blueprint's engine, encrypted, private and TLS-only.

Production: Multi-AZ, deletion protection, a final snapshot on delete, 14+ days of backups and
Performance Insights. Trial: single AZ, 7 days of backups, deletable in one command.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from councilkit.blueprints.deployment import Deployment

from . import iam
from .settings import DATABASE_BACKUP_DAYS, FINAL_SNAPSHOT_SUFFIX_BYTES, final_snapshot_prefix

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
# Enhanced monitoring (production): OS metrics every 60 s through the AWS-managed role policy
# (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html:
# trust monitoring.rds.amazonaws.com, attach AmazonRDSEnhancedMonitoringRole; intervals
# 0, 1, 5, 10, 15, 30 or 60 s).
MONITORING_INTERVAL_SECONDS = 60
MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"


@dataclass
class DatabaseArgs:
    deployment: Deployment
    subnet_ids: list[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    password: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]


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
        self.final_snapshot = None
        monitoring_role = None
        if prod:
            suffix = random.RandomId(f"{name}-final-snapshot", byte_length=FINAL_SNAPSHOT_SUFFIX_BYTES, opts=child)
            self.final_snapshot = pulumi.Output.concat(final_snapshot_prefix(d), suffix.hex)
            monitoring_role = iam.role(f"{name}-monitoring", "monitoring.rds.amazonaws.com", None, child)
            aws.iam.RolePolicyAttachment(
                f"{name}-monitoring", role=monitoring_role.name, policy_arn=MONITORING_POLICY, opts=child
            )
        self.instance = aws.rds.Instance(
            f"{name}-db",
            engine=db.engine,
            engine_version=db.version,
            instance_class=INSTANCE_CLASS[size.size],
            allocated_storage=size.storage_gib,
            max_allocated_storage=size.storage_gib * 2,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=args.kms_key_arn,
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
            final_snapshot_identifier=self.final_snapshot,
            backup_retention_period=PRODUCTION_BACKUP_DAYS if prod else TRIAL_BACKUP_DAYS,
            backup_window="01:00-02:00",
            maintenance_window="sun:03:00-sun:04:00",
            copy_tags_to_snapshot=True,
            auto_minor_version_upgrade=True,
            performance_insights_enabled=prod,
            performance_insights_retention_period=7 if prod else None,
            performance_insights_kms_key_id=args.kms_key_arn if prod else None,
            monitoring_interval=MONITORING_INTERVAL_SECONDS if prod else 0,
            monitoring_role_arn=monitoring_role.arn if monitoring_role else None,
            enabled_cloudwatch_logs_exports=LOG_EXPORTS[db.engine],
            ca_cert_identifier="rds-ca-rsa2048-g1",
            apply_immediately=not prod,
            opts=child,
        )
        self.register_outputs({"address": self.instance.address})
