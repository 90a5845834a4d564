"""Backups, retention, deletion protection and zone redundancy (NCSC principle 2, incl. 2.6)."""

from __future__ import annotations

from .model import BOTH, PRODUCTION
from .registry import all_of, as_list, control, get, judge, of_type, referenced, refers_to
from . import types as t

MIN_BACKUP_DAYS = {"trial": 7, "production": 14}
PRODUCTION_BACKUP_PLAN_DAYS = 30
# Azure regions without availability zones: zone redundancy cannot be asked for there.
AZURE_REGIONS_WITHOUT_ZONES = {"ukwest"}


def _zonal(r) -> bool:
    return str(r.inputs.get("location", "")).replace(" ", "").lower() not in AZURE_REGIONS_WITHOUT_ZONES


# --- AWS ---------------------------------------------------------------------------------------


@control("CK-AWS-017", "RDS keeps automated backups (7 days; 14 in production)", severity="high", tiers=BOTH,
         mandatory=True, benchmarks=("FSBP RDS.11", "MCSB BR-1"), ncsc=("2",), types=(t.RDS, t.RDS_CLUSTER),
         subject="RDS instance or cluster")
def rds_backups(resources, facts):
    need = MIN_BACKUP_DAYS[facts.tier]
    out = []
    for r in of_type(resources, t.RDS, t.RDS_CLUSTER):
        days = int(r.inputs.get("backupRetentionPeriod") or 0)
        out.append(judge(r, days >= need, f"backups kept {days} days", f"backups kept {days} days; at least {need} needed"))
    return out


@control("CK-AWS-018", "Production databases have deletion protection and a final snapshot", severity="high",
         tiers=PRODUCTION, mandatory=True, benchmarks=("FSBP RDS.8", "MCSB BR-2"), ncsc=("2",),
         types=(t.RDS, t.RDS_CLUSTER), subject="RDS instance or cluster")
def rds_deletion_protection(resources, facts):
    out = []
    for r in of_type(resources, t.RDS, t.RDS_CLUSTER):
        problems = []
        if r.inputs.get("deletionProtection") is not True:
            problems.append("deletionProtection is not true")
        if r.inputs.get("skipFinalSnapshot") is True or not r.inputs.get("finalSnapshotIdentifier"):
            problems.append("no final snapshot on delete")
        out.append(all_of(r, problems, "deletion protection on, final snapshot on delete"))
    return out


@control("CK-AWS-019", "Production databases are Multi-AZ", severity="high", tiers=PRODUCTION, mandatory=True,
         benchmarks=("FSBP RDS.5",), ncsc=("2.6",), types=(t.RDS,), subject="RDS instance")
def rds_multi_az(resources, facts):
    return [
        judge(r, r.inputs.get("multiAz") is True, "Multi-AZ standby", "multiAz is not true: one AZ outage stops the app")
        for r in of_type(resources, t.RDS)
    ]


@control("CK-AWS-020", "Production data is in an AWS Backup plan kept 30+ days", severity="high",
         tiers=PRODUCTION, mandatory=True, benchmarks=("FSBP RDS.26", "FSBP EFS.2", "MCSB BR-1"), ncsc=("2",),
         types=(t.RDS, t.EFS, t.BACKUP_SELECTION, t.BACKUP_PLAN), subject="RDS instance or EFS file system",
         scope="stack")
def backup_plan(resources, facts):
    plans = of_type(resources, t.BACKUP_PLAN)
    selections = of_type(resources, t.BACKUP_SELECTION)
    out = []
    for r in of_type(resources, t.RDS, t.EFS):
        covering = [p for s in selections if referenced(s.inputs.get("resources"), r)
                    for p in plans if refers_to(s.inputs.get("planId"), p)]
        longest = max((int(get(rule, "lifecycle.deleteAfter", 0) or 0)
                       for p in covering for rule in as_list(p.inputs.get("rules"))), default=0)
        if not covering:
            out.append(judge(r, False, "", "not selected by any AWS Backup plan"))
        else:
            out.append(judge(r, longest >= PRODUCTION_BACKUP_PLAN_DAYS, f"backed up by {covering[0].name}, kept up to {longest} days",
                             f"backups kept at most {longest} days; {PRODUCTION_BACKUP_PLAN_DAYS} needed"))
    return out


@control("CK-AWS-021", "Production caches fail over to a second AZ and keep snapshots", severity="medium",
         tiers=PRODUCTION, mandatory=True, benchmarks=("FSBP ElastiCache.3", "FSBP ElastiCache.1", "MCSB BR-1"),
         ncsc=("2.6",), types=(t.REDIS_GROUP,), subject="ElastiCache replication group")
