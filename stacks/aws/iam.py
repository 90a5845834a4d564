"""IAM policy documents as JSON, built from statements whose resources may be Outputs.

Every policy names its actions and resources; nothing here grants `*` actions (least
privilege, AWS FSBP IAM.1). Resources that can only be `*` (ecr:GetAuthorizationToken) say so.
"""

from __future__ import annotations

import json

import pulumi


def assume_role(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            ],
        }
    )


def allow(actions: list[str], resources: list) -> dict:
    return {"Effect": "Allow", "Action": sorted(actions), "Resource": resources}


def document(*statements: dict) -> pulumi.Output[str]:
    """A policy document; Output resources are resolved before the JSON is written."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def role(name: str, service: str, policy: pulumi.Input[str] | None, opts: pulumi.ResourceOptions):
    """A role for one AWS service with one inline policy of its own."""
    import pulumi_aws as aws

    r = aws.iam.Role(name, assume_role_policy=assume_role(service), opts=opts)
    if policy is not None:
        aws.iam.RolePolicy(name, role=r.id, policy=policy, opts=opts)
    return r
