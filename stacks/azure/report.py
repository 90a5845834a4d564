"""Azure's part of the report: the diagram's layers, backups with RPO/RTO, where data lives.

RPO/RTO figures are Azure's documented behaviour for the settings found, stated as estimates:
flexible servers restore to a point in time with an RPO of about five minutes and fail over in
one to two minutes with zone-redundant high availability; a restore from backup takes hours.
"""

from __future__ import annotations

from councilkit.stacks.cloud import Protection, first_inputs as _first

LAYERS = {
    "edge": {"azure-native:cdn:Profile": "Azure Front Door", "azure-native:frontdoor:Policy": "Front Door WAF policy"},
    "app": {"azure-native:app:ContainerApp": "Container App", "azure-native:app:Job": "Container Apps job"},
    "database": {"azure-native:dbforpostgresql:Server": "Azure Database for PostgreSQL",
                 "azure-native:dbformysql:Server": "Azure Database for MySQL",
                 "azure-native:compute:VirtualMachine": "self-managed database VM (the council patches it)"},
    "files": {"azure-native:storage:FileShare": "Azure Files (NFS)"},
    "cache": {"azure-native:redisenterprise:RedisEnterprise": "Azure Managed Redis"},
    "secrets": {"azure-native:keyvault:Vault": "Key Vault"},
    "monitoring": {"azure-native:monitor:MetricAlert": "Azure Monitor alert"},
    "backup": {"azure-native:recoveryservices:Vault": "Recovery Services vault"},
}
# Resource types that hold data at rest (Front Door is global by design and holds none).
DATA_TYPES = ("dbforpostgresql:Server", "dbformysql:Server", "compute:Disk", "storage:StorageAccount",
              "keyvault:Vault", "redisenterprise:RedisEnterprise", "recoveryservices:Vault",
              "operationalinsights:Workspace")


def protections(plan) -> list[Protection]:
    out: list[Protection] = []
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
    out += self_managed_database(plan)
    share_policy = next((r.inputs for r in plan.of_type("azure-native:recoveryservices:ProtectionPolicy")
                         if r.inputs.get("policyName") != "vm-daily"), None)
    if plan.of_type("azure-native:storage:FileShare"):
        if share_policy:
            days = share_policy["properties"]["retentionPolicy"]["dailySchedule"]["retentionDuration"]["count"]
            out.append(Protection("Shared files (Azure Files)", "Azure Backup (Recovery Services vault), daily",
                                  f"{days} days", "24 hours", "hours: restore into the share"))
        else:
            out.append(Protection("Shared files (Azure Files)", "none (trial: data is disposable)",
                                  "-", "no backup", "rebuild"))
    return out


def data_regions(plan) -> set[str]:
    """The location of every Azure resource that stores data."""
    return {r.inputs.get("location", "?") for r in plan.resources
            if r.type.startswith("azure-native:") and r.type.split(":", 1)[1] in DATA_TYPES}


# A single VM with Premium SSD on every disk: 99.9% connectivity ("SLA for Virtual Machines"
# v1.8, "any Single Instance Virtual Machine using premium storage for all Operating System Disks
# and Data Disks"), about 43 minutes a month.
SINGLE_VM_SLA = "99.9% (single VM, Premium SSD disks: about 43 minutes a month)"


def self_managed_database(plan) -> list[Protection]:
    """The self-managed database VM (database_vm.py): what protects it, said plainly, since the
    council, not Azure, runs and patches it."""
    if not plan.of_type("azure-native:compute:VirtualMachine"):
        return []
    vm_backup = any(r.inputs.get("properties", {}).get("protectedItemType") == "Microsoft.Compute/virtualMachines"
                    for r in plan.of_type("azure-native:recoveryservices:ProtectedItem"))
    return [Protection(
        "Database (self-managed VM, the council patches it; availability " + SINGLE_VM_SLA + ")",
        ("Azure Backup of the VM daily, plus " if vm_backup else "")
        + "a nightly mariadb-dump to private Blob storage; Azure installs Critical and Security OS "
        "patches monthly (AutomaticByPlatform), major engine upgrades are the council's",
        ("30 days (VM), " if vm_backup else "") + "dumps 35 days in production, 7 in a trial",
        "24 hours",
        "hours: restore the VM (or its data disk) from the vault, or load the latest dump into it",
    )]
