"""Monitoring: alarms that page the council's contact through an encrypted SNS topic.

5xx responses, unhealthy targets, database CPU and free storage, scheduled runs that fail, and a
monthly budget so a trial can never become a cost surprise.

The topic is encrypted with the stack's customer-managed key (kms.py), whose policy admits
`cloudwatch.amazonaws.com`: with the AWS-managed `alias/aws/sns` CloudWatch cannot publish and
no alarm email is ever sent (SNS developer guide, "Enable compatibility between event sources
from AWS services and encrypted topics").

The budget filters on the stack's `stack` tag. AWS counts a tag in cost data only once it is an
active cost allocation tag, which AWS allows only after the tag has appeared in billing data
(about 24 hours; Billing user guide, "Activating user-defined cost allocation tags"), so the
stack cannot activate it on the first `up`: `councilkit up` asks AWS to activate it after every
deploy (stacks/aws/billing.py) and says when it could not yet. Until then the budget sees $0.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from councilkit.blueprints.deployment import Deployment

FIVE_XX_PER_5_MIN = 10
DB_CPU_PERCENT = 80
FREE_STORAGE_FRACTION = 0.1


@dataclass
class MonitoringArgs:
    deployment: Deployment
    load_balancer_suffix: pulumi.Input[str]
    target_group_suffix: pulumi.Input[str]
    db_instance_id: pulumi.Input[str] | None
    db_storage_gib: int | None
    monthly_budget_usd: int
    kms_key_arn: pulumi.Input[str]
    schedule_group: pulumi.Input[str] | None = None
    """the stack's EventBridge Scheduler group, when it runs scheduled tasks"""
    dead_letter_queue: pulumi.Input[str] | None = None


class Monitoring(pulumi.ComponentResource):
    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:aws:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        d = args.deployment
        self.topic = aws.sns.Topic(f"{name}-alerts", kms_master_key_id=args.kms_key_arn, opts=child)
        aws.sns.TopicSubscription(
            f"{name}-contact", topic=self.topic.arn, protocol="email", endpoint=d.contact, opts=child
        )
        lb = {"LoadBalancer": args.load_balancer_suffix}
        self.alarms = [
            self._alarm(name, "target-5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum",
                        FIVE_XX_PER_5_MIN, "GreaterThanThreshold", lb, child,
                        "The app answered with many server errors"),
            self._alarm(name, "edge-5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum",
                        FIVE_XX_PER_5_MIN, "GreaterThanThreshold", lb, child,
                        "The load balancer could not reach a healthy app"),
            self._alarm(name, "unhealthy-hosts", "AWS/ApplicationELB", "UnHealthyHostCount", "Maximum", 0,
                        "GreaterThanThreshold", {**lb, "TargetGroup": args.target_group_suffix}, child,
                        "A web task fails its health check"),
        ]
        if args.db_instance_id is not None:
            db = {"DBInstanceIdentifier": args.db_instance_id}
            self.alarms += [
                self._alarm(name, "db-cpu", "AWS/RDS", "CPUUtilization", "Average", DB_CPU_PERCENT,
                            "GreaterThanThreshold", db, child, "Database CPU above 80%"),
                self._alarm(name, "db-free-storage", "AWS/RDS", "FreeStorageSpace", "Minimum",
                            int(args.db_storage_gib * FREE_STORAGE_FRACTION * 1024**3), "LessThanThreshold",
                            db, child, "Database has under 10% of its storage free"),
            ]
        if args.schedule_group is not None:
            group = {"ScheduleGroup": args.schedule_group}
            # AWS/Scheduler metrics by ScheduleGroup (Scheduler user guide, "Monitoring with
            # CloudWatch"): runs whose RunTask failed after retries, and runs parked in the DLQ.
            self.alarms += [
                self._alarm(name, "schedule-target-errors", "AWS/Scheduler", "TargetErrorCount", "Sum", 0,
                            "GreaterThanThreshold", group, child, "A scheduled task could not be started"),
                self._alarm(name, "schedule-dropped", "AWS/Scheduler", "InvocationDroppedCount", "Sum", 0,
                            "GreaterThanThreshold", group, child, "A scheduled run was dropped after its retries"),
            ]
        if args.dead_letter_queue is not None:
            self.alarms.append(
                self._alarm(name, "schedule-dead-letters", "AWS/SQS", "ApproximateNumberOfMessagesVisible",
                            "Maximum", 0, "GreaterThanThreshold", {"QueueName": args.dead_letter_queue}, child,
                            "Scheduled runs are waiting in the dead-letter queue")
            )
        aws.budgets.Budget(
            f"{name}-budget",
            budget_type="COST",
            limit_amount=str(args.monthly_budget_usd),
            limit_unit="USD",
            time_unit="MONTHLY",
            cost_filters=[aws.budgets.BudgetCostFilterArgs(name="TagKeyValue",
                                                           values=[f"user:stack${d.stack_name}"])],
            notifications=[
                aws.budgets.BudgetNotificationArgs(
                    comparison_operator="GREATER_THAN",
                    threshold=threshold,
                    threshold_type="PERCENTAGE",
                    notification_type=kind,
                    subscriber_email_addresses=[d.contact],
                )
                for threshold, kind in ((80, "ACTUAL"), (100, "FORECASTED"))
            ],
            opts=child,
        )
        self.register_outputs({"topic": self.topic.arn})

    def _alarm(self, name, what, namespace, metric, statistic, threshold, comparison, dimensions, child, text):
        return aws.cloudwatch.MetricAlarm(
            f"{name}-{what}",
            alarm_description=text,
            namespace=namespace,
            metric_name=metric,
            statistic=statistic,
            period=300,
            evaluation_periods=1,
            threshold=threshold,
            comparison_operator=comparison,
            dimensions=dimensions,
            treat_missing_data="notBreaching",
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
            opts=child,
        )
