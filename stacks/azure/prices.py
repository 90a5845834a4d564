"""Monthly cost of Azure resources in a plan (prices: prices/azure-<region>.yaml, usage: usage.yaml)."""

from __future__ import annotations

import re
from decimal import Decimal

from councilkit.stacks.cost.model import DAYS_PER_MONTH, Free, Line, Unpriced
from councilkit.stacks.cost.pricing import Context, get, runs_per_month

PRICERS: dict = {}
FREE = {
    "azure-native:resources:ResourceGroup": "no charge for resource groups",
    "azure-native:network:VirtualNetwork": "no charge for a virtual network",
    "azure-native:network:Subnet": "no charge for subnets",
    "azure-native:network:NetworkSecurityGroup": "no charge for network security groups",
    "azure-native:network:PrivateDnsZoneGroup": "no charge",
    "azure-native:privatedns:VirtualNetworkLink": "no charge for virtual network links",
    "azure-native:managedidentity:UserAssignedIdentity": "managed identities are free",
    "azure-native:authorization:RoleAssignment": "no charge",
    "azure-native:app:ManagedEnvironmentsStorage": "no charge (the share is billed on its storage account)",
    "azure-native:app:ManagedCertificate": "Container Apps managed certificates are free",
    "azure-native:dbforpostgresql:Configuration": "included in the server",
    "azure-native:dbforpostgresql:Database": "included in the server",
    "azure-native:dbformysql:Configuration": "included in the server",
    "azure-native:dbformysql:Database": "included in the server",
    "azure-native:storage:FileServiceProperties": "no charge (soft-deleted data is billed as stored)",
    "azure-native:keyvault:Secret": "secret operations are billed on the vault",
    "azure-native:redisenterprise:Database": "billed on its Managed Redis cluster's nodes",
    "azure-native:cdn:AFDEndpoint": "included in the Front Door profile",
    "azure-native:cdn:AFDOriginGroup": "included in the Front Door profile",
    "azure-native:cdn:AFDOrigin": "included in the Front Door profile (a Private Link origin's private endpoint "
                                  "is priced on the profile's lines)",
    "azure-native:cdn:AFDCustomDomain": "included in the Front Door profile (managed certificate free)",
    "azure-native:cdn:Route": "included in the Front Door profile",
    "azure-native:cdn:SecurityPolicy": "included in the Front Door profile",
    "azure-native:recoveryservices:Vault": "billed per protected item",
    "azure-native:recoveryservices:ProtectionPolicy": "no charge",
    "azure-native:recoveryservices:ProtectionContainer": "no charge",
    "azure-native:monitor:ActionGroup": "the first 1,000 e-mails a month are free",
    "azure-native:monitor:DiagnosticSetting": "logs are billed on the workspace they reach",
    "azure-native:consumption:Budget": "budgets are free",
    "azure-native:network:NetworkInterface": "no charge for network interfaces",
    "azure-native:storage:BlobContainer": "billed on its storage account's stored data",
    "azure-native:storage:ManagementPolicy": "no charge for lifecycle rules",
}
STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
FILE_SHARE = "azure-native:storage:FileShare"
SECONDS = Decimal(3600)


def prices(*types: str):
    def register(fn):
        for type_ in types:
            PRICERS[type_] = fn
        return fn

    return register


def _gib(memory: str) -> Decimal:
    match = re.fullmatch(r"\s*([\d.]+)\s*(Gi|G|Mi|M)?\s*", str(memory))
    if not match:
        raise Unpriced(f"cannot read memory {memory!r}")
    value = Decimal(match.group(1))
    return value / 1024 if (match.group(2) or "Gi").startswith("M") else value


def _app_size(template) -> tuple[Decimal, Decimal]:
    cpu = mem = Decimal(0)
    for c in (template or {}).get("containers") or []:
        cpu += Decimal(str(get(c, "resources.cpu", 0)))
        mem += _gib(get(c, "resources.memory", "0Gi"))
    if not cpu:
        raise Unpriced("its containers have no cpu set")
    return cpu, mem


