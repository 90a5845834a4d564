"""Self-managed database: a Linux VM running the blueprint's own engine, where Azure offers it
as no managed service (today MariaDB: Azure Database for MariaDB is retired; clouds.py).

Why a VM and what the council takes on: Frappe/ERPNext needs MariaDB itself (MySQL 8 does not
work, frappe/frappe#16566), so the stack runs it, and the council patches it (RUNBOOK.md):
- The engine comes from the distribution whose own package is the blueprint's version (IMAGES),
  installed by cloud-init (templates/mariadb-cloud-init.yaml.j2): no third-party package host.
- One VM in one zone, no public IP, in the database subnet (not delegated: network.py); its
  data on a zone-redundant Premium SSD data disk (Premium_ZRS), its OS disk Premium SSD too, so
  the single-instance VM SLA applies (99.9%, "SLA for Virtual Machines" v1.8: "any Single
  Instance Virtual Machine using premium storage for all Operating System Disks and Data Disks").
- TLS required on every connection (`require_secure_transport = ON`), a private CA of its own;
  the blueprint's `parameters` are written to the server's config file.
- The administrator password is never in cloud-init or the plan: the VM reads it from Key Vault
  at each boot with its own managed identity, which may read that one secret only.
- Patching: `patchMode: AutomaticByPlatform` (Azure installs Critical and Security patches
  monthly, in off-peak hours; only the exact images on Microsoft's list qualify,
  MicrosoftDocs/azure-compute-docs automatic-vm-guest-patching.md "Supported Linux Images":
  Canonical ubuntu-24_04-lts server) plus the distribution's unattended upgrades until Azure's
  patching takes over. Major engine upgrades are not automatic: a new blueprint version, by hand.
- Backups: the VM in the stack's Recovery Services vault (production, backup.py) and a nightly
  `mariadb-dump` to a private Blob container through the same identity.

TLS for clients: Frappe verifies the server's certificate chain against `db_ssl_ca` (PyMySQL's
CERT_REQUIRED once a CA is given) but not its host name (`check_hostname` is
`db_ssl_check_hostname`, off unless set; frappe/frappe frappe/database/mariadb/database.py).
The private CA is published as `ca.pem` in the dumps container; a client must trust it.
ERPNext 1.0.0's configure step trusts only the system store and Amazon RDS's bundle, so it cannot
yet verify this server: see `CLIENT_CA_NOTE`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pulumi
import pulumi_azure_native.compute as compute
import pulumi_azure_native.managedidentity as managedidentity
import pulumi_azure_native.network as network
import pulumi_azure_native.storage as storage

from councilkit.blueprints.deployment import Deployment

from . import names
from .identity import grant
from .network import DATABASE_PORT, SUBNETS, Network
from .regions import zone_redundant

TEMPLATE = Path(__file__).parent / "templates" / "mariadb-cloud-init.yaml.j2"


@dataclass(frozen=True)
class Image:
    distribution: str
    publisher: str
    offer: str
    sku: str
    package_source: str


# Which image ships which engine version as the distribution's own package, and is on the
# automatic guest patching list (automatic-vm-guest-patching.md, "Supported Linux Images":
# Canonical | ubuntu-24_04-lts | server). Ubuntu 24.04 "noble" ships mariadb-server
# 1:10.11.x (packages.ubuntu.com/noble-updates/database/mariadb-server: 1:10.11.14-0ubuntu0.24.04.1;
# security updates are published in noble-security). Debian 12 ships 10.11 as well but is not on
# the patching list. clouds.py's self_managed_engines lists the same versions (a test checks it).
IMAGES: dict[tuple[str, str], Image] = {
    ("mariadb", "10.11"): Image(
        "Ubuntu 24.04 LTS", "Canonical", "ubuntu-24_04-lts", "server",
        "packages.ubuntu.com noble: mariadb-server 1:10.11.x",
    ),
}
# VM sizes per tier and blueprint size: burstable for trials, general purpose (Premium SSD
# capable, "s") for production.
VM_SIZE = {
    ("trial", "small"): "Standard_B2s",
    ("trial", "medium"): "Standard_B2s",
    ("trial", "large"): "Standard_B2ms",
    ("production", "small"): "Standard_D2s_v5",
    ("production", "medium"): "Standard_D2s_v5",
    ("production", "large"): "Standard_D4s_v5",
}
# A fixed address in the database subnet, so the apps' host is known at plan time: .4, the first
# address Azure hands out in a subnet (Azure/acs-engine#1933, "10.0.0.4 is the first IP address
# available for dynamic allocation": .0-.3 are Azure's own).
HOST = SUBNETS["database"].rsplit(".", 1)[0] + ".4"
DATA_DIR = "/srv/mariadb"
DUMP_CONTAINER = "dumps"
DUMP_AT = "01:30:00"  # before the vault's VM backup (backup.DAILY_AT, 02:00 UTC)
DUMP_RETENTION_DAYS = {"trial": 7, "production": 35}
LOCAL_DUMP_DAYS = 2
ADMIN_USER = "councilkit"
VM_PASSWORD = "db-vm-password"
"""Key Vault secret: the VM's local administrator password (Azure requires one, or an SSH key;
no NSG rule admits SSH, so it serves only the serial console)."""
CLIENT_CA_NOTE = (
    "Clients verify this server against its own private CA (ca.pem in the dumps container); a "
    "blueprint whose configure step trusts only public and Amazon RDS CAs (ERPNext 1.0.0) needs a "
    "new version that adds it before it can connect."
)


def image_for(engine: str, version: str) -> Image:
    """The image shipping `engine` `version` (build_deployment refuses any other, before planning)."""
    return IMAGES[(engine, version)]


def render_cloud_init(d: Deployment, *, vault: str, client_id: str, dump_account: str,
                      secret: str) -> str:
    """The VM's cloud-init, rendered from the template beside this module. No secret goes in."""
    db = d.blueprint.database
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
    return env.from_string(TEMPLATE.read_text()).render(
        stack=d.stack_name, engine=db.engine, version=db.version, image=image_for(db.engine, db.version),
        vault=vault, client_id=client_id, secret=secret, dump_account=dump_account,
        dump_container=DUMP_CONTAINER, dump_at=DUMP_AT, local_dump_days=LOCAL_DUMP_DAYS,
        data_dir=DATA_DIR, host=HOST, port=DATABASE_PORT[db.engine], database=db.name, user=db.user,
        charset=db.parameters.get("character_set_server", "utf8mb4"),
        collation=db.parameters.get("collation_server", "utf8mb4_general_ci"),
        parameters=db.parameters,
    )


