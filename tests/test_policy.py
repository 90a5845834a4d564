"""The UK baseline (issue 4): every control catches a deliberately bad resource, passes a good one,
and the real plans of both apps × both tiers × both clouds pass every mandatory control."""

from __future__ import annotations

import datetime as dt
import importlib
import json

import pytest

from councilkit.stacks.plan import PlannedResource
from councilkit.stacks.policy import CONTROLS, Facts, controls_for, evaluate, run
from councilkit.stacks.policy.model import REQUIRED_TAGS, TRIAL_TAG, UK_REGIONS
from councilkit.stacks.policy import types as t

from helpers import engine_identities, APPS, TIERS, planned

TODAY = dt.date(2026, 11, 25)
CLOUDS = ("aws", "azure")
NCSC_PRINCIPLES = {str(n) for n in range(1, 15)} | {f"2.{n}" for n in range(1, 7)} | {f"5.{n}" for n in range(1, 5)} \
    | {"9.1", "9.2"}


def res(type_: str, name_: str, **inputs) -> PlannedResource:
    """A planned resource whose engine-given identities are `<name>-id` and, on AWS, its ARN."""
    return PlannedResource(urn=f"urn:pulumi:test::councilkit::{type_}::{name_}", type=type_, name=name_,
                           parent="", custom=True, inputs=inputs, identities=engine_identities(type_, name_))


def facts(cloud: str, tier: str, **kw) -> Facts:
    required = REQUIRED_TAGS + ((TRIAL_TAG,) if tier == "trial" else ())
    return Facts(cloud=cloud, tier=tier, today=TODAY, expires_on="2026-12-25" if tier == "trial" else None,
                 allowed_regions=UK_REGIONS[cloud], required_tags=required, **kw)


def arn(service: str, kind: str, name: str) -> str:
    return f"arn:aws:{service}:mock-region:123456789012:{kind}/{name}"


