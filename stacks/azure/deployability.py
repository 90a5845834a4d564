"""What Azure Resource Manager refuses that the offline mocks accept.

Names, per resource type; the Flexible Server tier/HA/backup pairings; what an NFS share needs of
its storage account; the CPU/memory a Container Apps replica may ask for. Each rule cites where
its constraint is written: the Azure REST API specifications (Azure/azure-rest-api-specs, which
pulumi-azure-native 3.29.0 is generated from, so its docstrings carry the specs' text), Microsoft's
"Naming rules and restrictions for Azure resources" page (MicrosoftDocs/azure-docs
articles/azure-resource-manager/management/resource-name-rules.md) where the specs give no
pattern, terraform-provider-azurerm's validators, and the service docs. Names the engine
generates (auto-names) are not in a plan and are not judged. Imports no SDK.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

from councilkit.stacks.deployability.model import Problem, Related, Rule
from councilkit.stacks.deployability.paths import value_at, values_at
from councilkit.stacks.deployability.validators import (
    Validator, all_of, field, integer_between, length, matches, refuses,
)

SPECS = "azure-rest-api-specs"
NAMING = (f"Naming rules and restrictions for Azure resources (MicrosoftDocs/azure-docs resource-name-rules.md; "
          f"{SPECS} gives no pattern)")
AZURERM = "terraform-provider-azurerm"


def _rule(id_, title, types, inputs, validator: Validator, source, bad, good) -> Rule:
    return Rule(id=id_, title=title, types=tuple(types), inputs=tuple(inputs),
                check=field(*inputs, validator=validator), source=source, bad=bad, good=good)


NO_DOUBLE_HYPHEN = refuses(r"--", "must not contain two hyphens in a row")
NO_EDGE_HYPHEN = refuses(r"^-|-$", "must not start or end with a hyphen")
LETTER_FIRST = refuses(r"^[^A-Za-z]", "must start with a letter")
ALNUM_HYPHEN = matches(r"[A-Za-z0-9-]+", "may contain only letters, digits and hyphens")
LOWER_ALNUM_HYPHEN = matches(r"[a-z0-9-]+", "may contain only lowercase letters, digits and hyphens")
# Microsoft.Network: "Alphanumerics, underscores, periods, and hyphens. Start with alphanumeric.
# End alphanumeric or underscore."
NETWORK = all_of(matches(r"[A-Za-z0-9_.-]+", "may contain only letters, digits, _ . and -"),
                 refuses(r"^[_.-]", "must start with a letter or digit"),
                 refuses(r"[.-]$", "must end with a letter, digit or _"))

# --- Key Vault and storage ------------------------------------------------------------------

KEY_VAULT_NAME = _rule(
    "AZR-DEP-001", "Key Vault name: 3-24 letters, digits and single hyphens, a letter first, a letter or digit last",
    ["azure-native:keyvault:Vault"], ["vaultName"],
    all_of(length(3, 24), ALNUM_HYPHEN, LETTER_FIRST, refuses(r"-$", "must end with a letter or digit"),
           NO_DOUBLE_HYPHEN),
    f"{SPECS} specification/keyvault (Microsoft.KeyVault) Vaults_CreateOrUpdate: vaultName pattern "
    f"^[a-zA-Z0-9-]{{3,24}}$; {NAMING}: vaults start with letter, end with letter or digit, no consecutive hyphens",
    bad={"vaultName": "kv-king's-lynn"}, good={"vaultName": "kv-kings-lynn-p0f074d"},
)
STORAGE_ACCOUNT_NAME = _rule(
    "AZR-DEP-002", "storage account name: 3-24 lowercase letters and digits",
    ["azure-native:storage:StorageAccount"], ["accountName"],
    all_of(length(3, 24), matches(r"[a-z0-9]+", "may contain only lowercase letters and digits")),
    f"{SPECS} specification/storage (Microsoft.Storage) StorageAccounts_Create accountName, as "
    "pulumi-azure-native documents it (storage.StorageAccount account_name: 3-24 numbers and lower-case letters)",
    bad={"accountName": "st-kings-lynn"}, good={"accountName": "stkingslynnp0f074d"},
)
FILE_SHARE_NAME = _rule(
    "AZR-DEP-003", "file share name: 3-63 lowercase letters, digits and single hyphens, no hyphen at either end",
    ["azure-native:storage:FileShare"], ["shareName"],
    all_of(length(3, 63), LOWER_ALNUM_HYPHEN, NO_EDGE_HYPHEN, NO_DOUBLE_HYPHEN),
    f"{SPECS} specification/storage FileShares_Create shareName, as pulumi-azure-native documents it "
    "(storage.FileShare share_name: 3-63 lower-case letters, digits and dashes, no consecutive dashes, "
    "starts and ends with a letter or number)",
    bad={"shareName": "shared--files"}, good={"shareName": "shared-files"},
)

# --- Container Apps -------------------------------------------------------------------------

CONTAINER_APP_NAME = _rule(
    "AZR-DEP-004", "Container App name: 2-32 lowercase letters, digits and single hyphens, a letter first",
    ["azure-native:app:ContainerApp"], ["containerAppName"],
    all_of(length(2, 32), LOWER_ALNUM_HYPHEN, LETTER_FIRST, NO_EDGE_HYPHEN, NO_DOUBLE_HYPHEN),
    f"{NAMING}: Microsoft.App containerApps 2-32, lowercase letters, numbers and hyphens, start with letter "
    f"and end with alphanumeric; {AZURERM} internal/services/containerapps/validate/validate.go ContainerAppName "
    "(cannot have '--', not more than 32 characters)",
    bad={"containerAppName": "alfresco--transform-core-aio"}, good={"containerAppName": "alfresco-transform-core-aio"},
)
JOB_NAME = _rule(
    "AZR-DEP-005", "Container Apps job name: 1-32 lowercase letters, digits and single hyphens, no hyphen at either end",
    ["azure-native:app:Job"], ["jobName"],
    all_of(length(1, 32), LOWER_ALNUM_HYPHEN, NO_EDGE_HYPHEN, NO_DOUBLE_HYPHEN),
    f"{AZURERM} internal/services/containerapps/validate/validate.go ContainerAppJobName (lower case "
    "alphanumeric or '-', start and end alphanumeric, must not exceed 32 characters, must not contain --)",
    bad={"jobName": "localgov-drupal-upgrade-job-nightly"}, good={"jobName": "localgov-drupal-upgrade-job"},
)
ENVIRONMENT_NAME = _rule(
    "AZR-DEP-006", "Container Apps environment name: 1-60 letters, digits and hyphens, a letter first, no hyphen last",
    ["azure-native:app:ManagedEnvironment"], ["environmentName"],
    all_of(length(1, 60), ALNUM_HYPHEN, LETTER_FIRST, refuses(r"-$", "must not end with a hyphen")),
    f"{AZURERM} internal/services/containerapps/validate/validate.go ManagedEnvironmentName "
    "(start with an alphabetic character, end with an alphanumeric character, not more than 60 characters)",
    bad={"environmentName": "cae-kings-lynn-"}, good={"environmentName": "cae-kings-lynn"},
)
ENVIRONMENT_STORAGE_NAME = _rule(
    "AZR-DEP-007", "Container Apps environment storage name: 1-32 lowercase letters, digits and single hyphens",
    ["azure-native:app:ManagedEnvironmentsStorage"], ["storageName"],
    all_of(length(1, 32), LOWER_ALNUM_HYPHEN, LETTER_FIRST, NO_EDGE_HYPHEN, NO_DOUBLE_HYPHEN),
    f"{AZURERM} internal/services/containerapps/validate/validate.go ManagedEnvironmentStorageName "
    "(cannot have '--', not more than 32 characters)",
    bad={"storageName": "Shared"}, good={"storageName": "shared"},
)

# --- Databases, caches ----------------------------------------------------------------------

SERVER_NAME = _rule(
    "AZR-DEP-008", "PostgreSQL/MySQL flexible server name: 3-63 lowercase letters, digits and hyphens, not at either end",
    ["azure-native:dbforpostgresql:Server", "azure-native:dbformysql:Server"], ["serverName"],
    all_of(length(3, 63), LOWER_ALNUM_HYPHEN, NO_EDGE_HYPHEN),
    f"{NAMING}: Microsoft.DBforPostgreSQL and Microsoft.DBforMySQL servers 3-63, lowercase letters, hyphens and "
    "numbers, can't start or end with hyphen",
    bad={"serverName": "psql-Kings-Lynn"}, good={"serverName": "psql-kings-lynn"},
)
REDIS_NAME = _rule(
    "AZR-DEP-009", "Azure Cache for Redis name: 1-63 letters, digits and single hyphens, no hyphen at either end",
    ["azure-native:redis:Redis"], ["name"],
    all_of(length(1, 63), ALNUM_HYPHEN, NO_EDGE_HYPHEN, NO_DOUBLE_HYPHEN),
    f"{NAMING}: Microsoft.Cache Redis 1-63, alphanumerics and hyphens, start and end with alphanumeric, "
    "consecutive hyphens not allowed",
    bad={"name": "redis-kings-lynn-"}, good={"name": "redis-kings-lynn"},
)
MANAGED_REDIS_NAME = _rule(
    "AZR-DEP-010", "Azure Managed Redis cluster name: 1-60 letters, digits and single hyphens, no hyphen at either end",
    ["azure-native:redisenterprise:RedisEnterprise"], ["clusterName"],
    all_of(length(1, 60), ALNUM_HYPHEN, NO_EDGE_HYPHEN, NO_DOUBLE_HYPHEN),
    f"{SPECS} specification/redisenterprise ClusterNameParameter, as pulumi-azure-native documents it "
    "(redisenterprise.RedisEnterprise cluster_name: 1-60 characters, A-Z, a-z, 0-9 and hyphen, no leading nor "
    "trailing nor consecutive hyphens)",
    bad={"clusterName": "redis--kings-lynn"}, good={"clusterName": "redis-kings-lynn"},
)

# --- Front Door -----------------------------------------------------------------------------

FRONT_DOOR_PROFILE_NAME = _rule(
    "AZR-DEP-011", "Front Door profile name: 1-260 letters, digits and hyphens, no hyphen at either end",
    ["azure-native:cdn:Profile"], ["profileName"],
    all_of(length(1, 260), ALNUM_HYPHEN, NO_EDGE_HYPHEN),
    f"{NAMING}: Microsoft.Cdn profiles 1-260, alphanumerics and hyphens, start and end with alphanumeric",
    bad={"profileName": "afd-king's-lynn"}, good={"profileName": "afd-kings-lynn"},
)
FRONT_DOOR_CHILD_NAMES = _rule(
    "AZR-DEP-012", "Front Door endpoint, origin group, origin and route names: 1-50 letters, digits and hyphens, "
    "no hyphen at either end",
    ["azure-native:cdn:AFDEndpoint", "azure-native:cdn:AFDOriginGroup", "azure-native:cdn:AFDOrigin",
     "azure-native:cdn:Route"], ["endpointName", "originGroupName", "originName", "routeName"],
    all_of(length(1, 50), ALNUM_HYPHEN, NO_EDGE_HYPHEN),
    f"{NAMING}: Microsoft.Cdn profiles / endpoints, originGroups, originGroups / origins and afdEndpoints / routes "
    "1-50, alphanumerics and hyphens, start and end with alphanumeric",
    bad={"endpointName": "fd-royal-borough-of-kings-lynn-and-west-norfolk-nextcloud"},
    good={"endpointName": "fd-kings-lynn-nextcloud"},
)

# --- Network, identity, monitoring, backup --------------------------------------------------

PRIVATE_ENDPOINT_NAME = _rule(
    "AZR-DEP-013", "private endpoint name: 2-64 letters, digits, _ . and -",
    ["azure-native:network:PrivateEndpoint"], ["privateEndpointName"],
    all_of(length(2, 64), NETWORK), f"{NAMING}: Microsoft.Network privateEndpoints 2-64",
    bad={"privateEndpointName": "pe-kings-lynn."}, good={"privateEndpointName": "pe-kings-lynn"},
)
NSG_NAME = _rule(
    "AZR-DEP-014", "network security group name: 1-80 letters, digits, _ . and -",
    ["azure-native:network:NetworkSecurityGroup"], ["networkSecurityGroupName"],
    all_of(length(1, 80), NETWORK), f"{NAMING}: Microsoft.Network networkSecurityGroups 1-80",
    bad={"networkSecurityGroupName": "nsg kings lynn"}, good={"networkSecurityGroupName": "nsg-kings-lynn"},
)
VNET_NAME = _rule(
    "AZR-DEP-015", "virtual network name: 2-64 letters, digits, _ . and -",
    ["azure-native:network:VirtualNetwork"], ["virtualNetworkName"],
    all_of(length(2, 64), NETWORK), f"{NAMING}: Microsoft.Network virtualNetworks 2-64",
    bad={"virtualNetworkName": "-vnet"}, good={"virtualNetworkName": "vnet-kings-lynn"},
)
SUBNET_NAME = _rule(
    "AZR-DEP-016", "subnet name: 1-80 letters, digits, _ . and -",
    ["azure-native:network:Subnet"], ["subnetName"],
    all_of(length(1, 80), NETWORK), f"{NAMING}: Microsoft.Network virtualnetworks / subnets 1-80",
    bad={"subnetName": "apps/web"}, good={"subnetName": "apps"},
)
IDENTITY_NAME = _rule(
    "AZR-DEP-017", "user-assigned identity name: 3-128 letters, digits, hyphens and underscores, a letter or digit first",
    ["azure-native:managedidentity:UserAssignedIdentity"], ["resourceName"],
    all_of(length(3, 128), matches(r"[A-Za-z0-9_-]+", "may contain only letters, digits, hyphens and underscores"),
           refuses(r"^[_-]", "must start with a letter or digit")),
    f"{NAMING}: Microsoft.ManagedIdentity userAssignedIdentities 3-128, start with letter or number",
    bad={"resourceName": "id.nextcloud"}, good={"resourceName": "id-nextcloud"},
)
WORKSPACE_NAME = _rule(
    "AZR-DEP-018", "Log Analytics workspace name: 4-63 letters, digits and hyphens, no hyphen at either end",
    ["azure-native:operationalinsights:Workspace"], ["workspaceName"],
    all_of(length(4, 63), ALNUM_HYPHEN, NO_EDGE_HYPHEN),
    f"{NAMING}: Microsoft.OperationalInsights workspaces 4-63, alphanumerics and hyphens, start and end with "
    "alphanumeric",
    bad={"workspaceName": "log"}, good={"workspaceName": "log-kings-lynn"},
)
RECOVERY_VAULT_NAME = _rule(
    "AZR-DEP-019", "Recovery Services vault name: 2-50 letters, digits and hyphens, a letter first",
    ["azure-native:recoveryservices:Vault"], ["vaultName"],
    all_of(length(2, 50), ALNUM_HYPHEN, LETTER_FIRST),
    f"{NAMING}: Microsoft.RecoveryServices vaults 2-50, alphanumerics and hyphens, start with letter",
    bad={"vaultName": "1st-council-backup"}, good={"vaultName": "rsv-1st-council-backup"},
)
VM_NAME = _rule(
    "AZR-DEP-024", "Linux VM name and computer name: 1-64 characters, none of \\/\"'[]:|<>+=;,?*@& or spaces, no "
    "underscore first, no period or hyphen last",
    ["azure-native:compute:VirtualMachine"], ["vmName", "osProfile.computerName"],
    all_of(length(1, 64), refuses(r"[\\/\"'\[\]:|<>+=;,?*@& ]", "must not contain spaces or \\/\"'[]:|<>+=;,?*@&"),
           refuses(r"^_", "must not start with an underscore"), refuses(r"[.-]$", "must not end with a period or hyphen")),
    f"{NAMING}: Microsoft.Compute virtualMachines 1-15 (Windows), 1-64 (Linux); can't use \\/\"'[]:|<>+=;,?*@&, "
    "can't start with underscore, can't end with period or hyphen (the self-managed database VM, database_vm.py)",
    bad={"vmName": "vm-db-king's-lynn-"}, good={"vmName": "vm-db-kings-lynn"},
)

# --- Flexible Server pairings ---------------------------------------------------------------

FLEXIBLE_SERVERS = ("azure-native:dbforpostgresql:Server", "azure-native:dbformysql:Server")
HA_TIERS = ("GeneralPurpose", "MemoryOptimized")


def _ha_tier(inputs: Mapping[str, Any], related: Related) -> Iterable[Problem]:
    mode, tier = value_at(inputs, "highAvailability.mode"), value_at(inputs, "sku.tier")
    if mode in (None, "Disabled") or tier is None:
        return
    if tier not in HA_TIERS:
        yield Problem("sku.tier", tier, f"high availability ({mode}) is not supported in the {tier} tier: it needs "
                                        f"General Purpose or Memory Optimized")


FLEXIBLE_SERVER_HA = Rule(
    "AZR-DEP-020", "Flexible Server high availability needs the General Purpose or Memory Optimized tier",
    FLEXIBLE_SERVERS, ("highAvailability.mode", "sku.tier"), _ha_tier,
    "Azure Database for MySQL flexible server user guide, high availability limitations (MicrosoftDocs/azure-docs: "
    "high availability isn't supported in the burstable compute tier); Azure Database for PostgreSQL flexible "
    "server user guide, high availability how-to (isn't supported for Burstable tier)",
    bad={"highAvailability.mode": "ZoneRedundant", "sku.tier": "Burstable"},
    good={"highAvailability.mode": "ZoneRedundant", "sku.tier": "GeneralPurpose"},
)
BACKUP_RETENTION = _rule(
    "AZR-DEP-021", "Flexible Server backup retention: 7 to 35 days",
    FLEXIBLE_SERVERS, ["backup.backupRetentionDays"], integer_between(7, 35),
    f"{AZURERM} internal/services/postgres/postgresql_flexible_server_resource.go backup_retention_days "
    "validation.IntBetween(7, 35) (the Flexible Server backup retention range)",
    bad={"backup.backupRetentionDays": 36}, good={"backup.backupRetentionDays": 35},
)

# --- NFS shares -----------------------------------------------------------------------------

STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"


def _nfs_share(inputs: Mapping[str, Any], related: Related) -> Iterable[Problem]:
    if value_at(inputs, "enabledProtocols") != "NFS":
        return
    tier = value_at(inputs, "accessTier")
    if tier is not None and tier != "Premium":
        # storage.FileShare access_tier: GpV2 accounts choose TransactionOptimized, Hot or Cool;
        # FileStorage accounts choose Premium. A Hot/Cool/TransactionOptimized share is a standard one.
        yield Problem("accessTier", tier, f"NFS shares are premium (SSD) only; a {tier} share is a standard share")
    account = related("accountName", STORAGE_ACCOUNT)
    if account is None:
        return
    kind, sku = value_at(account, "kind"), value_at(account, "sku.name")
    if kind is not None and kind != "FileStorage":
        yield Problem("enabledProtocols", "NFS", f"NFS shares need a premium FileStorage account; its account is {kind}")
    elif sku is not None and not str(sku).startswith("Premium_"):
        yield Problem("enabledProtocols", "NFS", f"NFS shares are premium (SSD) only; its account is {sku}")
    if value_at(account, "enableHttpsTrafficOnly") is not False:
        yield Problem("enabledProtocols", "NFS", "its account requires secure transfer (enableHttpsTrafficOnly, on by "
                                                 "default), which refuses the plain NFS mount Container Apps makes")


NFS_SHARE = Rule(
    "AZR-DEP-022", "NFS file share: a premium share on a FileStorage account with secure transfer off",
    ("azure-native:storage:FileShare",), ("enabledProtocols", "accessTier", "accountName"), _nfs_share,
    "Azure Files NFS docs (MicrosoftDocs/azure-docs storage/files: NFS shares are only available in premium Azure "
    "file shares; storage-files-quick-create-use-linux: disable secure transfer, NFS relies on network-level "
    "security; NFS troubleshooting: a plain NFS client mount fails while Secure transfer required is enabled); "
    f"{SPECS} FileShares accessTier as pulumi-azure-native documents it (FileStorage accounts choose Premium)",
    bad={"enabledProtocols": "NFS", "accessTier": "Hot"}, good={"enabledProtocols": "NFS", "accessTier": "Premium"},
    scope="stack",
)

# --- Container Apps replica sizes -----------------------------------------------------------

# vCPU → GiB a Consumption replica may ask for (the containers' totals): MicrosoftDocs/azure-docs
# container-apps/containers.md "vCPU and memory allocation requirements" (0.25 to 4.0 vCPU in 0.25
# steps, memory twice the vCPU; up to 2.0/4.0Gi on the Consumption plan of a Consumption-only
# environment, up to 4.0/8.0Gi on the Consumption workload profile).
CONSUMPTION_PAIRS: dict[Decimal, Decimal] = {Decimal(q) / 4: Decimal(q) / 2 for q in range(1, 17)}
CONSUMPTION_ONLY_MAX = Decimal(2)
CONTAINER_APP_TYPES = ("azure-native:app:ContainerApp", "azure-native:app:Job")
ENVIRONMENT = "azure-native:app:ManagedEnvironment"


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _gib(value: Any) -> Decimal | None:
    """GiB from "2Gi", "2.0Gi" or "1536Mi" (Container Apps takes Gi; Mi read for safety)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    for unit, scale in (("Gi", Decimal(1)), ("Mi", Decimal(1) / 1024)):
        if text.endswith(unit):
            number = _number(text[: -len(unit)])
            return None if number is None else number * scale
    return None


