"""Build the app's image in the cloud and push it to ECR, once, before the ECS service exists.

`build_and_push` is what `councilkit up` runs in its image phase, after a targeted update has
created the registry and the builder (stacks/aws/builder.py). It reads their names from the
stack's state, skips the build when ECR already holds the tag (tags are immutable), and otherwise
uploads a deterministic zip of the stack folder's `image/`, starts the CodeBuild project and
follows it phase by phase. A failed build says which phase failed, why, and shows the end of the
build log, so nobody has to open the console to find out.

boto3 is imported inside functions: `councilkit --help` imports no cloud SDK.
"""

from __future__ import annotations

import base64
import hashlib
import io
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from councilkit.blueprints.errors import UserError

# The Builder component's type token: its resources' URNs carry it as their parent type.
BUILDER_TYPE = "councilkit:aws:Builder"
PROJECT_TYPE = "aws:codebuild/project:Project"
BUCKET_TYPE = "aws:s3/bucket:Bucket"
REPOSITORY_TYPE = "aws:ecr/repository:Repository"
# The buildspec's variable for the tag, overridden per build (StartBuild environmentVariablesOverride).
TAG_VARIABLE = "IMAGE_TAG"
SOURCE_PREFIX = "sources/"
# The project's own source location: never built from, since every build overrides it.
PLACEHOLDER_KEY = f"{SOURCE_PREFIX}placeholder.zip"
# Earliest date a zip entry can carry (MS-DOS time): a fixed stamp makes the zip depend only on
# the files' names, contents and executable bits.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
POLL_SECONDS = 10
LOG_LINES = 20
# botocore codebuild StatusType: a build or phase in any other state has ended badly.
DONE_WELL = {"SUCCEEDED", "IN_PROGRESS"}

# Replaced by tests, so polling is instant and the clock is theirs.
sleep = time.sleep
clock = time.monotonic


class ImageBuildError(UserError):
    """The image could not be built or pushed; the message says where and why."""


def make_client(service: str, region: str):
    """One AWS SDK client; tests replace this with Stubber-backed clients."""
    import boto3

    return boto3.client(service, region_name=region)


@dataclass(frozen=True)
class Target:
    """Where the build runs and what it pushes, as read from the stack's state."""

    project: str
    bucket: str
    repository: str
    repository_uri: str


def _qualified_type(urn: str) -> list[str]:
    """A URN's type chain, parent types first: urn:pulumi:stack::project::A$B$type::name."""
    parts = urn.split("::")
    return parts[2].split("$") if len(parts) >= 4 else []


def _one(resources: list[Mapping[str, Any]], type_: str, parent: str | None, what: str) -> Mapping[str, Any]:
    found = [
        r for r in resources
        if r.get("type") == type_ and (parent is None or _qualified_type(str(r.get("urn", "")))[-2:-1] == [parent])
    ]
    if len(found) != 1:
        state = "no" if not found else f"{len(found)}"
        raise ImageBuildError(
            f"the stack's state has {state} {what}: create the registry and image builder first "
            "(`councilkit up` does, in its image phase)"
        )
    return found[0]


def find_target(state_resources: list[Mapping[str, Any]]) -> Target:
    """The builder's project and bucket and the ECR repository, from a state export's resources."""
    project = _one(state_resources, PROJECT_TYPE, BUILDER_TYPE, "image build project")
    bucket = _one(state_resources, BUCKET_TYPE, BUILDER_TYPE, "image source bucket")
    repository = _one(state_resources, REPOSITORY_TYPE, None, "image repository")
    p, b, r = (x.get("outputs") or {} for x in (project, bucket, repository))
    values = {
        "project": p.get("name"),
        "bucket": b.get("bucket") or bucket.get("id"),
        "repository": r.get("name"),
        "repository_uri": r.get("repositoryUrl"),
    }
    missing = sorted(k for k, v in values.items() if not isinstance(v, str) or not v)
    if missing:
        raise ImageBuildError(f"the stack's state lacks the image builder's {', '.join(missing)}: run `councilkit up` again")
    return Target(**values)


def source_zip(image_dir: Path) -> bytes:
    """`image_dir` as a zip whose bytes depend only on its files: sorted entries, one fixed
    timestamp, fixed permissions (executable or not), fixed compression."""
    image_dir = Path(image_dir)
    files = sorted(p for p in image_dir.rglob("*") if p.is_file()) if image_dir.is_dir() else []
    if not files:
        raise ImageBuildError(f"{image_dir}: no image build files (the stack folder's image/ is missing or empty)")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(image_dir).as_posix(), date_time=ZIP_EPOCH)
            mode = 0o755 if path.stat().st_mode & 0o111 else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the mode bits mean what they say on any machine
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    return out.getvalue()


def _aws_error(action: str, exc: Exception) -> ImageBuildError:
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return ImageBuildError(f"{action}: {err.get('Code', 'error')}: {err.get('Message', exc)}")
    return ImageBuildError(f"{action}: {exc}")


