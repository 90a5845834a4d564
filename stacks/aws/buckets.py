"""A private S3 bucket as every councilkit bucket is made: public access blocked, SSE-S3, a
lifecycle that expires what it holds, and a policy that refuses any request without TLS
(FSBP S3.1/S3.5; councilkit controls CK-AWS-008 and the S3 encryption control).

SSE-S3 rather than the stack's KMS key: ALB access-log delivery supports SSE-S3 only (ELB user
guide, "Enable access logs for your Application Load Balancer"), and build inputs need no more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from . import iam


@dataclass
class BucketSpec:
    name: str
    """the Pulumi name of the bucket and of each of its settings resources"""
    expire_days: int
    rule_id: str
    force_destroy: bool
    versioned: bool = False
    noncurrent_days: int | None = None
    abort_uploads_days: int | None = None
    allow: list = field(default_factory=list)
    """statements of the bucket policy besides the TLS-only deny; each a function of the bucket"""


def private_bucket(spec: BucketSpec, bucket_opts: pulumi.ResourceOptions, opts: pulumi.ResourceOptions):
    """(bucket, bucket policy): `bucket_opts` for the bucket itself, `opts` for its settings."""
    bucket = aws.s3.Bucket(spec.name, force_destroy=spec.force_destroy, opts=bucket_opts)
    aws.s3.BucketPublicAccessBlock(
        spec.name, bucket=bucket.id, block_public_acls=True, block_public_policy=True,
        ignore_public_acls=True, restrict_public_buckets=True, opts=opts,
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        spec.name,
        bucket=bucket.id,
        rules=[
            aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="AES256"
                )
            )
        ],
        opts=opts,
    )
    if spec.versioned:
        aws.s3.BucketVersioning(
            spec.name, bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=opts,
        )
    rule = aws.s3.BucketLifecycleConfigurationRuleArgs(
        id=spec.rule_id,
        status="Enabled",
        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
        expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=spec.expire_days),
        noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
            noncurrent_days=spec.noncurrent_days
        ) if spec.noncurrent_days else None,
        abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
            days_after_initiation=spec.abort_uploads_days
        ) if spec.abort_uploads_days else None,
    )
    aws.s3.BucketLifecycleConfiguration(spec.name, bucket=bucket.id, rules=[rule], opts=opts)
    policy = aws.s3.BucketPolicy(
        spec.name,
        bucket=bucket.id,
        policy=iam.document(
            *[statement(bucket) for statement in spec.allow],
            {
                "Sid": "DenyWithoutTLS",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "s3:*",
                "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ),
        opts=opts,
    )
    return bucket, policy
