"""The Azure stack: one deployment's resources with pulumi-azure-native, one component per job.

Mirrors stacks/aws: network (+ NSGs) → identity → secrets (Key Vault) → registry → environment
(Container Apps + Log Analytics) → files (one NFS share) → database → caches (one Managed Redis each) → apps
(+ install/upgrade jobs) → edge (Front Door + WAF over Private Link, production) → monitoring
(+ budget) → backup (production). Everything lives in one resource group per deployment, so a
trial is destroyed in one command. Tags come from stacks/tags.py.

Going live needs DNS records only the council can publish (`dns_records` output): Azure checks
`asuid.<domain>` (the environment's domain verification id) and the CNAME before it puts the
council's domain on the web app. `up` therefore goes live in phases (cloud.py, golive.py): the
environment first, its records printed, written and waited for; the image; the identity, secrets
and role assignments; then everything, the domain bound on the web app last. The certificates'
`_dnsauth` tokens follow the whole stack, and Azure retries their validation.

Known limits (see also cache.py and database.py):
- Caches are Azure Managed Redis (cache.py): Azure Cache for Redis is retiring (30 September 2028).
- `mariadb` blueprints that also run on MySQL use MySQL flexible server 8.0 (Azure Database for
  MariaDB is retired); one that needs MariaDB itself (Frappe/ERPNext) gets a self-managed MariaDB
  VM instead (database_vm.py, Deployment.database_hosting), which the council patches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_azure_native.resources as resources

from councilkit.blueprints.deployment import Deployment
from councilkit.stacks.outputs import AdminCredentials, StackOutputs
from councilkit.stacks.spec import SecretSpec, blueprint_secrets

from . import names
from .apps import Apps, AppsArgs, one_off_job_name
from .cache import Cache, CacheArgs, secret_name as cache_secret
from .cloud import read_secret_command
from .database import Database, DatabaseArgs
from .environment import Environment, EnvironmentArgs
from .files import Files, FilesArgs
from .identity import Identity, IdentityArgs
from .monitoring import Monitoring, MonitoringArgs
from .network import Network, NetworkArgs
from .secrets import Secrets, SecretsArgs

# Front Door, backup and registry are imported only when a deployment has them: each
# azure-native module costs a tenth of a second or more to import, and a plan is timed.
if TYPE_CHECKING:
    from .edge import Edge

DB_PASSWORD = "db-password"
# Monthly consumption budget per tier, in the subscription's billing currency (GBP for most UK
# councils): an e-mail at 80% of actual spend and when the forecast passes 100%.
MONTHLY_BUDGET = {"trial": 100, "production": 900}


def _secret_specs(d: Deployment) -> list[SecretSpec]:
    specs = blueprint_secrets(d)
    if d.blueprint.database:
        specs.append(SecretSpec(DB_PASSWORD, f"{d.app_id} database administrator password", 32))
    if d.database_hosting == "self-managed":
        from .database_vm import VM_PASSWORD

        specs.append(SecretSpec(VM_PASSWORD, f"{d.app_id} database VM local administrator password", 32))
    return specs


def build(d: Deployment) -> StackOutputs:
    bp = d.blueprint
    location = d.region
    rg = resources.ResourceGroup(
        "resource-group", resource_group_name=names.resource_group(d), location=location
    )
    rg_name = rg.name
    net = Network("network", NetworkArgs(d, rg_name, location))
    identity = Identity("identity", IdentityArgs(d, rg_name, location))
    secrets = Secrets(
        "secrets",
        SecretsArgs(
            deployment=d,
            resource_group_name=rg_name,
            location=location,
            tenant_id=identity.tenant_id,
            reader_principal_id=identity.principal_id,
            network=net,
            specs=_secret_specs(d),
        ),
    )
    registry = None
    if any(c.build for c in bp.containers):
        from .registry import Registry, RegistryArgs

        registry = Registry("registry", RegistryArgs(d, rg_name, location, identity.principal_id, network=net))
    env = Environment("environment", EnvironmentArgs(d, rg_name, location, net.subnets["apps"].id))

    shared_env: dict[str, pulumi.Input[str]] = {}
    shared_secret_env: dict[str, tuple[str, pulumi.Input[str]]] = {}
    # The Secrets component: every Key Vault secret an app references, the vault's private
    # endpoint and the identity's role assignment. Container Apps resolves each reference when
    # an app is created, so none may be created before all of them (go-live phase "identity").
    waits: list[pulumi.Resource] = [secrets]
    if registry:
        waits.append(registry.pull)

    files = None
    if bp.files:
        files = Files("files", FilesArgs(d, rg_name, location, net, env.name))
        waits.append(files)

    database = None
    if d.database_hosting == "self-managed":
        from .database_vm import VM_PASSWORD, DatabaseVm, DatabaseVmArgs

        database = DatabaseVm("database", DatabaseVmArgs(
            d, rg_name, location, net, secrets.vault.id, secrets.vault_name, DB_PASSWORD,
            secrets.values[VM_PASSWORD]))
    elif bp.database:
        database = Database(
            "database", DatabaseArgs(d, rg_name, location, net, secrets.values[DB_PASSWORD])
        )
    if database:
        dbenv = bp.database.env
        host = database.host
        if dbenv.port:
            shared_env[dbenv.port] = str(database.port)
        elif dbenv.host_includes_port or (d.database_engine == "postgres" and database.port != 5432):
            host = f"{host}:{database.port}"
        shared_env[dbenv.host] = host
        shared_env[dbenv.name] = database.db_name
        shared_env[dbenv.user] = database.user
        shared_secret_env[dbenv.password] = (DB_PASSWORD, secrets.urls[DB_PASSWORD])
        waits.append(database)

    caches: dict[str, Cache] = {}
    for spec in d.caches:
        # The blueprint's default cache keeps the plain component name (stable URNs).
        component = "cache" if spec.name == "cache" else f"cache-{spec.name}"
        cache = Cache(component, CacheArgs(d, spec, rg_name, location, net))
        url = secrets.put(cache_secret(spec), cache.access_key, f"{d.app_id} Redis {spec.name} access key")
        cenv = spec.env
        if cenv.port:
            shared_env[cenv.host] = f"{cenv.host_prefix}{cache.host}"
            shared_env[cenv.port] = str(cache.port)
        else:
            # No port variable: the app would assume Redis's 6379, which Managed Redis does not
            # serve (TLS on 10000 only), so the port rides on the host (right for URL-style
            # hosts such as rediss://; a bare host needs a port variable).
            shared_env[cenv.host] = f"{cenv.host_prefix}{cache.host}:{cache.port}"
        if cenv.tls:
            shared_env[cenv.tls] = "true"
        # Managed Redis (access keys on) always needs its key; the blueprint names the variable.
        if cenv.password:
            shared_secret_env[cenv.password] = (cache_secret(spec), url)
        caches[spec.name] = cache
        waits.append(cache)

    apps = Apps(
        "apps",
        AppsArgs(
            deployment=d,
            resource_group_name=rg_name,
            location=location,
            environment_id=env.id,
            environment_name=env.name,
            identity_id=identity.id,
            network_cidr=net.cidr,
            blueprint_secret_urls=secrets.urls,
            shared_secret_env=shared_secret_env,
            shared_env=shared_env,
            storage_name=files.storage_name if files else None,
            registry_server=registry.login_server if registry else None,
            image_repository=registry.repository if registry else None,
            depends_on=waits,
        ),
    )
    web_fqdn = pulumi.Output.concat(apps.web_name, ".", env.default_domain)

    edge = None
    if d.production:
        from .edge import Edge, EdgeArgs

        edge = Edge(
            "edge",
            EdgeArgs(d, rg_name, web_fqdn, env.id, location, env.name),
        )

    Monitoring(
        "monitoring",
        MonitoringArgs(
            deployment=d,
            resource_group_name=rg_name,
            web_id=apps.web.id,
            database=("vm" if getattr(database, "vm", None) else database.engine, database.server.id)
            if database else None,
            front_door_id=edge.profile.id if edge else None,
            resource_group_id=rg.id,
            monthly_budget=MONTHLY_BUDGET[d.tier],
        ),
    )
    backup = None
    vm = getattr(database, "vm", None)
    if d.production and (files or vm):
        from .backup import Backup, BackupArgs

        backup = Backup(
            "backup",
            BackupArgs(d, rg_name, location, files.account.id if files else None,
                       files.account_name if files else None, list(files.shares) if files else [],
                       vm=(vm.id, names.vm(d)) if vm else None),
        )

    details: dict[str, Any] = {
        "resource_group": names.resource_group(d),
        "key_vault": secrets.vault_name,
        "web_app": apps.web_name,
        "web_fqdn": web_fqdn,
    }
    locations: dict[str, Any] = {"secrets": pulumi.Output.concat("Azure Key Vault ", secrets.vault_name)}
    if edge:
        details["front_door_endpoint"] = edge.endpoint_host
        details["private_link_approval"] = edge.private_link_approval
    if database:
        details["database_host"] = database.host
        locations["database"] = database.host
    if database and not vm:  # the flexible server `councilkit backups | backup` asks (stacks/azure/backups.py)
        details["database_server"] = database.server_name
    if vm:  # the self-managed database: what the runbook's patch and restore steps name
        details["database_vm"] = names.vm(d)
        details["database_dumps"] = database.dump_account_name
    if caches:
        details["caches"] = {name: cache.host for name, cache in caches.items()}
    if backup is not None:  # what a destroy keeps, named for its prompt and record (cloud.destroy_keeps)
        details["backup_vault"] = backup.vault_name
        details["backup_resource_group"] = backup.group_name
    if files:
        details["storage_account"] = files.account_name
        locations["files"] = files.account_name
    if registry:
        details["registry"] = registry.login_server
        details["image"] = registry.repository
    return StackOutputs(
        cloud="azure",
        region=d.region,
        url=f"https://{d.domain}",
        dns_records=dns_records(d, web_fqdn, apps, edge, env),
        admin_credentials=AdminCredentials(
            "Azure Key Vault", secrets.vault_name, {n: n for n in sorted(secrets.urls)},
            read_secret_command(secrets.vault_name),
        ),
        one_off=one_off(d, apps),
        data_locations=locations,
        details=details,
    )


def dns_records(d: Deployment, web_fqdn: pulumi.Input[str], apps: Apps, edge: Edge | None,
                env: Environment) -> list[dict]:
    """The records the council publishes for its domain, each saying what it is for. The web app's
    certificate has no record of its own: a trial's validates by its CNAME."""
    # The environment's own id (Container Apps REST API, CustomDomainConfiguration
    # .customDomainVerificationId, "Id used to verify domain name ownership"); `up` reads the
    # same value from the state once the environment exists (stacks/azure/golive.py).
    verification = env.environment.custom_domain_configuration.apply(
        lambda c: getattr(c, "custom_domain_verification_id", None) or "(known once the environment exists)"
    )
    if edge is None:
        return [
            {"type": "TXT", "name": f"asuid.{d.domain}", "value": verification,
             "for": "proves the domain is the council's, so Container Apps puts it on the web app; "
                    "the first `up` shows it once the environment exists, and waits for it"},
            {"type": "CNAME", "name": d.domain, "value": web_fqdn,
             "for": "sends users to the web app; its managed certificate validates by this CNAME"},
        ]
    # Production: the domain is Front Door's alone (edge.py); the web app binds none, so no asuid.
    return [
        {"type": "CNAME", "name": d.domain, "value": edge.endpoint_host,
         "for": "sends users to Front Door"},
        {**edge.validation_record, "for": "validates Front Door's managed certificate"},
    ]


