"""Going live on AWS: the SDK calls around `up`'s phases (certificate, image, app).

A first deploy used to sit for up to 75 minutes in `aws.acm.CertificateValidation` (its create
timeout: hashicorp/terraform-provider-aws internal/service/acm/certificate_validation.go,
`schema.DefaultTimeout(75 * time.Minute)`) before anyone saw the DNS record ACM wanted. Here
the certificate is requested first, its validation records read from the stack's state and
shown, and ACM polled (`describe_certificate`) until it says ISSUED. After the whole stack,
what is failing is read from ECS, the target group and the app's log group.

boto3 is imported inside `client`, never when the adapter loads (`councilkit --help`).
"""

from __future__ import annotations

import shlex
import time
from collections import deque
from pathlib import Path
from typing import Any, Mapping

from councilkit.blueprints.errors import UserError
from councilkit.blueprints.lock import IMAGE_DIR
from councilkit.stacks.cloud import CouncilAction, GoLive, SmokeTarget
from councilkit.stacks.outputs import DnsRecord

CERTIFICATE = "aws:acm/certificate:Certificate"
REGISTRY = "councilkit:aws:Registry"
REPOSITORY = "aws:ecr/repository:Repository"
BUILDER = "councilkit:aws:Builder"
BUILD_PROJECT = "aws:codebuild/project:Project"
ECS_SERVICE = "aws:ecs/service:Service"
ECS_CLUSTER = "aws:ecs/cluster:Cluster"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SERVICE = "councilkit:aws:Service"

# botocore acm 2015-12-08 waiters-2.json, CertificateValidated: DescribeCertificate every 60 s.
POLL_SECONDS = 60.0
# botocore acm CertificateDetail.Status: "ACM makes repeated attempts to validate a certificate
# for 72 hours and then times out. If a certificate shows status FAILED or VALIDATION_TIMED_OUT,
# delete the request, correct the issue ... and try again."
ISSUED, PENDING = "ISSUED", "PENDING_VALIDATION"
LOG_LINES = 20
LOG_MINUTES = 30
EVENTS = 5
STOPPED_TASKS = 3


def client(service: str, region: str):
    """A boto3 client (tests replace this function with Stubber-backed clients)."""
    import boto3

    return boto3.client(service, region_name=region)


def build_and_push(state_resources: list[dict], image_dir: Path, region: str, tag: str, console) -> str:
    """The image builder's run (stacks/aws/image_build.py), imported when an image is built."""
    from .image_build import build_and_push as run

    return run(state_resources, image_dir, region, tag, console)


def _one(live: GoLive, type_: str) -> dict | None:
    found = live.resources_of(type_)
    return found[0] if found else None


def _under(live: GoLive, type_: str, component: str) -> dict | None:
    """The first resource of `type_` registered directly under a `component` (the network's
    flow-log group and the builder's log group are not the app's)."""
    return next((r for r in live.resources_of(type_) if f"${component}::" in (r.get("parent") or "")
                 or (r.get("parent") or "").endswith(f":{component}")), None)


def _outputs(resource: dict | None) -> Mapping[str, Any]:
    return (resource or {}).get("outputs") or {}


# --- certificate -----------------------------------------------------------------------------


def validation_records(outputs: Mapping[str, Any]) -> list[DnsRecord]:
    """The records ACM wants, from the certificate's state outputs (pulumi_aws wire names of
    CertificateDomainValidationOption: resourceRecordName, resourceRecordType, resourceRecordValue)."""
    records = []
    for option in outputs.get("domainValidationOptions") or []:
        if option.get("resourceRecordName"):
            records.append(DnsRecord(option["resourceRecordType"], option["resourceRecordName"],
                                     option["resourceRecordValue"], f"certificate for {option.get('domainName', '')}"))
    return records


def _acm_records(detail: Mapping[str, Any]) -> list[DnsRecord]:
    """The same records as ACM describes them (DomainValidation.ResourceRecord: Name, Type, Value)."""
    return [
        DnsRecord(o["ResourceRecord"]["Type"], o["ResourceRecord"]["Name"], o["ResourceRecord"]["Value"],
                  f"certificate for {o.get('DomainName', '')}")
        for o in detail.get("DomainValidationOptions") or [] if o.get("ResourceRecord")
    ]


def describe_certificate(arn: str, region: str) -> Mapping[str, Any]:
    return client("acm", region).describe_certificate(CertificateArn=arn)["Certificate"]


def recover_command(live: GoLive, urn: str) -> str:
    """`--target-replace URN` is "--target urn --replace urn" (pulumi pkg/cmd/pulumi/operations/up.go)."""
    return f"cd {shlex.quote(str(live.folder))} && pulumi up -s {live.deployment.stack_name} --target-replace {shlex.quote(urn)}"


