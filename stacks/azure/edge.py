"""Edge (production): Azure Front Door Premium with a WAF policy in front of the web app.

- WAF: a Front Door WAF policy in Prevention mode with Microsoft's managed Default Rule Set
  (OWASP-style protections) and the Bot Manager rule set. Managed rule sets need the Premium
  tier of Front Door, hence Premium_AzureFrontDoor for both the profile and the policy.
- The council's domain is a Front Door custom domain with a Front Door-managed certificate
  (TLS 1.2 minimum, renewed automatically). Azure proves the council owns the domain through a
  TXT record `_dnsauth.<domain>`: its name and value are stack outputs, as is the CNAME target.
- HTTP is redirected to HTTPS; Front Door talks to the container app over HTTPS only, checking
  its certificate, and caches nothing (the apps' pages are per user).
- The app sees its own domain: the origin's `originHostHeader` is the council's domain, which is
  bound to the web container app with its own managed certificate (apps.py). Otherwise Front Door
  would send the app's `*.azurecontainerapps.io` name, which apps that trust only their domain
  refuse (Nextcloud `trusted_domains`, Drupal `trusted_host_patterns`, Frappe's site by Host).
  Front Door's health probes carry the same Host, so they check what users get.
- Only Front Door reaches the app: the origin is a Private Link origin into the Container Apps
  environment, whose public network access is off (environment.py). Azure asks the environment's
  owner to approve the link once: `private_link_approval` (a stack output) says how.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
import pulumi_azure_native.cdn as cdn
import pulumi_azure_native.frontdoor as frontdoor

from councilkit.blueprints.deployment import Deployment

from . import names

SKU = "Premium_AzureFrontDoor"
MANAGED_RULE_SETS = (("Microsoft_DefaultRuleSet", "2.1", "Block"), ("Microsoft_BotManagerRuleSet", "1.1", None))


@dataclass
class EdgeArgs:
    deployment: Deployment
    resource_group_name: pulumi.Input[str]
    origin_host: pulumi.Input[str]
    """the web container app's FQDN"""
    health_path: str
    environment_id: pulumi.Input[str]
    """the Container Apps environment: the Private Link target"""
    location: str


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
            health_probe_settings=cdn.HealthProbeParametersArgs(
                probe_path=args.health_path,
                probe_protocol="Https",
                probe_request_type="GET",
                probe_interval_in_seconds=60,
            ),
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
            # The council's domain, bound on the web app: the app sees the Host users typed.
            origin_host_header=d.domain,
            http_port=80,
            https_port=443,
            priority=1,
            weight=1000,
            enabled_state="Enabled",
            # The app's certificate for the council's domain must match (SNI = the Host above).
            enforce_certificate_name_check=True,
            shared_private_link_resource=cdn.SharedPrivateLinkResourcePropertiesArgs(
                private_link=cdn.ResourceReferenceArgs(id=args.environment_id),
                group_id="managedEnvironments",
                private_link_location=args.location,
                request_message=f"councilkit: Front Door for {d.stack_name}",
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
        self.private_link_approval = {
            "what": "Front Door's Private Link to the Container Apps environment waits for approval "
            "once; until then Front Door answers 502",
            "portal": "Container Apps environment > Networking > Private endpoints > approve the "
            "pending connection from Front Door",
            "cli": pulumi.Output.concat(
                "az rest --method get --url https://management.azure.com", args.environment_id,
                "/privateEndpointConnections?api-version=2025-02-02-preview  "
                "# then PUT the pending one with privateLinkServiceConnectionState.status=Approved",
            ),
        }
        self.validation_record = {
            "type": "TXT",
            "name": f"_dnsauth.{d.domain}",
            "value": self.custom_domain.validation_properties.apply(
                lambda v: getattr(v, "validation_token", None) or "(known after deployment)"
            ),
        }
        self.register_outputs({"endpoint": self.endpoint_host})