@prices("azure-native:app:ContainerApp")
def container_app(r, ctx: Context) -> list[Line]:
    cpu, mem = _app_size(r.inputs.get("template"))
    replicas = int(get(r.inputs, "template.scale.minReplicas", 0))
    busy = ctx.use("active_fraction")
    month = ctx.hours * SECONDS
    note = f"assumes replicas are busy {busy * 100:.0f}% of the time (idle the rest)"
    what = f"{replicas} replica{'s' if replicas != 1 else ''} × {cpu.normalize():f} vCPU"
    if replicas == 0:  # scales to zero: billed only while it runs
        lines = [ctx.line(r, f"vCPU while running ({cpu.normalize():f} vCPU)", month * busy * cpu,
                          "container_apps.vcpu_second.active", f"assumes it runs {busy * 100:.0f}% of the time")]
        seconds = month * busy
    else:
        lines = [
            ctx.line(r, f"vCPU busy ({what})", month * replicas * busy * cpu, "container_apps.vcpu_second.active", note),
            ctx.line(r, f"vCPU idle ({what})", month * replicas * (1 - busy) * cpu, "container_apps.vcpu_second.idle", note),
        ]
        seconds = month * replicas
    lines.append(ctx.line(r, f"memory ({mem.normalize():f} GiB per replica)", seconds * mem, "container_apps.gib_second",
                          note if replicas else f"assumes it runs {busy * 100:.0f}% of the time"))
    if get(r.inputs, "configuration.ingress"):
        requests = ctx.use("requests_million")
        lines.append(ctx.line(r, "requests", requests, "container_apps.requests_million",
                              f"assumes {requests.normalize():f} million requests a month"))
    return lines


@prices("azure-native:app:Job")
def container_job(r, ctx: Context) -> list[Line]:
    trigger = get(r.inputs, "configuration.triggerType")
    timeout = Decimal(str(get(r.inputs, "configuration.replicaTimeout", 1800)))
    if trigger == "Schedule":
        runs = runs_per_month(str(get(r.inputs, "configuration.scheduleTriggerConfig.cronExpression", "")))
        parallel = int(get(r.inputs, "configuration.scheduleTriggerConfig.parallelism", 1))
        seconds = min(ctx.use("job_run_seconds"), timeout)
        note = f"assumes each run lasts {seconds.normalize():f} s ({runs:.0f} runs a month)"
    elif trigger == "Manual":  # install and upgrade steps, started by councilkit after a rollout
        runs = ctx.use("manual_job_runs")
        parallel = int(get(r.inputs, "configuration.manualTriggerConfig.parallelism", 1))
        seconds = min(ctx.use("manual_job_seconds"), timeout)
        note = f"assumes {runs.normalize():f} manual run a month of {seconds.normalize():f} s (install or upgrade)"
    else:
        raise Unpriced(f"{trigger or 'event'}-triggered jobs are not priced")
    cpu, mem = _app_size(r.inputs.get("template"))
    busy = runs * parallel * seconds
    kind = "scheduled" if trigger == "Schedule" else "manual"
    return [
        ctx.line(r, f"vCPU of {kind} runs ({cpu.normalize():f} vCPU)", busy * cpu, "container_apps.vcpu_second.active", note),
        ctx.line(r, f"memory of {kind} runs ({mem.normalize():f} GiB)", busy * mem, "container_apps.gib_second", note),
    ]


