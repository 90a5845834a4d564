"""The image builder in the plan (issue 11): for apps the council builds, a CodeBuild project that
can build Docker images and push to the stack's one ECR repository and nothing else, fed from a
private, encrypted, TLS-only bucket whose inputs expire; none for apps with upstream images.
Each fact the tests pin is cited in stacks/aws/builder.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shlex
from types import SimpleNamespace

import pytest

from councilkit.blueprints.errors import UserError
from councilkit.blueprints.model import ImageBuild
from councilkit.stacks.aws import builder as b
from councilkit.stacks.aws.image_build import BUILDER_TYPE, PLACEHOLDER_KEY, TAG_VARIABLE, find_target
from councilkit.stacks.aws.settings import LOG_RETENTION_DAYS
from councilkit.stacks.cost import estimate
from councilkit.stacks.plan import refers_to
from councilkit.stacks.policy import Facts, evaluate

from helpers import TIERS

BUILT = ("localgov-drupal", "suitecrm")
CASES = [(app, tier) for app in BUILT for tier in TIERS]
TODAY = dt.date(2026, 11, 25)
PROJECT = "aws:codebuild/project:Project"
BUCKET = "aws:s3/bucket:Bucket"
REPOSITORY = "aws:ecr/repository:Repository"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def _planned(app, tier):
    from helpers import planned

    return planned(app, "aws", tier)


@pytest.fixture(params=CASES, ids=[f"{a}-{t}" for a, t in CASES])
def case(request):
    return _planned(*request.param)


def _builder_parts(plan):
    """The Builder component's children, by type."""
    component = next(r for r in plan.resources if r.type == BUILDER_TYPE)
    children = [r for r in plan.resources if r.parent == component.urn]
    parts: dict[str, list] = {}
    for r in children:
        parts.setdefault(r.type, []).append(r)
    return component, {t: rs[0] if len(rs) == 1 else rs for t, rs in parts.items()}


def _statements(policy_resource) -> list[dict]:
    return json.loads(policy_resource.inputs["policy"])["Statement"]


def test_apps_that_build_their_image_get_one_builder_with_its_bucket_log_group_and_role(case):
    _, plan = case
    _, parts = _builder_parts(plan)
    assert set(parts) == {
        PROJECT, BUCKET, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:s3/bucketPolicy:BucketPolicy",
        "aws:cloudwatch/logGroup:LogGroup", "aws:iam/role:Role", ROLE_POLICY,
    }
    assert len(plan.of_type(PROJECT)) == 1


def test_the_project_builds_docker_images_on_a_current_codebuild_image(case):
    _, plan = case
    env = plan.one(PROJECT).inputs["environment"]
    assert env["type"] == "LINUX_CONTAINER"
    assert env["image"] == "aws/codebuild/amazonlinux-x86_64-standard:5.0"  # Amazon Linux 2023, standard 5.0
    assert env["privilegedMode"] is True  # the Docker daemon needs it
    assert env["computeType"] == "BUILD_GENERAL1_MEDIUM"
    assert env["imagePullCredentialsType"] == "CODEBUILD"


def test_the_project_pushes_the_blueprints_tag_to_the_stacks_repository(case):
    d, plan = case
    project, repo = plan.one(PROJECT), plan.one(REPOSITORY)
    variables = {v["name"]: v["value"] for v in project.inputs["environment"]["environmentVariables"]}
    build = next(c.build for c in d.blueprint.containers if c.build)
    assert variables[TAG_VARIABLE] == build.tag
    assert variables["REPOSITORY_URI"] == plan.outputs["image_repository"]  # the registry's own URL output
    assert variables["REPOSITORY_NAME"] == repo.inputs["name"]


def test_the_project_reads_zips_from_its_own_bucket_and_has_no_artifacts(case):
    _, plan = case
    _, parts = _builder_parts(plan)
    source = parts[PROJECT].inputs["source"]
    bucket_name, key = source["location"].split("/", 1)
    assert source["type"] == "S3" and refers_to(bucket_name, parts[BUCKET]) and key == PLACEHOLDER_KEY
    assert parts[PROJECT].inputs["artifacts"] == {"type": "NO_ARTIFACTS"}


def test_the_buildspec_logs_in_refuses_an_existing_tag_builds_with_the_blueprints_args_then_pushes(case):
    d, plan = case
    spec = json.loads(plan.one(PROJECT).inputs["source"]["buildspec"])
    assert spec["version"] == "0.2" and list(spec["phases"]) == ["pre_build", "build"]
    check, login = spec["phases"]["pre_build"]["commands"]
    assert "aws ecr describe-images" in check and "already exists and tags are immutable" in check and "exit 1" in check
    assert login.startswith("aws ecr get-login-password") and "docker login --username AWS --password-stdin" in login
    docker_build, push = spec["phases"]["build"]["commands"]
    build = next(c.build for c in d.blueprint.containers if c.build)
    words = shlex.split(docker_build.replace('"$REPOSITORY_URI:$IMAGE_TAG"', "REPO:TAG"))
    build_args = dict(words[i + 1].split("=", 1) for i, w in enumerate(words) if w == "--build-arg")
    assert build_args == {"BASE_IMAGE": build.base, **build.args}
    assert words[:2] == ["docker", "build"] and words[-3:] == ["--tag", "REPO:TAG", "."]
    assert words[words.index("--file") + 1] == build.dockerfile
    assert push == 'docker push "$REPOSITORY_URI:$IMAGE_TAG"'


