"""The Azure stack: one deployment's resources with pulumi-azure-native, one component per job.

Mirrors stacks/aws: network → identity → secrets (Key Vault) → registry → environment (Container
Apps + Log Analytics) → files (NFS shares) → database → cache → apps → edge (Front Door + WAF,
production) → monitoring → backup (production). Everything lives in one resource group per
deployment, so a trial is destroyed in one command. Tags come from stacks/tags.py.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_azure_native.resources as resources

from councilkit.blueprints.deployment import Deployment

from . import names
from .apps import Apps, AppsArgs
from .backup import Backup, BackupArgs
from .cache import Cache, CacheArgs
from .database import Database, DatabaseArgs
from .edge import Edge, EdgeArgs
from .environment import Environment, EnvironmentArgs
from .files import Files, FilesArgs
from .identity import Identity, IdentityArgs
from .monitoring import Monitoring, MonitoringArgs
from .network import Network, NetworkArgs
from .registry import Registry, RegistryArgs
from .secrets import Secrets, SecretsArgs, SecretSpec

DB_PASSWORD = "db-password"
CACHE_PASSWORD = "cache-password"


def _secret_specs(d: Deployment) -> list[SecretSpec]:
    specs = [SecretSpec(s.name, s.description, s.length, s.special) for s in d.blueprint.secrets]
    if d.blueprint.database:
        specs.append(SecretSpec(DB_PASSWORD, f"{d.app_id} database administrator password", 32))
    return specs


def build_azure(d: Deployment) -> dict[str, Any]:
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
        registry = Registry("registry", RegistryArgs(d, rg_name, location, identity.principal_id))
    env = Environment("environment", EnvironmentArgs(d, rg_name, location, net.subnets["apps"].id))

    shared_env: dict[str, pulumi.Input[str]] = {}
    shared_secret_env: dict[str, tuple[str, pulumi.Input[str]]] = {}
    waits: list[pulumi.Resource] = [secrets.reader]
    if registry:
        waits.append(registry.pull)

    files = None
    if bp.files:
        files = Files("files", FilesArgs(d, rg_name, location, net, env.name))
        waits.append(files)

    database = None
    if bp.database:
        database = Database(
            "database", DatabaseArgs(d, rg_name, location, net, secrets.values[DB_PASSWORD])
        )
        dbenv = bp.database.env
        host = database.host
        if dbenv.port:
            shared_env[dbenv.port] = str(database.port)
        elif bp.database.engine == "postgres" and database.port != 5432:
            host = f"{host}:{database.port}"
        shared_env[dbenv.host] = host
        shared_env[dbenv.name] = database.db_name
        shared_env[dbenv.user] = database.user
        shared_secret_env[dbenv.password] = (DB_PASSWORD, secrets.urls[DB_PASSWORD])
        waits.append(database)

    cache = None
    if bp.cache:
        cache = Cache("cache", CacheArgs(d, rg_name, location, net))
        url = secrets.put(CACHE_PASSWORD, cache.access_key, f"{d.app_id} Redis access key")
        cenv = bp.cache.env
        shared_env[cenv.host] = f"{cenv.host_prefix}{cache.host}"
        if cenv.port:
            shared_env[cenv.port] = str(cache.port)
        if cenv.tls:
            shared_env[cenv.tls] = "true"
        # Azure Cache for Redis always needs its access key; the blueprint names the variable.
        if cenv.password:
            shared_secret_env[cenv.password] = (CACHE_PASSWORD, url)
        waits.append(cache)

    apps = Apps(
        "apps",
        AppsArgs(
            deployment=d,
            resource_group_name=rg_name,
            location=location,
            environment_id=env.id,
            identity_id=identity.id,
            network_cidr=net.cidr,
            blueprint_secret_urls=secrets.urls,
            shared_secret_env=shared_secret_env,
            shared_env=shared_env,
            storage_names=files.storage_names if files else {},
            registry_server=registry.login_server if registry else None,
            image_repository=registry.repository if registry else None,
            depends_on=waits,
        ),
    )
    web_fqdn = pulumi.Output.concat(apps.web_name, ".", env.default_domain)

    edge = None
    if d.production:
        edge = Edge("edge", EdgeArgs(d, rg_name, web_fqdn, bp.web.health_check.path))

    Monitoring(
        "monitoring",
        MonitoringArgs(
            deployment=d,
            resource_group_name=rg_name,
            web_id=apps.web.id,
            database=(database.engine, database.server.id) if database else None,
            front_door_id=edge.profile.id if edge else None,
        ),
    )
    if d.production and files:
        Backup(
            "backup",
            BackupArgs(d, rg_name, location, files.account.id, files.account_name, list(files.shares)),
        )

    outputs: dict[str, Any] = {
        "cloud": "azure",
        "region": d.region,
        "resource_group": names.resource_group(d),
        "key_vault": secrets.vault_name,
        "admin_credentials": {
            "key_vault": secrets.vault_name,
            "secrets": sorted(secrets.urls),
            "how": f"az keyvault secret show --vault-name {secrets.vault_name} --name <secret> "
            "(needs the Key Vault Secrets User role and a network path to the vault's private endpoint)",
        },
        "web_app": apps.web_name,
        "web_fqdn": web_fqdn,
    }
    if edge:
        outputs["url"] = f"https://{d.domain}"
        outputs["front_door_endpoint"] = edge.endpoint_host
        outputs["dns_records"] = [
            edge.validation_record,
            {"type": "CNAME", "name": d.domain, "value": edge.endpoint_host},
        ]
    else:
        # Trials answer on the app's own address; the council's domain can be bound to the
        # container app later with these two records (asuid TXT proves ownership).
        outputs["url"] = pulumi.Output.concat("https://", web_fqdn)
        outputs["dns_records"] = [
            {"type": "TXT", "name": f"asuid.{d.domain}", "value": apps.web.custom_domain_verification_id},
            {"type": "CNAME", "name": d.domain, "value": web_fqdn},
        ]
    if database:
        outputs["database_host"] = database.host
    if files:
        outputs["storage_account"] = files.account_name
    if registry:
        outputs["registry"] = registry.login_server
        outputs["image"] = registry.repository
    return outputs