def _profile_type(inputs: Mapping[str, Any], related: Related) -> str | None:
    """The workload profile type the app runs on: "Consumption", a dedicated type, or
    "ConsumptionOnly" (an environment without workload profiles)."""
    name = value_at(inputs, "workloadProfileName")
    environment = related("managedEnvironmentId", ENVIRONMENT) or related("environmentId", ENVIRONMENT)
    if environment is not None:
        profiles = environment.get("workloadProfiles") if isinstance(environment, Mapping) else None
        if not profiles:
            return "ConsumptionOnly"
        for p in profiles:
            if isinstance(p, Mapping) and p.get("name") == (name or "Consumption"):
                return p.get("workloadProfileType")
    # The built-in consumption profile of a workload profiles environment is named "Consumption".
    return "Consumption" if name in (None, "Consumption") else None


def _sum(items: Iterable[tuple[str, Any]]) -> tuple[Decimal, Decimal, bool]:
    cpu = memory = Decimal(0)
    complete = True
    for _, c in items:
        resources = c.get("resources") if isinstance(c, Mapping) else None
        c_cpu = _number(value_at(resources or {}, "cpu"))
        c_mem = _gib(value_at(resources or {}, "memory"))
        if c_cpu is None or c_mem is None:
            complete = False
            continue
        cpu, memory = cpu + c_cpu, memory + c_mem
    return cpu, memory, complete


