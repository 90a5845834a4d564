"""What an independent scanner (Checkov) and AWS's own best practice found missing, as controls:
keys the council controls and that rotate, alarms that can be delivered, WAF decisions logged
without credentials, database OS metrics, and no task egress to every port of the internet.
"""

from __future__ import annotations

from .model import BOTH, PRODUCTION
from .registry import as_list, control, get, json_doc, judge, of_type, refers_to
from . import types as t

AWS_MANAGED_ALIAS = "alias/aws/"
PUBLISH_ACTIONS = {"kms:Decrypt", "kms:GenerateDataKey*"}
REDACT = {"authorization", "cookie"}


def _admits_cloudwatch(key) -> bool:
    """The key policy lets cloudwatch.amazonaws.com Decrypt and GenerateDataKey* (SNS developer
    guide, "Enable compatibility between event sources from AWS services and encrypted topics")."""
    doc = json_doc(key.inputs.get("policy")) or {}
    for st in as_list(doc.get("Statement") if isinstance(doc, dict) else None):
        principals = as_list(get(st, "Principal.Service"))
        actions = set(as_list(st.get("Action")))
        if st.get("Effect") == "Allow" and "cloudwatch.amazonaws.com" in principals and (
            PUBLISH_ACTIONS <= actions or "kms:*" in actions
        ):
            return True
    return False


@control("CK-AWS-032", "Alarm topics use a customer-managed key that CloudWatch may use", severity="high",
         tiers=BOTH, mandatory=True, benchmarks=("FSBP SNS.1", "Checkov CKV_AWS_26"), ncsc=("2.3", "13"),
         types=(t.SNS_TOPIC, t.KMS_KEY), subject="SNS topic", scope="stack")
def alarm_topic_key(resources, facts):
    """An AWS-managed key (alias/aws/sns) cannot admit CloudWatch, so no alarm would be sent."""
    keys = of_type(resources, t.KMS_KEY)
    out = []
    for topic in of_type(resources, t.SNS_TOPIC):
        ref = str(topic.inputs.get("kmsMasterKeyId") or "")
        key = next((k for k in keys if refers_to(ref, k)), None)
        if not ref:
            # Deliverable (CloudWatch publishes to an unencrypted topic); CK-AWS-009 asks for the key.
            out.append(judge(topic, True, "unencrypted, so CloudWatch can publish (CK-AWS-009 asks for a key)", ""))
        elif ref.startswith(AWS_MANAGED_ALIAS):
            out.append(judge(topic, False, "", f"{ref} is AWS-managed: CloudWatch cannot publish to it, no alarm is delivered"))
        elif key is None:
            out.append(judge(topic, True, f"encrypted with {ref}, a key outside this stack", ""))
        else:
            out.append(judge(topic, _admits_cloudwatch(key), f"{key.name} admits cloudwatch.amazonaws.com",
                             f"{key.name}'s policy does not let cloudwatch.amazonaws.com Decrypt and GenerateDataKey*"))
    return out


@control("CK-AWS-033", "Customer-managed keys rotate yearly", severity="medium", tiers=BOTH, mandatory=True,
         benchmarks=("FSBP KMS.4", "Checkov CKV_AWS_7"), ncsc=("2.3",), types=(t.KMS_KEY,), subject="KMS key")
def key_rotation(resources, facts):
    return [judge(k, k.inputs.get("enableKeyRotation") is True, "enableKeyRotation is true",
                  "enableKeyRotation is not true") for k in of_type(resources, t.KMS_KEY)]


@control("CK-AWS-034", "Log groups are encrypted with the stack's key", severity="medium", tiers=BOTH,
         mandatory=True, benchmarks=("Checkov CKV_AWS_158",), ncsc=("2.3",), types=(t.LOG_GROUP,), subject="log group")
def log_group_key(resources, facts):
    return [judge(g, bool(g.inputs.get("kmsKeyId")), "kmsKeyId is set",
                  "no kmsKeyId: logs (which hold request paths and errors) use only the service key")
            for g in of_type(resources, t.LOG_GROUP)]


@control("CK-AWS-035", "Production databases report OS metrics (enhanced monitoring)", severity="low",
         tiers=PRODUCTION, mandatory=False, benchmarks=("FSBP RDS.6", "Checkov CKV_AWS_118"), ncsc=("13",),
         types=(t.RDS,), subject="RDS instance")
def enhanced_monitoring(resources, facts):
    return [judge(db, int(db.inputs.get("monitoringInterval") or 0) > 0 and bool(db.inputs.get("monitoringRoleArn")),
                  f"monitoringInterval {db.inputs.get('monitoringInterval')} s",
                  "monitoringInterval is 0: no OS metrics to tell a full disk from a busy CPU")
            for db in of_type(resources, t.RDS)]


@control("CK-AWS-036", "Production web ACLs log decisions with credentials redacted", severity="medium",
         tiers=PRODUCTION, mandatory=True, benchmarks=("FSBP WAF.11",), ncsc=("13",),
         types=(t.WEB_ACL, t.WAF_LOGGING), subject="web ACL", scope="stack")
def waf_logging(resources, facts):
    configs = of_type(resources, t.WAF_LOGGING)
    out = []
    for acl in of_type(resources, t.WEB_ACL):
        config = next((c for c in configs if refers_to(c.inputs.get("resourceArn"), acl)), None)
        if config is None:
            out.append(judge(acl, False, "", "no logging configuration: blocked requests leave no record"))
            continue
        redacted = {str(get(f, "singleHeader.name", "")).lower() for f in as_list(config.inputs.get("redactedFields"))}
        missing = sorted(REDACT - redacted)
        out.append(judge(acl, not missing, "logged, authorization and cookie redacted",
                         f"logged with {', '.join(missing)} in clear"))
    return out


def _everywhere_all_ports(rule: dict) -> bool:
    cidrs = as_list(rule.get("cidrBlocks")) + as_list(rule.get("cidrIpv4"))
    protocol = str(rule.get("protocol", rule.get("ipProtocol", "")))
    return "0.0.0.0/0" in cidrs and protocol in ("-1", "all")


@control("CK-AWS-037", "No security group sends to every port of the internet", severity="medium", tiers=BOTH,
         mandatory=True, benchmarks=("Checkov CKV_AWS_382",), ncsc=("11",),
         types=(t.SG, t.SG_EGRESS_RULE), subject="security group or egress rule")
def open_egress(resources, facts):
    out = [judge(sg, not any(_everywhere_all_ports(e) for e in as_list(sg.inputs.get("egress"))),
                 "egress limited to named ports", "egress allows every protocol and port to 0.0.0.0/0")
           for sg in of_type(resources, t.SG)]
    out += [judge(r, not _everywhere_all_ports(r.inputs), f"port {r.inputs.get('fromPort')} only",
                  "allows every protocol and port to 0.0.0.0/0") for r in of_type(resources, t.SG_EGRESS_RULE)]
    return out

