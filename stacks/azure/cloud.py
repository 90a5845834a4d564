"""The Azure adapter: what councilkit knows about Azure, behind `stacks.cloud.Cloud`.

Importing this imports no SDK: `build` loads `stack.py` (azure-native) when it runs, and the
price rules load when a plan is priced.
"""

from __future__ import annotations

import shlex
from typing import Any, Mapping

from councilkit.blueprints.clouds import facts
from councilkit.stacks.cloud import Cloud, CouncilAction, ExitTools, GoLive, Kept, Phase, SmokeTarget
from councilkit.stacks.outputs import AdminCredentials

from . import names
from .offline import INVOKE_RESULTS, azure_outputs
from .settings import BACKUP_SOFT_DELETE_DAYS, DELETE_BACKUPS, KEY_VAULT_RETENTION_DAYS

# The go-live phases of a first `up` (stacks/azure/golive.py has what runs around each).
_DOMAIN = ("create the resource group, network and Container Apps environment{}, then show the DNS "
           "records Azure checks before it binds the domain")
DOMAIN_PHASE = Phase("domain", _DOMAIN.format(""), ("councilkit:azure:Environment",),
                     waits_for="the council to publish the asuid TXT record and the CNAME")
DOMAIN_PHASE_PRODUCTION = Phase("domain", "create the resource group, network, Container Apps environment and "
                                "Front Door's endpoint, then show the CNAME to Front Door",
                                ("councilkit:azure:Environment", "azure-native:cdn:AFDEndpoint"),
                                waits_for="the council to publish the CNAME")
# Production: the origin needs only the environment (its host is the web app's FQDN, computed from
# the environment's default domain), so it exists, and its connection is approved, before any app.
LINK_PHASE = Phase("link", "create Front Door's Private Link origin into the Container Apps environment, then "
                   "approve its private endpoint connection", ("azure-native:cdn:AFDOrigin",),
                   waits_for="the connection to be approved (az network private-endpoint-connection, up to 10 minutes)")
IMAGE_PHASE = Phase("image", "create the container registry and the apps' pull access, then build the app's image",
                    ("councilkit:azure:Registry",), waits_for="the image build in ACR Tasks (az acr build)")
IDENTITY_PHASE = Phase("identity", "create the managed identity, Key Vault, its secrets and the identity's "
                       "read access", ("councilkit:azure:Identity", "councilkit:azure:Secrets"),
                       waits_for="the role assignments to take effect (up to 10 minutes)")
APP_PHASE = Phase("app", "create or update every resource (trial: the domain bound to the web app last)", None,
                  waits_for="the site's health check from outside", smoke=True)

READ_SECRET = ("az keyvault secret show --vault-name {vault} --name <secret> "
               "(needs the Key Vault Secrets User role and a network path to the vault's private endpoint)")


def read_secret_command(vault: Any) -> Any:
    """The command that reads one secret; `vault` may be a Pulumi Output at build time."""
    if isinstance(vault, str):
        return READ_SECRET.format(vault=vault)
    import pulumi

    return pulumi.Output.from_input(vault).apply(lambda v: READ_SECRET.format(vault=v))