def _replica_size(inputs: Mapping[str, Any], related: Related) -> Iterable[Problem]:
    profile = _profile_type(inputs, related)
    if profile not in ("Consumption", "ConsumptionOnly"):
        return  # a dedicated profile bounds the replica by its machine size, not by this table
    containers = list(values_at(inputs, "template.containers[*]"))
    cpu, memory, complete = _sum(containers)
    if containers and complete:
        top = CONSUMPTION_ONLY_MAX if profile == "ConsumptionOnly" else max(CONSUMPTION_PAIRS)
        if CONSUMPTION_PAIRS.get(cpu) != memory or cpu > top:
            # Reported at the biggest container's cpu: the one to resize (or move to a dedicated profile).
            biggest = max(range(len(containers)), key=lambda i: _sum(containers[i:i + 1])[0])
            yield Problem(f"template.containers[{biggest}].resources.cpu",
                          f"{cpu.normalize():f} vCPU / {memory.normalize():f}Gi in all",
                          f"a Consumption replica's containers must add up to one of 0.25 vCPU/0.5Gi ... "
                          f"{top.normalize():f} vCPU/{(top * 2).normalize():f}Gi in 0.25 vCPU steps with twice the "
                          f"memory")
    # Init containers run before the app's containers, each within their total (Azure refuses more:
    # ContainerAppInitContainersInvalidCpu, microsoft/azure-container-apps#1189).
    for path, c in values_at(inputs, "template.initContainers[*]"):
        i_cpu, i_mem, ok = _sum([(path, c)])
        if ok and complete and containers and (i_cpu > cpu or i_mem > memory):
            yield Problem(f"{path}.resources", f"{i_cpu.normalize():f} vCPU / {i_mem.normalize():f}Gi",
                          f"an init container may not ask for more than the app's containers together "
                          f"({cpu.normalize():f} vCPU / {memory.normalize():f}Gi)")