@prices("azure-native:app:ManagedEnvironment")
def environment(r, ctx: Context) -> list[Line]:
    """Free on the Consumption plan, except the Dedicated Plan Management meter once anything
    reaches the environment through a private endpoint (Front Door's Private Link origin):
    "features such as private endpoints and planned maintenance are subject to a Dedicated Plan
    Management charge regardless of whether you are using the Consumption or Dedicated plans"
    (learn.microsoft.com/azure/container-apps/billing; private-endpoints-with-dns, Billing:
    "appears as a separate Dedicated Plan Management charge and applies to both Consumption and
    Dedicated plans"). Charged per feature, so once here however many endpoints there are."""
    profiles = {p.get("workloadProfileType") for p in r.inputs.get("workloadProfiles") or []}
    if profiles - {"Consumption"}:
        raise Unpriced(f"dedicated workload profiles {sorted(profiles - {'Consumption'})} are not priced")
    if not private_endpoints_into(r, ctx):
        raise Free("Consumption plan: billed per app and job")
    return [ctx.line(r, "Dedicated Plan Management (reached through a private endpoint)", ctx.hours,
                     "container_apps.plan_management.hour",
                     "charged while the environment has a private endpoint, on the Consumption plan too")]


def private_endpoints_into(environment, ctx: Context) -> list:
    """The plan's private endpoints into `environment`: Front Door's Private Link origins and
    ordinary private endpoints whose target is it."""
    origins = [o for o in ctx.of_type("azure-native:cdn:AFDOrigin")
               if ctx.find(environment.type, get(o.inputs, "sharedPrivateLinkResource.privateLink.id")) is environment]
    endpoints = [e for e in ctx.of_type("azure-native:network:PrivateEndpoint")
                 if any(ctx.find(environment.type, c.get("privateLinkServiceId")) is environment
                        for c in e.inputs.get("privateLinkServiceConnections") or [])]
    return origins + endpoints


def _flexible_server(r, ctx: Context, family: str) -> list[Line]:
    sku = get(r.inputs, "sku.name")
    ha = get(r.inputs, "highAvailability.mode", "Disabled") not in ("Disabled", None)
    copies = 2 if ha else 1
    lines = [ctx.line(r, f"{sku} compute{' + HA standby' if ha else ''}", ctx.hours * copies, f"{family}.{sku}")]
    gib = Decimal(str(get(r.inputs, "storage.storageSizeGB", 32)))
    lines.append(ctx.line(r, f"storage ({gib:f} GiB{', two copies' if ha else ''})", gib * copies,
                          f"{family}.storage.gib_month", "locally redundant backups up to the storage size are free"))
    if get(r.inputs, "backup.geoRedundantBackup") == "Enabled":
        lines.append(ctx.line(r, "geo-redundant backup storage", gib, f"{family}.backup_grs.gib_month",
                              "assumes geo-redundant backups as large as the storage"))
    if family == "mysql" and get(r.inputs, "storage.autoIoScaling") == "Enabled":
        io = ctx.use("mysql_io_million")
        lines.append(ctx.line(r, "autoscaled IO", io, "mysql.autoscale_io_million",
                              f"assumes {io.normalize():f} million IOs a month"))
    return lines


@prices("azure-native:dbforpostgresql:Server")
def postgres(r, ctx: Context) -> list[Line]:
    return _flexible_server(r, ctx, "postgres")


@prices("azure-native:dbformysql:Server")
def mysql(r, ctx: Context) -> list[Line]:
    return _flexible_server(r, ctx, "mysql")


@prices("azure-native:redisenterprise:RedisEnterprise")
def managed_redis(r, ctx: Context) -> list[Line]:
    """Billed per node-hour; high availability (on unless set: SDK HighAvailability enum) runs two."""
    sku = get(r.inputs, "sku.name", "")
    ha = (r.inputs.get("highAvailability") or "Enabled") == "Enabled"
    nodes = 2 if ha else 1
    what = f"{sku.replace('_', ' ')} Managed Redis ({'two nodes, high availability' if ha else 'one node, no HA'})"
    return [ctx.line(r, what, ctx.hours * nodes, f"managed_redis.{sku}")]


@prices(STORAGE_ACCOUNT)
def storage_account(r, ctx: Context) -> list[Line]:
    if r.inputs.get("kind") == "FileStorage":
        raise Free("a FileStorage account is billed by its shares' provisioned size")
    sku = get(r.inputs, "sku.name", "")
    if sku not in ("Standard_LRS", "Standard_ZRS"):
        raise Unpriced(f"{sku} blob storage is not priced (Standard_LRS and Standard_ZRS only)")
    redundancy = sku.split("_")[1]
    gb = ctx.use("blob_gb")
    return [ctx.line(r, f"blob storage (hot, {redundancy})", gb, f"blob.hot.{redundancy.lower()}.gb_month",
                     f"assumes {gb.normalize():f} GB stored")]


