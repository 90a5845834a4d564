"""What the suite asks AWS directly: the run's tagged resources, an on-demand database snapshot,
and what the tagging API cannot show (log groups AWS makes itself, a kept final snapshot)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from councilkit.blueprints.deployment import Deployment


def tag_filters(d: Deployment) -> list[dict[str, Any]]:
    """The run's resources: `Deployment.tags`, which stacks/tags.py `tag_everything` (called from
    stacks/__init__.py `build`) puts on every taggable resource. The council name is unique to
    the run, so council + app name one trial stack; several filters must all match (botocore
    resourcegroupstaggingapi 2017-01-26 model, GetResources TagFilters)."""
    tags = d.tags
    return [{"Key": key, "Values": [tags[key]]} for key in ("council", "app", "managed-by")]


def tagged_arns(tagging, d: Deployment, types: tuple[str, ...] = ()) -> list[str]:
    kwargs: dict[str, Any] = {"TagFilters": tag_filters(d)}
    if types:
        kwargs["ResourceTypeFilters"] = list(types)
    pages = tagging.get_paginator("get_resources").paginate(**kwargs)
    return sorted(m["ResourceARN"] for page in pages for m in page["ResourceTagMappingList"])


@dataclass
class Found:
    """What the suite needs to know about a deployed stack and cannot read from its outputs."""

    db_instance: str | None = None
    log_groups: list[str] = field(default_factory=list)


def stack_resources(tagging, d: Deployment) -> Found:
    """The stack's RDS instance and log groups (Pulumi names some of them), from their ARNs:
    arn:aws:rds:<region>:<account>:db:<name> (RDS User Guide, "Constructing an ARN for Amazon
    RDS") and arn:aws:logs:<region>:<account>:log-group:<name> (CloudWatch Logs API, TagResource)."""
    arns = tagged_arns(tagging, d, ("rds:db", "logs:log-group"))
    db = [a.split(":db:", 1)[1] for a in arns if ":db:" in a]
    groups = sorted(a.split(":log-group:", 1)[1].removesuffix(":*") for a in arns if ":log-group:" in a)
    return Found(db[0] if db else None, groups)


def leftovers(tagging, d: Deployment, wait: float, every: float,
              sleep: Callable[[float], None] = time.sleep) -> list[str]:
    """Tagged resources still listed after the destroy. GetResources returns "tagged or previously
    tagged" resources and may list a deleted one for a while (boto/boto3#3341, aws/aws-sdk#302),
    so a non-empty answer is asked again until `wait` seconds have passed."""
    deadline = time.monotonic() + wait
    while True:
        arns = tagged_arns(tagging, d)
        if not arns or time.monotonic() >= deadline:
            return arns
        sleep(every)


def snapshot_id(run_id: str, app: str) -> str:
    # DBSnapshotIdentifier: letters, digits and hyphens, a letter first, no "--", no trailing "-"
    # (botocore rds 2014-10-31 model, CreateDBSnapshotMessage).
    return f"ck-acceptance-{run_id}-{app}"


def snapshot_and_delete(rds, instance: str, snapshot: str, tags: dict[str, str], waiter: dict) -> None:
    """An on-demand snapshot, waited for until available, then deleted and waited for until gone
    (waiters DBSnapshotAvailable / DBSnapshotDeleted, botocore rds waiters-2.json)."""
    rds.create_db_snapshot(DBSnapshotIdentifier=snapshot, DBInstanceIdentifier=instance,
                           Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())])
    try:
        rds.get_waiter("db_snapshot_available").wait(DBSnapshotIdentifier=snapshot, WaiterConfig=waiter)
    except Exception:
        with contextlib.suppress(Exception):  # best effort; the leftovers check reports it if kept
            rds.delete_db_snapshot(DBSnapshotIdentifier=snapshot)
        raise
    rds.delete_db_snapshot(DBSnapshotIdentifier=snapshot)
    rds.get_waiter("db_snapshot_deleted").wait(DBSnapshotIdentifier=snapshot, WaiterConfig=waiter)


def snapshot_exists(rds, snapshot: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        return bool(rds.describe_db_snapshots(DBSnapshotIdentifier=snapshot)["DBSnapshots"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "DBSnapshotNotFound":  # DBSnapshotNotFoundFault
            return False
        raise


def log_groups(logs, prefix: str) -> list[str]:
    pages = logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix)
    return sorted(g["logGroupName"] for page in pages for g in page["logGroups"])


@dataclass
class Untagged:
    """What the tagging API does not list: `fails` are the stack's own, `left` are AWS's."""

    fails: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


def untagged_leftovers(clients, d: Deployment, found: Found, cluster: str | None,
                       final_snapshot: str | None) -> Untagged:
    out = Untagged()
    # The stack's own log groups, each by its exact name, whether or not the tagging API still
    # lists it: those seen after `up`, and /councilkit/<stack> (stacks/aws/service.py).
    db_instance = found.db_instance
    for own in sorted({*found.log_groups, f"/councilkit/{d.stack_name}"}):
        if own in log_groups(clients.logs, own):
            out.fails.append(f"log group {own} (the stack's own) was not deleted")
    # Log groups AWS creates itself, untagged and outside the stack: RDS log exports write to
    # /aws/rds/instance/<instance>/<log> (RDS User Guide, "Publishing MySQL/MariaDB logs to
    # CloudWatch Logs"); Container Insights to /aws/ecs/containerinsights/<cluster>/performance
    # (CloudWatch User Guide, "Container Insights performance log events for Amazon ECS").
    made_by_aws = [p for p in (db_instance and f"/aws/rds/instance/{db_instance}/",
                               cluster and f"/aws/ecs/containerinsights/{cluster}/") if p]
    for prefix in made_by_aws:
        for name in log_groups(clients.logs, prefix):
            out.left.append(f"log group {name} (made by AWS, not the stack): "
                            f"aws logs delete-log-group --log-group-name {name}")
    if final_snapshot and snapshot_exists(clients.rds, final_snapshot):
        line = f"database final snapshot {final_snapshot}"
        (out.left if d.production else out.fails).append(
            line + (" (kept by design)" if d.production else " exists, but a trial takes none"))
    return out


def billed_command(run) -> str:
    """Cost Explorer's figure for the run's council tag, once it has caught up (about a day):
    GetCostAndUsage's TimePeriod End is exclusive, hence the day after (botocore ce 2017-10-25)."""
    from councilkit.blueprints.deployment import slugify

    start = dt.date.fromisoformat(run.started[:10])
    end = dt.date.fromisoformat((run.finished or run.started)[:10]) + dt.timedelta(days=1)
    tag = json.dumps({"Tags": {"Key": "council", "Values": [slugify(run.council)]}}, separators=(",", ":"))
    return ("(with `council` active as a cost allocation tag) "
            f"`aws ce get-cost-and-usage --time-period Start={start},End={end} --granularity DAILY "
            f"--metrics UnblendedCost --filter '{tag}'`")
