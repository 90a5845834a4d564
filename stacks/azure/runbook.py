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
        {
            "text": "The first `up` creates the Container Apps environment and Front Door's endpoint, then "
            f"prints the CNAME `{d.domain}` → the Front Door endpoint, writes it to DNS-RECORDS.md in this "
            "folder and waits until DNS shows it (`--dns-wait`, 20 minutes by default); if the wait runs out "
            "it stops with exit code 3, and `councilkit up .` again carries on. The web app binds no domain "
            "(Front Door holds it and calls the app by its own address), so there is no `asuid` record.",
            "command": None,
        },
        {
            "text": "Front Door reaches the environment only over Private Link; `up` approves the connection "
            "itself (phase link: it lists the environment's private endpoint connections with the Azure CLI, "
            "approves Front Door's pending one and waits until it is Approved). Without a signed-in `az` it "
            "prints the one command to run by hand (also the `private_link_approval` output) and stops with "
            "exit code 3.",
            "command": None,
        },
        {
            "text": f"Once `up` has created everything, publish the TXT value at `_dnsauth.{d.domain}` from "
            "`councilkit outputs .` (Front Door's managed certificate). Azure retries validation until it appears.",
            "command": None,
        },
    ]


def _self_managed(d) -> dict[str, str]:
    """The runbook's words for a self-managed database VM (database_vm.py), in place of a
    flexible server's: who patches what, its availability, how to restore it."""
    from .report import SINGLE_VM_SLA

    rg, vm = names.resource_group(d), names.vm(d)
    return {
        "backups": f"The database is self-managed: MariaDB on the VM `{vm}` (`database_vm` output), from "
        "Ubuntu's own package. The council patches it. Automatic: Azure installs Critical and Security "
        "updates (the OS and MariaDB's security releases) monthly in off-peak hours (automatic VM guest "
        "patching), rebooting if needed. Not automatic: moving to another MariaDB major version (a new "
        "blueprint version, tested first), anything beyond Critical and Security. Availability: "
        f"{SINGLE_VM_SLA}; a zone outage stops it until Azure restarts it or you restore it elsewhere "
        "(its data disk is zone-redundant). Every night at 01:30 UTC the VM dumps every database "
        f"(mariadb-dump) to the private `dumps` container of `{names.dump_account(d)}` "
        "(`database_dumps` output); free space on its data disk is not alerted on: check it with "
        f"`az vm run-command invoke -g {rg} -n {vm} --command-id RunShellScript --scripts 'df -h /srv/mariadb'`.",
        "manual_backup": f"a dump on demand: `az vm run-command invoke -g {rg} -n {vm} --command-id "
        "RunShellScript --scripts /usr/local/sbin/councilkit-db-dump`"
        + (", or a VM backup now from the Recovery Services vault (Backup items, Back up now)" if d.production else ""),
        "restore": ("From the VM backup: Recovery Services vault > Backup items > the VM > Restore VM (or "
                    "restore its disks and swap the data disk), then start it; the server, its TLS files and "
                    "its data come back together. " if d.production else "")
        + "From a dump: download it from the `dumps` container (through the private endpoint, e.g. from "
        f"the VM itself) and load it with `gunzip -c <dump>.sql.gz | mariadb --protocol=socket` on `{vm}`. ",
    }


def runbook(d, stack: str) -> dict[str, Any]:
    family = "postgres" if d.blueprint.database and d.blueprint.database.engine == "postgres" else "mysql"
    return {
        "name": "Azure",
        "region_key": "azure-native:location",
        "uk_regions": "uksouth, with ukwest as its pair",
        "secret_name": "Azure Key Vault",
        "secret_store": "Azure Key Vault (the `key_vault` output; reachable only through its private endpoint)",
        "open_app": (
            f"Open https://{d.domain} once its DNS records are published (Before the first deploy); "
            "`up` approves Front Door's Private Link connection."
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
        "restore": (_self_managed(d)["restore"] if d.database_hosting == "self-managed" else
                    "A flexible server restores into a new server (portal, Restore, or "
                    f"`az {family} flexible-server restore`): check it, then copy the data back into the stack's "
                    "database with the engine's dump tool. ")
        + (
            "Files: restore a share or single files from the Recovery Services vault (Backup items)."
            if d.production
            else "Files on a trial have no backup beyond the storage account's redundancy."
        ),
        **({key: _self_managed(d)[key] for key in ("backups", "manual_backup")}
           if d.database_hosting == "self-managed" else {}),
        "destroy_trial": (f"Its Key Vault stays soft-deleted for {KEY_VAULT_RETENTION_DAYS['trial']} days (purge "
                          "protection: no one can purge it sooner); its name is never reused, a new stack "
                          "gets a new one. Nothing else is kept."),
        "destroy_production": "Azure keeps no final database snapshot, and the file share's backups "
        "are snapshots inside its storage account, deleted with it: take a dump and copy the file share "
        f"first (see Back up). The Key Vault stays soft-deleted, with purge protection, for "
        f"{KEY_VAULT_RETENTION_DAYS['production']} days (the `key_vault` output names it). The Recovery "
        "Services vault (`backup_vault`, in its own resource group `backup_resource_group`) is kept: "
        f"backup items deleted with the shares stay in it, soft-deleted, for {BACKUP_SOFT_DELETE_DAYS} "
        "days, and it cannot be deleted sooner. "
        + ("The database VM's recovery points stay in it too; its nightly dumps do not (their storage "
           "account is in the stack's group): download the latest first. " if d.database_hosting == "self-managed" else "")
        + "`councilkit destroy . --delete-backups` turns its soft "
        "delete off first and deletes it as well; it cannot be undone. A new stack with the same "
        "answers names its vaults anew, so it can be created at once.",
    }
