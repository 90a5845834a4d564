"""What pulumi-aws would return for a resource, for the offline engine's mocks (cli/offline.py).

The mocks echo a resource's inputs as its outputs; computed values that other resources or the
stack's outputs are built from (ARNs, endpoints, the certificate's validation records) get
plausible values of the right shape here, so a plan's inputs and outputs are concrete.
"""

from __future__ import annotations

from typing import Any

ACCOUNT = "123456789012"
# pulumi-aws module → the service name in its ARNs
ARN_SERVICE = {"efs": "elasticfilesystem", "lb": "elasticloadbalancing", "cloudwatch": "logs"}


# Data-source calls the AWS stack makes while planning (the key policy needs the account id).
INVOKE_RESULTS = {
    "aws:index/getCallerIdentity:getCallerIdentity": {
        "accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/councilkit-plan", "userId": "AIDAMOCK", "id": ACCOUNT,
    },
}


def aws_outputs(type_: str, name: str, out: dict[str, Any]) -> dict[str, Any]:
    if not type_.startswith("aws:"):
        return out
    out = dict(out)
    suffix = name.replace("_", "-")
    module, _, kind = type_.split(":")[1].partition("/")
    service = ARN_SERVICE.get(module, module)
    out.setdefault("arn", f"arn:aws:{service}:mock-region:{ACCOUNT}:{kind.lower()}/{suffix}")
    domain = out.get("domainName", "example.org")
    extras = {
        "arnWithoutRevision": out["arn"],
        "arnSuffix": f"app/{suffix}/0123456789abcdef",
        "identifier": suffix,
        "repositoryUrl": f"{ACCOUNT}.dkr.ecr.mock/{suffix}",
        "dnsName": f"{suffix}.lb.example.internal",
        "endpoint": f"{suffix}.db.example.internal:5432",
        "address": f"{suffix}.db.example.internal",
        "port": out.get("port", 5432),
        "primaryEndpointAddress": f"{suffix}.cache.example.internal",
        "zoneId": "ZMOCKZONE",
        "domainValidationOptions": [
            {
                "domainName": domain,
                "resourceRecordName": f"_validate.{domain}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": "_mock.acm-validations.aws.",
            }
        ],
    }
    if type_ == "aws:s3/bucket:Bucket":
        extras["bucket"] = f"{suffix}-0123abcd"  # auto-named: resource name + random suffix
    for key, value in extras.items():
        out.setdefault(key, value)
    return out
