"""AWS's part of the report: the diagram's layers, backups with RPO/RTO, where data lives.

RPO/RTO figures are AWS's documented behaviour for the settings found, stated as estimates:
point-in-time restore gives an RPO of about five minutes (RDS "Restoring a DB instance to a
specified time"); Multi-AZ failover takes one to two minutes (RDS Multi-AZ deployments); a
restore from backup takes hours, depending on size.
"""

from __future__ import annotations

from councilkit.stacks.cloud import Protection, first_inputs as _first

LAYERS = {
    "edge": {"aws:lb/loadBalancer:LoadBalancer": "Application Load Balancer (HTTPS)", "aws:wafv2/webAcl:WebAcl": "AWS WAF"},
    "app": {"aws:ecs/service:Service": "ECS Fargate service", "aws:scheduler/schedule:Schedule": "Scheduled task"},
    "database": {"aws:rds/instance:Instance": "Amazon RDS"},
    "files": {"aws:efs/fileSystem:FileSystem": "Amazon EFS"},
    "cache": {"aws:elasticache/replicationGroup:ReplicationGroup": "ElastiCache Redis"},
    "secrets": {"aws:secretsmanager/secret:Secret": "Secrets Manager"},
    "monitoring": {"aws:cloudwatch/metricAlarm:MetricAlarm": "CloudWatch alarm"},
    "backup": {"aws:backup/plan:Plan": "AWS Backup plan"},
}


def protections(plan) -> list[Protection]:
    out: list[Protection] = []
    rds = _first(plan, "aws:rds/instance:Instance")
    if rds:
        multi = rds.get("multiAz")
        out.append(Protection(
            "Database (Amazon RDS)",
            "automated snapshots and transaction logs" + (", Multi-AZ standby" if multi else ""),
            f"{rds.get('backupRetentionPeriod', 0)} days, point-in-time",
            "about 5 minutes",
            "1–2 minutes for a zone failure (automatic failover); hours for a restore" if multi
            else "hours: restore to a new instance",
        ))
    aws_plan = _first(plan, "aws:backup/plan:Plan")
    if plan.of_type("aws:efs/fileSystem:FileSystem"):
        if aws_plan:
            days = [r["lifecycle"]["deleteAfter"] for r in aws_plan["rules"]]
            out.append(Protection("Shared files (Amazon EFS)", "AWS Backup, daily and monthly",
                                  f"daily kept {min(days)} days, monthly kept {max(days)} days",
                                  "24 hours", "hours: restore into the file system"))
        else:
            out.append(Protection("Shared files (Amazon EFS)", "none (trial: data is disposable)",
                                  "-", "no backup", "rebuild"))
    return out


def data_regions(plan) -> set[str]:
    """Every region the stack's AWS provider places resources in."""
    return {r.inputs["region"] for r in plan.resources if r.type == "pulumi:providers:aws" and r.inputs.get("region")}
