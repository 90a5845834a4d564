"""One customer-managed KMS key per stack: RDS, EFS, Secrets Manager, ElastiCache, CloudWatch
Logs, SNS and the backup vault are encrypted with it, so the council alone controls (and can
audit, rotate or revoke) access to its data.

Why not AWS-managed keys: CloudWatch cannot publish alarms to an SNS topic encrypted with
`alias/aws/sns` (its key policy cannot be changed to admit `cloudwatch.amazonaws.com`), so no
alarm email was ever delivered. The key policy here admits exactly the services that write with
the key themselves; everything else (RDS, EFS, Secrets Manager, ElastiCache, AWS Backup) uses it
on the caller's behalf through grants and `kms:ViaService`, which the account statement allows.

Sources:
- SNS: "Enable compatibility between event sources from AWS services and encrypted topics"
  (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services):
  the publishing service principal needs kms:Decrypt and kms:GenerateDataKey*.
- CloudWatch Logs: "Encrypt log data in CloudWatch Logs using AWS KMS"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html): principal
  `logs.<region>.amazonaws.com`, kms:Encrypt*, Decrypt*, ReEncrypt*, GenerateDataKey*, Describe*,
  condition ArnLike kms:EncryptionContext:aws:logs:arn on the account's log groups.
- The account statement: the KMS default key policy
  (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam)
  lets IAM policies of the account grant use of the key; without it nobody could manage it.
- Rotation: `EnableKeyRotation` yearly (FSBP KMS.4).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from councilkit.blueprints.deployment import Deployment

from . import iam

# Publishers that encrypt with the key as themselves: CloudWatch alarms → the alert topic.
# (Budgets mail the contact directly; the scheduler's dead-letter queue uses SQS-managed keys.)
SNS_PUBLISHERS = ("cloudwatch.amazonaws.com",)
PUBLISH_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*"]
LOGS_ACTIONS = ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
# Days a scheduled key deletion waits (KMS allows 7-30): production keeps the longest window.
DELETION_WINDOW_DAYS = {"trial": 7, "production": 30}


def key_policy(account_id: pulumi.Input[str], region: str) -> pulumi.Output[str]:
    root = pulumi.Output.concat("arn:aws:iam::", account_id, ":root")
    log_groups = pulumi.Output.concat("arn:aws:logs:", region, ":", account_id, ":log-group:*")
    return iam.document(
        {"Sid": "AccountAdministersTheKey", "Effect": "Allow", "Principal": {"AWS": root},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "CloudWatchLogsEncrypt", "Effect": "Allow",
         "Principal": {"Service": f"logs.{region}.amazonaws.com"},
         "Action": LOGS_ACTIONS, "Resource": "*",
         "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}}},
        {"Sid": "ServicesPublishToEncryptedTopics", "Effect": "Allow",
         "Principal": {"Service": list(SNS_PUBLISHERS)},
         "Action": PUBLISH_ACTIONS, "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceAccount": account_id}}},
    )


@dataclass
class StackKeyArgs:
    deployment: Deployment


class StackKey(pulumi.ComponentResource):
    """The stack's key (`.key`, `.arn`). Retained by `destroy` while backups it encrypts are
    kept (a snapshot whose key is deleted can never be restored); see settings.DELETE_BACKUPS."""

    def __init__(self, name: str, args: StackKeyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:aws:StackKey", name, None, opts)
        d = args.deployment
        child = pulumi.ResourceOptions(parent=self)
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"councilkit {d.stack_name}: database, files, secrets, cache, logs, alarms",
            enable_key_rotation=True,
            deletion_window_in_days=DELETION_WINDOW_DAYS[d.tier],
            policy=key_policy(account, d.region),
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=d.production),
        )
        aws.kms.Alias(
            f"{name}-key", name_prefix=f"alias/councilkit/{d.stack_name[:200]}-", target_key_id=self.key.key_id,
            opts=child,
        )
        self.arn = self.key.arn
        self.register_outputs({"arn": self.arn})