class AzureCloud(Cloud):
    facts = facts("azure")
    package = __package__
    invoke_results = INVOKE_RESULTS
    # OIDC federated credentials (azure/login README): client, tenant and subscription ids only.
    ci_login_step = """      - uses: azure/login@v2
        if: matrix.cloud == 'azure'
        with:
          client-id: ${{ secrets.AZURE_CLIENT_ID }}
          tenant-id: ${{ secrets.AZURE_TENANT_ID }}
          subscription-id: ${{ secrets.AZURE_SUBSCRIPTION_ID }}
"""
    cost_excluded = ("bandwidth out of Azure other than through Front Door", "Azure support plans", "VAT",
                     "monthly free grants (not deducted)")

    # --- going live ------------------------------------------------------------------------

    def go_live_phases(self, d) -> list[Phase]:
        """The environment first, so the DNS records are shown (and written) before anything
        can fail on them; the image before any app pulls it; in production Front Door's Private
        Link origin, its connection approved (a targeted phase rather than an `after_phase` of
        the app: the approval is done before the apps are made and before the smoke check goes
        through Front Door, and a later `up` skips it by `phase_done`); the secrets and role
        assignments before any app resolves a Key Vault reference; then everything."""
        builds = any(c.build for c in d.blueprint.containers)
        return [DOMAIN_PHASE_PRODUCTION if d.production else DOMAIN_PHASE, *([IMAGE_PHASE] if builds else []),
                *([LINK_PHASE] if d.production else []), IDENTITY_PHASE, APP_PHASE]

    def phase_done(self, phase: Phase, live: GoLive) -> str | None:
        from . import golive, private_link

        done = {"domain": golive.domain_done, "image": golive.image_done, "identity": golive.identity_done,
                "link": private_link.link_done}
        return done[phase.name](live) if phase.name in done else None

    def after_phase(self, phase: Phase, live: GoLive) -> CouncilAction | None:
        from . import golive, private_link

        if phase.name == IDENTITY_PHASE.name:
            golive.wait_for_roles(live)
            return None
        after = {"domain": golive.domain_action, "image": golive.image_action,
                 "link": private_link.approve}.get(phase.name)
        return after(live) if after else None

    def smoke_target(self, live: GoLive, values: Mapping[str, Any]) -> SmokeTarget | None:
        from . import golive

        return golive.smoke_target(live, values)

    def diagnose(self, live: GoLive, values: Mapping[str, Any]) -> list[str]:
        from . import golive

        return golive.diagnose(live, values)

    def fake_outputs(self, type_: str, name: str, state: dict[str, Any]) -> dict[str, Any]:
        return azure_outputs(type_, name, state)

    def one_off_commands(self, one_off: Mapping[str, Any], kind: str, region: str) -> list[str]:
        """Start the step's Container Apps job (the stack exports the exact command)."""
        step = one_off.get(kind) if isinstance(one_off, Mapping) else None
        if not isinstance(step, Mapping):
            return []
        return [step["start"]] if step.get("start") else []

    def legacy_credentials(self, values: Mapping[str, Any]) -> AdminCredentials:
        """councilkit 0.1 exported `admin_credentials` as {key_vault, secrets: [names], how}."""
        raw = values.get("admin_credentials") if isinstance(values.get("admin_credentials"), Mapping) else {}
        vault = raw.get("key_vault") or values.get("key_vault") or "(see the key_vault output)"
        names = raw.get("secrets") or []
        return AdminCredentials("Azure Key Vault", vault, {str(n): str(n) for n in names},
                                raw.get("how") or read_secret_command(str(vault)))

    delete_backups_props: Mapping[str, Mapping[str, Any]] = DELETE_BACKUPS

    def destroy_keeps(self, d, outputs: Mapping[str, Any], delete_backups: bool) -> list[Kept]:
        """Every destroy keeps the Key Vault: soft-deleted with purge protection, it stays for its
        retention (settings.KEY_VAULT_RETENTION_DAYS) and no one can purge it sooner
        (learn.microsoft.com Key Vault soft-delete overview; PSRule Azure.KeyVault.PurgeProtect:
        "vaults and vault items can no longer be purged"); a re-created stack names its vault
        anew (secrets.py). A production destroy also keeps the Recovery Services vault and its
        resource group, unless --delete-backups (settings.DELETE_BACKUPS says what Pulumi
        deletes and why). No final database snapshot: take a dump first (RUNBOOK.md). A
        self-managed database's VM recovery points are kept in that vault like the shares'; its
        dumps' storage account is in the stack's own group and is deleted with it, not kept."""
        days = KEY_VAULT_RETENTION_DAYS[d.tier]
        kept = [Kept("Key Vault (soft-deleted, purge protection on)",
                     str(outputs.get("key_vault") or f"kv-…-<4 hex digits> (not in the stack's outputs: "
                                                       f"`az keyvault list-deleted` shows it)"),
                     f"{days} days after the destroy, its name reserved until then; no one can purge it sooner")]
        if not d.production or delete_backups or not (d.blueprint.files or d.database_hosting == "self-managed"):
            return kept
        vault = str(outputs.get("backup_vault") or "<VAULT_NAME>")
        group = str(outputs.get("backup_resource_group") or "<VAULT_RESOURCE_GROUP>")
        found = ("" if "backup_vault" in outputs else
                 " (not in the stack's outputs: `az backup vault list` shows it, in a group named "
                 f"rg-{d.stack_name}-backup-<4 hex digits>)")

        def az(*words: str) -> str:
            return " ".join(w if "<" in w else shlex.quote(w) for w in words)

        where = ("--resource-group", group, "--vault-name", vault)
        account = str(outputs.get("storage_account") or names.storage_account(d))
        container = f"StorageContainer;Storage;{names.resource_group(d)};{account}"  # backup.py
        share = ("--container-name", container, "--item-name", "<EACH_ITEM_LISTED>",
                 "--backup-management-type", "AzureStorage", "--workload-type", "AzureFileShare")
        # Commands and flags: Azure/azure-cli src/azure-cli/azure/cli/command_modules/backup
        # commands.py and _params.py (tests/test_azure_recreate.py checks each against them).
        # Order (learn.microsoft.com/azure/backup/backup-azure-delete-vault): a vault holding
        # backup data, even soft-deleted, cannot be deleted; soft delete off first, then each
        # soft-deleted item undeleted and deleted for good, then the vault and its group.
        return kept + [Kept(
            "Recovery Services vault (in its own resource group) and any soft-deleted file-share"
            + (" and database VM" if d.database_hosting == "self-managed" else "") + " backup items",
            vault + found,
            f"soft-deleted items {BACKUP_SOFT_DELETE_DAYS} days, then the empty vault and its group until you "
            "delete them (the share snapshots were in the storage account and went with it)",
            (az("az", "backup", "vault", "backup-properties", "set", "--name", vault, "--resource-group", group,
                "--soft-delete-feature-state", "Disable"),
             az("az", "backup", "item", "list", *where, "--backup-management-type", "AzureStorage",
                "--workload-type", "AzureFileShare", "--query", "[].name", "--output", "tsv"),
             az("az", "backup", "protection", "undelete", *where, *share),
             az("az", "backup", "protection", "disable", *where, *share, "--delete-backup-data", "true", "--yes"),
             az("az", "backup", "vault", "delete", "--name", vault, "--resource-group", group, "--yes"),
             az("az", "group", "delete", "--name", group, "--yes")),
        )]

    def exit_tools(self, d) -> ExitTools:
        return ExitTools(database_from="a Container Apps job in the app's network",
                         files_with="rsync from a machine that mounts the NFS share, or azcopy")