def _tag_exists(ecr, target: Target, tag: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        ecr.describe_images(repositoryName=target.repository, imageIds=[{"imageTag": tag}])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ImageNotFoundException":
            return False
        raise _aws_error(f"checking {target.repository_uri}:{tag}", exc) from None
    return True


def _upload(s3, target: Target, tag: str, data: bytes) -> str:
    """Put the zip under a key named by its SHA-256; S3 checks the checksum on arrival."""
    digest = hashlib.sha256(data)
    key = f"{SOURCE_PREFIX}{tag}/{digest.hexdigest()}.zip"
    try:
        s3.put_object(
            Bucket=target.bucket, Key=key, Body=data,
            ChecksumAlgorithm="SHA256", ChecksumSHA256=base64.b64encode(digest.digest()).decode(),
        )
    except Exception as exc:
        raise _aws_error(f"uploading the image build files to s3://{target.bucket}/{key}", exc) from None
    return key


def _follow(codebuild, build: dict, console, label: str) -> dict:
    """Poll until the build ends, showing its current phase on one progress line."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    minutes = int(build.get("timeoutInMinutes") or 60) + int(build.get("queuedTimeoutInMinutes") or 60) + 5
    deadline = clock() + minutes * 60
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task(f"{label}: {build.get('currentPhase', 'SUBMITTED')}")
        while not build.get("buildComplete") and build.get("buildStatus", "IN_PROGRESS") == "IN_PROGRESS":
            if clock() > deadline:
                raise ImageBuildError(f"{label}: build {build['id']} still running after {minutes} minutes; "
                                      "see it in the CodeBuild console")
            sleep(POLL_SECONDS)
            try:
                build = codebuild.batch_get_builds(ids=[build["id"]])["builds"][0]
            except Exception as exc:
                raise _aws_error(f"following build {build['id']}", exc) from None
            progress.update(task, description=f"{label}: {build.get('currentPhase', '?')}")
    return build


def _failed_phase(build: dict) -> tuple[str, str, str]:
    """(phase, status, its context messages) of the first phase that did not succeed."""
    for phase in build.get("phases") or []:
        if phase.get("phaseStatus") and phase["phaseStatus"] not in DONE_WELL:
            contexts = "; ".join(
                ": ".join(x for x in (c.get("statusCode"), c.get("message")) if x)
                for c in phase.get("contexts") or []
            )
            return phase["phaseType"], phase["phaseStatus"], contexts
    return build.get("currentPhase", "?"), build.get("buildStatus", "?"), ""


def _log_tail(logs, build: dict) -> list[str]:
    where = build.get("logs") or {}
    group, stream = where.get("groupName"), where.get("streamName")
    if not group or not stream:
        return ["(the build wrote no log stream)"]
    try:
        events = logs.get_log_events(logGroupName=group, logStreamName=stream, limit=LOG_LINES,
                                     startFromHead=False)["events"]
    except Exception as exc:
        return [f"(could not read log {group} {stream}: {_aws_error('reading', exc)})"]
    return [line for e in events for line in str(e.get("message", "")).rstrip("\n").splitlines()][-LOG_LINES:]


def failure_message(build: dict, lines: Iterable[str], label: str) -> str:
    phase, status, contexts = _failed_phase(build)
    lines = list(lines)
    head = f"{label}: build {build.get('id')} {status.lower()} in phase {phase}" + (f": {contexts}" if contexts else "")
    text = "\n".join(lines)
    if "already exists" in text and "immutable" in text:
        head += "\nthat tag is already in the repository and tags are immutable: release the blueprint with a new build tag"
    return "\n".join([head, f"last {len(lines)} lines of the build log:", *(f"  {line}" for line in lines)])


def build_and_push(state_resources: list[dict], image_dir: Path, region: str, tag: str, console) -> str:
    """Build `image_dir` in the stack's CodeBuild project and push it as `tag`; return the image URI.

    Nothing is built when ECR already has the tag: the same tag always means the same image.
    """
    target = find_target(state_resources)
    uri = f"{target.repository_uri}:{tag}"
    ecr = make_client("ecr", region)
    if _tag_exists(ecr, target, tag):
        console.print(f"image {uri} is already in ECR: not rebuilt")
        return uri
    data = source_zip(image_dir)
    key = _upload(make_client("s3", region), target, tag, data)
    codebuild = make_client("codebuild", region)
    try:
        build = codebuild.start_build(
            projectName=target.project,
            sourceLocationOverride=f"{target.bucket}/{key}",
            environmentVariablesOverride=[{"name": TAG_VARIABLE, "value": tag, "type": "PLAINTEXT"}],
        )["build"]
    except Exception as exc:
        raise _aws_error(f"starting image build {target.project}", exc) from None
    label = f"building {uri}"
    console.print(f"{label} in CodeBuild ({build['id']})")
    build = _follow(codebuild, build, console, label)
    if build.get("buildStatus") != "SUCCEEDED":
        raise ImageBuildError(failure_message(build, _log_tail(make_client("logs", region), build), label))
    console.print(f"pushed {uri}")
    return uri
