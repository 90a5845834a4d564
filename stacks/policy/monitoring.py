"""Audit information and operational security: logs kept, logs collected, budgets (NCSC 5, 13)."""

from __future__ import annotations

from .model import BOTH, PRODUCTION
from .registry import all_of, as_list, control, get, json_doc, judge, of_type, refers_to
from . import types as t

# Minimum log retention per tier the baseline asks for (each cloud's controls have their own).
AWS_LOG_DAYS = {"trial": 30, "production": 365}
AZURE_LOG_DAYS = {"trial": 30, "production": 90}


# --- AWS ---------------------------------------------------------------------------------------


@control("CK-AWS-026", "Log groups keep logs 30 days (365 in production), not forever", severity="medium",
         tiers=BOTH, mandatory=True, benchmarks=("FSBP CloudWatch.16", "MCSB LT-6"), ncsc=("13",),
         types=(t.LOG_GROUP,), subject="CloudWatch log group")
def log_retention(resources, facts):
    need = AWS_LOG_DAYS[facts.tier]
    out = []
    for r in of_type(resources, t.LOG_GROUP):
        days = int(r.inputs.get("retentionInDays") or 0)
        out.append(judge(r, days >= need, f"kept {days} days",
                         "retention not set: logs kept forever at growing cost" if not days
                         else f"kept {days} days; {need} needed"))
    return out


@control("CK-AWS-027", "Every container logs to CloudWatch", severity="medium", tiers=BOTH, mandatory=True,
         benchmarks=("FSBP ECS.9", "MCSB LT-3"), ncsc=("13",), types=(t.TASK_DEFINITION,),
         subject="ECS task definition")
def ecs_logging(resources, facts):
    out = []
    for r in of_type(resources, t.TASK_DEFINITION):
        definitions = json_doc(r.inputs.get("containerDefinitions"))
        missing = [c.get("name") for c in as_list(definitions) if not get(c, "logConfiguration.logDriver")]
        out.append(all_of(r, [f"{name} has no log configuration" for name in missing], "awslogs for every container"))
    return out


@control("CK-AWS-028", "Production load balancers keep access logs", severity="medium", tiers=PRODUCTION,
         mandatory=True, benchmarks=("FSBP ELB.5", "MCSB LT-4"), ncsc=("13",), types=(t.LB,), subject="load balancer")
def alb_access_logs(resources, facts):
    return [
        judge(r, get(r.inputs, "accessLogs.enabled") is True and bool(get(r.inputs, "accessLogs.bucket")),
              "access logs to S3", "access logs are off")
        for r in of_type(resources, t.LB)
    ]


@control("CK-AWS-029", "ECS clusters collect Container Insights", severity="low", tiers=PRODUCTION, mandatory=False,
         benchmarks=("FSBP ECS.12", "MCSB LT-1"), ncsc=("5.3",), types=(t.ECS_CLUSTER,), subject="ECS cluster")
def container_insights(resources, facts):
    out = []
    for r in of_type(resources, t.ECS_CLUSTER):
        value = next((s.get("value") for s in as_list(r.inputs.get("settings")) if s.get("name") == "containerInsights"), None)
        out.append(judge(r, value in ("enabled", "enhanced"), f"containerInsights={value}", "Container Insights is off"))
    return out


@control("CK-AWS-030", "Image repositories scan on push and keep tags immutable", severity="medium", tiers=BOTH,
         mandatory=False, benchmarks=("FSBP ECR.1", "FSBP ECR.2", "MCSB PV-5"), ncsc=("5.2",),
         types=(t.ECR_REPOSITORY,), subject="ECR repository")
def ecr_scanning(resources, facts):
    out = []
    for r in of_type(resources, t.ECR_REPOSITORY):
        problems = []
        if get(r.inputs, "imageScanningConfiguration.scanOnPush") is not True:
            problems.append("images are not scanned on push")
        if r.inputs.get("imageTagMutability") not in ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"):
            problems.append("tags are mutable: a tag could silently point at another image")
        out.append(all_of(r, problems, "scan on push, immutable tags"))
    return out


@control("CK-AWS-031", "A monthly cost budget e-mails the council", severity="low", tiers=BOTH, mandatory=False,
         benchmarks=(), ncsc=("5",), types=(t.BUDGET, t.AWS_PROVIDER), subject="AWS account of the stack",
         scope="stack")
