"""Backup, RPO and RTO, read from the plan's resources (what would be built, not what was meant).

RPO/RTO figures are the providers' documented behaviour for the settings found, stated as
estimates: point-in-time restore gives an RPO of about five minutes; Multi-AZ / zone-redundant
failover takes one to two minutes; a restore from backup takes hours, depending on size.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Protection:
    what: str
    how: str
    retention: str
    rpo: str
    rto: str


def _first(plan, *types):
    for t in types:
        found = plan.of_type(t)
        if found:
            return found[0].inputs
    return None


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
    flex = _first(plan, "azure-native:dbforpostgresql:Server", "azure-native:dbformysql:Server")
    if flex:
        backup = flex.get("backup", {})
        ha = flex.get("highAvailability", {}).get("mode", "Disabled")
        geo = backup.get("geoRedundantBackup") == "Enabled"
        out.append(Protection(
            "Database (Azure Flexible Server)",
            "automated backups" + (", geo-redundant copy in the paired region" if geo else "")
            + (f", {ha} high availability" if ha != "Disabled" else ""),
            f"{backup.get('backupRetentionDays', 7)} days, point-in-time",
            "about 5 minutes",
            "1–2 minutes for a zone failure (automatic failover); hours for a restore" if ha != "Disabled"
            else "hours: restore to a new server",
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
    share_policy = _first(plan, "azure-native:recoveryservices:ProtectionPolicy")
    if plan.of_type("azure-native:storage:FileShare"):
        if share_policy:
            days = share_policy["properties"]["retentionPolicy"]["dailySchedule"]["retentionDuration"]["count"]
            out.append(Protection("Shared files (Azure Files)", "Azure Backup (Recovery Services vault), daily",
                                  f"{days} days", "24 hours", "hours: restore into the share"))
        else:
            out.append(Protection("Shared files (Azure Files)", "none (trial: data is disposable)",
                                  "-", "no backup", "rebuild"))
    return out


AZURE_DATA_TYPES = ("dbforpostgresql:Server", "dbformysql:Server", "storage:StorageAccount",
                    "keyvault:Vault", "redis:Redis", "recoveryservices:Vault", "operationalinsights:Workspace")


def regions(plan) -> list[str]:
    """Where the data would live: the AWS provider's region, or the location of every Azure
    resource that stores data (Front Door is global by design and holds no data at rest)."""
    found = set()
    for r in plan.resources:
        if r.type == "pulumi:providers:aws" and r.inputs.get("region"):
            found.add(r.inputs["region"])
        if r.type.startswith("azure-native:") and r.type.split(":", 1)[1] in AZURE_DATA_TYPES:
            found.add(r.inputs.get("location", "?"))
    return sorted(found)
