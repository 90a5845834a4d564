"""Monitoring: metric alerts to an action group that e-mails the deployment's contact.

Alerts: web 5xx responses, replica restarts, database CPU and storage (a self-managed database
VM: CPU, data disk and availability), and in production the Front Door 5xx rate. They exist in both tiers (a few pence a month each) so a trial shows what
production will send.

Budget: a monthly Cost Management budget on the deployment's resource group e-mails the contact
when actual spend passes 80% and when the month's forecast passes 100%, so a forgotten trial
cannot bill silently. Budgets start on the first of a month, and Azure takes a start in the past
only within the current month, so the start is the month the budget is created in; later runs
leave the period alone. A budget stops alerting at its end date, silently: the end is set
BUDGET_YEARS after the start, the Budgets API's own default and the longest it documents
(pulumi-azure-native consumption.BudgetTimePeriodArgs end_date, from the Consumption Budgets spec:
"If not provided, we default this to 10 years from the start date"), and `budget_ending` says when
a planned budget ends within BUDGET_WARNING_DAYS (budgets made before this had a one-year end,
which a real preview still shows, since the period is left alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.consumption as consumption
import pulumi_azure_native.monitor as monitor

from councilkit.blueprints.deployment import Deployment, today

from . import names


@dataclass
class Alert:
    key: str
    description: str
    scope: pulumi.Input[str]
    namespace: str
    metric: str
    aggregation: str
    threshold: float
    dimensions: dict[str, list[str]] = field(default_factory=dict)
    severity: int = 2
    operator: str = "GreaterThan"


@dataclass
class MonitoringArgs:
    deployment: Deployment
    resource_group_name: pulumi.Input[str]
    web_id: pulumi.Input[str]
    database: tuple[str, pulumi.Input[str]] | None = None
    """(engine family "postgres"|"mysql", server id), or ("vm", VM id) for a self-managed database"""
    front_door_id: pulumi.Input[str] | None = None
    resource_group_id: pulumi.Input[str] | None = None
    monthly_budget: float | None = None
    """in the subscription's billing currency; no budget when None"""


BUDGET_ALERTS = {
    # key: (threshold %, threshold type)
    "actual-80-percent": (80, "Actual"),
    "forecast-100-percent": (100, "Forecasted"),
}


from .budget import BUDGET, BUDGET_WARNING_DAYS, BUDGET_YEARS, budget_ending, budget_period  # noqa: F401


def alerts_for(args: MonitoringArgs) -> list[Alert]:
    found = [
        Alert("web-5xx", "The web app answered with server errors (5xx)", args.web_id,
              "Microsoft.App/containerApps", "Requests", "Total", 10,
              dimensions={"statusCodeCategory": ["5xx"]}, severity=1),
        Alert("web-restarts", "Web replicas restarted (crash or failed probes)", args.web_id,
              "Microsoft.App/containerApps", "RestartCount", "Total", 3),
    ]
    if args.database and args.database[0] == "vm":
        found += vm_alerts(args.database[1])
    elif args.database:
        family, server_id = args.database
        namespace = {"postgres": "Microsoft.DBforPostgreSQL/flexibleServers",
                     "mysql": "Microsoft.DBforMySQL/flexibleServers"}[family]
        found += [
            Alert("db-cpu", "Database CPU above 80%", server_id, namespace, "cpu_percent", "Average", 80),
            Alert("db-storage", "Database storage above 85% full", server_id, namespace,
                  "storage_percent", "Average", 85, severity=1),
        ]
    if args.front_door_id is not None:
        found.append(Alert("edge-5xx", "Front Door: more than 5% of requests failed (5xx)",
                           args.front_door_id, "Microsoft.Cdn/profiles", "Percentage5XX", "Average", 5))
    return found


def vm_alerts(vm_id: pulumi.Input[str]) -> list[Alert]:
    """A self-managed database VM's platform metrics (Azure Monitor "Supported metrics for
    Microsoft.Compute/virtualMachines": Percentage CPU, Data Disk IOPS Consumed Percentage,
    VmAvailabilityMetric; the availability rule is Azure Monitor Baseline Alerts' own,
    VmAvailabilityMetric < 1). Free space inside the disk is a guest metric the platform does not
    see (it needs the Azure Monitor agent): the runbook says how to check it."""
    namespace = "Microsoft.Compute/virtualMachines"
    return [
        Alert("db-cpu", "Database VM CPU above 80%", vm_id, namespace, "Percentage CPU", "Average", 80),
        Alert("db-disk", "Database VM data disk above 90% of its IOPS", vm_id, namespace,
              "Data Disk IOPS Consumed Percentage", "Average", 90),
        Alert("db-availability", "Database VM unavailable", vm_id, namespace, "VmAvailabilityMetric",
              "Average", 1, severity=1, operator="LessThan"),
    ]


class Monitoring(pulumi.ComponentResource):
    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:azure:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        d = args.deployment
        self.action_group = monitor.ActionGroup(
            f"{name}-contact",
            action_group_name=names.dns_label(d, "ag", 63),
            group_short_name=names.compact(d, "ck", 12),
            resource_group_name=args.resource_group_name,
            location="Global",
            enabled=True,
            email_receivers=[
                monitor.MicrosoftCommonEmailReceiverArgs(
                    name="contact", email_address=d.contact, use_common_alert_schema=True
                )
            ],
            opts=child,
        )
        self.alerts: dict[str, monitor.MetricAlert] = {}
        for alert in alerts_for(args):
            self.alerts[alert.key] = monitor.MetricAlert(
                f"{name}-{alert.key}",
                rule_name=alert.key,
                resource_group_name=args.resource_group_name,
                location="global",
                description=alert.description,
                severity=alert.severity,
                enabled=True,
                scopes=[alert.scope],
                evaluation_frequency="PT5M",
                window_size="PT15M",
                auto_mitigate=True,
                criteria=monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
                    odata_type="Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                    all_of=[
                        monitor.MetricCriteriaArgs(
                            criterion_type="StaticThresholdCriterion",
                            name=alert.key,
                            metric_namespace=alert.namespace,
                            metric_name=alert.metric,
                            operator=alert.operator,
                            threshold=alert.threshold,
                            time_aggregation=alert.aggregation,
                            dimensions=[
                                monitor.MetricDimensionArgs(name=k, operator="Include", values=v)
                                for k, v in alert.dimensions.items()
                            ]
                            or None,
                        )
                    ],
                ),
                actions=[monitor.MetricAlertActionArgs(action_group_id=self.action_group.id)],
                opts=child,
            )
        self.budget = None
        if args.monthly_budget is not None and args.resource_group_id is not None:
            start, end = budget_period(today())
            self.budget = consumption.Budget(
                f"{name}-budget",
                budget_name=names.dns_label(d, "budget", 63),
                scope=args.resource_group_id,
                amount=args.monthly_budget,
                category="Cost",
                time_grain="Monthly",
                time_period=consumption.BudgetTimePeriodArgs(start_date=start, end_date=end),
                notifications={
                    key: consumption.NotificationArgs(
                        enabled=True,
                        operator="GreaterThan",
                        threshold=threshold,
                        threshold_type=kind,
                        contact_emails=[d.contact],
                        locale="en-gb",
                    )
                    for key, (threshold, kind) in BUDGET_ALERTS.items()
                },
                # The start date is fixed when the budget is created (see the module doc).
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["timePeriod"]),
            )
        self.register_outputs({"alerts": list(self.alerts)})