def one_off(d: Deployment, apps: Apps) -> dict:
    """How `councilkit up`/`upgrade` run install and upgrade steps once, as on AWS: start the
    step's Container Apps job (the named container's image, env, secrets and files running the
    commands) and wait for the execution to succeed."""
    rg = names.resource_group(d)
    found: dict[str, Any] = {"resource_group": rg}
    for kind in ("install", "upgrade"):
        step = getattr(d.blueprint, kind)
        if step is None:
            continue
        entry = {"container": step.container, "commands": step.commands, "job": None}
        if kind in apps.one_off_jobs:
            job = one_off_job_name(d, kind)
            entry["job"] = job
            entry["start"] = f"az containerapp job start --resource-group {rg} --name {job}"
        found[kind] = entry
    found["singletons"] = {
        c.name: {
            "app": names.container_app(d, c.name),
            # Deactivating the running revision stops the single replica before the next
            # rollout starts one: no moment with two copies.
            "stop_before_rollout": f"az containerapp revision deactivate --resource-group {rg} "
            f"--name {names.container_app(d, c.name)} --revision "
            f"$(az containerapp show -g {rg} -n {names.container_app(d, c.name)} "
            "--query properties.latestRevisionName -o tsv)",
        }
        for c in d.blueprint.containers
        if c.singleton and c.role != "cron"
    }
    return found
