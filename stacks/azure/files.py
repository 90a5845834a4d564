"""Shared files: a Premium FileStorage account with one NFS 4.1 share per deployment, holding one
subdirectory per shared path.

One share, not one per path: premium shares are billed on provisioned size with a 100 GiB
minimum, so a share per path multiplied the bill by the number of paths (LocalGov Drupal's
public and private files were two 100 GiB shares in a trial, two 256 GiB shares and two backup
instances in production) while each path holds little. Each container mounts its paths from the
one share with `subPath` (apps.py); an init container creates each subdirectory and sets its
owner and mode before the app starts. Paths stay separate directories: nothing else changes for
the app, and the daily backup (backup.py) and item-level restore cover them all at once.

Why NFS, not SMB: apps keep more than uploads on the share and set POSIX owners on it. Nextcloud
rsyncs and chowns its whole web root there and refuses to run when config.php is not owned by its
user; on SMB (Azure Files' default, mounted with fixed uid/gid and no chown) that fails
(APPS.md gotcha 2, nextcloud/server#13277). NFS shares keep real owners and modes.

What NFS implies, and how it is kept safe:
- NFS shares exist only on Premium FileStorage accounts.
- NFS carries no per-request credentials and (as mounted by Container Apps) no TLS, so Azure
  requires "secure transfer" (HTTPS only) to be off on the account. The account is therefore
  reachable only inside the VNet: public network access disabled, default-deny firewall, a
  private endpoint in the endpoints subnet. TLS 1.2 minimum and no public blob access still apply
  to its REST endpoint, and shared-key access is off (Container Apps mounts NFS without a key).
- The private endpoint is kept in trials too: NFS has no authentication (and root squash is off),
  so the network is the share's only lock. With the endpoint the account has no public endpoint
  at all and only the apps subnet reaches port 2049 (the endpoints subnet's NSG). A service
  endpoint (free) would leave the public endpoint up behind a firewall rule; for an
  unauthenticated protocol that is not worth the £5.48 a month it saves.
- Root squash is off: the apps' entrypoints run as root to chown their files. An init container
  (apps.py) sets each path's owner and mode from the blueprint (uid, gid, mode) before the app
  starts, as an EFS access point does on AWS.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.app as app
import pulumi_azure_native.storage as storage

from councilkit.blueprints.deployment import Deployment

from . import names
from .network import Network
from .regions import zone_redundant

# Premium shares are billed and sized by provisioned GiB (100 GiB is the smallest); IOPS and
# throughput grow with the size, so steady ("elastic") workloads get a larger share. The sizes
# are for the deployment's one share (all its paths).
SHARE_GIB = {("trial", "bursting"): 100, ("trial", "elastic"): 100,
             ("production", "bursting"): 256, ("production", "elastic"): 512}


@dataclass
class FilesArgs:
    deployment: Deployment
    resource_group_name: pulumi.Input[str]
    location: str
    network: Network
    environment_name: pulumi.Input[str]


# The deployment's share, the environment storage that mounts it and the volume apps name it by.
SHARE_NAME = "shared"


class Files(pulumi.ComponentResource):
    """`storage_name`: the environment storage (the one share) a container app mounts as a volume;
    each shared path is the subdirectory named after it (`subdirectory`)."""

    def __init__(self, name: str, args: FilesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:azure:Files", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        d = args.deployment
        rg = args.resource_group_name
        self.account_name = names.storage_account(d)
        redundancy = "ZRS" if d.production and zone_redundant(d.region) else "LRS"
        self.account = storage.StorageAccount(
            f"{name}-account",
            account_name=self.account_name,
            resource_group_name=rg,
            location=args.location,
            kind="FileStorage",
            sku=storage.SkuArgs(name=f"Premium_{redundancy}"),
            minimum_tls_version="TLS1_2",
            # Off only because NFS requires it (see the module doc): network isolation instead.
            enable_https_traffic_only=False,
            allow_blob_public_access=False,
            allow_shared_key_access=False,
            allow_cross_tenant_replication=False,
            public_network_access="Disabled",
            network_rule_set=storage.NetworkRuleSetArgs(default_action="Deny", bypass="AzureServices"),
            opts=child,
        )
        args.network.private_endpoint(f"{name}-files", self.account.id, "file", owner=self)
        storage.FileServiceProperties(
            f"{name}-soft-delete",
            resource_group_name=rg,
            account_name=self.account.name,
            file_services_name="default",
            # A deleted share can be restored for this many days.
            share_delete_retention_policy=storage.DeleteRetentionPolicyArgs(
                enabled=True, days=30 if d.production else 7
            ),
            opts=child,
        )
        quota = SHARE_GIB[(d.tier, d.sizes.files_throughput)]
        share = storage.FileShare(
            f"{name}-share",
            resource_group_name=rg,
            account_name=self.account.name,
            share_name=SHARE_NAME,
            enabled_protocols="NFS",
            root_squash="NoRootSquash",
            share_quota=quota,
            opts=child,
        )
        app.ManagedEnvironmentsStorage(
            f"{name}-mount",
            resource_group_name=rg,
            environment_name=args.environment_name,
            storage_name=SHARE_NAME,
            properties=app.ManagedEnvironmentStoragePropertiesArgs(
                nfs_azure_file=app.NfsAzureFilePropertiesArgs(
                    server=f"{self.account_name}.file.core.windows.net",
                    share_name=f"/{self.account_name}/{SHARE_NAME}",
                    access_mode="ReadWrite",
                )
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[share]),
        )
        self.shares: dict[str, storage.FileShare] = {SHARE_NAME: share}
        self.storage_name = SHARE_NAME
        self.register_outputs({"account": self.account_name, "share": SHARE_NAME})


def subdirectory(path_name: str) -> str:
    """The directory of the share that holds the blueprint's shared path `path_name`."""
    return path_name
