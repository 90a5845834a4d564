"""The AWS adapter: what councilkit knows about AWS, behind `stacks.cloud.Cloud`.

Importing this imports no SDK: `build` loads `stack.py` (pulumi_aws) when it runs, and the
price rules load when a plan is priced.
"""

from __future__ import annotations

import json
import shlex
from typing import Any, Mapping

from councilkit.blueprints.clouds import facts
from councilkit.stacks.cloud import Cloud, ExitTools
from councilkit.stacks.outputs import AdminCredentials

from .offline import aws_outputs
from .settings import PROTECTION_PROPS, final_snapshot_id

READ_SECRET = ("aws secretsmanager get-secret-value --region {region} --secret-id <ARN> "
               "--query SecretString --output text")


def read_secret_command(region: str) -> str:
    return READ_SECRET.format(region=region)


class AwsCloud(Cloud):
    facts = facts("aws")
    package = __package__
    protection_props = PROTECTION_PROPS
    # OIDC role assumption (aws-actions/configure-aws-credentials README): no long-lived keys.
    ci_login_step = """      - uses: aws-actions/configure-aws-credentials@v4
        if: matrix.cloud == 'aws'
        with:
          role-to-assume: ${{ secrets.AWS_ROLE_ARN }}
          aws-region: ${{ matrix.region }}
"""
    cost_excluded = ("internet data transfer out (the first 100 GB a month are free per account)",
                     "AWS support plans", "VAT", "free tiers and allowances (not deducted)")

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

    def destroy_keeps(self, d, stack: str) -> str:
        return (f"The database's final snapshot {final_snapshot_id(d)} is taken and kept "
                "(skip_final_snapshot is off); deletion protection is released first.")

    def exit_tools(self, d) -> ExitTools:
        return ExitTools(database_from="an ECS task in the app's network",
                         files_with="AWS DataSync, or rsync from a task that mounts EFS")