TLS_DENY = json.dumps({"Statement": [{"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*", "Resource": "*",
                                      "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
TAGS = {"council": "borsetshire", "app": "nextcloud", "blueprint": "nextcloud@1.0.0", "tier": "trial",
        "managed-by": "councilkit", "expires-on": "2026-12-25"}


def rds(**kw):
    return res(t.RDS, "db", engine="postgres", instanceClass="db.t4g.micro", **kw)


def lb(**kw):
    return res(t.LB, "alb", loadBalancerType="application", internal=False, subnets=["a", "b"], **kw)


def taskdef(definitions, **kw):
    return res(t.TASK_DEFINITION, "web", containerDefinitions=json.dumps(definitions), cpu="256", memory="512", **kw)


def container(**kw):
    return {"name": "web", "image": "x:1", "logConfiguration": {"logDriver": "awslogs"}, **kw}


def waf_acl(rules):
    return res(t.WEB_ACL, "waf", rules=rules)


MANAGED = [{"name": "common", "statement": {"managedRuleGroupStatement": {"vendorName": "AWS", "name": "c"}}}]
RATE_ONLY = [{"name": "rate", "statement": {"rateBasedStatement": {"limit": 2000}}}]


def app(**kw):
    base = {"containerAppName": "web", "managedEnvironmentId": "env-id",
            "configuration": {"ingress": {"external": True, "allowInsecure": False}}}
    base.update(kw)
    return res(t.CONTAINER_APP, "web", **base)


def vault(**props):
    base = {"enableRbacAuthorization": True, "enablePurgeProtection": True, "publicNetworkAccess": "Disabled",
            "networkAcls": {"defaultAction": "Deny"}}
    base.update(props)
    return res(t.KEY_VAULT, "vault", properties=base)


def account(**kw):
    base = {"accountName": "stx", "kind": "FileStorage", "sku": {"name": "Premium_ZRS"}, "minimumTlsVersion": "TLS1_2",
            "enableHttpsTrafficOnly": False, "publicNetworkAccess": "Disabled", "allowBlobPublicAccess": False,
            "networkRuleSet": {"defaultAction": "Deny"}, "location": "uksouth"}
    base.update(kw)
    return res(t.STORAGE_ACCOUNT, "acct", **base)


def pg(**kw):
    base = {"serverName": "psql-x", "location": "uksouth", "sku": {"name": "Standard_B1ms"},
            "network": {"publicNetworkAccess": "Disabled", "delegatedSubnetResourceId": "subnet"},
            "backup": {"backupRetentionDays": 14, "geoRedundantBackup": "Enabled"},
            "highAvailability": {"mode": "ZoneRedundant"}}
    base.update(kw)
    return res(t.POSTGRES, "pg", **base)


def redis(**kw):
    base = {"name": "redis-x", "enableNonSslPort": False, "minimumTlsVersion": "1.2", "publicNetworkAccess": "Disabled",
            "sku": {"name": "Standard", "family": "C", "capacity": 1}, "location": "uksouth"}
    base.update(kw)
    return res(t.REDIS, "redis", **base)


def amr_cluster(**kw):
    """An Azure Managed Redis cluster as stacks/azure/cache.py declares it for production."""
    base = {"clusterName": "redis-x", "sku": {"name": "Balanced_B1"}, "minimumTlsVersion": "1.2",
            "publicNetworkAccess": "Disabled", "highAvailability": "Enabled", "location": "uksouth"}
    base.update(kw)
    return res(t.REDIS_CLUSTER, "amr", **base)


def amr_db(**kw):
    base = {"clusterName": "redis-x", "databaseName": "default", "clientProtocol": "Encrypted",
            "clusteringPolicy": "NoCluster", "evictionPolicy": "NoEviction", "port": 10000}
    base.update(kw)
    return res(t.REDIS_DATABASE, "amr-db", **base)


def front_door(mode: str):
    return [
        app(),
        res(t.FD_ORIGIN, "origin", hostName="web.env.uksouth.azurecontainerapps.io", profileName="fd"),
        res(t.FD_SECURITY_POLICY, "link", profileName="fd", parameters={"wafPolicy": {"id": "waf-id"}}),
        res(t.WAF_POLICY, "waf", policySettings={"mode": mode, "enabledState": "Enabled"},
            managedRules={"managedRuleSets": [{"ruleSetType": "Microsoft_DefaultRuleSet"}]}),
    ]


def environment(public_access: str):
    return res(t.APP_ENVIRONMENT, "env", publicNetworkAccess=public_access)


def private_link_origin(target: str = "env-id", host_header: str = "web.env.uksouth.azurecontainerapps.io"):
    """A Front Door origin reaching a Container Apps environment over Private Link (edge.py)."""
    return res(t.FD_ORIGIN, "origin", hostName="web.env.uksouth.azurecontainerapps.io", profileName="fd",
               originHostHeader=host_header,
               sharedPrivateLinkResource={"privateLink": {"id": target}, "groupId": "managedEnvironments",
                                          "privateLinkLocation": "uksouth"})


def cmk(**kw):
    policy = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"}]})
    return res(t.KMS_KEY, "key", **{"enableKeyRotation": True, "policy": policy, **kw})


def budget(emails):
    return [res(t.AWS_PROVIDER, "aws", region="eu-west-2"),
            res(t.BUDGET, "budget", budgetType="COST", limitAmount="100", limitUnit="USD",
                notifications=[{"subscriberEmailAddresses": emails}])]


def share_backup(with_item: bool):
    out = [res(t.FILE_SHARE, "html", shareName="html", accountName="acct", shareQuota=100),
           res(t.PROTECTION_POLICY, "pol", properties={"retentionPolicy": {"dailySchedule": {"retentionDuration": {"count": 30}}}})]
    if with_item:
        out.append(res(t.PROTECTED_ITEM, "item", protectedItemName="AzureFileShare;html",
                       properties={"friendlyName": "html", "policyId": "pol-id"}))
    return out


DENY_ALL_OUT = {"name": "deny-all-out", "priority": 4000, "direction": "Outbound", "access": "Deny", "protocol": "*",
                "destinationAddressPrefix": "*", "destinationPortRange": "*"}
OPEN_OUT = {"name": "any-out", "priority": 100, "direction": "Outbound", "access": "Allow", "protocol": "*",
            "destinationAddressPrefix": "Internet", "destinationPortRange": "*"}


def apps_subnet(rules):
    """The Container Apps subnet and its NSG (CK-AZR-031)."""
    return [res(t.NSG, "nsg", securityRules=rules),
            res(t.SUBNET, "apps", delegations=[{"name": "apps", "serviceName": "Microsoft.App/environments"}],
                networkSecurityGroup={"id": "nsg-id"})]


# control id → (tier, a good plan fragment, a deliberately bad one)
CASES = {
    "CK-AWS-001": ("trial", [rds(storageEncrypted=True)], [rds(storageEncrypted=False)]),
    "CK-AWS-002": ("trial",
                   [rds(parameterGroupName="pg"), res(t.RDS_PARAMS, "pg", parameters=[{"name": "rds.force_ssl", "value": "1"}])],
                   [rds(parameterGroupName="pg"), res(t.RDS_PARAMS, "pg", parameters=[{"name": "rds.force_ssl", "value": "0"}])]),
    "CK-AWS-003": ("trial", [res(t.EFS, "fs", encrypted=True)], [res(t.EFS, "fs", encrypted=False)]),
    "CK-AWS-004": ("trial",
                   [res(t.EFS, "fs"), res(t.EFS_POLICY, "tls", fileSystemId="fs-id", policy=TLS_DENY),
                    taskdef([container()], volumes=[{"name": "v", "efsVolumeConfiguration": {"fileSystemId": "fs-id", "transitEncryption": "ENABLED"}}])],
                   [res(t.EFS, "fs"), res(t.EFS_POLICY, "tls", fileSystemId="fs-id", policy=TLS_DENY),
                    taskdef([container()], volumes=[{"name": "v", "efsVolumeConfiguration": {"fileSystemId": "fs-id", "transitEncryption": "DISABLED"}}])]),
    "CK-AWS-005": ("trial",
                   [res(t.REDIS_GROUP, "r", atRestEncryptionEnabled=True, transitEncryptionEnabled=True, authToken="[secret]")],
                   [res(t.REDIS_GROUP, "r", atRestEncryptionEnabled=True, transitEncryptionEnabled=False, authToken="[secret]")]),
    "CK-AWS-006": ("trial",
                   [lb(), res(t.LISTENER, "https", loadBalancerArn=arn("elasticloadbalancing", "loadbalancer", "alb"),
                              protocol="HTTPS", sslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06")],
                   [lb(), res(t.LISTENER, "https", loadBalancerArn=arn("elasticloadbalancing", "loadbalancer", "alb"),
                              protocol="HTTPS", sslPolicy="ELBSecurityPolicy-2016-08")]),
    "CK-AWS-007": ("trial",
                   [res(t.LISTENER, "http", protocol="HTTP", defaultActions=[{"type": "redirect", "redirect": {"protocol": "HTTPS"}}])],
                   [res(t.LISTENER, "http", protocol="HTTP", defaultActions=[{"type": "forward", "targetGroupArn": "tg"}])]),
    "CK-AWS-008": ("production",
                   [res(t.BUCKET, "logs"), res(t.BUCKET_POLICY, "p", bucket="logs-id", policy=TLS_DENY),
                    res(t.BUCKET_PUBLIC_ACCESS, "b", bucket="logs-id", blockPublicAcls=True, blockPublicPolicy=True,
                        ignorePublicAcls=True, restrictPublicBuckets=True)],
                   [res(t.BUCKET, "logs"), res(t.BUCKET_POLICY, "p", bucket="logs-id", policy=TLS_DENY),
                    res(t.BUCKET_PUBLIC_ACCESS, "b", bucket="logs-id", blockPublicAcls=True, blockPublicPolicy=False,
                        ignorePublicAcls=True, restrictPublicBuckets=True)]),
    "CK-AWS-009": ("trial", [res(t.SNS_TOPIC, "alerts", kmsMasterKeyId="alias/aws/sns")], [res(t.SNS_TOPIC, "alerts")]),
    "CK-AWS-010": ("trial", [rds(publiclyAccessible=False)], [rds(publiclyAccessible=True)]),
    "CK-AWS-011": ("production",
                   [lb(), waf_acl(MANAGED), res(t.WEB_ACL_ASSOCIATION, "a", resourceArn=arn("elasticloadbalancing", "loadbalancer", "alb"),
                                                 webAclArn=arn("wafv2", "webacl", "waf"))],
                   [lb(), waf_acl(RATE_ONLY), res(t.WEB_ACL_ASSOCIATION, "a", resourceArn=arn("elasticloadbalancing", "loadbalancer", "alb"),
                                                   webAclArn=arn("wafv2", "webacl", "waf"))]),
    "CK-AWS-012": ("trial",
                   [res(t.SG, "edge", ingress=[{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}])],
                   [res(t.SG, "edge", ingress=[{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}])]),
    "CK-AWS-013": ("trial", [res(t.VPC, "vpc"), res(t.DEFAULT_SG, "d", vpcId="vpc-id")],
                   [res(t.VPC, "vpc"), res(t.DEFAULT_SG, "d", vpcId="vpc-id", ingress=[{"protocol": "-1", "self": True}])]),
    "CK-AWS-014": ("trial", [res(t.VPC, "vpc"), res(t.FLOW_LOG, "f", vpcId="vpc-id", trafficType="ALL")], [res(t.VPC, "vpc")]),
    "CK-AWS-015": ("production", [res(t.ECS_SERVICE, "web", networkConfiguration={"assignPublicIp": False})],
                   [res(t.ECS_SERVICE, "web", networkConfiguration={"assignPublicIp": True})]),
    "CK-AWS-016": ("trial", [lb(dropInvalidHeaderFields=True)], [lb(dropInvalidHeaderFields=False)]),
    "CK-AWS-017": ("trial", [rds(backupRetentionPeriod=7)], [rds(backupRetentionPeriod=1)]),
    "CK-AWS-018": ("production", [rds(deletionProtection=True, finalSnapshotIdentifier="final")],
                   [rds(deletionProtection=False, finalSnapshotIdentifier="final")]),
    "CK-AWS-019": ("production", [rds(multiAz=True)], [rds(multiAz=False)]),
    "CK-AWS-020": ("production",
                   [rds(), res(t.BACKUP_PLAN, "plan", rules=[{"lifecycle": {"deleteAfter": 35}}]),
                    res(t.BACKUP_SELECTION, "s", planId="plan-id", resources=[arn("rds", "instance", "db")])],
                   [rds(), res(t.BACKUP_PLAN, "plan", rules=[{"lifecycle": {"deleteAfter": 7}}]),
                    res(t.BACKUP_SELECTION, "s", planId="plan-id", resources=[arn("rds", "instance", "db")])]),
    "CK-AWS-021": ("production",
                   [res(t.REDIS_GROUP, "r", automaticFailoverEnabled=True, multiAzEnabled=True, numCacheClusters=2, snapshotRetentionLimit=7)],
                   [res(t.REDIS_GROUP, "r", automaticFailoverEnabled=False, multiAzEnabled=False, numCacheClusters=1, snapshotRetentionLimit=7)]),
    "CK-AWS-022": ("production", [lb(enableDeletionProtection=True)], [lb(enableDeletionProtection=False)]),
    "CK-AWS-023": ("trial",
                   [res(t.IAM_ROLE_POLICY, "p", policy=json.dumps({"Statement": [{"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": ["x"]}]}))],
                   [res(t.IAM_ROLE_POLICY, "p", policy=json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))]),
    "CK-AWS-024": ("trial",
                   [taskdef([container(secrets=[{"name": "DB_PASSWORD", "valueFrom": arn("secretsmanager", "secret", "db")}])])],
                   [taskdef([container(environment=[{"name": "DB_PASSWORD", "value": "hunter2"}])])]),
    "CK-AWS-025": ("trial", [res(t.EFS_ACCESS_POINT, "ap", posixUser={"uid": 33, "gid": 33}, rootDirectory={"path": "/html"})],
                   [res(t.EFS_ACCESS_POINT, "ap", rootDirectory={"path": "/html"})]),
    "CK-AWS-026": ("trial", [res(t.LOG_GROUP, "logs", retentionInDays=30)], [res(t.LOG_GROUP, "logs")]),
    "CK-AWS-027": ("trial", [taskdef([container()])], [taskdef([{"name": "web", "image": "x:1"}])]),
    "CK-AWS-028": ("production", [lb(accessLogs={"enabled": True, "bucket": "logs"})], [lb()]),
    "CK-AWS-029": ("production", [res(t.ECS_CLUSTER, "c", settings=[{"name": "containerInsights", "value": "enabled"}])],
                   [res(t.ECS_CLUSTER, "c")]),
    "CK-AWS-030": ("trial",
                   [res(t.ECR_REPOSITORY, "repo", imageTagMutability="IMMUTABLE", imageScanningConfiguration={"scanOnPush": True})],
                   [res(t.ECR_REPOSITORY, "repo", imageTagMutability="MUTABLE", imageScanningConfiguration={"scanOnPush": True})]),
    "CK-AWS-031": ("trial", budget(["it@council.gov.uk"]), budget([])),
    "CK-AWS-032": ("trial", [cmk(), res(t.SNS_TOPIC, "alerts", kmsMasterKeyId=arn("kms", "key", "key"))],
                   [res(t.SNS_TOPIC, "alerts", kmsMasterKeyId="alias/aws/sns")]),
    "CK-AWS-033": ("trial", [cmk()], [cmk(enableKeyRotation=False)]),
    "CK-AWS-034": ("trial", [res(t.LOG_GROUP, "logs", retentionInDays=30, kmsKeyId=arn("kms", "key", "key"))],
                   [res(t.LOG_GROUP, "logs", retentionInDays=30)]),
    "CK-AWS-035": ("production", [rds(monitoringInterval=60, monitoringRoleArn=arn("iam", "role", "mon"))],
                   [rds(monitoringInterval=0)]),
    "CK-AWS-036": ("production",
                   [waf_acl([]), res(t.WAF_LOGGING, "log", resourceArn=arn("wafv2", "webacl", "waf"),
                                     redactedFields=[{"singleHeader": {"name": "authorization"}},
                                                     {"singleHeader": {"name": "cookie"}}])],
                   [waf_acl([]), res(t.WAF_LOGGING, "log", resourceArn=arn("wafv2", "webacl", "waf"),
                                     redactedFields=[{"singleHeader": {"name": "authorization"}}])]),
    "CK-AWS-037": ("trial",
                   [res(t.SG_EGRESS_RULE, "out", ipProtocol="tcp", fromPort=443, toPort=443, cidrIpv4="0.0.0.0/0")],
                   [res(t.SG, "tasks", egress=[{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}])]),
    "CK-AZR-030": ("trial",
                   [res(t.AZURE_BUDGET, "budget", timePeriod={"startDate": "2026-11-01T00:00:00Z", "endDate": "2036-11-01T00:00:00Z"})],
                   [res(t.AZURE_BUDGET, "budget", timePeriod={"startDate": "2025-12-01T00:00:00Z", "endDate": "2026-12-01T00:00:00Z"})]),
    "CK-AZR-031": ("trial", apps_subnet([DENY_ALL_OUT]), apps_subnet([OPEN_OUT, DENY_ALL_OUT])),
    "CK-AZR-032": ("production",
                   [res(t.REGISTRY, "acr", publicNetworkAccess="Disabled"),
                    res(t.PRIVATE_ENDPOINT, "acr-pe", privateLinkServiceConnections=[{"privateLinkServiceId": "acr-id"}])],
                   [res(t.REGISTRY, "acr", publicNetworkAccess="Enabled")]),
    # The self-managed database VM (policy/azure_selfmanaged.py).
    "CK-AZR-034": ("trial", [res("azure-native:compute:VirtualMachine", "vm", osProfile={
        "customData": "I2Nsb3VkLWNvbmZpZwpyZXF1aXJlX3NlY3VyZV90cmFuc3BvcnQgPSBPTgo="})],  # require_secure_transport = ON
        [res("azure-native:compute:VirtualMachine", "vm", osProfile={
            "customData": "I2Nsb3VkLWNvbmZpZwpyZXF1aXJlX3NlY3VyZV90cmFuc3BvcnQgPSBPRkYK"})]),  # ... = OFF
    "CK-AZR-035": ("trial",
                   [res("azure-native:network:NetworkInterface", "nic", ipConfigurations=[{"name": "primary"}]),
                    res("azure-native:compute:VirtualMachine", "vm", networkProfile={"networkInterfaces": [{"id": "nic-id"}]},
                        osProfile={"linuxConfiguration": {"patchSettings": {"patchMode": "AutomaticByPlatform"}}})],
                   [res("azure-native:network:NetworkInterface", "nic",
                        ipConfigurations=[{"name": "primary", "publicIPAddress": {"id": "pip"}}]),
                    res("azure-native:compute:VirtualMachine", "vm", networkProfile={"networkInterfaces": [{"id": "nic-id"}]},
                        osProfile={"linuxConfiguration": {"patchSettings": {"patchMode": "ImageDefault"}}})]),
    "CK-AZR-036": ("production",
                   [res("azure-native:compute:VirtualMachine", "vm"),
                    res("azure-native:recoveryservices:ProtectedItem", "item", properties={"sourceResourceId": "vm-id"})],
                   [res("azure-native:compute:VirtualMachine", "vm")]),
    "CK-AZR-033": ("trial", [res(t.KV_SECRET, "db", properties={"contentType": "password"})],
                   [res(t.KV_SECRET, "db", properties={"attributes": {"expires": 1830297600}})]),
    "CK-AZR-040": ("production", [app(), private_link_origin(host_header="web.env.uksouth.azurecontainerapps.io")],
                   [app(), private_link_origin(host_header="files.council.gov.uk")]),
    "CK-AZR-001": ("trial",
                   [pg(), res(t.POSTGRES_CONFIG, "tls", serverName="psql-x", configurationName="require_secure_transport", value="on")],
                   [pg(), res(t.POSTGRES_CONFIG, "tls", serverName="psql-x", configurationName="require_secure_transport", value="off")]),
    "CK-AZR-002": ("trial", [account()], [account(minimumTlsVersion="TLS1_0")]),
    "CK-AZR-003": ("trial", [redis(), amr_cluster(), amr_db()], [amr_cluster(), amr_db(clientProtocol="Plaintext")]),
    "CK-AZR-004": ("trial", [app()], [app(configuration={"ingress": {"external": True, "allowInsecure": True}})]),
    "CK-AZR-005": ("production", [res(t.FD_CUSTOM_DOMAIN, "d", tlsSettings={"minimumTlsVersion": "TLS12"})],
                   [res(t.FD_CUSTOM_DOMAIN, "d", tlsSettings={"minimumTlsVersion": "TLS10"})]),
    "CK-AZR-006": ("trial", [pg()], [pg(network={"publicNetworkAccess": "Enabled"})]),
    "CK-AZR-007": ("trial", [account()], [account(publicNetworkAccess="Enabled", networkRuleSet={"defaultAction": "Allow"})]),
    "CK-AZR-008": ("trial", [vault()], [vault(publicNetworkAccess="Enabled", networkAcls={"defaultAction": "Allow"})]),
    "CK-AZR-009": ("trial", [redis(), amr_cluster()], [amr_cluster(publicNetworkAccess="Enabled")]),
    "CK-AZR-010": ("production", front_door("Prevention"), front_door("Detection")),
    "CK-AZR-011": ("production", [app(), environment("Disabled"), private_link_origin()],
                   [app(), environment("Enabled")]),
    "CK-AZR-012": ("trial", [pg(backup={"backupRetentionDays": 7})], [pg(backup={"backupRetentionDays": 3})]),
    "CK-AZR-013": ("production", [pg()], [pg(highAvailability={"mode": "Disabled"})]),
    "CK-AZR-014": ("production",
                   [res(t.APP_ENVIRONMENT, "env", zoneRedundant=True, location="uksouth"),
                    app(template={"scale": {"minReplicas": 2}})],
                   [res(t.APP_ENVIRONMENT, "env", zoneRedundant=True, location="uksouth"),
                    app(template={"scale": {"minReplicas": 1}})]),
    "CK-AZR-015": ("production", [account(), redis(), amr_cluster()], [account(), amr_cluster(highAvailability="Disabled")]),
    "CK-AZR-016": ("trial", [vault()], [vault(enablePurgeProtection=False)]),
    "CK-AZR-017": ("production", share_backup(True), share_backup(False)),
    "CK-AZR-018": ("trial",
                   [account(), res(t.FILE_SHARE, "html", accountName="stx"),
                    res(t.FILE_SERVICE, "fs", accountName="stx", shareDeleteRetentionPolicy={"enabled": True, "days": 7})],
                   [account(), res(t.FILE_SHARE, "html", accountName="stx"),
                    res(t.FILE_SERVICE, "fs", accountName="stx", shareDeleteRetentionPolicy={"enabled": False})]),
    "CK-AZR-019": ("trial",
                   [res(t.ROLE_ASSIGNMENT, "ra", scope="/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
                        roleDefinitionId="/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6")],
                   [res(t.ROLE_ASSIGNMENT, "ra", scope="/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
                        roleDefinitionId="/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635")]),
    "CK-AZR-020": ("trial",
                   [app(configuration={"secrets": [{"name": "db", "keyVaultUrl": "https://kv/secrets/db", "identity": "id"}]})],
                   [app(configuration={"secrets": [{"name": "db", "value": "[secret]"}]})]),
    "CK-AZR-021": ("trial", [vault()], [vault(enableRbacAuthorization=False)]),
    "CK-AZR-022": ("trial", [res(t.REGISTRY, "acr", adminUserEnabled=False)], [res(t.REGISTRY, "acr", adminUserEnabled=True)]),
    "CK-AZR-023": ("production", [res(t.WORKSPACE, "logs", retentionInDays=90)], [res(t.WORKSPACE, "logs", retentionInDays=30)]),
    "CK-AZR-024": ("trial",
                   [res(t.APP_ENVIRONMENT, "env", appLogsConfiguration={"destination": "azure-monitor"}),
                    res(t.DIAGNOSTIC_SETTING, "d", resourceUri="env-id", workspaceId="ws-id", logs=[{"enabled": True}])],
                   [res(t.APP_ENVIRONMENT, "env", appLogsConfiguration={"destination": "azure-monitor"})]),
    "CK-AZR-025": ("trial",
                   [res("azure-native:resources:ResourceGroup", "rg"),
                    res(t.AZURE_BUDGET, "b", notifications={"actual": {"contactEmails": ["it@council.gov.uk"]}})],
                   [res("azure-native:resources:ResourceGroup", "rg")]),
    "CK-GEN-001": ("trial", [res(t.AWS_PROVIDER, "aws", region="eu-west-2")], [res(t.AWS_PROVIDER, "aws", region="us-east-1")]),
    "CK-GEN-002": ("trial", [rds(tags=TAGS)], [rds(tags={k: v for k, v in TAGS.items() if k != "council"})]),
    "CK-GEN-003": ("trial", [rds(tags=TAGS)], [rds(tags={**TAGS, "expires-on": "2027-12-25"})]),
}
CONTROL = {c.id: c for c in CONTROLS}

# Every other bad Redis setting the Redis controls catch, for the retiring Azure Cache for Redis
# (a stack planned before the move) and Azure Managed Redis: control id → (tier, bad fragment, why).
REDIS_BAD = [
    ("CK-AZR-003", "trial", [redis(enableNonSslPort=True)], "plain-text port 6379"),
    ("CK-AZR-003", "trial", [amr_cluster(minimumTlsVersion="1.0")], "minimumTlsVersion is 1.0"),
    ("CK-AZR-003", "trial", [amr_cluster(minimumTlsVersion=None)], "minimumTlsVersion is not set"),
    ("CK-AZR-009", "trial", [redis(publicNetworkAccess="Enabled")], "publicNetworkAccess is Enabled"),
    ("CK-AZR-009", "trial", [amr_cluster(publicNetworkAccess=None, subnetId="s")], "not set (Azure enables it)"),
    ("CK-AZR-015", "production", [account(sku={"name": "Premium_LRS"}), redis()], "keeps every copy in one zone"),
    ("CK-AZR-015", "production", [redis(sku={"name": "Basic", "family": "C", "capacity": 0})], "a single node"),
]


def test_the_baseline_has_at_least_25_controls_across_both_clouds():
    assert len(CONTROLS) >= 25
    assert len(controls_for("aws")) >= 25 and len(controls_for("azure")) >= 25
    assert {c.cloud for c in CONTROLS} == {"aws", "azure", "any"}


def test_every_control_is_mapped_and_described():
    for c in CONTROLS:
        assert c.severity in ("low", "medium", "high", "critical"), c.id
        assert set(c.tiers) <= {"trial", "production"} and c.tiers, c.id
        assert set(c.ncsc) <= NCSC_PRINCIPLES and c.ncsc, c.id
        assert all(b.startswith(("FSBP ", "MCSB ", "Checkov CKV_")) for b in c.benchmarks), c.id
        if c.cloud == "aws" and c.benchmarks:
            assert any(b.startswith(("FSBP ", "Checkov ")) for b in c.benchmarks) or c.id in ("CK-AWS-002", "CK-AWS-004"), c.id
    mapped = [c for c in CONTROLS if c.benchmarks]
    assert len(mapped) >= len(CONTROLS) - 7  # the rest (data residency, HA on Azure, budgets) have no FSBP/MCSB id


def test_every_control_has_a_good_and_a_bad_case():
    assert set(CASES) == set(CONTROL)


@pytest.mark.parametrize("control_id", sorted(CASES))
def test_control_catches_a_deliberately_bad_resource(control_id):
    control = CONTROL[control_id]
    tier, good, bad = CASES[control_id]
    cloud = "azure" if control_id.startswith("CK-AZR") else "aws"
    passed = run(control, good, facts(cloud, tier))
    assert passed.status == "passed", passed.results
    failed = run(control, bad, facts(cloud, tier))
    assert failed.status == "failed", failed.results
    assert all(r.reason for r in failed.failures)


@pytest.mark.parametrize("control_id,tier,bad,why", REDIS_BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(REDIS_BAD)])
def test_redis_controls_catch_each_bad_setting_of_either_redis(control_id, tier, bad, why):
    result = run(CONTROL[control_id], bad, facts("azure", tier))
    assert result.status == "failed" and any(why in f.reason for f in result.failures), result.results


def test_managed_redis_defaults_the_api_applies_are_judged_as_the_api_applies_them():
    """Unset clientProtocol is Encrypted and unset highAvailability Enabled (SDK enum docs)."""
    assert run(CONTROL["CK-AZR-003"], [amr_db(clientProtocol=None)], facts("azure", "trial")).status == "passed"
    assert run(CONTROL["CK-AZR-015"], [amr_cluster(highAvailability=None)], facts("azure", "production")).status == "passed"


@pytest.mark.parametrize("control_id", [c.id for c in CONTROLS if c.tiers == ("production",)])
def test_production_only_controls_are_not_applicable_to_trials(control_id):
    _, _, bad = CASES[control_id]
    cloud = "azure" if control_id.startswith("CK-AZR") else "aws"
    assert run(CONTROL[control_id], bad, facts(cloud, "trial")).status == "not_applicable"


def test_waf_bypass_control_recognises_the_private_link_origin_design():
    result = run(CONTROL["CK-AZR-011"], [app(), environment("Disabled"), private_link_origin()], facts("azure", "production"))
    assert result.status == "passed"
    assert "Front Door reaches it over Private Link" in result.results[0].reason


@pytest.mark.parametrize("fragment,why", [
    # Reachable publicly, no Front Door at all.
    ([app(), environment("Enabled")], "open to any address"),
    # A Private Link origin does not help while the environment still takes public traffic.
    ([app(), environment("Enabled"), private_link_origin()], "does not close the public endpoint"),
    # Closed, but Front Door's origin goes elsewhere (or is a plain public origin): nothing reaches the app.
    ([app(), environment("Disabled"), private_link_origin("other-env-id")], "no Front Door Private Link origin"),
    ([app(), environment("Disabled"), res(t.FD_ORIGIN, "origin", hostName="web.env.uksouth.azurecontainerapps.io")],
     "no Front Door Private Link origin"),
], ids=["public-no-front-door", "public-with-private-link", "closed-link-elsewhere", "closed-public-origin"])
def test_waf_bypass_control_fails_unless_front_door_is_the_only_way_in(fragment, why):
    result = run(CONTROL["CK-AZR-011"], fragment, facts("azure", "production"))
    assert result.status == "failed" and why in result.failures[0].reason


@pytest.mark.parametrize("app_id", APPS)
def test_real_azure_production_plans_pass_the_waf_bypass_control_by_private_link(app_id):
    d, plan = planned(app_id, "azure", "production")
    result = run(CONTROL["CK-AZR-011"], plan.resources, Facts.from_deployment(d, TODAY))
    assert result.status == "passed", result.results
    assert all("over Private Link" in r.reason for r in result.results)


def test_uk_region_control_reads_azure_locations_too():
    control = CONTROL["CK-GEN-001"]
    assert run(control, [pg(location="uksouth"), res(t.FRONT_DOOR, "fd", location="Global")], facts("azure", "trial")).status == "passed"
    result = run(control, [pg(location="westeurope")], facts("azure", "trial"))
    assert result.status == "failed" and "westeurope is not a UK region" in result.failures[0].reason


def test_a_region_chosen_with_the_flag_is_waived_not_passed():
    result = run(CONTROL["CK-GEN-001"], [res(t.AWS_PROVIDER, "aws", region="eu-west-1")],
                 facts("aws", "trial", waivers={"CK-GEN-001": "chosen with --allow-non-uk-region"}))
    assert result.status == "waived" and result.failures


def test_facts_come_from_the_deployment_not_the_blueprint():
    d, _ = planned("nextcloud", "aws", "trial", region="eu-west-1", allow_non_uk_region=True)
    f = Facts.from_deployment(d, TODAY)
    assert (f.cloud, f.tier, f.expires_on) == ("aws", "trial", "2026-12-25")
    assert TRIAL_TAG in f.required_tags and "CK-GEN-001" in f.waivers


CASES_REAL = [(cloud, app, tier) for cloud in CLOUDS for app in APPS for tier in TIERS]


@pytest.mark.parametrize("cloud,app,tier", CASES_REAL, ids=["-".join(c) for c in CASES_REAL])
def test_real_plans_pass_every_mandatory_control(cloud, app, tier):
    d, plan = planned(app, cloud, tier)
    report = evaluate(plan.resources, Facts.from_deployment(d, TODAY))
    failures = {r.control.id: [f.reason for f in r.failures] for r in report.mandatory_failures}
    assert failures == {}
    assert report.count("passed") >= 18
    # checks looked at real resources: the tags control saw every tagged resource
    tags = next(r for r in report.results if r.control.id == "CK-GEN-002")
    assert len(tags.results) >= 30


@pytest.mark.parametrize("cloud,app,tier", CASES_REAL, ids=["-".join(c) for c in CASES_REAL])
def test_resource_scoped_controls_judge_each_resource_alone(cloud, app, tier):
    """What the pack's ResourceValidationPolicy sees (one resource) gives the same verdicts."""
    d, plan = planned(app, cloud, tier)
    f = Facts.from_deployment(d, TODAY)
    for control in controls_for(cloud):
        if control.scope != "resource" or tier not in control.tiers:
            continue
        whole = sorted(control.check(plan.resources, f), key=lambda r: r.urn)
        alone = sorted((x for r in plan.resources for x in control.check([r], f)), key=lambda r: r.urn)
        assert alone == whole, control.id


def _sdk_class(type_: str):
    from pulumi.runtime import rpc

    package, module = type_.split(":")[0], type_.split(":")[1]  # "aws:rds/instance", "azure-native:app"
    for mod in rpc._RESOURCE_MODULES.get(f"{package}:{module}", []):
        name = mod.mod_info["classes"].get(type_)
        if name:
            return getattr(importlib.import_module(mod.mod_info["fqn"]), name)
    return None


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_tags_control_checks_every_resource_the_sdk_says_is_taggable(cloud):
    import pulumi_aws  # noqa: F401  (registers the type → class table)
    import pulumi_azure_native  # noqa: F401

    d, plan = planned("nextcloud", cloud, "production")
    checked = {r.urn for r in CONTROL["CK-GEN-002"].check(plan.resources, Facts.from_deployment(d, TODAY))}
    taggable = [r for r in plan.resources if r.custom and (cls := _sdk_class(r.type)) is not None and hasattr(cls, "tags")]
    assert taggable and all(r.urn in checked for r in taggable), [r.type for r in taggable if r.urn not in checked]
