"""Edge (production): Azure Front Door Premium with a WAF policy in front of the web app.

- WAF: a Front Door WAF policy in Prevention mode with Microsoft's managed Default Rule Set
  (OWASP-style protections) and the Bot Manager rule set. Managed rule sets need the Premium
  tier of Front Door, hence Premium_AzureFrontDoor for both the profile and the policy.
- The council's domain is a Front Door custom domain with a Front Door-managed certificate
  (TLS 1.2 minimum, renewed automatically). Azure proves the council owns the domain through a
  TXT record `_dnsauth.<domain>`: its name and value are stack outputs, as is the CNAME target.
  Front Door's certificate is the only one for the domain: the web app has no custom domain
  and no certificate of its own in production (apps.py).
- HTTP is redirected to HTTPS; Front Door talks to the container app over HTTPS only, checking
  its certificate, and caches nothing (the apps' pages are per user).
- Microsoft's pattern for Front Door Premium → Container Apps over Private Link (MicrosoftDocs
  azure-docs container-apps/how-to-integrate-with-azure-front-door.md, `az afd origin create
  --host-name $ACA_ENDPOINT --origin-host-header $ACA_ENDPOINT`): the origin's host name *and*
  Host header are the web app's default FQDN, so the certificate name check meets the
  platform's own `*.azurecontainerapps.io` certificate. A Host of the council's domain would
  need that domain bound on the app with a Container Apps managed certificate, which validates
  only over a public environment and a CNAME to the app: production has neither (the CNAME is
  Front Door's, public access is off), so Front Door got 502. The council's domain reaches the
  app in `X-Forwarded-Host`: Front Door sets it to the Host the user sent, overriding any
  earlier value (azure-docs frontdoor/front-door-http-headers-protocol.md).
- One origin, so no health probes: Microsoft's Front Door health-probe page (azure-docs
  frontdoor/health-probes.md, "Disabling health probes"): "If you have a single origin in your
  origin group, you can choose to disable health probes", and with every origin unhealthy
  Front Door routes to them anyway, so a probe could only add load (and a probe sent with the
  FQDN as Host is one some apps refuse). The web app's own probes check it (apps.py).
- Only Front Door reaches the app: the origin is a Private Link origin into the Container Apps
  environment, whose public network access is off (environment.py). Azure asks the
  environment's owner to approve the link once (azure-docs frontdoor/private-link.md: "You must
  approve the private endpoint connection before traffic can pass"); `up` approves it
  (private_link.py), and `private_link_approval` (a stack output) is the command by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
import pulumi_azure_native.cdn as cdn
import pulumi_azure_native.frontdoor as frontdoor

from councilkit.blueprints.deployment import Deployment

from . import names
from .private_link import approve_by_hand, request_message

SKU = "Premium_AzureFrontDoor"
MANAGED_RULE_SETS = (("Microsoft_DefaultRuleSet", "2.1", "Block"), ("Microsoft_BotManagerRuleSet", "1.1", None))


@dataclass
class EdgeArgs:
    deployment: Deployment
    resource_group_name: pulumi.Input[str]
    origin_host: pulumi.Input[str]
    """the web container app's FQDN (from the environment's default domain, so the origin waits
    for the environment and not for the app: go-live phase `link`)"""
    environment_id: pulumi.Input[str]
    """the Container Apps environment: the Private Link target"""
    location: str
    environment_name: pulumi.Input[str] = ""


class Edge(pulumi.ComponentResource):
    """`endpoint_host`, `validation_record` (name, value), `profile` (for alerts)."""

    def __init__(self, name: str, args: EdgeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:azure:Edge", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        d = args.deployment
        rg = args.resource_group_name
        self.waf = frontdoor.Policy(
            f"{name}-waf",
            policy_name=names.compact(d, "waf", 128),
            resource_group_name=rg,
            location="Global",
            sku=frontdoor.SkuArgs(name=SKU),
            policy_settings=frontdoor.PolicySettingsArgs(
                enabled_state="Enabled", mode="Prevention", request_body_check="Enabled"
            ),
            managed_rules=frontdoor.ManagedRuleSetListArgs(
                managed_rule_sets=[
                    frontdoor.ManagedRuleSetArgs(rule_set_type=kind, rule_set_version=version, rule_set_action=action)
                    for kind, version, action in MANAGED_RULE_SETS
                ]
            ),
            opts=child,
        )
        self.profile = cdn.Profile(
            f"{name}-profile",
            profile_name=names.dns_label(d, "afd", 63),
            resource_group_name=rg,
            location="Global",
            sku=cdn.SkuArgs(name=SKU),
            origin_response_timeout_seconds=120,
            opts=child,
        )
        self.endpoint = cdn.AFDEndpoint(
            f"{name}-endpoint",
            endpoint_name=names.dns_label(d, "fd", 46),
            profile_name=self.profile.name,
            resource_group_name=rg,
            location="Global",
            enabled_state="Enabled",
            auto_generated_domain_name_label_scope="TenantReuse",
            opts=child,
        )
        origin_group = cdn.AFDOriginGroup(
            f"{name}-origins",
            origin_group_name="web",
            profile_name=self.profile.name,
            resource_group_name=rg,
            # No health_probe_settings: one origin (module docstring).
            load_balancing_settings=cdn.LoadBalancingSettingsParametersArgs(
                sample_size=4, successful_samples_required=3, additional_latency_in_milliseconds=50
            ),
            session_affinity_state="Disabled",
            opts=child,
        )
        origin = cdn.AFDOrigin(
            f"{name}-origin",
            origin_name="web",
            origin_group_name=origin_group.name,
            profile_name=self.profile.name,
            resource_group_name=rg,
            host_name=args.origin_host,
            # The app's own FQDN, as Microsoft's how-to sets it; the user's domain rides in
            # X-Forwarded-Host (module docstring).
            origin_host_header=args.origin_host,
            http_port=80,
            https_port=443,
            priority=1,
            weight=1000,
            enabled_state="Enabled",
            # The platform's certificate for the FQDN must match (SNI = the Host above).
            enforce_certificate_name_check=True,
            shared_private_link_resource=cdn.SharedPrivateLinkResourcePropertiesArgs(
                private_link=cdn.ResourceReferenceArgs(id=args.environment_id),
                group_id="managedEnvironments",
                private_link_location=args.location,
                request_message=request_message(d),
            ),
            opts=child,
        )
        self.custom_domain = cdn.AFDCustomDomain(
            f"{name}-domain",
            custom_domain_name=re.sub(r"[^a-z0-9-]", "-", d.domain)[:260],
            profile_name=self.profile.name,
            resource_group_name=rg,
            host_name=d.domain,
            tls_settings=cdn.AFDDomainHttpsParametersArgs(
                certificate_type="ManagedCertificate", minimum_tls_version="TLS12"
            ),
            opts=child,
        )
        domains = [cdn.ActivatedResourceReferenceArgs(id=self.custom_domain.id)]
        cdn.Route(
            f"{name}-route",
            route_name="web",
            endpoint_name=self.endpoint.name,
            profile_name=self.profile.name,
            resource_group_name=rg,
            origin_group=cdn.ResourceReferenceArgs(id=origin_group.id),
            custom_domains=domains,
            supported_protocols=["Http", "Https"],
            https_redirect="Enabled",
            forwarding_protocol="HttpsOnly",
            link_to_default_domain="Enabled",
            patterns_to_match=["/*"],
            enabled_state="Enabled",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[origin]),
        )
        cdn.SecurityPolicy(
            f"{name}-waf-link",
            security_policy_name="waf",
            profile_name=self.profile.name,
            resource_group_name=rg,
            parameters=cdn.SecurityPolicyWebApplicationFirewallParametersArgs(
                type="WebApplicationFirewall",
                waf_policy=cdn.ResourceReferenceArgs(id=self.waf.id),
                associations=[
                    cdn.SecurityPolicyWebApplicationFirewallAssociationArgs(
                        domains=[cdn.ActivatedResourceReferenceArgs(id=self.endpoint.id), *domains],
                        patterns_to_match=["/*"],
                    )
                ],
            ),
            opts=child,
        )
        self.endpoint_host = self.endpoint.host_name
        # `up` approves the connection itself (go-live phase `link`); this is the same by hand.
        self.private_link_approval = {
            "what": "Front Door's Private Link connection to the Container Apps environment needs approving "
            "once; `councilkit up` does it (phase link). Until it is approved Front Door answers with an error",
            "portal": "Container Apps environment > Settings > Networking > private endpoint connections > "
            f"approve each pending one with the description {request_message(d)!r}",
            "cli": pulumi.Output.from_input(args.environment_name).apply(lambda env: approve_by_hand(d, env)),
        }
        self.validation_record = {
            "type": "TXT",
            "name": f"_dnsauth.{d.domain}",
            "value": self.custom_domain.validation_properties.apply(
                lambda v: getattr(v, "validation_token", None) or "(known after deployment)"
            ),
        }
        self.register_outputs({"endpoint": self.endpoint_host})