@prices(FILE_SHARE)
def file_share(r, ctx: Context) -> list[Line]:
    account = ctx.find(STORAGE_ACCOUNT, r.inputs.get("accountName"))
    sku = get(account.inputs, "sku.name", "") if account else ""
    if not sku.startswith("Premium_"):
        raise Unpriced("standard file shares are not priced" if account else "its storage account is not in the plan")
    redundancy = sku.split("_", 1)[1].lower()
    gib = Decimal(str(r.inputs.get("shareQuota", 100)))
    return [ctx.line(r, f"premium share ({redundancy.upper()}, {gib:f} GiB provisioned)", gib,
                     f"files.premium.{redundancy}.gib_month")]


@prices("azure-native:keyvault:Vault")
def key_vault(r, ctx: Context) -> list[Line]:
    ops = ctx.use("key_vault_operations_10k")
    return [ctx.line(r, "secret operations", ops, "key_vault.operations_10k",
                     f"assumes {ops * 10_000:,.0f} secret reads and writes a month")]


@prices("azure-native:cdn:Profile")
def front_door(r, ctx: Context) -> list[Line]:
    sku = get(r.inputs, "sku.name", "")
    tier = {"Standard_AzureFrontDoor": "standard", "Premium_AzureFrontDoor": "premium"}.get(sku)
    if tier is None:
        raise Unpriced(f"CDN/Front Door SKU {sku} is not priced")
    requests = ctx.use("front_door_requests_million")
    egress = ctx.use("front_door_egress_gb")
    return [
        ctx.line(r, f"Front Door {tier.capitalize()} base fee", 1, f"front_door.{tier}.month"),
        ctx.line(r, "requests", requests * 100, f"front_door.{tier}.requests_10k",
                 f"assumes {requests.normalize():f} million requests a month"),
        ctx.line(r, "data to clients", egress, "front_door.egress_gb", f"assumes {egress.normalize():f} GB to clients a month"),
        *private_link_origins(r, ctx, egress),
    ]


def private_link_origins(profile, ctx: Context, egress) -> list[Line]:
    """The private endpoint behind each Private Link origin of `profile`: Front Door makes it into
    the origin (the Container Apps environment) on the council's behalf, and it is billed as
    Private Link per endpoint-hour and per GB processed in each direction (learn.microsoft.com/azure/container-apps/
    private-endpoints-with-dns, Billing: "you're billed for both: the Private Link resource..."). What
    Front Door fetches from the origin is about what it sends to clients (it caches nothing), so that
    is the GB assumed. Listed on the profile: the origin itself costs nothing more."""
    mine = [o for o in ctx.of_type("azure-native:cdn:AFDOrigin")
            if get(o.inputs, "sharedPrivateLinkResource.privateLink.id")
            and (ctx.find("azure-native:cdn:Profile", o.inputs.get("profileName")) or profile) is profile]
    lines = []
    for origin in mine:
        name = origin.inputs.get("originName") or origin.name
        lines += [ctx.line(profile, f"Private Link origin {name}: private endpoint", ctx.hours, "private_endpoint.hour"),
                  ctx.line(profile, f"Private Link origin {name}: data processed outbound", egress,
                           "private_endpoint.out_gb",
                           f"assumes {egress.normalize():f} GB out through it (what Front Door sends to clients)"),
                  ctx.usage_line(profile, f"Private Link origin {name}: data processed inbound",
                                 "front_door_origin_in_gb", "private_endpoint.in_gb",
                                 "assumes {q} GB of requests a month in through it")]
    return lines


