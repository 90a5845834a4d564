"""What Checkov found on Azure production plans, as controls: the apps subnet sends only to named
ports, production registries are reached privately, and (advisory, Checkov's finding answered the
other way round) Key Vault secrets carry no expiry that could stop the apps."""

from __future__ import annotations

from .model import BOTH, PRODUCTION
from .registry import as_list, control, get, judge, of_type, refers_to
from . import types as t

APPS_DELEGATION = "Microsoft.App/environments"
# Azure's own outbound defaults start at 65000 (AllowVnetOutBound, AllowInternetOutBound).
AZURE_DEFAULTS = 65000


def _everything(rule, key: str) -> bool:
    return str(rule.get(key) or "") == "*" and not rule.get(key + "s")


def _ends_outbound(rule) -> bool:
    """A Deny Outbound of every protocol, port and destination, above Azure's defaults."""
    return (rule.get("direction") == "Outbound" and rule.get("access") == "Deny"
            and rule.get("protocol") == "*" and _everything(rule, "destinationAddressPrefix")
            and _everything(rule, "destinationPortRange") and int(rule.get("priority") or 0) < AZURE_DEFAULTS)


def _opens_everything(rule) -> bool:
    return (rule.get("direction") == "Outbound" and rule.get("access") == "Allow"
            and str(rule.get("destinationAddressPrefix")) in ("*", "Internet", "0.0.0.0/0")
            and _everything(rule, "destinationPortRange"))


@control("CK-AZR-031", "The apps subnet sends only to named ports", severity="medium", tiers=BOTH,
         mandatory=True, benchmarks=("MCSB NS-1",), ncsc=("11",), types=(t.SUBNET, t.NSG),
         subject="Container Apps subnet", scope="stack")
def apps_egress(resources, facts):
    """Without a deny-all outbound rule, Azure's AllowInternetOutBound lets a compromised app reach
    any port anywhere (as CK-AWS-037 on AWS)."""
    groups = of_type(resources, t.NSG)
    out = []
    for subnet in of_type(resources, t.SUBNET):
        if APPS_DELEGATION not in {get(x, "serviceName") for x in as_list(subnet.inputs.get("delegations"))}:
            continue
        nsg = next((g for g in groups if refers_to(get(subnet.inputs, "networkSecurityGroup.id"), g)), None)
        if nsg is None:
            out.append(judge(subnet, False, "", "no network security group: all outbound traffic is allowed"))
            continue
        rules = as_list(nsg.inputs.get("securityRules"))
        wide = [r.get("name") for r in rules if _opens_everything(r)]
        ends = any(_ends_outbound(r) for r in rules)
        out.append(judge(subnet, ends and not wide, f"{nsg.name} denies all outbound it does not name",
                         f"{nsg.name} allows {', '.join(wide)} to every port" if wide
                         else f"{nsg.name} has no deny-all outbound rule: Azure's AllowInternetOutBound applies"))
    return out


@control("CK-AZR-032", "Production registries are reached only privately", severity="medium",
         tiers=PRODUCTION, mandatory=False, benchmarks=("MCSB NS-2", "Checkov CKV_AZURE_139"), ncsc=("11",),
         types=(t.REGISTRY, t.PRIVATE_ENDPOINT), subject="container registry", scope="stack")
def registry_private(resources, facts):
    """Advisory: a private endpoint for the apps' pulls, and public network access off. councilkit
    keeps the public endpoint on because the image phase's `az acr build` fails without it
    (ACR private-link docs); the reason is given so the council can turn it off once images
    are built in a dedicated agent pool."""
    endpoints = of_type(resources, t.PRIVATE_ENDPOINT)
    out = []
    for r in of_type(resources, t.REGISTRY):
        private = any(refers_to(get(c, "privateLinkServiceId"), r)
                      for e in endpoints for c in as_list(e.inputs.get("privateLinkServiceConnections")))
        public = r.inputs.get("publicNetworkAccess") != "Disabled"  # Azure's default is Enabled
        problems = ([] if private else ["no private endpoint: the apps pull over the internet"]) + (
            ["public network access is on (kept for `az acr build`, which fails without it)"] if public else [])
        out.append(judge(r, not problems, "private endpoint, public network access disabled", "; ".join(problems)))
    return out


