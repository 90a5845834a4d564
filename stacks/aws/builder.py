"""Builder: builds the council's own app image in AWS CodeBuild and pushes it to the stack's ECR.

No Docker is needed on the council's machine: `councilkit up` zips the stack folder's `image/`,
puts it in a private bucket here and starts this project (stacks/aws/image_build.py). The
project logs in to ECR, runs `docker build` with the blueprint's build args, tags the image
`<repository>:<build.tag>` and pushes it. Tags are immutable (stacks/aws/registry.py), so a
tag that already exists is refused with a message that says to release a new tag.

The role may push to the one repository, read the one bucket and write its own log group:
nothing else (least privilege, CK-AWS-023).
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from councilkit.blueprints.deployment import Deployment
from councilkit.blueprints.errors import UserError
from councilkit.blueprints.model import ImageBuild

from . import buckets, iam
from .image_build import BUILDER_TYPE, PLACEHOLDER_KEY, TAG_VARIABLE

# Amazon Linux 2023 x86_64 standard image, version 5.0: AWS CodeBuild User Guide, "Docker images
# provided by CodeBuild" (build-env-ref-available; the EC2 compute image list resolves image
# identifier 5.0 to aws/codebuild/amazonlinux-x86_64-standard:5.0, platform Amazon Linux 2023,
# definition al/x86_64/standard/5.0 in aws/aws-codebuild-docker-images). Since 22 November 2024
# the identifiers are `amazonlinux-…` (the old `amazonlinux2-…` names are aliases).
BUILD_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0"
# botocore codebuild 2016-10-06 ComputeType enum; MEDIUM (4 vCPU, 7 GB) compiles PHP extensions
# and runs composer in about half the time of SMALL, for twice the per-minute price.
COMPUTE_TYPE = "BUILD_GENERAL1_MEDIUM"
# botocore codebuild CreateProjectInput.timeoutInMinutes: 5 to 2160 (BuildTimeOut);
# queuedTimeoutInMinutes: 5 to 480 (TimeOut).
BUILD_TIMEOUT_MINUTES = 60
QUEUED_TIMEOUT_MINUTES = 60
# Build inputs are only needed while a build runs; the image itself lives in ECR.
SOURCE_EXPIRY_DAYS = 3
# ECR user guide, "IAM permissions for pushing an image to an Amazon ECR private repository"
# (image-push-iam): these six on the repository ARN, GetAuthorizationToken on "*"; the CodeBuild
# Docker sample (awsdocs/aws-codebuild-user-guide doc_source/sample-docker.md) lists the same
# five upload actions. DescribeImages lets the build check for an existing tag first.
PUSH_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
]
CHECK_ACTIONS = ["ecr:DescribeImages"]
# CodeBuild user guide, "Create a CodeBuild service role" (setting-up.md): S3 input needs
# s3:GetObject and s3:GetObjectVersion on the objects, s3:GetBucketAcl and s3:GetBucketLocation
# on the bucket; logs need logs:CreateLogStream and logs:PutLogEvents (the group exists already,
# so no logs:CreateLogGroup).
SOURCE_OBJECT_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion"]
SOURCE_BUCKET_ACTIONS = ["s3:GetBucketAcl", "s3:GetBucketLocation"]
LOG_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]


@dataclass
class BuilderArgs:
    deployment: Deployment
    repository: aws.ecr.Repository
    log_retention_days: int
    # The stack's KMS key for its log group, when it has one (CloudWatch Logs encrypts with it
    # as itself; the build role needs no KMS permission).
    kms_key_arn: pulumi.Input[str] | None = None


def the_build(d: Deployment) -> ImageBuild:
    """The one image an app builds: every `build:` container shares it (LocalGov Drupal's web and
    cron, SuiteCRM's web and workers run the same code)."""
    builds = {c.build.model_dump_json(): c.build for c in d.blueprint.containers if c.build}
    if len(builds) != 1:
        tags = sorted(b.tag for b in builds.values())
        raise UserError(
            f"{d.blueprint.ref}: containers build {len(builds)} different images ({', '.join(tags)}); "
            "councilkit builds one image per app: give every build: the same dockerfile, base, args and tag"
        )
    return next(iter(builds.values()))


def docker_build_command(build: ImageBuild) -> str:
    """`docker build` with the blueprint's pinned base and build args, each shell-quoted."""
    args = {"BASE_IMAGE": build.base, **build.args}
    parts = ["docker", "build", "--pull", "--file", build.dockerfile]
    for key, value in sorted(args.items()):
        parts += ["--build-arg", f"{key}={value}"]
    return " ".join(shlex.quote(p) for p in parts) + f' --tag "$REPOSITORY_URI:${TAG_VARIABLE}" .'


def buildspec(build: ImageBuild) -> str:
    """The inline buildspec (CodeBuild user guide, "Build specification reference": version 0.2,
    env.shell, phases pre_build/build with commands). Login follows the ECR docs
    (`aws ecr get-login-password | docker login --username AWS --password-stdin <registry>`).
    The push runs in the build phase, after `docker build`, so a failed build never pushes."""
    exists = (
        f'if aws ecr describe-images --repository-name "$REPOSITORY_NAME" '
        f'--image-ids imageTag="${TAG_VARIABLE}" >/dev/null 2>&1; then '
        f'echo "councilkit: $REPOSITORY_URI:${TAG_VARIABLE} already exists and tags are immutable; '
        'release the blueprint with a new build tag instead of rebuilding this one"; exit 1; fi'
    )
    spec = {
        "version": "0.2",
        "env": {"shell": "bash"},
        "phases": {
            "pre_build": {
                "commands": [
                    exists,
                    'aws ecr get-login-password --region "$AWS_DEFAULT_REGION" | '
                    'docker login --username AWS --password-stdin "${REPOSITORY_URI%%/*}"',
                ]
            },
            "build": {
                "commands": [
                    docker_build_command(build),
                    f'docker push "$REPOSITORY_URI:${TAG_VARIABLE}"',
                ]
            },
        },
    }
    return json.dumps(spec, indent=2)  # JSON is YAML: one less dependency, exact quoting


class Builder(pulumi.ComponentResource):
    def __init__(self, name: str, args: BuilderArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(BUILDER_TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        d = args.deployment
        build = the_build(d)
        self.bucket = self._source_bucket(name, child)
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-image-build",
            name=f"/councilkit/{d.stack_name}/image-build",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=child,
        )
        role, policy = self._role(name, args.repository, child)
        self.role = role
        self.project = aws.codebuild.Project(
            f"{name}-image-build",
            description=f"Builds {d.blueprint.ref}'s image and pushes it to its ECR repository",
            service_role=role.arn,
            build_timeout=BUILD_TIMEOUT_MINUTES,
            queued_timeout=QUEUED_TIMEOUT_MINUTES,
            artifacts=aws.codebuild.ProjectArtifactsArgs(type="NO_ARTIFACTS"),
            environment=aws.codebuild.ProjectEnvironmentArgs(
                type="LINUX_CONTAINER",
                image=BUILD_IMAGE,
                compute_type=COMPUTE_TYPE,
                image_pull_credentials_type="CODEBUILD",
                # botocore ProjectEnvironment.privilegedMode: "Set to true only if the build
                # project is used to build Docker images" (the Docker daemon needs it).
                privileged_mode=True,
                environment_variables=[
                    aws.codebuild.ProjectEnvironmentEnvironmentVariableArgs(
                        name="REPOSITORY_URI", value=args.repository.repository_url
                    ),
                    aws.codebuild.ProjectEnvironmentEnvironmentVariableArgs(
                        name="REPOSITORY_NAME", value=args.repository.name
                    ),
                    aws.codebuild.ProjectEnvironmentEnvironmentVariableArgs(name=TAG_VARIABLE, value=build.tag),
                ],
            ),
            # S3 source, "<bucket-name>/<path>/<object-name>.zip" (botocore ProjectSource.location);
            # each build overrides it with the uploaded zip (StartBuild sourceLocationOverride).
            source=aws.codebuild.ProjectSourceArgs(
                type="S3",
                location=pulumi.Output.concat(self.bucket.id, "/", PLACEHOLDER_KEY),
                buildspec=buildspec(build),
            ),
            logs_config=aws.codebuild.ProjectLogsConfigArgs(
                cloudwatch_logs=aws.codebuild.ProjectLogsConfigCloudwatchLogsArgs(
                    status="ENABLED", group_name=self.log_group.name
                ),
                s3_logs=aws.codebuild.ProjectLogsConfigS3LogsArgs(status="DISABLED"),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        self.register_outputs({"project": self.project.name, "bucket": self.bucket.id})

    def _source_bucket(self, name: str, child: pulumi.ResourceOptions) -> aws.s3.Bucket:
        """Private, encrypted, TLS-only; objects expire after a few days. `force_destroy` since it
        holds only build inputs (a copy of the stack folder's `image/`)."""
        bucket, _ = buckets.private_bucket(
            buckets.BucketSpec(f"{name}-image-source", expire_days=SOURCE_EXPIRY_DAYS, rule_id="expire-build-inputs",
                               force_destroy=True, abort_uploads_days=1),
            child, child,
        )
        return bucket

    def _role(self, name: str, repository: aws.ecr.Repository, child: pulumi.ResourceOptions):
        """CodeBuild's service role and its one inline policy (the project waits for both)."""
        role = aws.iam.Role(
            f"{name}-image-build", assume_role_policy=iam.assume_role("codebuild.amazonaws.com"), opts=child
        )
        policy = aws.iam.RolePolicy(
            f"{name}-image-build",
            role=role.id,
            policy=iam.document(
                iam.allow(PUSH_ACTIONS + CHECK_ACTIONS, [repository.arn]),
                # GetAuthorizationToken is account-wide by design: it takes no resource but "*".
                iam.allow(["ecr:GetAuthorizationToken"], ["*"]),
                iam.allow(SOURCE_OBJECT_ACTIONS, [pulumi.Output.concat(self.bucket.arn, "/*")]),
                iam.allow(SOURCE_BUCKET_ACTIONS, [self.bucket.arn]),
                iam.allow(LOG_ACTIONS, [self.log_group.arn, pulumi.Output.concat(self.log_group.arn, ":*")]),
            ),
            opts=child,
        )
        return role, policy