@prices("azure-native:frontdoor:Policy")
def front_door_waf(r, ctx: Context) -> list[Line]:
    sku = get(r.inputs, "sku.name", "")
    if sku == "Premium_AzureFrontDoor":
        raise Free("the WAF and its managed rule sets are included in Front Door Premium")
    if sku != "Standard_AzureFrontDoor":
        raise Unpriced(f"WAF policy SKU {sku} is not priced")
    rules = len(get(r.inputs, "customRules.rules", []) or [])
    return [ctx.line(r, "WAF policy", 1, "front_door_waf.standard.policy_month"),
            ctx.line(r, f"custom rules ({rules})", rules, "front_door_waf.standard.rule_month")]


@prices("azure-native:operationalinsights:Workspace")
def workspace(r, ctx: Context) -> list[Line]:
    gb = ctx.use("log_gb")
    days = int(r.inputs.get("retentionInDays") or 30)
    lines = [ctx.line(r, "logs ingested", gb, "log_analytics.ingest_gb", f"assumes {gb.normalize():f} GB of logs a month")]
    if days > 31:
        lines.append(ctx.line(r, f"retention beyond 31 days (kept {days} days)", gb * Decimal(days - 31) / 30,
                              "log_analytics.retention_gb_month", f"assumes {gb.normalize():f} GB of logs a month"))
    return lines


@prices("azure-native:monitor:MetricAlert")
def metric_alert(r, ctx: Context) -> list[Line]:
    return [ctx.line(r, "metric alert (one time series)", 1, "monitor.metric_alert_month")]


@prices("azure-native:network:PrivateEndpoint")
def private_endpoint(r, ctx: Context) -> list[Line]:
    """Private Link bills the endpoint by the hour and the data it processes in each direction,
    inbound and outbound, per GB (azure.microsoft.com/pricing/details/private-link/; c3x.dev's
    azurerm_private_endpoint page: "data processed in and out ($0.01/GB each direction)")."""
    return [ctx.line(r, "private endpoint", ctx.hours, "private_endpoint.hour"),
            ctx.usage_line(r, "data processed inbound", "private_endpoint_in_gb", "private_endpoint.in_gb",
                           "assumes {q} GB a month into each endpoint"),
            ctx.usage_line(r, "data processed outbound", "private_endpoint_out_gb", "private_endpoint.out_gb",
                           "assumes {q} GB a month out of each endpoint")]


@prices("azure-native:privatedns:PrivateZone")
def private_zone(r, ctx: Context) -> list[Line]:
    return [ctx.line(r, "private DNS zone", 1, "private_dns.zone_month", "DNS queries (about $0.40 a million) not included")]


@prices("azure-native:network:PublicIPAddress")
def public_ip(r, ctx: Context) -> list[Line]:
    return [ctx.line(r, "public IP address (Standard)", ctx.hours, "public_ip.standard.hour")]


@prices("azure-native:containerregistry:Registry")
def registry(r, ctx: Context) -> list[Line]:
    sku = get(r.inputs, "sku.name", "")
    return [ctx.line(r, f"{sku} registry", DAYS_PER_MONTH, f"acr.{sku}.day")]


# Premium SSD managed disks are billed by the size tier the provisioned size rounds up to.
PREMIUM_TIERS = ((4, 32), (6, 64), (10, 128), (15, 256), (20, 512), (30, 1024), (40, 2048))


def premium_tier(gib: int) -> str:
    for tier, size in PREMIUM_TIERS:
        if gib <= size:
            return f"P{tier}"
    raise Unpriced(f"Premium SSD disks over {PREMIUM_TIERS[-1][1]} GiB are not priced")


def _premium_disk(r, ctx: Context, sku: str, gib: int, what: str) -> Line:
    if sku not in ("Premium_LRS", "Premium_ZRS"):
        raise Unpriced(f"{sku} disks are not priced (Premium SSD only)")
    tier = premium_tier(gib)
    redundancy = sku.split("_")[1]
    return ctx.line(r, f"{what}: Premium SSD {tier} {redundancy} ({gib} GiB provisioned)", 1,
                    f"managed_disk.premium_{redundancy.lower()}.{tier}")


