"""Edge: the public front door. ALB with HTTPS only (TLS 1.2+), HTTP redirected, ACM certificate.

Production adds an AWS WAF web ACL (AWS managed rule groups plus a rate limit), ALB access
logs to an encrypted, private S3 bucket, and deletion protection on the load balancer.
The certificate is DNS-validated: the records to create are stack outputs, since a council's
DNS usually lives outside AWS.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from councilkit.blueprints.deployment import Deployment
from councilkit.stacks.spec import short_name

from . import buckets, waf

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"  # TLS 1.3 and 1.2 only
# Regions that predate log delivery by service principal still need the regional ELB account.
ELB_ACCOUNT = {"eu-west-2": "652711504416", "eu-west-1": "156460612806", "us-east-1": "127311923021"}


def elb_name(d: Deployment) -> str:
    """The load balancer's and target group's readable name (their `Name` tag): ≤ 32 characters
    and never starting `internal-` (AWS reserves it), whatever the council is called."""
    return f"ck-{short_name(d, 29)}"


# Their physical names are a prefix plus a suffix AWS-side unique, never a fixed name: a change
# that replaces them (port, protocol, target type, subnets' scheme) creates the new one before
# deleting the old, which a fixed name makes collide (DuplicateLoadBalancerName /
# DuplicateTargetGroupName), and a target group in use by a listener cannot be deleted first.
# `name_prefix` is at most 6 characters for both (terraform-provider-aws internal/service/elbv2
# load_balancer.go and target_group.go: "cannot be longer than 6 characters").
ELB_NAME_PREFIX = "ck-"


def alb_matcher(hc) -> str:
    """An ALB health check cannot set a Host header, and apps that answer only their own domain
    (Nextcloud's trusted_domains) return 400 to a check addressed to the task IP. For those the
    ALB also accepts 400, which still proves the web server and PHP answer, and the task's own
    container health check (service.py) asks with the right Host and must get a real 200; ECS
    replaces a task that fails it."""
    return f"{hc.healthy_codes},400" if hc.host_header else hc.healthy_codes


@dataclass
class EdgeArgs:
    deployment: Deployment
    vpc_id: pulumi.Input[str]
    subnet_ids: list[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    app_port: int
    log_retention_days: int = 365
    kms_key_arn: pulumi.Input[str] | None = None


class Edge(pulumi.ComponentResource):
    def __init__(self, name: str, args: EdgeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:aws:Edge", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        d = args.deployment
        web = d.blueprint.web
        hc = web.health_check
        prod = d.production
        logs = self._access_log_bucket(name, d, child) if prod else None
        self.access_logs_bucket = logs
        self.load_balancer = aws.lb.LoadBalancer(
            f"{name}-alb",
            name_prefix=ELB_NAME_PREFIX,
            load_balancer_type="application",
            internal=False,
            subnets=args.subnet_ids,
            security_groups=[args.security_group_id],
            drop_invalid_header_fields=True,
            enable_deletion_protection=prod,
            idle_timeout=120,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(bucket=logs.bucket, enabled=True) if logs else None,
            tags={"Name": elb_name(d)},
            # ELB checks it may write to the bucket when logging is turned on: the bucket policy
            # must exist first ("Access Denied for bucket" otherwise).
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.access_log_policy] if logs else []),
        )
        self.target_group = aws.lb.TargetGroup(
            f"{name}-web",
            name_prefix=ELB_NAME_PREFIX,
            port=args.app_port,
            protocol="HTTP",
            target_type="ip",
            vpc_id=args.vpc_id,
            deregistration_delay=30,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                path=hc.path,
                matcher=alb_matcher(hc),
                interval=hc.interval_seconds,
                timeout=min(10, hc.interval_seconds - 1),
                healthy_threshold=2,
                unhealthy_threshold=3,
            ),
            stickiness=aws.lb.TargetGroupStickinessArgs(type="lb_cookie", enabled=True, cookie_duration=3600),
            tags={"Name": elb_name(d)},
            opts=child,
        )
        self.certificate = aws.acm.Certificate(
            f"{name}-cert", domain_name=d.domain, validation_method="DNS", opts=child
        )
        self.validation_records = self.certificate.domain_validation_options.apply(
            lambda options: [
                {"name": o.resource_record_name, "type": o.resource_record_type, "value": o.resource_record_value}
                for o in options
            ]
        )
        # Waits until the council has created the validation record in its DNS.
        validation = aws.acm.CertificateValidation(
            f"{name}-cert", certificate_arn=self.certificate.arn, opts=child
        )
        self.https = aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=self.load_balancer.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=TLS_POLICY,
            certificate_arn=validation.certificate_arn,
            default_actions=[aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=self.target_group.arn)],
            opts=child,
        )
        aws.lb.Listener(
            f"{name}-http",
            load_balancer_arn=self.load_balancer.arn,
            port=80,
            protocol="HTTP",
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="redirect",
                    redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                        protocol="HTTPS", port="443", status_code="HTTP_301"
                    ),
                )
            ],
            opts=child,
        )
        if prod:
            self.web_acl = waf.web_acl(name, d, self.load_balancer.arn, args.log_retention_days, args.kms_key_arn, child)
        self.register_outputs({"dns_name": self.load_balancer.dns_name})

    def _access_log_bucket(self, name: str, d: Deployment, child) -> aws.s3.Bucket:
        # Kept by `destroy` (Pulumi forgets it; AWS keeps it until its lifecycle empties it) unless
        # `--delete-backups`: a year of access logs is evidence a council may still need.
        kept = pulumi.ResourceOptions(parent=self, retain_on_delete=True)
        writer = (
            {"AWS": f"arn:aws:iam::{ELB_ACCOUNT[d.region]}:root"}
            if d.region in ELB_ACCOUNT
            else {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
        )

        def delivery(bucket):
            return {"Sid": "AlbLogDelivery", "Effect": "Allow", "Principal": writer, "Action": "s3:PutObject",
                    "Resource": pulumi.Output.concat(bucket.arn, "/AWSLogs/*")}

        bucket, self.access_log_policy = buckets.private_bucket(
            buckets.BucketSpec(f"{name}-access-logs", expire_days=365, rule_id="expire-access-logs",
                               force_destroy=False, versioned=True, noncurrent_days=30, allow=[delivery]),
            kept, kept,
        )
        return bucket
