"""Network exposure: private data services, firewalls, WAF in production (NCSC 11, 13)."""

from __future__ import annotations

from .model import BOTH, PRODUCTION
from .registry import all_of, as_list, control, get, judge, of_type, refers_to
from . import types as t

INTERNET = {"0.0.0.0/0", "::/0"}
WEB_PORTS = {80, 443}


def _internet_ports(rule) -> tuple[bool, set[int] | None]:
    """(open to the internet?, the ports it opens; None = all or a range beyond the web ports)."""
    cidrs = set(as_list(rule.get("cidrBlocks"))) | set(as_list(rule.get("ipv6CidrBlocks")))
    cidrs |= {c for c in (rule.get("cidrIpv4"), rule.get("cidrIpv6")) if c}
    if not cidrs & INTERNET:
        return False, set()
    if str(rule.get("protocol", rule.get("ipProtocol", ""))) in ("-1", "all"):
        return True, None
    low, high = int(rule.get("fromPort", 0) or 0), int(rule.get("toPort", 0) or 0)
    if high - low > 1024:
        return True, None
    return True, set(range(low, high + 1))


# --- AWS ---------------------------------------------------------------------------------------


@control("CK-AWS-010", "RDS databases are not publicly accessible", severity="critical", tiers=BOTH,
         mandatory=True, benchmarks=("FSBP RDS.2", "MCSB NS-2"), ncsc=("11",), types=(t.RDS,),
         subject="RDS instance")
def rds_private(resources, facts):
    return [
        judge(r, r.inputs.get("publiclyAccessible") is not True, "publiclyAccessible is false",
              "publiclyAccessible is true: the database would have a public address")
        for r in of_type(resources, t.RDS)
    ]


@control("CK-AWS-011", "Internet-facing load balancers sit behind AWS WAF (production)", severity="high",
         tiers=PRODUCTION, mandatory=True, benchmarks=("FSBP WAF.10", "MCSB NS-6"), ncsc=("11",),
         types=(t.LB, t.WEB_ACL, t.WEB_ACL_ASSOCIATION), subject="internet-facing load balancer", scope="stack")
def alb_waf(resources, facts):
    """A web ACL with at least one managed rule group is associated with every public ALB."""
    acls = of_type(resources, t.WEB_ACL)
    associations = of_type(resources, t.WEB_ACL_ASSOCIATION)
    out = []
    for lb in of_type(resources, t.LB):
        if lb.inputs.get("internal") is True or lb.inputs.get("loadBalancerType", "application") != "application":
            continue
        linked = [acl for a in associations if refers_to(a.inputs.get("resourceArn"), lb)
                  for acl in acls if refers_to(a.inputs.get("webAclArn"), acl)]
        managed = [acl for acl in linked
                   if any(get(rule, "statement.managedRuleGroupStatement") for rule in as_list(acl.inputs.get("rules")))]
        out.append(judge(lb, bool(managed), f"web ACL {managed[0].name if managed else ''} with managed rule groups",
                         "no web ACL with a managed rule group is associated" if not linked
                         else "its web ACL has no managed rule group"))
    return out


@control("CK-AWS-012", "Security groups admit the internet only on HTTP/HTTPS", severity="high", tiers=BOTH,
         mandatory=True, benchmarks=("FSBP EC2.18", "FSBP EC2.19", "MCSB NS-1"), ncsc=("11",),
         types=(t.SG, t.SG_RULE, t.SG_INGRESS_RULE), subject="security group or ingress rule")
def sg_internet_ports(resources, facts):
    out = []
    for r in of_type(resources, t.SG, t.SG_RULE, t.SG_INGRESS_RULE):
        if r.type == t.SG:
            rules = as_list(r.inputs.get("ingress"))
        elif r.type == t.SG_RULE:
            rules = [r.inputs] if r.inputs.get("type") == "ingress" else []
        else:
            rules = [r.inputs]
        problems = []
        for rule in rules:
            open_, ports = _internet_ports(rule)
            if open_ and (ports is None or not ports <= WEB_PORTS):
                shown = "all ports" if ports is None else f"ports {min(ports)}-{max(ports)}"
                problems.append(f"{shown} open to the internet")
        out.append(all_of(r, problems, "internet ingress, if any, only on 80/443"))
    return out


@control("CK-AWS-013", "The VPC default security group allows no traffic", severity="medium", tiers=BOTH,
         mandatory=True, benchmarks=("FSBP EC2.2", "MCSB NS-1"), ncsc=("11",), types=(t.VPC, t.DEFAULT_SG),
         subject="VPC", scope="stack")
def default_sg_closed(resources, facts):
    defaults = of_type(resources, t.DEFAULT_SG)
    out = []
    for vpc in of_type(resources, t.VPC):
        mine = [g for g in defaults if refers_to(g.inputs.get("vpcId"), vpc)]
        if not mine:
            out.append(judge(vpc, False, "", "its default security group is not managed: it allows traffic between members"))
            continue
        open_rules = [g.name for g in mine if as_list(g.inputs.get("ingress")) or as_list(g.inputs.get("egress"))]
        out.append(judge(vpc, not open_rules, "default security group has no rules",
                         f"default security group {', '.join(open_rules)} still has rules"))
    return out