def test_builds_time_out_and_log_to_their_own_group_for_the_tiers_retention(case):
    d, plan = case
    _, parts = _builder_parts(plan)
    project, group = parts[PROJECT], parts["aws:cloudwatch/logGroup:LogGroup"]
    assert project.inputs["buildTimeout"] == b.BUILD_TIMEOUT_MINUTES and 5 <= b.BUILD_TIMEOUT_MINUTES <= 2160
    assert 5 <= project.inputs["queuedTimeout"] <= 480
    logs = project.inputs["logsConfig"]
    assert logs["cloudwatchLogs"] == {"status": "ENABLED", "groupName": group.inputs["name"]}
    assert logs["s3Logs"]["status"] == "DISABLED"
    assert group.inputs["retentionInDays"] == LOG_RETENTION_DAYS[d.tier]
    assert group.inputs.get("kmsKeyId")  # encrypted with the stack's key, like every log group


def test_the_role_pushes_only_to_the_one_repository_and_reads_only_its_bucket(case):
    _, plan = case
    _, parts = _builder_parts(plan)
    role, policy = parts["aws:iam/role:Role"], parts[ROLE_POLICY]
    assume = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert [s["Principal"] for s in assume] == [{"Service": "codebuild.amazonaws.com"}]
    assert refers_to(plan.one(PROJECT).inputs["serviceRole"], role) and refers_to(policy.inputs["role"], role)
    by_action = {a: s for s in _statements(policy) for a in s["Action"]}
    repo = plan.one(REPOSITORY)
    for action in ("ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage",
                   "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:DescribeImages"):
        resources = by_action[action]["Resource"]
        assert len(resources) == 1 and refers_to(resources[0], repo), action
    assert by_action["ecr:GetAuthorizationToken"]["Resource"] == ["*"]
    assert by_action["ecr:GetAuthorizationToken"]["Action"] == ["ecr:GetAuthorizationToken"]  # alone on "*"
    bucket = parts[BUCKET]
    arn = bucket.identities["arn"]
    assert by_action["s3:GetObject"]["Resource"] == [f"{arn}/*"]
    assert by_action["s3:GetBucketLocation"]["Resource"] == [arn]
    group_arn = parts["aws:cloudwatch/logGroup:LogGroup"].identities["arn"]
    assert by_action["logs:PutLogEvents"]["Resource"] == [group_arn, f"{group_arn}:*"]
    assert set(by_action) == {*b.PUSH_ACTIONS, *b.CHECK_ACTIONS, "ecr:GetAuthorizationToken", *b.SOURCE_OBJECT_ACTIONS,
                              *b.SOURCE_BUCKET_ACTIONS, *b.LOG_ACTIONS}
    assert not any(s.endswith(":*") or s == "*" for s in by_action)
    # and it waits for its permissions: CodeBuild checks the role when the project is created
    assert policy.urn in plan.one(PROJECT).dependencies


