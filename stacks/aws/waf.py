"""Production's AWS WAF web ACL: AWS managed rule groups, a request-size ceiling of our own, a
per-address rate limit, and decisions logged with credentials redacted.

Why the overrides: `AWSManagedRulesCommonRuleSet`'s `SizeRestrictions_BODY` blocks every request
body over 8 KB (AWS WAF developer guide, "Baseline rule groups", Core rule set; the body
inspection limit for an Application Load Balancer is fixed at 8 KB: "Managing body inspection
size limits"), which refused every upload, WebDAV PUT and attachment. It is set to count, and
the rule below refuses only bodies larger than the blueprint's `upload_limit_mib`, read from the
Content-Length header because WAF cannot see an ALB request body past 8 KB. A chunked request
(no Content-Length) is not matched: the app's own limit still applies.

WAF cannot compare a header as a number, so the ceiling is a regular expression matching
decimal numbers at or above it: the limit rounded up to two significant figures keeps the
pattern to three alternatives, well within WAF's regex length quota (AWS WAF quotas, "Maximum
number of characters in a regex pattern": 200; the API allows up to 512, botocore wafv2
RegexPatternString).

Capacity (WCUs, AWS WAF developer guide "Web ACL capacity units"): CommonRuleSet 700,
KnownBadInputs 200, SQLi 200, AmazonIpReputationList 25, a regex match 3, a rate-based rule 2:
1,130, inside the 1,500 a web ACL gets without extra charge.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from councilkit.blueprints.deployment import Deployment

from .settings import RATE_LIMIT_PER_5_MIN

MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)
# Rules of a managed group that councilkit sets to count instead of block, and why.
COUNT_INSTEAD = {
    "AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",),  # blocks bodies over 8 KB
}
# WAF log groups must be named aws-waf-logs-* (AWS WAF developer guide, "Sending web ACL traffic
# logs to an Amazon CloudWatch Logs log group").
LOG_GROUP_PREFIX = "aws-waf-logs-"
# Headers never written to the WAF log: they carry session cookies and credentials.
REDACTED_HEADERS = ("authorization", "cookie")
MIB = 1024 * 1024


def at_least_pattern(n: int) -> tuple[int, str]:
    """(m, regex): m is n rounded up to two significant figures; the regex matches exactly the
    decimal strings (leading zeros allowed) of the integers >= m."""
    if n < 10:
        raise ValueError("a ceiling of at least 10 bytes")
    exponent = len(str(n)) - 2
    head = -(-n // 10**exponent)  # integer ceiling: exact for any size
    m = head * 10**exponent
    digits = str(m)
    length = len(digits)
    first, second = int(digits[0]), int(digits[1])
    alternatives = [rf"[1-9]\d{{{length},}}"]
    if first < 9:
        alternatives.append(rf"[{first + 1}-9]\d{{{length - 1}}}")
    alternatives.append(rf"{first}[{second}-9]\d{{{length - 2}}}")
    return m, "^0*(?:" + "|".join(alternatives) + ")$"


def _visibility(metric: str):
    return aws.wafv2.WebAclVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def _managed(group: str, priority: int):
    overrides = [
        aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs(
            name=rule,
            action_to_use=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseArgs(
                count=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseCountArgs()
            ),
        )
        for rule in COUNT_INSTEAD.get(group, ())
    ]
    return aws.wafv2.WebAclRuleArgs(
        name=group,
        priority=priority,
        override_action=aws.wafv2.WebAclRuleOverrideActionArgs(none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()),
        statement=aws.wafv2.WebAclRuleStatementArgs(
            managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                vendor_name="AWS", name=group, rule_action_overrides=overrides or None
            )
        ),
        visibility_config=_visibility(group),
    )


def _blocking(name: str, priority: int, statement):
    """A rule of our own that blocks what `statement` matches, with metrics under its name."""
    return aws.wafv2.WebAclRuleArgs(
        name=name,
        priority=priority,
        action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
        statement=statement,
        visibility_config=_visibility(name),
    )


def _body_ceiling(limit_mib: int, priority: int):
    _, pattern = at_least_pattern(limit_mib * MIB + 1)
    return _blocking("request-body-ceiling", priority, aws.wafv2.WebAclRuleStatementArgs(
        regex_match_statement=aws.wafv2.WebAclRuleStatementRegexMatchStatementArgs(
            regex_string=pattern,
            field_to_match=aws.wafv2.WebAclRuleStatementRegexMatchStatementFieldToMatchArgs(
                single_header=aws.wafv2.WebAclRuleStatementRegexMatchStatementFieldToMatchSingleHeaderArgs(
                    name="content-length"
                )
            ),
            text_transformations=[
                aws.wafv2.WebAclRuleStatementRegexMatchStatementTextTransformationArgs(priority=0, type="NONE")
            ],
        )
    ))


def _rate_limit(limit: int, priority: int):
    return _blocking("rate-limit", priority, aws.wafv2.WebAclRuleStatementArgs(
        rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
            limit=limit, aggregate_key_type="IP", evaluation_window_sec=300
        )
    ))


def rules(d: Deployment) -> list:
    out = [_managed(group, i) for i, group in enumerate(MANAGED_RULE_GROUPS)]
    out.append(_body_ceiling(d.blueprint.upload_limit_mib, len(out)))
    out.append(_rate_limit(RATE_LIMIT_PER_5_MIN[d.tier], len(out)))
    return out


def web_acl(name: str, d: Deployment, load_balancer_arn, retention_days: int, kms_key_arn, child) -> aws.wafv2.WebAcl:
    acl = aws.wafv2.WebAcl(
        f"{name}-waf",
        scope="REGIONAL",
        default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
        rules=rules(d),
        visibility_config=_visibility(f"{d.app_id}-waf"),
        opts=child,
    )
    aws.wafv2.WebAclAssociation(f"{name}-waf", resource_arn=load_balancer_arn, web_acl_arn=acl.arn, opts=child)
    logs = aws.cloudwatch.LogGroup(
        f"{name}-waf-logs",
        name=f"{LOG_GROUP_PREFIX}{d.stack_name}"[:512],
        retention_in_days=retention_days,
        kms_key_id=kms_key_arn,
        opts=child,
    )
    aws.wafv2.WebAclLoggingConfiguration(
        f"{name}-waf-logs",
        resource_arn=acl.arn,
        # WAF takes the log group ARN without the trailing `:*` that CloudWatch reports.
        log_destination_configs=[logs.arn.apply(lambda arn: arn[:-2] if arn.endswith(":*") else arn)],
        redacted_fields=[
            aws.wafv2.WebAclLoggingConfigurationRedactedFieldArgs(
                single_header=aws.wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs(name=header)
            )
            for header in REDACTED_HEADERS
        ],
        opts=child,
    )
    return acl