def elasticache_ha(resources, facts):
    out = []
    for r in of_type(resources, t.REDIS_GROUP):
        problems = []
        if r.inputs.get("automaticFailoverEnabled") is not True or r.inputs.get("multiAzEnabled") is not True:
            problems.append("no automatic Multi-AZ failover")
        if int(r.inputs.get("numCacheClusters") or 1) < 2:
            problems.append("a single node")
        if int(r.inputs.get("snapshotRetentionLimit") or 0) < 1:
            problems.append("no automatic snapshots")
        out.append(all_of(r, problems, "replica in a second AZ with failover, daily snapshots"))
    return out


@control("CK-AWS-022", "Production load balancers have deletion protection", severity="medium",
         tiers=PRODUCTION, mandatory=True, benchmarks=("FSBP ELB.6",), ncsc=("2.6",), types=(t.LB,),
         subject="load balancer")
def alb_deletion_protection(resources, facts):
    return [
        judge(r, r.inputs.get("enableDeletionProtection") is True, "deletion protection on",
              "enableDeletionProtection is not true")
        for r in of_type(resources, t.LB)
    ]


# --- Azure -------------------------------------------------------------------------------------


@control("CK-AZR-012", "Database backups are kept 7 days (14, geo-redundant, in production)", severity="high",
         tiers=BOTH, mandatory=True, benchmarks=("MCSB BR-1", "MCSB BR-2"), ncsc=("2",), types=t.DATABASE_SERVERS,
         subject="flexible server")
def azure_db_backups(resources, facts):
    need = MIN_BACKUP_DAYS[facts.tier]
    out = []
    for r in of_type(resources, *t.DATABASE_SERVERS):
        days = int(get(r.inputs, "backup.backupRetentionDays", 7))
        problems = [] if days >= need else [f"backups kept {days} days; at least {need} needed"]
        if facts.production and get(r.inputs, "backup.geoRedundantBackup") != "Enabled":
            problems.append("backups are not geo-redundant (a regional outage could lose them)")
        out.append(all_of(r, problems, f"backups kept {days} days" + (", geo-redundant" if facts.production else "")))
    return out


@control("CK-AZR-013", "Production databases have zone-redundant high availability", severity="high",
         tiers=PRODUCTION, mandatory=True, benchmarks=(), ncsc=("2.6",), types=t.DATABASE_SERVERS,
         subject="flexible server")
def azure_db_ha(resources, facts):
    out = []
    for r in of_type(resources, *t.DATABASE_SERVERS):
        mode = get(r.inputs, "highAvailability.mode", "Disabled")
        good = mode == "ZoneRedundant" or (mode == "SameZone" and not _zonal(r))
        out.append(judge(r, good, f"high availability {mode}",
                         f"high availability is {mode}" + (" (zone-redundant is available here)" if mode == "SameZone" else "")))
    return out


@control("CK-AZR-014", "Production apps run 2+ replicas in a zone-redundant environment", severity="high",
         tiers=PRODUCTION, mandatory=True, benchmarks=(), ncsc=("2.6",), types=(t.APP_ENVIRONMENT, t.CONTAINER_APP),
         subject="Container Apps environment or web app")
def azure_apps_ha(resources, facts):
    out = []
    for r in of_type(resources, t.APP_ENVIRONMENT):
        out.append(judge(r, r.inputs.get("zoneRedundant") is True or not _zonal(r), "zone-redundant",
                         "zoneRedundant is not true: all replicas may sit in one zone"))
    for r in of_type(resources, t.CONTAINER_APP):
        # The web app (external ingress). Internal services (internal TCP ingress) may be
        # singletons that must not run twice (APPS.md gotcha 3), like workers.
        if get(r.inputs, "configuration.ingress.external") is not True:
            continue
        low = int(get(r.inputs, "template.scale.minReplicas", 0))
        out.append(judge(r, low >= 2, f"at least {low} replicas", f"minReplicas is {low}; 2 or more needed"))
    return out


@control("CK-AZR-015", "Production storage and caches survive a zone outage", severity="medium",
         tiers=PRODUCTION, mandatory=True, benchmarks=("MCSB BR-1",), ncsc=("2.6",),
         types=(t.STORAGE_ACCOUNT, t.REDIS, t.REDIS_CLUSTER), subject="storage account or Redis cache")