def check_certificate(live: GoLive, arn: str, urn: str) -> tuple[bool, str]:
    """(issued, status) from ACM; a certificate that can no longer be issued is one error line."""
    d = live.deployment
    detail = describe_certificate(arn, d.region)
    status = detail.get("Status", "")
    if status == ISSUED:
        return True, status
    if status == PENDING:
        return False, f"{status}: ACM does not see the record yet"
    reason = detail.get("FailureReason")
    why = {"VALIDATION_TIMED_OUT": "ACM stopped looking for the record after 72 hours"}.get(status, reason or "")
    raise UserError(
        f"the certificate for {d.domain} is {status}" + (f" ({why})" if why else "")
        + f"; it cannot be issued now: request a new one with `{recover_command(live, urn)}`, publish the "
        "new records it prints, then run `councilkit up` again"
    )


def certificate_done(live: GoLive) -> str | None:
    cert = _one(live, CERTIFICATE)
    out = _outputs(cert)
    if not out.get("arn") or out.get("domainName") != live.deployment.domain:
        return None
    if describe_certificate(out["arn"], live.deployment.region).get("Status") != ISSUED:
        return None
    return f"the certificate for {live.deployment.domain} is already ISSUED"


def certificate_action(live: GoLive) -> CouncilAction:
    d = live.deployment
    cert = _one(live, CERTIFICATE)
    out = _outputs(cert)
    if not out.get("arn"):
        raise UserError(f"the certificate phase of {d.stack_name} left no certificate in the state; "
                        "run `councilkit up` again")
    records = validation_records(out) or _acm_records(describe_certificate(out["arn"], d.region))
    return CouncilAction(
        what=f"publish these DNS records for {d.domain} at the council's DNS provider, so ACM can issue its certificate:",
        records=records,
        check=lambda: check_certificate(live, out["arn"], cert["urn"]),
        every_seconds=POLL_SECONDS,
        pending=f"the validation record for {d.domain} is not visible to ACM yet",
    )


# --- image -----------------------------------------------------------------------------------


def _build(d):
    """The blueprint's first container the council builds (render writes one image/ folder)."""
    return next((c.build for c in d.blueprint.containers if c.build), None)


def image_present(repository: str, tag: str, region: str) -> bool:
    ecr = client("ecr", region)
    try:
        ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])
    except ecr.exceptions.ImageNotFoundException:
        return False
    return True


def image_done(live: GoLive) -> str | None:
    build = _build(live.deployment)
    repo = _outputs(_one(live, REPOSITORY))
    if build is None or not repo.get("name"):
        return None
    if not image_present(repo["name"], build.tag, live.deployment.region):
        return None
    return f"image {repo['repositoryUrl']}:{build.tag} is already in ECR"


def docker_commands(d, repository_url: str, image_dir: Path) -> list[str]:
    """Build and push by hand: ECR user guide, registry_auth.html (`aws ecr get-login-password
    --region R | docker login --username AWS --password-stdin <registry>`), then build with the
    blueprint's base image and build args, tagged `<repository>:<tag>`, and push. A Dockerfile
    not named `Dockerfile` (a later blueprint version's, e.g. Dockerfile-1.0.1) is named with
    `-f` by its absolute path, which no reading of a relative one can get wrong."""
    build = _build(d)
    registry = repository_url.split("/", 1)[0]
    args = {"BASE_IMAGE": build.base, **build.args}
    image = f"{repository_url}:{build.tag}"
    dockerfile = [] if build.dockerfile == "Dockerfile" else ["-f", str(Path(image_dir).resolve() / build.dockerfile)]
    return [
        f"aws ecr get-login-password --region {d.region} | docker login --username AWS --password-stdin {registry}",
        shlex.join(["docker", "build", *dockerfile, *[x for k, v in args.items() for x in ("--build-arg", f"{k}={v}")],
                    "-t", image, str(image_dir)]),
        shlex.join(["docker", "push", image]),
    ]


def image_action(live: GoLive) -> CouncilAction | None:
    d = live.deployment
    build = _build(d)
    repo = _outputs(_one(live, REPOSITORY))
    if build is None:
        return None
    if not repo.get("repositoryUrl"):
        raise UserError(f"the image phase of {d.stack_name} left no ECR repository in the state; run `councilkit up` again")
    image_dir = live.folder / IMAGE_DIR
    if not live.resources_of(BUILD_PROJECT):
        return CouncilAction(
            what=("this stack has no image builder yet, so councilkit cannot build the app's image in AWS: "
                  "build and push it from this machine (Docker needed), then run `councilkit up` again:"),
            commands=docker_commands(d, repo["repositoryUrl"], image_dir),
            pending=f"image {repo['repositoryUrl']}:{build.tag} is not in ECR yet",
        )
    uri = build_and_push(live.state(), image_dir, d.region, build.tag, live.console)
    live.console.print(f"image {uri} is in ECR")
    return None


