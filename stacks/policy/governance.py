"""Data residency, required tags and trial expiry, for either cloud (NCSC 2.1 and 5.1)."""

from __future__ import annotations

import datetime as dt

from .model import BOTH, MAX_TRIAL_DAYS, REGION_CONTROL, TRIAL, TRIAL_TAG
from .registry import control, judge, of_type, tags_of
from . import types as t

GLOBAL_LOCATIONS = {"global"}
# Types that take tags (a plan's resource of these types without `tags` fails CK-GEN-002).
TAGGABLE = {
    t.RDS, t.RDS_CLUSTER, t.RDS_PARAMS, t.EFS, t.EFS_ACCESS_POINT, t.REDIS_GROUP, t.LB, t.LISTENER, t.WEB_ACL,
    t.VPC, t.FLOW_LOG, t.DEFAULT_SG, t.SG, t.TASK_DEFINITION, t.ECS_SERVICE, t.ECS_CLUSTER, t.IAM_ROLE,
    t.IAM_POLICY, t.LOG_GROUP, t.ECR_REPOSITORY, t.BUCKET, t.BUCKET_V2, t.SNS_TOPIC, t.BACKUP_PLAN, t.BUDGET,
    "aws:ec2/subnet:Subnet", "aws:ec2/routeTable:RouteTable", "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip", "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:secretsmanager/secret:Secret", "aws:backup/vault:Vault", "aws:acm/certificate:Certificate",
    "aws:lb/targetGroup:TargetGroup", "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:rds/subnetGroup:SubnetGroup",
    "aws:elasticache/subnetGroup:SubnetGroup", "aws:kms/key:Key", "aws:codebuild/project:Project",
    "aws:sqs/queue:Queue", "aws:scheduler/scheduleGroup:ScheduleGroup",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    t.POSTGRES, t.MYSQL, t.STORAGE_ACCOUNT, t.KEY_VAULT, t.REDIS, t.REDIS_CLUSTER, t.CONTAINER_APP, t.CONTAINER_JOB,
    t.APP_ENVIRONMENT, t.WORKSPACE, t.FRONT_DOOR, t.WAF_POLICY, t.RECOVERY_VAULT, t.REGISTRY,
    "azure-native:resources:ResourceGroup", "azure-native:network:VirtualNetwork",
    "azure-native:network:PrivateEndpoint", "azure-native:privatedns:PrivateZone",
    "azure-native:managedidentity:UserAssignedIdentity", "azure-native:monitor:ActionGroup",
    "azure-native:monitor:MetricAlert", "azure-native:keyvault:Secret",
}


def _location(value) -> str:
    return str(value or "").replace(" ", "").lower()


@control(REGION_CONTROL, "Data stays in a UK region", severity="critical", tiers=BOTH, mandatory=True,
         benchmarks=(), ncsc=("2.1",), types=(t.AWS_PROVIDER, "pulumi:providers:azure-native"),
         subject="region-bearing resource", scope="stack")
def uk_region(resources, facts):
    """AWS: every provider's (and any per-resource) region; Azure: every resource's location."""
    allowed = set(facts.allowed_regions)
    out = []
    aws_resources = [r for r in resources if r.type.startswith("aws:")]
    providers = of_type(resources, t.AWS_PROVIDER)
    for p in providers:
        region = p.inputs.get("region")
        out.append(judge(p, region in allowed, f"region {region}", f"region {region or 'not set (taken from the environment)'} is not a UK region"))
    for r in aws_resources:
        if r.inputs.get("region"):
            out.append(judge(r, r.inputs["region"] in allowed, f"region {r.inputs['region']}",
                             f"region {r.inputs['region']} is not a UK region"))
    if aws_resources and not providers and not any(r.inputs.get("region") for r in aws_resources):
        first = min(aws_resources, key=lambda r: r.urn)
        out.append(judge(first, False, "", "no provider region in the plan: the region is unknown"))
    for r in resources:
        if r.type.startswith(("azure-native:", "pulumi:providers:azure-native")) and r.inputs.get("location"):
            where = _location(r.inputs["location"])
            out.append(judge(r, where in allowed or where in GLOBAL_LOCATIONS, f"location {where}",
                             f"location {where} is not a UK region"))
    return out


@control("CK-GEN-002", "Every resource carries the councilkit tags", severity="medium", tiers=BOTH,
         mandatory=True, benchmarks=("MCSB AM-1",), ncsc=("5.1",), types=tuple(sorted(TAGGABLE)),
         subject="taggable resource")
def required_tags(resources, facts):
    """council, app, blueprint, tier, managed-by (and expires-on on trials) on every taggable resource."""
    out = []
    for r in resources:
        if "tags" not in r.inputs and r.type not in TAGGABLE:
            continue
        tags = tags_of(r)
        missing = [k for k in facts.required_tags if not tags.get(k)]
        wrong = [] if not tags.get("tier") or tags["tier"] == facts.tier else [f"tier={tags['tier']} in a {facts.tier} plan"]
        problems = ([f"missing {', '.join(missing)}"] if missing else []) + wrong
        out.append(judge(r, not problems, "tagged", "; ".join(problems)))
    return out


@control("CK-GEN-003", "Trials carry one expiry date within a year", severity="medium", tiers=TRIAL,
         mandatory=True, benchmarks=(), ncsc=("5.1",), types=tuple(sorted(TAGGABLE)),
         subject="tagged resource", scope="stack")
def trial_expiry(resources, facts):
    """Every tagged resource's expires-on is the same valid date, after today and at most a year out."""
    tagged = [r for r in resources if tags_of(r) or r.type in TAGGABLE]
    dates = {tags_of(r).get(TRIAL_TAG) for r in tagged} - {None}
    expected = facts.expires_on or (next(iter(dates)) if len(dates) == 1 else None)
    out = []
    for r in tagged:
        value = tags_of(r).get(TRIAL_TAG)
        try:
            when = dt.date.fromisoformat(value) if value else None
        except ValueError:
            when = None
        if when is None:
            out.append(judge(r, False, "", f"{TRIAL_TAG} is {'missing' if not value else repr(value) + ', not a date'}"))
        elif not facts.today < when <= facts.today + dt.timedelta(days=MAX_TRIAL_DAYS):
            out.append(judge(r, False, "", f"{TRIAL_TAG}={value} is not within the next {MAX_TRIAL_DAYS} days"))
        elif expected and value != expected:
            out.append(judge(r, False, "", f"{TRIAL_TAG}={value} differs from the trial's {expected}"))
        else:
            out.append(judge(r, True, f"expires {value}", ""))
    return out