@control("CK-AZR-033", "Secrets the apps read at start carry no expiry that could stop them", severity="low",
         tiers=BOTH, mandatory=False, benchmarks=("Checkov CKV_AZURE_41",), ncsc=("9.1",), types=(t.KV_SECRET,),
         subject="Key Vault secret")
def secret_expiry(resources, facts):
    """Advisory, answering Checkov's CKV_AZURE_41 (secrets should expire) the other way round. An
    expiry either does nothing or stops the app: Key Vault's own page calls `exp` informational and
    says a get still works on an expired secret (MicrosoftDocs/azure-docs
    key-vault/secrets/about-secrets.md, "Date-time controlled operations"), while the same page says
    operations outside the window are disallowed and clients meet "Operation get is not allowed on a
    expired secret" (SecretExpired, Azure/AzureKeyVault issue 19). Container Apps reads each
    reference when a revision or replica starts (container-apps/manage-secrets.md: a changed value
    is used after a restart) and nowhere documents what it does with an expired one, so an expiry is
    at best a label and at worst an outage at the next restart, and it rotates nothing. Values are
    rotated instead (the runbook)."""
    out = []
    for s in of_type(resources, t.KV_SECRET):
        expires = get(s.inputs, "properties.attributes.expires")
        out.append(judge(s, not expires, "no expiry: rotated instead, so the apps keep resolving it",
                         f"expires {expires}: after then the apps could fail to resolve it at their next "
                         "restart; rotate it instead of letting it expire"))
    return out


@control("CK-AZR-040", "Front Door reaches production web apps by their own FQDN, over Private Link, with no "
         "certificate of their own", severity="high", tiers=PRODUCTION, mandatory=True, benchmarks=("MCSB NS-6",),
         ncsc=("11",), types=(t.CONTAINER_APP, t.FD_ORIGIN, "azure-native:app:ManagedCertificate"),
         subject="container app with external ingress", scope="stack")
def front_door_origin_host(resources, facts):
    """Microsoft's Front Door Premium → Container Apps pattern (azure-docs container-apps/
    how-to-integrate-with-azure-front-door.md): the Private Link origin's host name and Host header
    are the app's own FQDN. A custom domain and Container Apps managed certificate on the app would
    need it public with a CNAME of its own (custom-domains-managed-certificates.md), which a
    production app behind Front Door never has: the binding fails and Front Door answers 502."""
    origins = [o for o in of_type(resources, t.FD_ORIGIN)
               if get(o.inputs, "sharedPrivateLinkResource.groupId") == "managedEnvironments"]
    certificates = of_type(resources, "azure-native:app:ManagedCertificate")
    out = []
    for app in [r for r in of_type(resources, t.CONTAINER_APP) if get(r.inputs, "configuration.ingress.external") is True]:
        name = app.inputs.get("containerAppName") or app.name
        mine = [o for o in origins if str(o.inputs.get("hostName", "")).startswith(f"{name}.")]
        wrong = [o for o in mine if o.inputs.get("originHostHeader") != o.inputs.get("hostName")]
        bound = as_list(get(app.inputs, "configuration.ingress.customDomains"))
        if not mine:
            why = "no Front Door Private Link origin has its FQDN as host name"
        elif wrong:
            why = f"Front Door sends Host {wrong[0].inputs.get('originHostHeader')!r}, not the app's FQDN"
        elif bound or certificates:
            why = "it binds a custom domain or a Container Apps managed certificate, which cannot validate behind Front Door"
        else:
            why = ""
        out.append(judge(app, not why, "Front Door sends the app's own FQDN over Private Link; the app binds no domain",
                         why))
    return out