# The OS disk of a marketplace Linux image, when the VM does not size it: 30 GiB (Ubuntu's
# images on Azure), priced as the P4 tier.
OS_DISK_GIB = 30


@prices("azure-native:compute:VirtualMachine")
def virtual_machine(r, ctx: Context) -> list[Line]:
    """Linux pay-as-you-go compute per hour, plus its OS disk (the data disk is its own Disk)."""
    size = get(r.inputs, "hardwareProfile.vmSize", "")
    os_disk = get(r.inputs, "storageProfile.osDisk", {}) or {}
    sku = get(os_disk, "managedDisk.storageAccountType", "Premium_LRS")
    return [ctx.line(r, f"{size} Linux VM", ctx.hours, f"vm.linux.{size}"),
            _premium_disk(r, ctx, sku, os_disk_gib(r), "OS disk")]


def os_disk_gib(vm) -> int:
    """The VM's OS disk size: as set, else the image's default."""
    return int(get(vm.inputs, "storageProfile.osDisk.diskSizeGB") or OS_DISK_GIB)


@prices("azure-native:compute:Disk")
def managed_disk(r, ctx: Context) -> list[Line]:
    return [_premium_disk(r, ctx, get(r.inputs, "sku.name", ""), int(r.inputs.get("diskSizeGB") or 32), "data disk")]


@prices("azure-native:network:NatGateway")
def nat_gateway(r, ctx: Context) -> list[Line]:
    gb = ctx.use("nat_gb")
    return [ctx.line(r, "NAT gateway", ctx.hours, "nat_gateway.hour"),
            ctx.line(r, "data processed", gb, "nat_gateway.gb", f"assumes {gb.normalize():f} GB a month through it")]


def protected_vm(r, ctx: Context) -> list[Line]:
    """Azure Backup of a VM: a protected-instance fee by the VM's disk size, plus the vault's
    backup storage (geo-redundant, backup.py), assumed as large as the VM's disks."""
    vm = ctx.find("azure-native:compute:VirtualMachine", get(r.inputs, "properties.sourceResourceId"))
    if vm is None:
        raise Unpriced("the VM it protects is not in the plan")
    disks = [d for d in ctx.of_type("azure-native:compute:Disk")
             if any(ctx.find("azure-native:compute:Disk", get(x, "managedDisk.id")) is d
                    for x in get(vm.inputs, "storageProfile.dataDisks", []) or [])]
    gib = os_disk_gib(vm) + sum(int(d.inputs.get("diskSizeGB") or 0) for d in disks)
    if gib > 500:
        raise Unpriced("backup of VMs over 500 GB is not priced")
    key = "backup.vm.instance_50gb" if gib <= 50 else "backup.vm.instance_500gb"
    return [ctx.line(r, f"Azure Backup of the database VM ({gib} GiB of disks)", 1, key),
            ctx.line(r, "backup storage (geo-redundant)", gib, "backup.vm.grs.gb_month",
                     f"assumes the recovery points hold about {gib} GB (incremental after the first)")]


@prices("azure-native:recoveryservices:ProtectedItem")
def protected_share(r, ctx: Context) -> list[Line]:
    if get(r.inputs, "properties.protectedItemType") == "Microsoft.Compute/virtualMachines":
        return protected_vm(r, ctx)
    name = get(r.inputs, "properties.friendlyName")
    share = next((s for s in ctx.of_type(FILE_SHARE) if (s.inputs.get("shareName") or s.name) == name), None)
    if share is None:
        raise Unpriced("the file share it protects is not in the plan")
    gib = int(share.inputs.get("shareQuota", 100))
    if gib > 1024:
        raise Unpriced("backup of shares over 1 TiB is not priced")
    key = "backup.files.instance_250gib" if gib <= 250 else "backup.files.instance_1tib"
    return [ctx.line(r, f"Azure Files backup of {name} ({gib} GiB)", 1, key,
                     "share snapshots are billed by Azure Files as used capacity (not included)")]