@control("CK-AWS-014", "VPC flow logs are enabled", severity="medium", tiers=BOTH, mandatory=True,
         benchmarks=("FSBP EC2.6", "MCSB LT-4"), ncsc=("13",), types=(t.VPC, t.FLOW_LOG), subject="VPC",
         scope="stack")
def vpc_flow_logs(resources, facts):
    logs = of_type(resources, t.FLOW_LOG)
    return [
        judge(vpc, any(refers_to(f.inputs.get("vpcId"), vpc) and f.inputs.get("trafficType") in ("ALL", "REJECT")
                       for f in logs),
              "flow log records rejected (or all) traffic", "no flow log records its traffic")
        for vpc in of_type(resources, t.VPC)
    ]


@control("CK-AWS-015", "Production tasks get no public IP address", severity="high", tiers=PRODUCTION,
         mandatory=True, benchmarks=("FSBP ECS.2", "MCSB NS-2"), ncsc=("11",), types=(t.ECS_SERVICE, t.SCHEDULE),
         subject="ECS service or scheduled task")
def tasks_private(resources, facts):
    out = []
    for r in of_type(resources, t.ECS_SERVICE, t.SCHEDULE):
        network = (r.inputs.get("networkConfiguration") if r.type == t.ECS_SERVICE
                   else get(r.inputs, "target.ecsParameters.networkConfiguration"))
        if r.type == t.SCHEDULE and not get(r.inputs, "target.ecsParameters"):
            continue
        out.append(judge(r, get(network, "assignPublicIp") is not True, "no public IP (private subnets, NAT egress)",
                         "assignPublicIp is true: each task would have a public address"))
    return out


@control("CK-AWS-016", "Load balancers drop invalid HTTP headers", severity="medium", tiers=BOTH,
         mandatory=False, benchmarks=("FSBP ELB.4",), ncsc=("11",), types=(t.LB,), subject="application load balancer")
def alb_drops_invalid_headers(resources, facts):
    return [
        judge(r, r.inputs.get("dropInvalidHeaderFields") is True, "dropInvalidHeaderFields is true",
              "dropInvalidHeaderFields is not true (request smuggling risk)")
        for r in of_type(resources, t.LB) if r.inputs.get("loadBalancerType", "application") == "application"
    ]


# --- Azure -------------------------------------------------------------------------------------


@control("CK-AZR-006", "Database servers have no public network access", severity="critical", tiers=BOTH,
         mandatory=True, benchmarks=("MCSB NS-2",), ncsc=("11",), types=t.DATABASE_SERVERS, subject="flexible server")
def azure_db_private(resources, facts):
    out = []
    for r in of_type(resources, *t.DATABASE_SERVERS):
        access = get(r.inputs, "network.publicNetworkAccess")
        subnet = get(r.inputs, "network.delegatedSubnetResourceId")
        out.append(judge(r, access == "Disabled", f"public access disabled{', in a delegated subnet' if subnet else ''}",
                         f"network.publicNetworkAccess is {access or 'not set (Azure enables it)'}"))
    return out


@control("CK-AZR-007", "Storage accounts are private, with no public blob access", severity="high", tiers=BOTH,
         mandatory=True, benchmarks=("MCSB NS-2", "MCSB DP-2"), ncsc=("11",), types=(t.STORAGE_ACCOUNT,),
         subject="storage account")
def storage_private(resources, facts):
    out = []
    for r in of_type(resources, t.STORAGE_ACCOUNT):
        problems = []
        if r.inputs.get("publicNetworkAccess") != "Disabled" and get(r.inputs, "networkRuleSet.defaultAction") != "Deny":
            problems.append("reachable from any network (no public access block, firewall default Allow)")
        if r.inputs.get("allowBlobPublicAccess") is not False:
            problems.append("allowBlobPublicAccess is not false")
        out.append(all_of(r, problems, "no public network access, no anonymous blobs"))
    return out


@control("CK-AZR-008", "Key Vaults are reachable only privately", severity="high", tiers=BOTH, mandatory=True,
         benchmarks=("MCSB NS-2", "MCSB DP-8"), ncsc=("11",), types=(t.KEY_VAULT,), subject="Key Vault")
def key_vault_private(resources, facts):
    out = []
    for r in of_type(resources, t.KEY_VAULT):
        access = get(r.inputs, "properties.publicNetworkAccess")
        default = get(r.inputs, "properties.networkAcls.defaultAction")
        out.append(judge(r, access == "Disabled" or default == "Deny",
                         f"publicNetworkAccess={access}, network default {default}",
                         "open to every network (public access on, no default-deny ACL)"))
    return out