def aws_budget(resources, facts):
    """One result on the stack's provider (or the first resource): a COST budget with e-mail alerts."""
    anchor = min(of_type(resources, t.AWS_PROVIDER) or [r for r in resources if r.type.startswith("aws:")],
                 key=lambda r: r.urn, default=None)
    if anchor is None:
        return []
    budgets = [b for b in of_type(resources, t.BUDGET) if b.inputs.get("budgetType") == "COST"
               and any(as_list(n.get("subscriberEmailAddresses")) for n in as_list(b.inputs.get("notifications")))]
    return [judge(anchor, bool(budgets), f"budget {budgets[0].inputs.get('limitAmount') if budgets else ''} "
                  f"{budgets[0].inputs.get('limitUnit') if budgets else ''} with e-mail alerts",
                  "no cost budget with e-mail alerts: a forgotten deployment would bill silently")]


# --- Azure -------------------------------------------------------------------------------------


@control("CK-AZR-023", "Log Analytics keeps logs 30 days (90 in production)", severity="medium", tiers=BOTH,
         mandatory=True, benchmarks=("MCSB LT-6",), ncsc=("13",), types=(t.WORKSPACE,),
         subject="Log Analytics workspace")
def workspace_retention(resources, facts):
    need = AZURE_LOG_DAYS[facts.tier]
    out = []
    for r in of_type(resources, t.WORKSPACE):
        days = int(r.inputs.get("retentionInDays") or 30)
        out.append(judge(r, days >= need, f"kept {days} days", f"kept {days} days; {need} needed"))
    return out


@control("CK-AZR-024", "Container Apps logs reach Log Analytics", severity="medium", tiers=BOTH, mandatory=True,
         benchmarks=("MCSB LT-3", "MCSB LT-5"), ncsc=("13",), types=(t.APP_ENVIRONMENT, t.DIAGNOSTIC_SETTING),
         subject="Container Apps environment", scope="stack")
def environment_logs(resources, facts):
    settings = of_type(resources, t.DIAGNOSTIC_SETTING)
    out = []
    for env in of_type(resources, t.APP_ENVIRONMENT):
        destination = get(env.inputs, "appLogsConfiguration.destination")
        if destination == "log-analytics":
            good = bool(get(env.inputs, "appLogsConfiguration.logAnalyticsConfiguration.customerId"))
        elif destination == "azure-monitor":
            good = any(refers_to(s.inputs.get("resourceUri"), env) and s.inputs.get("workspaceId")
                       and any(lg.get("enabled") for lg in as_list(s.inputs.get("logs"))) for s in settings)
        else:
            good = False
        out.append(judge(env, good, f"logs to Log Analytics ({destination})",
                         f"app logs go {'nowhere' if not destination else 'to ' + destination + ' without a workspace'}"))
    return out


@control("CK-AZR-025", "A consumption budget e-mails the council", severity="low", tiers=BOTH, mandatory=False,
         benchmarks=(), ncsc=("5",), types=(t.AZURE_BUDGET, "azure-native:resources:ResourceGroup"),
         subject="resource group of the stack", scope="stack")
def azure_budget(resources, facts):
    anchor = min(of_type(resources, "azure-native:resources:ResourceGroup"), key=lambda r: r.urn, default=None)
    if anchor is None:
        return []
    budgets = [b for b in of_type(resources, t.AZURE_BUDGET)
               if any(as_list(get(n, "contactEmails")) for n in (b.inputs.get("notifications") or {}).values())]
    return [judge(anchor, bool(budgets), "budget with e-mail alerts",
                  "no consumption budget with e-mail alerts: a forgotten deployment would bill silently")]


@control("CK-AZR-030", "Budgets keep alerting: none ends within 60 days", severity="low", tiers=BOTH,
         mandatory=False, benchmarks=(), ncsc=("5",), types=(t.AZURE_BUDGET,), subject="consumption budget")
def azure_budget_end(resources, facts):
    """A budget's alerts stop at its timePeriod.endDate (stacks/azure/budget.py): say so before."""
    from councilkit.stacks.azure.budget import BUDGET_WARNING_DAYS, budget_ending

    out = []
    for b in of_type(resources, t.AZURE_BUDGET):
        warned = budget_ending([b], facts.today)
        out.append(judge(b, not warned, f"alerts for more than {BUDGET_WARNING_DAYS} days yet",
                         warned[0] if warned else ""))
    return out
