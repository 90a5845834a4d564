"""Database: Azure Database for PostgreSQL or MySQL flexible server, private and TLS-only.

- Private access only: the server lives in its delegated subnet, resolves through a private DNS
  zone linked to the VNet, and public network access is disabled.
- TLS: `require_secure_transport` is set explicitly (PostgreSQL enforces it by default, but the
  plan should say so) with TLS 1.2 as the minimum.
- Production: General Purpose SKU, zone-redundant HA (standby in another zone), 14 days of
  geo-redundant backups. Trial: Burstable SKU, no HA, 7 days of local backups.

MariaDB: Azure Database for MariaDB was retired (September 2025). A `mariadb` blueprint that says
it `also_runs_on: [mysql]` runs on MySQL flexible server 8.0 (Deployment.database_engine); one
that needs MariaDB itself (ERPNext) is refused before planning, with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.dbformysql as mysql
import pulumi_azure_native.dbforpostgresql as postgresql

from councilkit.blueprints.deployment import Deployment

from . import names
from .network import DATABASE_PORT, Network
from .regions import zone_redundant
from .settings import DATABASE_BACKUP_DAYS

PORT = DATABASE_PORT
SKU = {
    # Burstable for trials (cheapest sound setup); General Purpose for production (HA needs it).
    ("trial", "small"): ("Standard_B1ms", "Burstable"),
    ("trial", "medium"): ("Standard_B2s", "Burstable"),
    ("trial", "large"): ("Standard_B2ms", "Burstable"),
    ("production", "small"): ("Standard_D2ds_v5", "GeneralPurpose"),
    ("production", "medium"): ("Standard_D2ds_v5", "GeneralPurpose"),
    ("production", "large"): ("Standard_D4ds_v5", "GeneralPurpose"),
}
# MySQL flexible server's General Purpose series is named differently.
MYSQL_SKU = {"Standard_D2ds_v5": "Standard_D2ads_v5", "Standard_D4ds_v5": "Standard_D4ads_v5"}
# PostgreSQL flexible server storage comes in fixed sizes (GiB); the blueprint's is rounded up.
POSTGRES_STORAGE = (32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768)
PRODUCTION_BACKUP_DAYS = DATABASE_BACKUP_DAYS["production"]
TRIAL_BACKUP_DAYS = DATABASE_BACKUP_DAYS["trial"]
TLS = {
    "postgres": {"require_secure_transport": "on", "ssl_min_protocol_version": "TLSv1.2"},
    "mysql": {"require_secure_transport": "ON", "tls_version": "TLSv1.2,TLSv1.3"},
}


def mysql_version(version: str) -> str:
    # MariaDB 10.x → MySQL 8.0 (see the module doc); "8.0" is spelled "8.0.21" by the API.
    if not version.startswith(("5.7", "8.")):
        return "8.0.21"
    return "8.0.21" if version in ("8", "8.0") else version


def postgres_storage(gib: int) -> int:
    return next((s for s in POSTGRES_STORAGE if s >= gib), POSTGRES_STORAGE[-1])


@dataclass
class DatabaseArgs:
    deployment: Deployment
    resource_group_name: pulumi.Input[str]
    location: str
    network: Network
    password: pulumi.Input[str]


class Database(pulumi.ComponentResource):
    """`host`, `port`, `name`, `user` for the app's env; `server` for alerts."""

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:azure:Database", name, None, opts)
        d = args.deployment
        db = d.blueprint.database
        size = d.sizes.database
        engine = d.database_engine  # postgres or mysql: the flexible server family
        prod = d.production
        sku_name, sku_tier = SKU[(d.tier, size.size)]
        server_name = names.dns_label(d, "psql" if engine == "postgres" else "mysql")
        self.server_name = server_name  # exported: `councilkit backups | backup` ask the server by name
        zone_key = f"{engine}-server"
        zone = args.network.private_zone(zone_key, f"{server_name}.private.{engine}.database.azure.com")
        # The server must find its zone already linked to the VNet when it is created.
        after_zone = pulumi.ResourceOptions(parent=self, depends_on=[args.network.zone_links[zone_key]])
        zonal = zone_redundant(d.region)
        ha_mode = ("ZoneRedundant" if zonal else "SameZone") if prod else "Disabled"
        common = dict(
            server_name=server_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            administrator_login=db.user,
            administrator_login_password=pulumi.Output.secret(args.password),
            availability_zone="1" if zonal else None,
        )
        if engine == "postgres":
            self.server = postgresql.Server(
                f"{name}-server",
                version=db.version.split(".")[0],
                sku=postgresql.SkuArgs(name=sku_name, tier=sku_tier),
                storage=postgresql.StorageArgs(
                    storage_size_gb=postgres_storage(size.storage_gib), auto_grow="Enabled"
                ),
                backup=postgresql.BackupArgs(
                    backup_retention_days=PRODUCTION_BACKUP_DAYS if prod else TRIAL_BACKUP_DAYS,
                    geo_redundant_backup="Enabled" if prod else "Disabled",
                ),
                high_availability=postgresql.HighAvailabilityArgs(
                    mode=ha_mode, standby_availability_zone="2" if prod and zonal else None
                ),
                network=postgresql.NetworkArgs(
                    delegated_subnet_resource_id=args.network.subnets["database"].id,
                    private_dns_zone_arm_resource_id=zone.id,
                    public_network_access="Disabled",
                ),
                auth_config=postgresql.AuthConfigArgs(password_auth="Enabled", active_directory_auth="Disabled"),
                opts=after_zone,
                **common,
            )
            module, charset, collation = postgresql, "UTF8", "en_US.utf8"
        else:
            self.server = mysql.Server(
                f"{name}-server",
                version=mysql_version(db.version),
                sku=mysql.SkuArgs(name=MYSQL_SKU.get(sku_name, sku_name), tier=sku_tier),
                storage=mysql.StorageArgs(
                    storage_size_gb=size.storage_gib, auto_grow="Enabled", auto_io_scaling="Enabled"
                ),
                backup=mysql.BackupArgs(
                    backup_retention_days=PRODUCTION_BACKUP_DAYS if prod else TRIAL_BACKUP_DAYS,
                    geo_redundant_backup="Enabled" if prod else "Disabled",
                ),
                high_availability=mysql.HighAvailabilityArgs(
                    mode=ha_mode, standby_availability_zone="2" if prod and zonal else None
                ),
                network=mysql.NetworkArgs(
                    delegated_subnet_resource_id=args.network.subnets["database"].id,
                    private_dns_zone_resource_id=zone.id,
                    public_network_access="Disabled",
                ),
                opts=after_zone,
                **common,
            )
            module = mysql
            charset = db.parameters.get("character_set_server", "utf8mb4")
            collation = db.parameters.get("collation_server", "utf8mb4_general_ci")
        # Server parameters: TLS first, then the blueprint's own. Azure refuses concurrent
        # parameter changes on one server, so each waits for the previous one.
        previous: pulumi.Resource = self.server
        for key, value in {**TLS[engine], **db.parameters}.items():
            previous = module.Configuration(
                f"{name}-param-{key.replace('_', '-').replace('.', '-')}",
                resource_group_name=args.resource_group_name,
                server_name=self.server.name,
                configuration_name=key,
                value=value,
                source="user-override",
                opts=pulumi.ResourceOptions(parent=self, depends_on=[previous]),
            )
        self.database = module.Database(
            f"{name}-db",
            resource_group_name=args.resource_group_name,
            server_name=self.server.name,
            database_name=db.name,
            charset=charset,
            collation=collation,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[previous]),
        )
        self.engine = engine
        # The public FQDN form: inside the VNet it resolves (via the private zone) to the
        # server's private address, and it is the name on the server's TLS certificate.
        self.host = f"{server_name}.{engine}.database.azure.com"
        self.port = PORT[engine]
        self.db_name = db.name
        self.user = db.user
        self.register_outputs({"host": self.host, "server": self.server.name})