@control("CK-AZR-009", "Redis caches have no public network access", severity="high", tiers=BOTH,
         mandatory=True, benchmarks=("MCSB NS-2",), ncsc=("11",), types=(t.REDIS, t.REDIS_CLUSTER),
         subject="Redis cache or Managed Redis cluster")
def redis_private(resources, facts):
    # A Managed Redis cluster has no VNet injection (subnetId): only publicNetworkAccess closes it.
    return [
        judge(r, r.inputs.get("publicNetworkAccess") == "Disabled"
              or (r.type == t.REDIS and bool(r.inputs.get("subnetId"))),
              "public network access disabled (private endpoint)",
              f"publicNetworkAccess is {r.inputs.get('publicNetworkAccess') or 'not set (Azure enables it)'}")
        for r in of_type(resources, t.REDIS, t.REDIS_CLUSTER)
    ]


def _external_apps(resources):
    return [r for r in of_type(resources, t.CONTAINER_APP) if get(r.inputs, "configuration.ingress.external") is True]


@control("CK-AZR-010", "Public web apps sit behind a Front Door WAF in prevention mode (production)",
         severity="high", tiers=PRODUCTION, mandatory=True, benchmarks=("MCSB NS-6",), ncsc=("11",),
         types=(t.CONTAINER_APP, t.FD_ORIGIN, t.FD_SECURITY_POLICY, t.WAF_POLICY),
         subject="container app with external ingress", scope="stack")
def azure_waf(resources, facts):
    origins = of_type(resources, t.FD_ORIGIN)
    links = of_type(resources, t.FD_SECURITY_POLICY)
    policies = [p for p in of_type(resources, t.WAF_POLICY)
                if get(p.inputs, "policySettings.mode") == "Prevention"
                and get(p.inputs, "policySettings.enabledState", "Enabled") == "Enabled"
                and as_list(get(p.inputs, "managedRules.managedRuleSets"))]
    out = []
    for app in _external_apps(resources):
        name = app.inputs.get("containerAppName") or app.name
        fronted = [o for o in origins if str(o.inputs.get("hostName", "")).startswith(f"{name}.")]
        protected = [
            o for o in fronted for link in links
            if link.inputs.get("profileName") == o.inputs.get("profileName")
            and any(refers_to(get(link.inputs, "parameters.wafPolicy.id"), p) for p in policies)
        ]
        out.append(judge(app, bool(protected), "Front Door origin protected by a managed-rule WAF in Prevention mode",
                         "no Front Door origin with a WAF policy in Prevention mode (managed rules) fronts it"
                         if fronted else "no Front Door (and WAF) in front of it"))
    return out


@control("CK-AZR-011", "Production web apps are reachable only through the WAF", severity="high",
         tiers=PRODUCTION, mandatory=True, benchmarks=("MCSB NS-6", "MCSB NS-2"), ncsc=("11",),
         types=(t.CONTAINER_APP, t.APP_ENVIRONMENT, t.FD_ORIGIN), subject="container app with external ingress",
         scope="stack")
def azure_waf_bypass(resources, facts):
    """Either the app's environment takes no public traffic and Front Door reaches it through a
    Private Link origin into that environment (councilkit's production design), or its ingress
    admits only listed addresses. An environment open to the internet lets anyone call the app
    around Front Door and its WAF, whatever origins Front Door has; a closed environment with no
    Private Link origin leaves the app reachable by nobody, Front Door included."""
    environments = of_type(resources, t.APP_ENVIRONMENT)
    origins = of_type(resources, t.FD_ORIGIN)
    out = []
    for app in _external_apps(resources):
        env = next((e for e in environments if refers_to(app.inputs.get("managedEnvironmentId"), e)), None)
        private = env is not None and env.inputs.get("publicNetworkAccess") == "Disabled"
        linked = env is not None and any(
            refers_to(get(o.inputs, "sharedPrivateLinkResource.privateLink.id"), env)
            and get(o.inputs, "sharedPrivateLinkResource.groupId") == "managedEnvironments"
            for o in origins
        )
        rules = as_list(get(app.inputs, "configuration.ingress.ipSecurityRestrictions"))
        allows = [r for r in rules if r.get("action") == "Allow"]
        limited = bool(allows) and not any(r.get("ipAddressRange") in INTERNET for r in allows)
        if private and linked:
            out.append(judge(app, True, "environment closed to public traffic; Front Door reaches it over Private Link", ""))
        elif limited:
            out.append(judge(app, True, "ingress limited by IP restrictions", ""))
        elif private:
            out.append(judge(app, False, "", "environment closed to public traffic but no Front Door Private Link "
                             "origin (group managedEnvironments) reaches it: nobody, Front Door included, can"))
        else:
            out.append(judge(app, False, "", "external ingress open to any address: requests can skip Front Door "
                             "and its WAF" + (" (its Private Link origin does not close the public endpoint)"
                                              if linked else "")))
    return out
