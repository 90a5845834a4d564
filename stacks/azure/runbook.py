"""Azure's fragments of a stack folder's RUNBOOK.md (cli/templates/RUNBOOK.md.j2 reads `cloud.*`)."""

from __future__ import annotations

from typing import Any

from . import names
from .settings import BACKUP_SOFT_DELETE_DAYS, DATABASE_BACKUP_DAYS, KEY_VAULT_RETENTION_DAYS


def _dns_steps(d, stack: str) -> list[dict[str, str | None]]:
    """The DNS (and, in production, Private Link) steps around the first `up` on Azure: each a
    text and, when it has one, a command (shown on its own line, so it copies whole)."""
    n = {"resource_group": names.resource_group(d), "web_app": names.container_app(d, d.blueprint.web.name)}
    asuid = {
        "text": f"The first `up` creates the Container Apps environment{' and Front Door' if d.production else ''}, "
        f"then prints the records Azure checks before it puts {d.domain} on the web app: the TXT record "
        f"`asuid.{d.domain}` (the environment's domain verification id) and the CNAME below. It writes "
        "them to DNS-RECORDS.md in this folder and waits until DNS shows them (`--dns-wait`, 20 minutes "
        "by default); if the wait runs out it stops with exit code 3, and `councilkit up .` again carries "
        "on. Nothing that needs the domain is created before. The verification id, once the environment exists:",
        "command": f"az containerapp env list --resource-group {n['resource_group']} "
        "--query \"[0].properties.customDomainConfiguration.customDomainVerificationId\" -o tsv",
    }
    if not d.production:
        return [
            asuid,
            {
                "text": f"Publish the CNAME `{d.domain}` → the web app's own address (the `web_fqdn` output, "
                f"`{n['web_app']}.<the environment's default domain>`); the web app's managed certificate "
                "validates by it and renews itself. `up` prints it once the environment exists; its "
                "default domain:",
                "command": f"az containerapp env list --resource-group {n['resource_group']} "
                "--query \"[0].properties.defaultDomain\" -o tsv",
            },
        ]
    return [
        asuid,
        {
            "text": f"The CNAME `{d.domain}` → the Front Door endpoint is the one `up` prints with "
            f"`asuid.{d.domain}`. Once `up` has created everything, publish the two TXT values at "
            f"`_dnsauth.{d.domain}` from `councilkit outputs .` (one for Front Door's managed certificate, "
            "one for the web app's). Azure retries validation until they appear.",
            "command": None,
        },
        {
            "text": "Approve Front Door's Private Link connection to the Container Apps environment, once "
            "(the environment takes no public traffic; Front Door reaches it only over Private Link). "
            "Until then Front Door answers 502. The `private_link_approval` output says how: in the "
            "portal, Container Apps environment > Networking > Private endpoints > approve the pending "
            "connection from Front Door, or with the `az rest` command it prints.",
            "command": None,
        },
    ]


def runbook(d, stack: str) -> dict[str, Any]:
    family = "postgres" if d.blueprint.database and d.blueprint.database.engine == "postgres" else "mysql"
    return {
        "name": "Azure",
        "region_key": "azure-native:location",
        "uk_regions": "uksouth, with ukwest as its pair",
        "secret_name": "Azure Key Vault",
        "secret_store": "Azure Key Vault (the `key_vault` output; reachable only through its private endpoint)",
        "open_app": (
            f"Open https://{d.domain} once its DNS records are published and the Private Link "
            "connection is approved (Before the first deploy)."
            if d.production
            else f"Open https://{d.domain} once its `asuid` TXT record and CNAME are published "
            "(Before the first deploy) and the web app's certificate is issued, minutes later."
        ),
        "dns_steps": _dns_steps(d, stack),
        "credentials": "`az login` and `az account set --subscription ...`, or a service principal: "
        "`ARM_CLIENT_ID`, `ARM_CLIENT_SECRET`, `ARM_TENANT_ID`, `ARM_SUBSCRIPTION_ID`.",
        "read_secret": "az keyvault secret show --vault-name <key_vault> --name <secret> --query value -o tsv",
        "registry_output": "image output",
        "image_build": "after the first `up`, build and push it from `image/` (the build files locked with this stack):",
        "backups": f"The database (Azure Database flexible server) keeps automated backups with "
        f"point-in-time restore for {DATABASE_BACKUP_DAYS[d.tier]} days.",
        "production_backups": "A Recovery Services vault also backs up the file share (every shared "
        "path is a folder of it) daily.",
        "manual_backup": f"an on-demand backup of the flexible server (portal, Backup and restore) or "
        f"a dump with the engine's own tool (`az {family} flexible-server` shows the server).",
        "restore": "A flexible server restores into a new server (portal, Restore, or "
        f"`az {family} flexible-server restore`): check it, then copy the data back into the stack's "
        "database with the engine's dump tool. "
        + (
            "Files: restore a share or single files from the Recovery Services vault (Backup items)."
            if d.production
            else "Files on a trial have no backup beyond the storage account's redundancy."
        ),
        "destroy_trial": (f"Its Key Vault stays soft-deleted for {KEY_VAULT_RETENTION_DAYS['trial']} days (purge "
                          "protection: no one can purge it sooner); its name is never reused, a new stack "
                          "gets a new one. Nothing else is kept."),
        "destroy_production": "Azure keeps no final database snapshot, and the file share's backups "
        "are snapshots inside its storage account, deleted with it: take a dump and copy the file share "
        f"first (see Back up). The Key Vault stays soft-deleted, with purge protection, for "
        f"{KEY_VAULT_RETENTION_DAYS['production']} days (the `key_vault` output names it). The Recovery "
        "Services vault (`backup_vault`, in its own resource group `backup_resource_group`) is kept: "
        f"backup items deleted with the shares stay in it, soft-deleted, for {BACKUP_SOFT_DELETE_DAYS} "
        "days, and it cannot be deleted sooner. `councilkit destroy . --delete-backups` turns its soft "
        "delete off first and deletes it as well; it cannot be undone. A new stack with the same "
        "answers names its vaults anew, so it can be created at once.",
    }