def test_the_source_bucket_is_private_encrypted_tls_only_and_forgets_inputs_in_days(case):
    _, plan = case
    _, parts = _builder_parts(plan)
    bucket = parts[BUCKET]
    assert bucket.inputs["forceDestroy"] is True
    block = parts["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"].inputs
    assert refers_to(block["bucket"], bucket)
    assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    sse = parts["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"].inputs
    assert sse["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    (deny,) = _statements(parts["aws:s3/bucketPolicy:BucketPolicy"])
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    (rule,) = parts["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"].inputs["rules"]
    assert rule["status"] == "Enabled" and rule["expiration"]["days"] == b.SOURCE_EXPIRY_DAYS <= 7
    assert rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == 1


def test_the_stack_outputs_name_the_builder_and_its_bucket(case):
    _, plan = case
    details = plan.outputs  # the cloud's details are exported beside the core outputs
    _, parts = _builder_parts(plan)
    assert refers_to(details["image_builder"], parts[PROJECT])
    assert refers_to(details["image_source_bucket"], parts[BUCKET])
    assert details["image_repository"]


def test_the_builder_passes_the_mandatory_baseline_and_a_planted_flaw_is_caught(case):
    d, plan = case
    facts = Facts.from_deployment(d, TODAY)
    assert [r.control.id for r in evaluate(plan.resources, facts).mandatory_failures] == []
    _, parts = _builder_parts(plan)
    # mutation self-test: a wildcard grant in the build role, and the TLS deny taken off the bucket
    policy = parts[ROLE_POLICY]
    doc = json.loads(policy.inputs["policy"])
    doc["Statement"][0]["Action"] = ["ecr:*"]
    bad_role = dataclasses.replace(policy, inputs={**policy.inputs, "policy": json.dumps(doc)})
    bucket_policy = parts["aws:s3/bucketPolicy:BucketPolicy"]
    no_tls = [r for r in plan.resources if r.urn not in (policy.urn, bucket_policy.urn)] + [bad_role]
    failed = {r.control.id: r for r in evaluate(no_tls, facts).mandatory_failures}
    assert set(failed) == {"CK-AWS-023", "CK-AWS-008"}
    assert [f.urn for f in failed["CK-AWS-023"].failures] == [policy.urn]
    assert [f.urn for f in failed["CK-AWS-008"].failures] == [parts[BUCKET].urn]


def test_the_builder_is_priced_by_build_minutes_and_its_bucket_and_logs_as_small(case):
    d, plan = case
    e = estimate(plan.resources, cloud="aws", region=d.region, tier=d.tier, expires_on=d.expires_on, today=TODAY)
    assert not [u for u in e.unpriced if u.type == PROJECT]
    _, parts = _builder_parts(plan)
    mine = {line.price.key: line for line in e.lines if line.urn in {r.urn for r in parts.values()}}
    minutes = mine["codebuild.linux.general1_medium.minute"]
    assert minutes.quantity == 40 and "assumes 2 image builds a month of 20 minutes each" in minutes.assumption
    assert str(minutes.price.amount) == "0.01"  # per build-minute, BUILD_GENERAL1_MEDIUM (see the price file)
    assert str(mine["s3.standard.gb_month"].quantity) == "0.01"
    assert "image build logs" in mine["cloudwatch.logs.ingest_gb"].item
    assert sum(line.monthly for line in mine.values()) < 1  # a few builds a month cost cents, not dollars


@pytest.mark.parametrize("tier", TIERS)
def test_apps_with_upstream_images_get_no_builder(tier):
    _, plan = _planned("nextcloud", tier)
    assert not [r for r in plan.resources if r.type in (BUILDER_TYPE, PROJECT)]
    assert not {"image_builder", "image_source_bucket"} & set(plan.outputs)


def test_the_go_live_phase_finds_the_planned_builder_by_its_types():
    """What image_build reads from a state export: the planned resources' types, URNs and names."""
    _, plan = _planned("localgov-drupal", "trial")
    state = [{"type": r.type, "urn": r.urn, "id": r.identities.get("id", ""),
              "outputs": {**r.inputs, **r.identities, "repositoryUrl": "123456789012.dkr.ecr.eu-west-2.amazonaws.com/x"}}
             for r in plan.resources]
    target = find_target(state)
    assert refers_to(target.project, plan.one(PROJECT)) and refers_to(target.bucket, _builder_parts(plan)[1][BUCKET])
    assert target.repository == plan.one(REPOSITORY).inputs["name"]


def test_build_args_are_shell_quoted_whatever_they_hold():
    build = ImageBuild(dockerfile="Dockerfile", base="php:8.3-apache-bookworm", tag="1.0",
                       args={"DRUSH_VERSION": "^13", "ODD": "a b'c;$(rm -rf /)"})
    words = shlex.split(b.docker_build_command(build).replace('"$REPOSITORY_URI:$IMAGE_TAG"', "X"))
    assert "ODD=a b'c;$(rm -rf /)" in words and "DRUSH_VERSION=^13" in words


def test_an_app_whose_containers_build_different_images_is_refused():
    one = ImageBuild(dockerfile="Dockerfile", base="php:8.3-apache-bookworm", tag="1.0")
    two = one.model_copy(update={"tag": "2.0"})
    d = SimpleNamespace(blueprint=SimpleNamespace(ref="x@1.0.0", containers=[
        SimpleNamespace(build=one), SimpleNamespace(build=two), SimpleNamespace(build=None)]))
    with pytest.raises(UserError, match=r"x@1\.0\.0: containers build 2 different images \(1\.0, 2\.0\)"):
        b.the_build(d)
    d.blueprint.containers[1].build = one.model_copy()
    assert b.the_build(d) == one


def test_the_settings_are_ones_the_codebuild_api_accepts():
    """botocore's codebuild model (the AWS API reference, offline) knows every value the project uses."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("codebuild")
    shape = model.shape_for
    assert b.COMPUTE_TYPE in shape("ComputeType").enum
    assert "LINUX_CONTAINER" in shape("EnvironmentType").enum
    assert {"S3", "NO_SOURCE"} <= set(shape("SourceType").enum)
    assert "NO_ARTIFACTS" in shape("ArtifactsType").enum
    timeout, queued = shape("BuildTimeOut").metadata, shape("TimeOut").metadata
    assert timeout["min"] <= b.BUILD_TIMEOUT_MINUTES <= timeout["max"] == 2160
    assert queued["min"] <= b.QUEUED_TIMEOUT_MINUTES <= queued["max"] == 480
    start = shape("StartBuildInput").members
    assert {"sourceLocationOverride", "environmentVariablesOverride"} <= set(start)
    assert {"PRE_BUILD", "BUILD", "POST_BUILD", "COMPLETED"} <= set(shape("BuildPhaseType").enum)
