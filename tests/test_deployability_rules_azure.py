"""Each Azure deployability rule against the source it cites, and against real Azure plans.

Sources that ship here are read here: pulumi-azure-native 3.29.0's docstrings (generated from the
Azure REST API specifications) for share, account and Managed Redis names and share access tiers.
The rest were read from MicrosoftDocs/azure-docs, terraform-provider-azurerm and
microsoft/azure-container-apps (see stacks/azure/deployability.py); their words are quoted below
and each rule's behaviour is pinned to them. Every rule catches its bad sample planted into a real
Azure plan (and only that) and passes its good one; stack rules are also caught through the
resource they read (the NFS share's account, the app's environment); every catalogue app plans on
Azure, both tiers, without a violation.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from decimal import Decimal

import pytest

from councilkit.blueprints.deployment import clouds_for
from councilkit.blueprints.loader import discover, load_file
from councilkit.stacks import deployability
from councilkit.stacks.azure import deployability as azure
from councilkit.stacks.cloud import cloud_for
from councilkit.stacks.deployability import plant
from councilkit.stacks.plan import Plan, PlannedResource

from helpers import TIERS, planned, with_inputs

RULES = {r.id: r for r in azure.RULES}
ON_AZURE = [app for app, versions in discover().items()
            if "azure" in clouds_for(load_file(list(versions.values())[-1].path))]
CANDIDATES = [(app, "azure", tier) for tier in ("production", "trial") for app in ("nextcloud", "localgov-drupal")]


def valid(rule_id: str, path: str, value) -> bool:
    return not RULES[rule_id].problems(plant({}, path, value))


def doc(obj, prop: str) -> str:
    """The docstring pulumi-azure-native gives an input property (the REST spec's description)."""
    return re.sub(r"\s+", " ", inspect.getdoc(getattr(obj, prop)) or "")


# --- the rules are the cloud adapter's, each with samples and a source ------------------------

def test_the_azure_adapter_serves_these_rules_with_unique_ids():
    assert cloud_for("azure").deployability_rules() == azure.RULES
    assert len(RULES) == len(azure.RULES) >= 20
    assert sorted(RULES) == [f"AZR-DEP-{n:03d}" for n in range(1, len(RULES) + 1)]


@pytest.mark.parametrize("rule", azure.RULES, ids=lambda r: r.id)
def test_each_rule_refuses_its_bad_sample_and_accepts_its_good_one_on_its_own(rule):
    assert rule.source and re.search(r"azure-rest-api-specs|terraform-provider-azurerm|azure-docs|"
                                     r"developer guide|azure-container-apps", rule.source), rule.source
    bad = {}
    for path, value in rule.bad.items():
        bad = plant(bad, path, value)
    good = {}
    for path, value in rule.good.items():
        good = plant(good, path, value)
    assert rule.problems(bad)
    assert rule.problems(good) == []


# --- the self-test over real Azure plans ------------------------------------------------------

def _target(rule) -> tuple[Plan, PlannedResource]:
    for case in CANDIDATES:
        _, plan = planned(*case)
        bare = PlannedResource(urn=f"urn:pulumi:{plan.stack}::councilkit::{rule.types[0]}::planted",
                               type=rule.types[0], name="planted", parent="", custom=True, inputs={})
        for r in plan.of_type(rule.types[0]) or [bare]:
            good, _ = with_inputs(plan, r, rule.good)
            if not deployability.check(good, "azure"):
                return plan, r
    raise AssertionError(f"{rule.id}: no Azure plan where its good sample passes")


def mutation_failures(rule) -> list[str]:
    plan, target = _target(rule)
    bad, _ = with_inputs(plan, target, rule.bad)
    found = deployability.violations(bad.resources, azure.RULES)
    problems = [] if found else [f"{rule.id}: its bad sample is not caught"]
    for v in found:
        if (v.rule, v.urn) != (rule.id, target.urn):
            problems.append(f"{rule.id}: planting its bad sample made {v.rule} fire on {v.name}")
        elif not any(v.input == p or v.input.startswith(p) or p.startswith(v.input + ".") for p in rule.bad):
            problems.append(f"{rule.id}: fired at {v.input}, which was not planted")
        elif v.source != rule.source or not v.message:
            problems.append(f"{rule.id}: violation without its source or message")
    return problems


@pytest.mark.parametrize("rule", azure.RULES, ids=lambda r: r.id)
def test_each_rule_catches_its_bad_sample_in_a_real_azure_plan(rule):
    assert mutation_failures(rule) == []


def test_the_self_test_fails_a_blind_rule():
    blind = dataclasses.replace(RULES["AZR-DEP-004"], check=lambda inputs, related: iter(()))
    original = azure.RULES
    try:
        azure.RULES = tuple(blind if r.id == blind.id else r for r in original)
        assert mutation_failures(blind) == ["AZR-DEP-004: its bad sample is not caught"]
    finally:
        azure.RULES = original


@pytest.mark.parametrize("app", ON_AZURE)
@pytest.mark.parametrize("tier", TIERS)
def test_every_catalogue_app_plans_on_azure_without_a_violation(app, tier):
    _, plan = planned(app, "azure", tier)
    assert [v.line() for v in deployability.check(plan, "azure")] == []


# --- names, against their sources -------------------------------------------------------------

def test_share_account_and_managed_redis_names_are_the_specs_as_pulumi_documents_them():
    from pulumi_azure_native import redisenterprise, storage

    share = doc(storage.FileShareArgs, "share_name")
    assert "between 3 and 63 characters" in share and "numbers, lower-case letters and dash (-) only" in share
    assert "Every dash (-) character must be immediately preceded and followed by a letter or number" in share
    assert "between 3 and 24 characters" in doc(storage.StorageAccountArgs, "account_name")
    redis = doc(redisenterprise.RedisEnterpriseArgs, "cluster_name")
    assert "1-60 characters" in redis and "no leading nor trailing nor consecutive hyphens" in redis
    for rule_id, path, lo, hi in (("AZR-DEP-003", "shareName", 3, 63), ("AZR-DEP-002", "accountName", 3, 24),
                                  ("AZR-DEP-010", "clusterName", 1, 60)):
        assert valid(rule_id, path, "a" * hi) and not valid(rule_id, path, "a" * (hi + 1))
        assert valid(rule_id, path, "a" * lo) and (lo == 1 or not valid(rule_id, path, "a" * (lo - 1)))
    for name in ("-shared", "shared-", "sha--red", "Shared", "sha_red"):
        assert not valid("AZR-DEP-003", "shareName", name), name
    for name in ("-redis", "redis-", "re--dis"):
        assert not valid("AZR-DEP-010", "clusterName", name), name
    assert valid("AZR-DEP-010", "clusterName", "Redis-Kings-1")


# resource-name-rules.md rows as read (length, then the rule in words); each checked below.
NAMING_ROWS = {
    "containerApps": "2-32 | Lowercase letters, numbers, and hyphens. Start with letter and end with alphanumeric.",
    "vaults": "3-24 | Alphanumerics and hyphens. Start with letter. End with letter or digit. Can't contain consecutive hyphens.",
    "flexible servers": "3-63 | Lowercase letters, hyphens and numbers. Can't start or end with hyphen.",
    "Redis": "1-63 | Alphanumerics and hyphens. Start and end with alphanumeric. Consecutive hyphens not allowed.",
    "profiles": "1-260 | Alphanumerics and hyphens. Start and end with alphanumeric.",
    "endpoints, originGroups, origins, routes": "1-50 | Alphanumerics and hyphens. Start and end with alphanumeric.",
    "privateEndpoints": "2-64 | Alphanumerics, underscores, periods, and hyphens. Start with alphanumeric. End alphanumeric or underscore.",
    "networkSecurityGroups": "1-80 | (as privateEndpoints)",
    "virtualNetworks": "2-64 | (as privateEndpoints)",
    "subnets": "1-80 | (as privateEndpoints)",
    "userAssignedIdentities": "3-128 | Alphanumerics, hyphens, and underscores. Start with letter or number.",
    "workspaces": "4-63 | Alphanumerics and hyphens. Start and end with alphanumeric.",
    "Recovery Services vaults": "2-50 | Alphanumerics and hyphens. Start with letter.",
}


@pytest.mark.parametrize("rule_id,path,lo,hi,good,bad", [
    ("AZR-DEP-004", "containerAppName", 2, 32, ["ab", "a1", "web-app-2"], ["1web", "web-", "Web", "we--b", "web_app"]),
    ("AZR-DEP-001", "vaultName", 3, 24, ["kv1", "kv-a-1"], ["1kv", "kv-", "kv--a", "kv_a"]),
    ("AZR-DEP-008", "serverName", 3, 63, ["psql-a", "1db"], ["-db", "db-", "Psql", "db_1"]),
    ("AZR-DEP-009", "name", 1, 63, ["r", "Redis-1"], ["-r", "r-", "re--dis", "re_dis"]),
    ("AZR-DEP-011", "profileName", 1, 260, ["afd-1"], ["-afd", "afd-", "afd.1"]),
    ("AZR-DEP-012", "routeName", 1, 50, ["web", "Web-2"], ["-web", "web-", "web_1"]),
    ("AZR-DEP-013", "privateEndpointName", 2, 64, ["pe", "pe_", "a.b-c_d"], ["-pe", ".pe", "pe.", "pe-", "pe/1"]),
    ("AZR-DEP-014", "networkSecurityGroupName", 1, 80, ["n", "nsg_"], ["_nsg", "nsg.", "nsg 1"]),
    ("AZR-DEP-015", "virtualNetworkName", 2, 64, ["vn", "vnet.1_"], ["-vnet", "vnet-"]),
    ("AZR-DEP-016", "subnetName", 1, 80, ["apps", "a"], ["apps/web", "apps-"]),
    ("AZR-DEP-017", "resourceName", 3, 128, ["id-a", "1d_a"], ["-id", "_id", "id.a"]),
    ("AZR-DEP-018", "workspaceName", 4, 63, ["log1", "log-a"], ["-log", "log-", "log_a"]),
    ("AZR-DEP-019", "vaultName", 2, 50, ["rv", "rsv-1"], ["1rsv", "-rsv", "rsv_1"]),
])
def test_name_rules_follow_the_naming_rules_page(rule_id, path, lo, hi, good, bad):
    first = good[0][0]
    assert valid(rule_id, path, first * hi) and not valid(rule_id, path, first * (hi + 1))
    assert lo == 1 or not valid(rule_id, path, first * (lo - 1))
    for name in good:
        assert valid(rule_id, path, name), (rule_id, name)
    for name in bad:
        assert not valid(rule_id, path, name), (rule_id, name)


def test_container_apps_job_environment_and_storage_names_follow_azurerm():
    # validate.go ContainerAppJobName: ^([a-z0-9])[a-z0-9-]*[a-z0-9]$, len <= 32, no "--".
    assert valid("AZR-DEP-005", "jobName", "1") and valid("AZR-DEP-005", "jobName", "9-upgrade")
    assert valid("AZR-DEP-005", "jobName", "a" * 32) and not valid("AZR-DEP-005", "jobName", "a" * 33)
    for name in ("-job", "job-", "jo--b", "Job"):
        assert not valid("AZR-DEP-005", "jobName", name), name
    # ManagedEnvironmentName: ^([a-zA-Z])[a-zA-Z0-9-]{0,58}[a-z]?$, not ending "-".
    assert valid("AZR-DEP-006", "environmentName", "Cae-1") and valid("AZR-DEP-006", "environmentName", "a" * 60)
    for name in ("1cae", "cae-", "cae_1", "a" * 61):
        assert not valid("AZR-DEP-006", "environmentName", name), name
    # ManagedEnvironmentStorageName: ^([a-z])[a-z0-9-]{0,30}[a-z]?$, no "--", not ending "-".
    assert valid("AZR-DEP-007", "storageName", "a" * 32) and not valid("AZR-DEP-007", "storageName", "a" * 33)
    for name in ("1share", "share-", "sh--are", "Share"):
        assert not valid("AZR-DEP-007", "storageName", name), name


def test_the_stacks_own_name_patterns_agree_with_the_rules():
    from councilkit.stacks.azure import names

    for name in ("web", "transform-core-aio", "a" * 32):
        assert bool(names.CONTAINER_APP_RE.match(name)) == valid("AZR-DEP-004", "containerAppName", name), name
    for name in ("a" * 33, "1web", "we--b"):
        assert not names.CONTAINER_APP_RE.match(name) and not valid("AZR-DEP-004", "containerAppName", name), name
    for name in ("kv-a-1", "kv--a", "1kv", "kv-"):
        assert bool(names.KEY_VAULT_RE.match(name)) == valid("AZR-DEP-001", "vaultName", name), name


# --- Flexible Server --------------------------------------------------------------------------

@pytest.mark.parametrize("mode,tier,ok", [("ZoneRedundant", "Burstable", False), ("SameZone", "Burstable", False),
                                          ("ZoneRedundant", "GeneralPurpose", True), ("SameZone", "MemoryOptimized", True),
                                          ("Disabled", "Burstable", True)])
def test_high_availability_needs_general_purpose_or_memory_optimized(mode, tier, ok):
    found = RULES["AZR-DEP-020"].problems({"highAvailability": {"mode": mode}, "sku": {"tier": tier}})
    assert (found == []) == ok
    if not ok:
        assert found[0].path == "sku.tier" and "Burstable" in found[0].message


def test_backup_retention_is_7_to_35_days():
    path = "backup.backupRetentionDays"
    assert valid("AZR-DEP-021", path, 7) and valid("AZR-DEP-021", path, 35)
    assert not valid("AZR-DEP-021", path, 6) and not valid("AZR-DEP-021", path, 36)


def test_production_databases_are_zone_redundant_on_general_purpose_and_keep_backups_in_range():
    _, plan = planned("nextcloud", "azure", "production")
    (server,) = plan.of_type("azure-native:dbforpostgresql:Server")
    assert server.inputs["highAvailability"]["mode"] != "Disabled" and server.inputs["sku"]["tier"] != "Burstable"
    assert 7 <= server.inputs["backup"]["backupRetentionDays"] <= 35
    burstable, _ = with_inputs(plan, server, {"sku.tier": "Burstable"})
    assert [v.rule for v in deployability.check(burstable, "azure")] == ["AZR-DEP-020"]


# --- NFS shares: the share and its account ----------------------------------------------------

def test_nfs_access_tier_is_premium_as_pulumi_documents_it():
    from pulumi_azure_native import storage

    assert "FileStorage account can choose Premium" in doc(storage.FileShareArgs, "access_tier")
    rule = RULES["AZR-DEP-022"]
    assert [p.path for p in rule.problems({"enabledProtocols": "NFS", "accessTier": "Cool"})] == ["accessTier"]
    assert rule.problems({"enabledProtocols": "SMB", "accessTier": "Cool"}) == []


@pytest.mark.parametrize("planted,words", [
    ({"kind": "StorageV2"}, "FileStorage"),
    ({"sku.name": "Standard_LRS"}, "premium"),
    ({"enableHttpsTrafficOnly": True}, "secure transfer"),
])
def test_an_nfs_share_is_refused_through_its_storage_account(planted, words):
    _, plan = planned("nextcloud", "azure", "production")
    (share,) = plan.of_type("azure-native:storage:FileShare")
    (account,) = plan.of_type("azure-native:storage:StorageAccount")
    assert share.inputs["enabledProtocols"] == "NFS" and not deployability.check(plan, "azure")
    bad, _ = with_inputs(plan, account, planted)
    found = deployability.check(bad, "azure")
    assert [(v.rule, v.name) for v in found] == [("AZR-DEP-022", share.name)]
    assert words in found[0].message


def test_secure_transfer_left_at_its_default_is_refused_for_nfs():
    _, plan = planned("nextcloud", "azure", "production")
    (account,) = plan.of_type("azure-native:storage:StorageAccount")
    inputs = {k: v for k, v in account.inputs.items() if k != "enableHttpsTrafficOnly"}
    bad = Plan(stack=plan.stack, outputs=plan.outputs,
               resources=[dataclasses.replace(r, inputs=inputs) if r.urn == account.urn else r for r in plan.resources])
    assert [v.rule for v in deployability.check(bad, "azure")] == ["AZR-DEP-022"]


# --- Container Apps replica sizes -------------------------------------------------------------

# containers.md, "vCPU and memory allocation requirements", as read (vCPUs | Memory | Consumption
# plan | Consumption workload profile).
ALLOCATIONS = """
| `0.25` | `0.5Gi` | ✔ | ✔ |
| `0.5` | `1.0Gi` | ✔ | ✔ |
| `0.75` | `1.5Gi` | ✔ | ✔ |
| `1.0` | `2.0Gi` | ✔ | ✔ |
| `1.25` | `2.5Gi` | ✔ | ✔ |
| `1.5` | `3.0Gi` | ✔ | ✔ |
| `1.75` | `3.5Gi` | ✔ | ✔ |
| `2.0` | `4.0Gi` | ✔ | ✔ |
| `2.25` | `4.5Gi` |  | ✔ |
| `2.5` | `5.0Gi` |  | ✔ |
| `2.75` | `5.5Gi` |  | ✔ |
| `3.0` | `6.0Gi` |  | ✔ |
| `3.25` | `6.5Gi` |  | ✔ |
| `3.5` | `7.0Gi` |  | ✔ |
| `3.75` | `7.5Gi` |  | ✔ |
| `4.0` | `8.0Gi` |  | ✔ |
"""


def _app(containers, init=(), profile="Consumption"):
    res = lambda cpu, mem: {"resources": {"cpu": cpu, "memory": mem}}  # noqa: E731
    return {"workloadProfileName": profile, "template": {"containers": [res(*c) for c in containers],
                                                         "initContainers": [res(*c) for c in init]}}


def test_the_consumption_table_is_the_container_apps_docs():
    rows = re.findall(r"\| `([\d.]+)` \| `([\d.]+)Gi` \| (✔?) *\| (✔?) *\|", ALLOCATIONS)
    assert {Decimal(c): Decimal(m) for c, m, _, _ in rows} == azure.CONSUMPTION_PAIRS
    assert max(Decimal(c) for c, _, plan, _ in rows if plan) == azure.CONSUMPTION_ONLY_MAX


@pytest.mark.parametrize("containers,ok", [
    ([(0.25, "0.5Gi")], True), ([(4, "8Gi")], True), ([(1, "2Gi"), (0.5, "1Gi")], True), ([(3.75, "7.5Gi")], True),
    ([(4.25, "8.5Gi")], False), ([(1, "1Gi")], False), ([(0.3, "0.6Gi")], False), ([(3, "6Gi"), (1.25, "2.5Gi")], False),
])
def test_a_consumption_replica_adds_up_to_an_allowed_pair(containers, ok):
    assert (RULES["AZR-DEP-023"].problems(_app(containers)) == []) == ok


def test_init_containers_are_bounded_by_the_app_containers_not_added_to_them():
    rule = RULES["AZR-DEP-023"]
    # Alfresco production's repository: 4 vCPU/8Gi and a 0.25/0.5Gi init container (run first, alone).
    assert rule.problems(_app([(4, "8Gi")], init=[(0.25, "0.5Gi")])) == []
    found = rule.problems(_app([(0.25, "0.5Gi")], init=[(0.5, "1Gi")]))
    assert [p.path for p in found] == ["template.initContainers[0].resources"]
    assert "may not ask for more" in found[0].message


def test_dedicated_profiles_are_not_judged_and_consumption_only_environments_stop_at_two_vcpu():
    rule = RULES["AZR-DEP-023"]
    assert rule.problems(_app([(6, "24Gi")], profile="D8")) == []
    no_profiles = lambda prop, type_: {"workloadProfiles": []}  # noqa: E731
    assert rule.problems(_app([(2, "4Gi")]), no_profiles) == []
    assert rule.problems(_app([(2.5, "5Gi")]), no_profiles)
    dedicated_env = lambda prop, type_: {"workloadProfiles": [{"name": "big", "workloadProfileType": "D8"}]}  # noqa: E731
    assert rule.problems(_app([(6, "24Gi")], profile="big"), dedicated_env) == []


def test_alfresco_production_fits_a_consumption_replica_and_one_more_quarter_vcpu_would_not():
    _, plan = planned("alfresco", "azure", "production")
    (repo,) = [r for r in plan.of_type("azure-native:app:ContainerApp") if r.name.endswith("repository")]
    template = repo.inputs["template"]
    assert [c["resources"] for c in template["containers"]] == [{"cpu": 4, "memory": "8Gi"}]
    assert [c["resources"] for c in template.get("initContainers", [])] == [{"cpu": 0.25, "memory": "0.5Gi"}]
    assert not deployability.check(plan, "azure")
    bigger, _ = with_inputs(plan, repo, {"template.containers[0].resources.cpu": 4.25,
                                   "template.containers[0].resources.memory": "8.5Gi"})
    assert [(v.rule, v.name, v.input) for v in deployability.check(bigger, "azure")] == \
        [("AZR-DEP-023", repo.name, "template.containers[0].resources.cpu")]
