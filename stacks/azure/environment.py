"""Environment: the Container Apps environment, VNet-integrated, logging to Log Analytics.

Logs go to the workspace through a diagnostic setting (destination `azure-monitor`) rather
than the workspace's shared key, so no key is copied into the environment. Retention: 30 days
for trials, 90 for production. Production spreads replicas over availability zones where the
region has them.

Public network access: a trial's web app is reached directly, so the environment takes public
traffic. A production environment does not (`publicNetworkAccess: Disabled`): Front Door Premium
reaches it over Private Link (edge.py), so nobody can call the app around Front Door and its WAF.
Container Apps has no other sound way to admit only Front Door: ingress IP restrictions take
CIDR ranges only (no `AzureFrontDoor.Backend` service tag, and its ranges change), and ingress
cannot match the `X-Azure-FDID` header Front Door adds; only the app itself could check it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.app as app
import pulumi_azure_native.monitor as monitor
import pulumi_azure_native.operationalinsights as operationalinsights

from councilkit.blueprints.deployment import Deployment

from .regions import zone_redundant

RETENTION_DAYS = {"trial": 30, "production": 90}
# A trial's daily ingestion cap. Retention of 30 days is already inside the 31 that ingestion pays
# for, so the cap is what bounds a trial's log bill: at 0.5 GB a day, ~£36 a month at worst
# (~15 times the estimate's 1 GB a month), not the ~£72 of a 1 GB cap, which alone would have
# eaten most of a trial's budget. Past the cap Azure stops ingesting until the next UTC day
# (and logs an event saying so), which a trial can live with; production has no cap: its logs
# are evidence.
TRIAL_DAILY_CAP_GB = 0.5


@dataclass
class EnvironmentArgs:
    deployment: Deployment
    resource_group_name: pulumi.Input[str]
    location: str
    subnet_id: pulumi.Input[str]


class Environment(pulumi.ComponentResource):
    def __init__(self, name: str, args: EnvironmentArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:azure:Environment", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        d = args.deployment
        self.workspace = operationalinsights.Workspace(
            f"{name}-logs",
            resource_group_name=args.resource_group_name,
            location=args.location,
            sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
            retention_in_days=RETENTION_DAYS[d.tier],
            # A trial cannot run up a log bill: ingestion stops at the daily cap.
            workspace_capping=None
            if d.production
            else operationalinsights.WorkspaceCappingArgs(daily_quota_gb=TRIAL_DAILY_CAP_GB),
            opts=child,
        )
        self.environment = app.ManagedEnvironment(
            f"{name}-env",
            resource_group_name=args.resource_group_name,
            location=args.location,
            app_logs_configuration=app.AppLogsConfigurationArgs(destination="azure-monitor"),
            vnet_configuration=app.VnetConfigurationArgs(
                infrastructure_subnet_id=args.subnet_id,
                # An external virtual IP: the web app's ingress is "external" (trial: public, HTTPS
                # only; production: reached only through the Private Link, see above). Internal
                # services and jobs stay inside the environment.
                internal=False,
            ),
            workload_profiles=[
                app.WorkloadProfileArgs(name="Consumption", workload_profile_type="Consumption")
            ],
            zone_redundant=d.production and zone_redundant(d.region),
            public_network_access="Disabled" if d.production else "Enabled",
            peer_traffic_configuration=app.ManagedEnvironmentPeerTrafficConfigurationArgs(
                encryption=app.ManagedEnvironmentEncryptionArgs(enabled=True)
            ),
            opts=child,
        )
        monitor.DiagnosticSetting(
            f"{name}-env-logs",
            name="to-log-analytics",
            resource_uri=self.environment.id,
            workspace_id=self.workspace.id,
            log_analytics_destination_type="Dedicated",
            logs=[monitor.DiagnosticsLogSettingsArgs(category_group="allLogs", enabled=True)],
            metrics=[monitor.DiagnosticsMetricSettingsArgs(category="AllMetrics", enabled=True)],
            opts=child,
        )
        self.id = self.environment.id
        self.name = self.environment.name
        self.default_domain = self.environment.default_domain
        self.register_outputs({"id": self.id, "workspace_id": self.workspace.id})
