"""Building the council's image in CodeBuild (issue 11, go-live phase "image"): every AWS call is
answered by botocore's Stubber (no network, no credentials), the poll loop's sleep is instant.

What a user notices: an image already in ECR is not rebuilt; a build uploads the folder once,
starts the project on that upload and returns the image URI; a failed build names its phase, the
reason CodeBuild gave and the last lines of its log; the same folder always gives the same zip.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile

import botocore.session
import pytest
from botocore.stub import ANY, Stubber
from rich.console import Console

from councilkit.blueprints.errors import UserError
from councilkit.stacks.aws import image_build as ib

REGION = "eu-west-2"
TAG = "4.0.5-councilkit-1.0.0"
REPO = "councilkit/test-council/localgov-drupal-trial"
REPO_URI = f"123456789012.dkr.ecr.{REGION}.amazonaws.com/{REPO}"
PROJECT = "localgov-drupal-image-build-1a2b3c4"
BUCKET = "localgov-drupal-image-source-5d6e7f8"
STACK = "urn:pulumi:test-council-localgov-drupal-trial::councilkit::"


def _state(**drop) -> list[dict]:
    """The `resources` of a Pulumi state export, as `pulumi stack export` writes them."""
    resources = [
        {"type": "councilkit:aws:Builder", "urn": f"{STACK}councilkit:aws:Builder::localgov-drupal", "outputs": {}},
        {"type": ib.PROJECT_TYPE, "urn": f"{STACK}councilkit:aws:Builder${ib.PROJECT_TYPE}::localgov-drupal-image-build",
         "outputs": {"name": PROJECT, "arn": f"arn:aws:codebuild:{REGION}:123456789012:project/{PROJECT}"}},
        {"type": ib.BUCKET_TYPE, "urn": f"{STACK}councilkit:aws:Builder${ib.BUCKET_TYPE}::localgov-drupal-image-source",
         "id": BUCKET, "outputs": {"bucket": BUCKET}},
        # the production access-log bucket lives elsewhere in the stack: never the build's source
        {"type": ib.BUCKET_TYPE, "urn": f"{STACK}councilkit:aws:Edge${ib.BUCKET_TYPE}::localgov-drupal-access-logs",
         "id": "logs-bucket", "outputs": {"bucket": "logs-bucket"}},
        {"type": ib.REPOSITORY_TYPE, "urn": f"{STACK}councilkit:aws:Registry${ib.REPOSITORY_TYPE}::localgov-drupal-repo",
         "outputs": {"name": REPO, "repositoryUrl": REPO_URI}},
    ]
    return [r for r in resources if r["type"] not in drop.get("types", ())]


@pytest.fixture
def image_dir(tmp_path):
    folder = tmp_path / "image"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM php:8.3-apache-bookworm\nCOPY settings.councilkit.php /x\n")
    (folder / "settings.councilkit.php").write_text("<?php\n")
    (folder / "scripts").mkdir()
    entry = folder / "scripts" / "entrypoint.sh"
    entry.write_text("#!/bin/sh\nexec \"$@\"\n")
    entry.chmod(0o755)
    return folder


@pytest.fixture
def aws(monkeypatch):
    """Stubbed clients handed to image_build, and an instant poll loop with a fake clock."""
    session = botocore.session.get_session()
    clients, stubbers = {}, {}
    for service in ("ecr", "s3", "codebuild", "logs"):
        client = session.create_client(service, region_name=REGION, aws_access_key_id="testing",
                                       aws_secret_access_key="testing")
        clients[service], stubbers[service] = client, Stubber(client)
        stubbers[service].activate()
    sleeps = []
    now = [0.0]

    def fake_sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(ib, "make_client", lambda service, region: clients[service])
    monkeypatch.setattr(ib, "sleep", fake_sleep)
    monkeypatch.setattr(ib, "clock", lambda: now[0])
    yield stubbers, sleeps
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()


def _console():
    return Console(file=io.StringIO(), width=200, force_terminal=False)


def _printed(console) -> str:
    return console.file.getvalue()


def _tag_missing(stubbers):
    stubbers["ecr"].add_client_error(
        "describe_images", service_error_code="ImageNotFoundException",
        service_message=f"The image with imageId {{imageTag:'{TAG}'}} does not exist within the repository",
        expected_params={"repositoryName": REPO, "imageIds": [{"imageTag": TAG}]},
    )


def _build(phase: str, status: str = "IN_PROGRESS", phases=None, complete=False) -> dict:
    return {
        "id": f"{PROJECT}:b1", "currentPhase": phase, "buildStatus": status, "buildComplete": complete,
        "timeoutInMinutes": 60, "queuedTimeoutInMinutes": 60, "phases": phases or [],
        "logs": {"groupName": "/councilkit/test-council-localgov-drupal-trial/image-build", "streamName": "b1"},
    }


def _expect_upload_and_start(stubbers, image_dir):
    data = ib.source_zip(image_dir)
    digest = hashlib.sha256(data)
    key = f"sources/{TAG}/{digest.hexdigest()}.zip"
    stubbers["s3"].add_response("put_object", {"ETag": '"x"'}, {
        "Bucket": BUCKET, "Key": key, "Body": data, "ChecksumAlgorithm": "SHA256",
        "ChecksumSHA256": base64.b64encode(digest.digest()).decode(),
    })
    stubbers["codebuild"].add_response("start_build", {"build": _build("SUBMITTED")}, {
        "projectName": PROJECT, "sourceLocationOverride": f"{BUCKET}/{key}",
        "environmentVariablesOverride": [{"name": "IMAGE_TAG", "value": TAG, "type": "PLAINTEXT"}],
    })
    return key


def test_an_image_already_in_ecr_is_not_rebuilt(aws, image_dir):
    stubbers, sleeps = aws
    stubbers["ecr"].add_response(
        "describe_images", {"imageDetails": [{"imageTags": [TAG], "repositoryName": REPO}]},
        {"repositoryName": REPO, "imageIds": [{"imageTag": TAG}]},
    )
    console = _console()
    assert ib.build_and_push(_state(), image_dir, REGION, TAG, console) == f"{REPO_URI}:{TAG}"
    assert "already in ECR: not rebuilt" in _printed(console) and sleeps == []
    # no upload, no build: the s3 and codebuild stubs had nothing queued and saw no call


def test_a_build_uploads_the_folder_starts_the_project_follows_it_and_returns_the_uri(aws, image_dir):
    stubbers, sleeps = aws
    _tag_missing(stubbers)
    _expect_upload_and_start(stubbers, image_dir)
    for phase in ("PROVISIONING", "PRE_BUILD", "BUILD"):
        stubbers["codebuild"].add_response("batch_get_builds", {"builds": [_build(phase)]}, {"ids": [f"{PROJECT}:b1"]})
    stubbers["codebuild"].add_response(
        "batch_get_builds", {"builds": [_build("COMPLETED", "SUCCEEDED", complete=True)]}, {"ids": [f"{PROJECT}:b1"]})
    console = _console()
    assert ib.build_and_push(_state(), image_dir, REGION, TAG, console) == f"{REPO_URI}:{TAG}"
    assert sleeps == [ib.POLL_SECONDS] * 4
    out = _printed(console)
    assert f"in CodeBuild ({PROJECT}:b1)" in out and f"pushed {REPO_URI}:{TAG}" in out


def test_a_failed_build_names_its_phase_reason_and_the_last_log_lines(aws, image_dir):
    stubbers, _ = aws
    _tag_missing(stubbers)
    _expect_upload_and_start(stubbers, image_dir)
    failed = _build("COMPLETED", "FAILED", complete=True, phases=[
        {"phaseType": "SUBMITTED", "phaseStatus": "SUCCEEDED"},
        {"phaseType": "PRE_BUILD", "phaseStatus": "SUCCEEDED", "contexts": [{"statusCode": "", "message": ""}]},
        {"phaseType": "BUILD", "phaseStatus": "FAILED", "contexts": [{
            "statusCode": "COMMAND_EXECUTION_ERROR",
            "message": "Error while executing command: docker build --pull --file Dockerfile . Reason: exit status 1"}]},
        {"phaseType": "POST_BUILD", "phaseStatus": "SUCCEEDED"},
        {"phaseType": "COMPLETED"},
    ])
    stubbers["codebuild"].add_response("batch_get_builds", {"builds": [failed]}, {"ids": [f"{PROJECT}:b1"]})
    log = [f"line {i}" for i in range(1, 31)]
    stubbers["logs"].add_response(
        "get_log_events", {"events": [{"timestamp": i, "message": m + "\n"} for i, m in enumerate(log[-20:])]},
        {"logGroupName": "/councilkit/test-council-localgov-drupal-trial/image-build", "logStreamName": "b1",
         "limit": 20, "startFromHead": False},
    )
    with pytest.raises(ib.ImageBuildError) as caught:
        ib.build_and_push(_state(), image_dir, REGION, TAG, _console())
    message = str(caught.value)
    first = message.splitlines()[0]
    assert "failed in phase BUILD" in first and "COMMAND_EXECUTION_ERROR" in first and "exit status 1" in first
    assert "PRE_BUILD" not in first
    assert message.splitlines()[1] == "last 20 lines of the build log:"
    assert message.splitlines()[2:] == [f"  line {i}" for i in range(11, 31)]
    assert isinstance(caught.value, UserError)  # the CLI prints it as one `error:` and exits 2


def test_an_immutable_tag_refusal_says_to_release_a_new_tag():
    build = _build("COMPLETED", "FAILED", complete=True, phases=[
        {"phaseType": "PRE_BUILD", "phaseStatus": "FAILED",
         "contexts": [{"statusCode": "COMMAND_EXECUTION_ERROR", "message": "Reason: exit status 1"}]}])
    lines = [f"councilkit: {REPO_URI}:{TAG} already exists and tags are immutable; release the blueprint with a new build tag"]
    message = ib.failure_message(build, lines, "building x")
    assert "in phase PRE_BUILD" in message and "release the blueprint with a new build tag" in message.splitlines()[1]


def test_a_build_that_never_ends_is_given_up_after_its_own_timeouts(aws, image_dir):
    stubbers, sleeps = aws
    _tag_missing(stubbers)
    _expect_upload_and_start(stubbers, image_dir)
    polls = (60 + 60 + 5) * 60 // ib.POLL_SECONDS + 1  # the first poll past the deadline gives up
    for _ in range(polls):
        stubbers["codebuild"].add_response("batch_get_builds", {"builds": [_build("BUILD")]}, {"ids": [ANY]})
    with pytest.raises(ib.ImageBuildError, match="still running after 125 minutes"):
        ib.build_and_push(_state(), image_dir, REGION, TAG, _console())
    assert len(sleeps) == polls


def test_aws_errors_are_one_clear_message(aws, image_dir):
    stubbers, _ = aws
    stubbers["ecr"].add_client_error("describe_images", service_error_code="AccessDeniedException",
                                     service_message="not authorized to perform: ecr:DescribeImages")
    with pytest.raises(ib.ImageBuildError, match=r"checking .*:4\.0\.5-councilkit-1\.0\.0: AccessDeniedException: not authorized"):
        ib.build_and_push(_state(), image_dir, REGION, TAG, _console())


def test_the_same_folder_gives_the_same_zip_bytes(image_dir, tmp_path):
    first = ib.source_zip(image_dir)
    # the same files written again, later and in another order, give the very same bytes
    again = tmp_path / "again"
    (again / "scripts").mkdir(parents=True)
    (again / "settings.councilkit.php").write_text("<?php\n")
    (again / "scripts" / "entrypoint.sh").write_text("#!/bin/sh\nexec \"$@\"\n")
    (again / "scripts" / "entrypoint.sh").chmod(0o755)
    (again / "Dockerfile").write_text("FROM php:8.3-apache-bookworm\nCOPY settings.councilkit.php /x\n")
    assert ib.source_zip(again) == first == ib.source_zip(image_dir)
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert z.namelist() == ["Dockerfile", "scripts/entrypoint.sh", "settings.councilkit.php"]
        assert {i.date_time for i in z.infolist()} == {ib.ZIP_EPOCH}
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in z.infolist()}
        assert modes == {"Dockerfile": 0o644, "scripts/entrypoint.sh": 0o755, "settings.councilkit.php": 0o644}
    (again / "Dockerfile").write_text("FROM php:8.4-apache-bookworm\n")
    assert ib.source_zip(again) != first  # and a change is a different zip


def test_an_empty_or_missing_image_folder_is_refused(tmp_path):
    with pytest.raises(ib.ImageBuildError, match="image/ is missing or empty"):
        ib.source_zip(tmp_path / "nope")


def test_the_builder_is_found_by_its_parent_not_by_any_bucket():
    target = ib.find_target(_state())
    assert target == ib.Target(PROJECT, BUCKET, REPO, REPO_URI)


def test_a_state_without_the_builder_says_to_create_it_first():
    with pytest.raises(ib.ImageBuildError, match="no image build project: create the registry and image builder first"):
        ib.find_target(_state(types=(ib.PROJECT_TYPE,)))


def test_build_and_push_keeps_the_signature_the_go_live_phase_calls():
    import inspect

    params = list(inspect.signature(ib.build_and_push).parameters)
    assert params == ["state_resources", "image_dir", "region", "tag", "console"]


def test_importing_the_module_imports_no_aws_sdk():
    import subprocess
    import sys

    code = ("import sys; import councilkit.stacks.aws.image_build; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'pulumi_aws')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