# --- the app: smoke target and what is failing -----------------------------------------------


def smoke_target(live: GoLive, values: Mapping[str, Any]) -> SmokeTarget:
    """GET https://<domain><web health check path>, expecting the blueprint's healthy codes. The
    ALB's own check also accepts 400 for host-header apps (edge.alb_matcher) because it cannot
    send a Host; this check sends the domain as Host, so it asks for the real answer."""
    lb = values.get("load_balancer_dns") or _outputs(_one(live, LOAD_BALANCER)).get("dnsName", "")
    return SmokeTarget.for_site(live.deployment, lb)


def _safe(what: str, fn) -> list[str]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return fn()
    except (BotoCoreError, ClientError) as exc:
        return [f"could not read {what}: {exc}"]


def _service_lines(ecs, cluster: str, services: list[str]) -> list[str]:
    lines = []
    for svc in ecs.describe_services(cluster=cluster, services=services).get("services", []):
        lines.append(f"ECS service {svc['serviceName']}: {svc.get('runningCount', 0)} of "
                     f"{svc.get('desiredCount', 0)} tasks running; its latest events:")
        events = sorted(svc.get("events", []), key=lambda e: e["createdAt"], reverse=True)[:EVENTS]
        lines += [f"  {e['createdAt']:%H:%M:%S} {e['message']}" for e in events]
        stopped = ecs.list_tasks(cluster=cluster, serviceName=svc["serviceName"], desiredStatus="STOPPED")["taskArns"]
        if stopped:
            for task in ecs.describe_tasks(cluster=cluster, tasks=stopped[:STOPPED_TASKS])["tasks"]:
                lines.append(f"  stopped task {task['taskArn'].rsplit('/', 1)[-1]}: {task.get('stoppedReason', '')}")
                for c in task.get("containers", []):
                    code = c.get("exitCode")
                    lines.append(f"    container {c['name']}: " + (f"exit code {code}" if code is not None else "no exit code")
                                 + (f", {c['reason']}" if c.get("reason") else ""))
    return lines


def _target_lines(elbv2, arn: str) -> list[str]:
    lines = []
    for t in elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]:
        health = t["TargetHealth"]
        lines.append(f"load balancer target {t['Target']['Id']}:{t['Target'].get('Port', '')} is {health.get('State', '')}"
                     + (f": {health['Reason']}" if health.get("Reason") else "")
                     + (f" ({health['Description']})" if health.get("Description") else ""))
    return lines or ["load balancer target group: no targets registered"]


def _log_lines(logs, group: str, container: str, now_ms: int) -> list[str]:
    """The web container's last lines: its streams are `<awslogs-stream-prefix>/<container>/<task
    id>` (AWS prescriptive guidance, ec2-fargate-logs.html; the prefix is the container name,
    service.py), so filter by prefix and keep the newest (describe_log_streams cannot order by
    event time and filter by prefix at once: botocore logs DescribeLogStreamsRequest.orderBy)."""
    last: deque = deque(maxlen=LOG_LINES)
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=group, logStreamNamePrefix=f"{container}/", startTime=now_ms - LOG_MINUTES * 60_000,
        PaginationConfig={"MaxItems": 5000},
    )
    for page in pages:
        last.extend(page.get("events", []))
    if not last:
        return [f"log group {group}: no lines from {container} in the last {LOG_MINUTES} minutes"]
    return [f"last {len(last)} log lines of {container} ({group}):"] + [f"  {e['message'].rstrip()}" for e in last]


def diagnose(live: GoLive, values: Mapping[str, Any]) -> list[str]:
    """ECS service events and stopped tasks, the target group's health, the web logs."""
    d = live.deployment
    region = d.region
    cluster = values.get("cluster") or _outputs(_one(live, ECS_CLUSTER)).get("name", "")
    services = sorted(_outputs(s).get("name", "") for s in live.resources_of(ECS_SERVICE))
    lines: list[str] = []
    if cluster and services:
        ecs = client("ecs", region)
        lines += _safe("the ECS services", lambda: _service_lines(ecs, cluster, [s for s in services if s]))
    tg = _outputs(_one(live, TARGET_GROUP)).get("arn")
    if tg:
        elbv2 = client("elbv2", region)
        lines += _safe("the target group's health", lambda: _target_lines(elbv2, tg))
    group = values.get("log_group") or _outputs(_under(live, LOG_GROUP, SERVICE)).get("name")
    if group:
        logs = client("logs", region)
        lines += _safe("the app's logs", lambda: _log_lines(logs, group, d.blueprint.web.name, int(time.time() * 1000)))
    return lines


def cost_tag_note() -> str:
    """Activate the `stack` cost allocation tag the budget filters on (billing.py), once the
    stack exists: one line saying it is active, or why not yet."""
    from .billing import CE_REGION, activate_cost_tags

    return activate_cost_tags(client("ce", CE_REGION))
