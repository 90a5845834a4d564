"""The AWS adapter: what councilkit knows about AWS, behind `stacks.cloud.Cloud`.

Importing this imports no SDK: `build` loads `stack.py` (pulumi_aws) when it runs, and the
price rules load when a plan is priced.
"""

from __future__ import annotations

import json
import shlex
from typing import Any, Mapping

from councilkit.blueprints.clouds import facts
from councilkit.stacks.cloud import Cloud, CouncilAction, ExitTools, GoLive, Kept, Phase, SmokeTarget
from councilkit.stacks.outputs import AdminCredentials

from .offline import INVOKE_RESULTS, aws_outputs
from .settings import (DAILY_RETENTION_DAYS, DELETE_BACKUPS, FINAL_SNAPSHOT_SUFFIX_BYTES, MONTHLY_RETENTION_DAYS,
                       PROTECTION_PROPS, final_snapshot_prefix)

# The go-live phases of a first `up` (stacks/aws/golive.py has the SDK calls of each).
CERTIFICATE_PHASE = Phase(
    "certificate", "request the site's TLS certificate from ACM and show its DNS validation records",
    ("aws:acm/certificate:Certificate",),
    waits_for="the council to publish the validation records; ACM then issues the certificate",
)
IMAGE_PHASE = Phase(
    "image", "create the image repository and builder, then build and push the app's image",
    ("councilkit:aws:Registry", "councilkit:aws:Builder", "aws:codebuild/project:Project"),
    waits_for="the image build in AWS CodeBuild",
)
APP_PHASE = Phase(
    "app", "create or update every resource; wait until the ECS services are steady",
    None, waits_for="ECS steady state, then the site's health check from outside", smoke=True,
)

READ_SECRET = ("aws secretsmanager get-secret-value --region {region} --secret-id <ARN> "
               "--query SecretString --output text")


def read_secret_command(region: str) -> str:
    return READ_SECRET.format(region=region)