REPLICA_SIZE = Rule(
    "AZR-DEP-023", "Container Apps Consumption replica: the containers add up to an allowed vCPU/memory pair, "
    "and no init container asks for more",
    CONTAINER_APP_TYPES, ("template.containers", "template.initContainers", "workloadProfileName"), _replica_size,
    "Azure Container Apps developer guide, Containers: vCPU and memory allocation requirements (MicrosoftDocs/"
    "azure-docs container-apps/containers.md); init container limit: ContainerAppInitContainersInvalidCpu "
    "(microsoft/azure-container-apps#1189)",
    bad={"template.containers[0].resources.cpu": 4.25, "template.containers[0].resources.memory": "8.5Gi"},
    good={"template.containers[0].resources.cpu": 1, "template.containers[0].resources.memory": "2Gi"},
    scope="stack",
)

RULES: tuple[Rule, ...] = (
    KEY_VAULT_NAME, STORAGE_ACCOUNT_NAME, FILE_SHARE_NAME, CONTAINER_APP_NAME, JOB_NAME, ENVIRONMENT_NAME,
    ENVIRONMENT_STORAGE_NAME, SERVER_NAME, REDIS_NAME, MANAGED_REDIS_NAME, FRONT_DOOR_PROFILE_NAME,
    FRONT_DOOR_CHILD_NAMES, PRIVATE_ENDPOINT_NAME, NSG_NAME, VNET_NAME, SUBNET_NAME, IDENTITY_NAME, WORKSPACE_NAME,
    RECOVERY_VAULT_NAME, VM_NAME, FLEXIBLE_SERVER_HA, BACKUP_RETENTION, NFS_SHARE, REPLICA_SIZE,
)