@dataclass
class DatabaseVmArgs:
    deployment: Deployment
    resource_group_name: pulumi.Input[str]
    location: str
    network: Network
    vault_id: pulumi.Input[str]
    vault_name: pulumi.Input[str]
    secret_name: str
    """the Key Vault secret holding the administrator password"""
    admin_password: pulumi.Input[str]
    """the VM's local administrator password (VM_PASSWORD)"""


class DatabaseVm(pulumi.ComponentResource):
    """The interface of database.Database (`host`, `port`, `db_name`, `user`, `engine`, `server`
    for alerts), plus `vm` and `dump_account` for backup.py."""

    def __init__(self, name: str, args: DatabaseVmArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:azure:DatabaseVm", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        d = args.deployment
        db = d.blueprint.database
        size = d.sizes.database
        image = image_for(db.engine, db.version)
        zones = ["1"] if zone_redundant(d.region) else None
        rg = args.resource_group_name

        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity", resource_group_name=rg, location=args.location,
            resource_name_=f"id-{d.app_id}-db", opts=child,
        )
        # Least privilege: the one secret, not the vault (Key Vault RBAC takes a secret as scope).
        secret_id = pulumi.Output.concat(args.vault_id, "/secrets/", args.secret_name)
        self.reader = grant(d, f"{name}-secret-read", scope_id=secret_id, role="Key Vault Secrets User",
                            principal_id=self.identity.principal_id, parent=self)

        # Dumps: a private account (no shared keys, no public network), reached through a private
        # endpoint in the endpoints subnet; old dumps expire by a lifecycle rule.
        self.dump_account_name = names.dump_account(d)
        self.dump_account = storage.StorageAccount(
            f"{name}-dumps",
            account_name=self.dump_account_name,
            resource_group_name=rg,
            location=args.location,
            kind="StorageV2",
            # Production dumps survive a zone outage (CK-AZR-015), as the VM's data disk does.
            sku=storage.SkuArgs(name="Standard_ZRS" if d.production and zones else "Standard_LRS"),
            access_tier="Hot",
            allow_blob_public_access=False,
            allow_shared_key_access=False,
            enable_https_traffic_only=True,
            minimum_tls_version="TLS1_2",
            public_network_access="Disabled",
            network_rule_set=storage.NetworkRuleSetArgs(default_action="Deny", bypass="AzureServices"),
            opts=child,
        )
        container = storage.BlobContainer(
            f"{name}-dumps-container", account_name=self.dump_account.name, resource_group_name=rg,
            container_name=DUMP_CONTAINER, public_access="None", opts=child,
        )
        storage.ManagementPolicy(
            f"{name}-dumps-expiry", account_name=self.dump_account.name, resource_group_name=rg,
            management_policy_name="default",
            policy=storage.ManagementPolicySchemaArgs(rules=[storage.ManagementPolicyRuleArgs(
                name="expire-dumps", enabled=True, type="Lifecycle",
                definition=storage.ManagementPolicyDefinitionArgs(
                    filters=storage.ManagementPolicyFilterArgs(blob_types=["blockBlob"], prefix_match=[f"{DUMP_CONTAINER}/dumps/"]),
                    actions=storage.ManagementPolicyActionArgs(base_blob=storage.ManagementPolicyBaseBlobArgs(
                        delete=storage.DateAfterModificationArgs(days_after_modification_greater_than=DUMP_RETENTION_DAYS[d.tier]))),
                ),
            )]),
            opts=child,
        )
        args.network.private_endpoint(f"{name}-dumps", self.dump_account.id, "blob", owner=self)
        self.writer = grant(d, f"{name}-dumps-write", scope_id=container.id, role="Storage Blob Data Contributor",
                            principal_id=self.identity.principal_id, parent=self)

        nic = network.NetworkInterface(
            f"{name}-nic", resource_group_name=rg, location=args.location,
            ip_configurations=[network.NetworkInterfaceIPConfigurationArgs(
                name="primary", primary=True, private_ip_allocation_method="Static",
                private_ip_address=HOST, subnet=network.SubnetArgs(id=args.network.subnets["database"].id),
            )],
            opts=child,
        )
        self.data_disk = compute.Disk(
            f"{name}-data", resource_group_name=rg, location=args.location,
            disk_name=f"{names.vm(d)}-data",
            sku=compute.DiskSkuArgs(name="Premium_ZRS"),
            disk_size_gb=size.storage_gib,
            creation_data=compute.CreationDataArgs(create_option="Empty"),
            public_network_access="Disabled", network_access_policy="DenyAll",
            opts=child,
        )
        cloud_init = pulumi.Output.all(args.vault_name, self.identity.client_id).apply(
            lambda v: render_cloud_init(d, vault=v[0], client_id=v[1], dump_account=self.dump_account_name,
                                        secret=args.secret_name))
        self.vm = compute.VirtualMachine(
            f"{name}-vm",
            vm_name=names.vm(d),
            resource_group_name=rg,
            location=args.location,
            zones=zones,
            hardware_profile=compute.HardwareProfileArgs(vm_size=VM_SIZE[(d.tier, size.size)]),
            identity=compute.VirtualMachineIdentityArgs(type="UserAssigned",
                                                        user_assigned_identities=[self.identity.id]),
            storage_profile=compute.StorageProfileArgs(
                image_reference=compute.ImageReferenceArgs(
                    publisher=image.publisher, offer=image.offer, sku=image.sku, version="latest"),
                os_disk=compute.OSDiskArgs(
                    create_option="FromImage", caching="ReadWrite", delete_option="Delete",
                    managed_disk=compute.ManagedDiskParametersArgs(storage_account_type="Premium_LRS")),
                data_disks=[compute.DataDiskArgs(
                    lun=0, create_option="Attach", caching="ReadOnly", delete_option="Detach",
                    managed_disk=compute.ManagedDiskParametersArgs(id=self.data_disk.id,
                                                                   storage_account_type="Premium_ZRS"))],
            ),
            os_profile=compute.OSProfileArgs(
                computer_name=names.vm(d),
                admin_username=ADMIN_USER,
                admin_password=pulumi.Output.secret(args.admin_password),
                custom_data=cloud_init.apply(lambda text: base64.b64encode(text.encode()).decode()),
                linux_configuration=compute.LinuxConfigurationArgs(
                    provision_vm_agent=True,
                    disable_password_authentication=False,
                    patch_settings=compute.LinuxPatchSettingsArgs(
                        patch_mode="AutomaticByPlatform",
                        assessment_mode="AutomaticByPlatform",
                        automatic_by_platform_settings=compute.LinuxVMGuestPatchAutomaticByPlatformSettingsArgs(
                            reboot_setting="IfRequired"),
                    ),
                ),
            ),
            network_profile=compute.NetworkProfileArgs(
                network_interfaces=[compute.NetworkInterfaceReferenceArgs(id=nic.id, primary=True)]),
            diagnostics_profile=compute.DiagnosticsProfileArgs(
                boot_diagnostics=compute.BootDiagnosticsArgs(enabled=True)),
            # The password and the dump writer must be in place before the first boot reads them.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.reader, self.writer]),
        )
        self.engine = db.engine
        self.server = self.vm  # what the alerts scope (monitoring.py)
        self.host = HOST
        self.port = DATABASE_PORT[db.engine]
        self.db_name = db.name
        self.user = db.user
        self.register_outputs({"host": self.host, "vm": self.vm.name})