def azure_storage_ha(resources, facts):
    out = []
    for r in of_type(resources, t.STORAGE_ACCOUNT):
        sku = str(get(r.inputs, "sku.name", ""))
        good = sku.endswith(("ZRS", "GZRS")) or (not _zonal(r) and sku.endswith(("LRS", "GRS")))
        out.append(judge(r, good, f"{sku} redundancy", f"{sku or 'default'} keeps every copy in one zone"))
    for r in of_type(resources, t.REDIS):
        sku = get(r.inputs, "sku.name", "")
        out.append(judge(r, sku in ("Standard", "Premium"), f"{sku}: primary and replica", f"{sku}: a single node"))
    # Managed Redis: highAvailability Enabled unless set (SDK HighAvailability enum: "Enabled by
    # default"), zone redundant where the region has zones (azure-docs
    # migrate-basic-standard-premium-understand.md "Zone redundancy").
    for r in of_type(resources, t.REDIS_CLUSTER):
        ha = r.inputs.get("highAvailability") or "Enabled"
        out.append(judge(r, ha == "Enabled", "high availability: a replica of every shard",
                         "highAvailability is Disabled: one copy, no SLA"))
    return out


@control("CK-AZR-016", "Key Vaults keep deleted secrets (soft delete, purge protection)", severity="high",
         tiers=BOTH, mandatory=True, benchmarks=("MCSB DP-8", "MCSB BR-2"), ncsc=("2",), types=(t.KEY_VAULT,),
         subject="Key Vault")
def key_vault_recoverable(resources, facts):
    out = []
    for r in of_type(resources, t.KEY_VAULT):
        p = r.inputs.get("properties") or {}
        problems = []
        if p.get("enableSoftDelete") is False:
            problems.append("soft delete is off")
        if p.get("enablePurgeProtection") is not True:
            problems.append("purge protection is off: a deleted vault could be purged at once")
        out.append(all_of(r, problems, f"soft delete {p.get('softDeleteRetentionInDays', 90)} days, purge protection on"))
    return out


@control("CK-AZR-017", "Production file shares are backed up daily (7+ days)", severity="high",
         tiers=PRODUCTION, mandatory=True, benchmarks=("MCSB BR-1", "MCSB BR-2"), ncsc=("2",),
         types=(t.FILE_SHARE, t.PROTECTED_ITEM, t.PROTECTION_POLICY), subject="file share", scope="stack")
def azure_share_backup(resources, facts):
    items = of_type(resources, t.PROTECTED_ITEM)
    policies = of_type(resources, t.PROTECTION_POLICY)
    out = []
    for share in of_type(resources, t.FILE_SHARE):
        name = share.inputs.get("shareName") or share.name
        mine = [i for i in items if get(i.inputs, "properties.friendlyName") == name
                or i.inputs.get("protectedItemName") == f"AzureFileShare;{name}"]
        kept = [int(get(p.inputs, "properties.retentionPolicy.dailySchedule.retentionDuration.count", 0))
                for i in mine for p in policies if refers_to(get(i.inputs, "properties.policyId"), p)]
        if not mine:
            out.append(judge(share, False, "", "no Recovery Services protected item backs it up"))
        else:
            best = max(kept, default=0)
            out.append(judge(share, best >= 7, f"daily backups kept {best} days", f"daily backups kept {best} days; 7 needed"))
    return out


@control("CK-AZR-018", "Deleted file shares can be restored (share soft delete)", severity="medium", tiers=BOTH,
         mandatory=True, benchmarks=("MCSB BR-2",), ncsc=("2",),
         types=(t.STORAGE_ACCOUNT, t.FILE_SHARE, t.FILE_SERVICE), subject="storage account with file shares",
         scope="stack")
def azure_share_soft_delete(resources, facts):
    shares = of_type(resources, t.FILE_SHARE)
    services = of_type(resources, t.FILE_SERVICE)
    out = []
    for account in of_type(resources, t.STORAGE_ACCOUNT):
        if not any(refers_to(s.inputs.get("accountName"), account) for s in shares):
            continue
        days = [int(get(s.inputs, "shareDeleteRetentionPolicy.days", 0)) for s in services
                if refers_to(s.inputs.get("accountName"), account)
                and get(s.inputs, "shareDeleteRetentionPolicy.enabled") is True]
        best = max(days, default=0)
        out.append(judge(account, best >= 7, f"deleted shares kept {best} days",
                         "share soft delete is off" if not days else f"deleted shares kept {best} days; 7 needed"))
    return out