class AwsCloud(Cloud):
    facts = facts("aws")
    package = __package__
    protection_props = PROTECTION_PROPS
    delete_backups_props = DELETE_BACKUPS
    invoke_results = INVOKE_RESULTS
    # OIDC role assumption (aws-actions/configure-aws-credentials README): no long-lived keys.
    ci_login_step = """      - uses: aws-actions/configure-aws-credentials@v4
        if: matrix.cloud == 'aws'
        with:
          role-to-assume: ${{ secrets.AWS_ROLE_ARN }}
          aws-region: ${{ matrix.region }}
"""
    cost_excluded = ("internet data transfer out (the first 100 GB a month are free per account)",
                     "AWS support plans", "VAT", "free tiers and allowances (not deducted)")

    # --- going live ------------------------------------------------------------------------

    def go_live_phases(self, d) -> list[Phase]:
        """Certificate first (its records are shown at once, not after a 75-minute wait), then the
        image for apps the council builds (the service needs it to start), then everything."""
        builds = any(c.build for c in d.blueprint.containers)
        return [CERTIFICATE_PHASE, *([IMAGE_PHASE] if builds else []), APP_PHASE]

    def phase_done(self, phase: Phase, live: GoLive) -> str | None:
        from . import golive

        done = {CERTIFICATE_PHASE.name: golive.certificate_done, IMAGE_PHASE.name: golive.image_done}.get(phase.name)
        return done(live) if done else None

    def after_phase(self, phase: Phase, live: GoLive) -> CouncilAction | None:
        from . import golive

        after = {CERTIFICATE_PHASE.name: golive.certificate_action, IMAGE_PHASE.name: golive.image_action}.get(phase.name)
        return after(live) if after else None

    def live_notes(self, live: GoLive) -> list[str]:
        from . import golive

        return [golive.cost_tag_note()]

    def smoke_target(self, live: GoLive, values: Mapping[str, Any]) -> SmokeTarget | None:
        from . import golive

        return golive.smoke_target(live, values)

    def diagnose(self, live: GoLive, values: Mapping[str, Any]) -> list[str]:
        from . import golive

        return golive.diagnose(live, values)

    def fake_outputs(self, type_: str, name: str, state: dict[str, Any]) -> dict[str, Any]:
        return aws_outputs(type_, name, state)

    def one_off_commands(self, one_off: Mapping[str, Any], kind: str, region: str) -> list[str]:
        """An ECS RunTask of the step's task definition with the command overridden, in the app's
        own subnets and security group, then how to wait for it and check its exit code."""
        step = one_off.get(kind) if isinstance(one_off, Mapping) else None
        if not isinstance(step, Mapping):
            return []
        network = "awsvpcConfiguration={subnets=[%s],securityGroups=[%s],assignPublicIp=%s}" % (
            ",".join(one_off.get("subnets", [])), ",".join(one_off.get("security_groups", [])),
            "ENABLED" if one_off.get("assign_public_ip") else "DISABLED",
        )
        out = []
        for command in step.get("commands", []):
            overrides = json.dumps({"containerOverrides": [{"name": step["container"], "command": command}]},
                                   separators=(",", ":"))
            out.append(shlex.join([
                "aws", "ecs", "run-task", "--region", region, "--cluster", str(one_off.get("cluster")),
                "--launch-type", "FARGATE", "--task-definition", str(step.get("task_definition")),
                "--network-configuration", network, "--overrides", overrides,
            ]))
        if out:
            out.append(f"# after each: aws ecs wait tasks-stopped --region {region} --cluster "
                       f"{one_off.get('cluster')} --tasks <taskArn>, and check its exit code is 0")
        return out

    def legacy_credentials(self, values: Mapping[str, Any]) -> AdminCredentials:
        """councilkit 0.1 exported `admin_credentials` as {secret name: ARN}."""
        raw = values.get("admin_credentials")
        region = str(values.get("region") or self.facts.default_region)
        secrets = {str(k): v for k, v in raw.items()} if isinstance(raw, Mapping) else {}
        return AdminCredentials("AWS Secrets Manager", region, secrets, read_secret_command(region))

    def destroy_keeps(self, d, outputs: Mapping[str, Any], delete_backups: bool) -> list[Kept]:
        """A production destroy keeps the final DB snapshot, the backup vault with its recovery
        points, the access-log bucket and the KMS key that encrypts them (settings.DELETE_BACKUPS;
        ECR is force-deleted: images are rebuilt from image/). Names come from the outputs; for a
        stack deployed before they were exported, a description to find each by (its tags).
        Commands: AWS CLI reference (docs.aws.amazon.com/cli/latest/reference/: rds
        delete-db-snapshot, backup list-recovery-points-by-backup-vault, delete-recovery-point,
        delete-backup-vault, s3 rb, kms schedule-key-deletion); tests/test_destroy.py checks each
        against the botocore API models."""
        if not d.production or delete_backups:
            return []
        region = str(outputs.get("region") or d.region)
        tagged = f"not in the stack's outputs: find it by its tags council={d.council_slug}, app={d.app_id}, tier={d.tier}"
        snapshot = outputs.get("final_snapshot") or "<SNAPSHOT_ID>"
        vault = outputs.get("backup_vault") or "<VAULT_NAME>"
        bucket = outputs.get("access_logs_bucket") or "<BUCKET>"
        key = outputs.get("kms_key") or "<KEY_ID>"

        def aws(service: str, op: str, *args: str) -> str:
            """A command line; `<PLACEHOLDER>`s stay unquoted for the council to fill in."""
            words = ["aws", service, op, "--region", region, *args]
            return " ".join(w if "<" in w else shlex.quote(w) for w in words)

        def named(value: str, otherwise: str) -> str:
            return value if not value.startswith("<") else f"{value} ({otherwise})"

        return [
            Kept("final database snapshot (RDS)",
                 named(snapshot, f"not in the stack's outputs: the snapshot named {final_snapshot_prefix(d)}"
                                 f"<{2 * FINAL_SNAPSHOT_SUFFIX_BYTES} hex digits>"), "until you delete it",
                 (aws("rds", "delete-db-snapshot", "--db-snapshot-identifier", snapshot),)),
            # Recovery points keep the lifecycle they were made with (Backup API: RecoveryPoint
            # Lifecycle, "Backup transitions and expires backups automatically").
            Kept("AWS Backup vault and its recovery points", named(vault, tagged),
                 f"each recovery point until its lifecycle expires (daily {DAILY_RETENTION_DAYS} days, "
                 f"monthly {MONTHLY_RETENTION_DAYS} days); the empty vault until you delete it",
                 (aws("backup", "list-recovery-points-by-backup-vault", "--backup-vault-name", vault,
                      "--query", "RecoveryPoints[].RecoveryPointArn", "--output", "text"),
                  aws("backup", "delete-recovery-point", "--backup-vault-name", vault,
                      "--recovery-point-arn", "<EACH_ARN_LISTED>"),
                  # DeleteBackupVault: "A vault can be deleted only if it is empty."
                  aws("backup", "delete-backup-vault", "--backup-vault-name", vault))),
            # Versioned: `aws s3 rb --force` leaves the versions and fails, and the AWS CLI cannot
            # empty a versioned bucket (S3 User Guide, "Emptying a bucket"); the console can.
            Kept("load balancer access-log bucket (S3, versioned)", named(bucket, tagged),
                 "until you delete it; its lifecycle rule, kept with it, goes on expiring old logs",
                 (f"# empty it first: S3 console, bucket {bucket}, Empty (deletes every version)",
                  aws("s3", "rb", f"s3://{bucket}"))),
            # Last: whatever it encrypted can never be restored once it is gone (KMS
            # ScheduleKeyDeletion; the waiting period is 7 to 30 days).
            Kept("KMS key that encrypts the snapshot and the recovery points", named(key, tagged),
                 "until you schedule its deletion, after the snapshot and recovery points are deleted",
                 (aws("kms", "schedule-key-deletion", "--key-id", key, "--pending-window-in-days", "7"),)),
        ]

    def exit_tools(self, d) -> ExitTools:
        return ExitTools(database_from="an ECS task in the app's network",
                         files_with="AWS DataSync, or rsync from a task that mounts EFS")
