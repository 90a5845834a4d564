"""Secrets: Key Vault (RBAC, soft delete, purge protection, private endpoint only) holding every
generated secret; containers read them through the managed identity, never as plain env values.

Values come from pulumi-random (stored in Pulumi state as secrets) and are written to Key Vault
as secrets; a container app references each by its versionless URL
(`https://<vault>.vault.azure.net/secrets/<name>`) with `identity`, so a rotated value reaches
the app on its next revision and the value never appears in a template, plan or env.

The private endpoint (£5.48 a month) is kept in trials too. The vault holds the database
administrator password and every app secret, and Container Apps resolves Key Vault references
from the environment's own network: a private endpoint in that VNet is the path Azure documents
for a network-restricted vault, and it lets the vault have no public endpoint at all. The
alternatives are not documented to work: a service-endpoint firewall would need the platform's
fetch to come from the apps subnet, and Key Vault's "trusted Microsoft services" list does not
name Container Apps. A trial whose references fail to resolve does not start, so the saving is
not worth the risk.

No secret carries an expiry (`attributes.expires`, Checkov CKV_AZURE_41): Key Vault documents
`exp` as informational with gets still allowed, yet clients meet SecretExpired refusals, and
Container Apps resolves references whenever a replica starts, so an expiry would either mean
nothing or stop the app at its next restart; it would rotate nothing either way. Advisory control
CK-AZR-033 says so on every plan (sources there); values are rotated instead, in the runbook.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.keyvault as keyvault
import pulumi_random as random

from councilkit.blueprints.deployment import Deployment
from councilkit.stacks.generated import generate
from councilkit.stacks.spec import SecretSpec

from . import names
from .identity import grant
from .network import Network
from .settings import INCARNATION_SUFFIX_BYTES, KEY_VAULT_RETENTION_DAYS


@dataclass
class SecretsArgs:
    deployment: Deployment
    resource_group_name: pulumi.Input[str]
    location: str
    tenant_id: pulumi.Input[str]
    reader_principal_id: pulumi.Input[str]
    """the apps' managed identity: gets Key Vault Secrets User on this vault only"""
    network: Network
    specs: list[SecretSpec]


class Secrets(pulumi.ComponentResource):
    """`urls[name]`: versionless Key Vault secret URL; `values[name]`: the value (a Pulumi secret)."""

    def __init__(self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:azure:Secrets", name, None, opts)
        self._name = name
        self._child = pulumi.ResourceOptions(parent=self)
        self._rg = args.resource_group_name
        d = args.deployment
        # A new name per incarnation, drawn once when the vault is created (as the AWS final
        # snapshot, aws/database.py): a destroyed vault stays soft-deleted for its retention with
        # its name reserved, and purge protection forbids purging it sooner. Recovering it
        # instead (create_mode "recover") would need the program to know whether a deleted vault
        # exists, would bring back the old stack's secrets beside the new ones, and fails once
        # the retention has passed; a fresh name always works.
        suffix = random.RandomId(f"{name}-vault-suffix", byte_length=INCARNATION_SUFFIX_BYTES, opts=self._child)
        self.vault_name: pulumi.Output[str] = suffix.hex.apply(lambda h: names.key_vault(d, h))
        self.vault = keyvault.Vault(
            f"{name}-vault",
            vault_name=self.vault_name,
            resource_group_name=self._rg,
            location=args.location,
            properties=keyvault.VaultPropertiesArgs(
                tenant_id=args.tenant_id,
                sku=keyvault.SkuArgs(family="A", name="standard"),
                # Azure RBAC, not access policies: access is granted per identity and per role.
                enable_rbac_authorization=True,
                enable_soft_delete=True,
                # A deleted vault (and its secrets) is kept for the retention period and cannot be
                # purged early, even by an administrator. Note: the name stays reserved meanwhile.
                enable_purge_protection=True,
                soft_delete_retention_in_days=KEY_VAULT_RETENTION_DAYS[d.tier],
                enabled_for_deployment=False,
                enabled_for_disk_encryption=False,
                enabled_for_template_deployment=False,
                # Reached only through its private endpoint in the VNet; ARM (which writes the
                # secrets below) is a trusted service.
                public_network_access="Disabled",
                network_acls=keyvault.NetworkRuleSetArgs(default_action="Deny", bypass="AzureServices"),
            ),
            opts=self._child,
        )
        args.network.private_endpoint(f"{name}-vault", self.vault.id, "vault", owner=self)
        self.reader = grant(
            d,
            f"{name}-apps-read",
            scope_id=self.vault.id,
            role="Key Vault Secrets User",
            principal_id=args.reader_principal_id,
            parent=self,
        )
        self.urls: dict[str, pulumi.Output[str]] = {}
        self.values: dict[str, pulumi.Output[str]] = {}
        for spec in args.specs:
            value = generate(f"{name}-{spec.name}", spec, self._child)
            self.put(spec.name, value, spec.description)
            self.values[spec.name] = value
        self.register_outputs({"vault_name": self.vault_name, "urls": self.urls})

    def put(self, secret_name: str, value: pulumi.Input[str], description: str) -> pulumi.Output[str]:
        """Store `value` as Key Vault secret `secret_name`; returns its versionless URL."""
        keyvault.Secret(
            f"{self._name}-{secret_name}",
            resource_group_name=self._rg,
            vault_name=self.vault.name,
            secret_name=secret_name,
            properties=keyvault.SecretPropertiesArgs(
                value=pulumi.Output.secret(value), content_type=description[:255]
            ),
            opts=self._child,
        )
        url = pulumi.Output.concat("https://", self.vault_name, f".vault.azure.net/secrets/{secret_name}")
        self.urls[secret_name] = url
        return url
