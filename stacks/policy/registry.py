"""The control registry and the small helpers checks share (reading inputs, matching references)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Iterable

from councilkit.blueprints.clouds import CLOUD_FACTS
from councilkit.stacks.plan import refers_to  # noqa: F401 — engine-neutral; checks import it from here

from .model import SEVERITIES, Control, Resource, Result

CONTROLS: list[Control] = []
CLOUD_OF_PREFIX = {**{f.control_prefix: name for name, f in CLOUD_FACTS.items()}, "GEN": "any"}
ID_RE = re.compile(rf"^CK-({'|'.join(CLOUD_OF_PREFIX)})-\d{{3}}$")


def control(
    id: str,
    title: str,
    *,
    severity: str,
    tiers: tuple[str, ...],
    mandatory: bool,
    benchmarks: tuple[str, ...],
    ncsc: tuple[str, ...],
    types: tuple[str, ...],
    subject: str,
    scope: str = "resource",
):
    """Register the decorated check as a control; the id's middle part says which cloud it is for."""
    match = ID_RE.match(id)
    if not match:
        raise ValueError(f"control id {id!r} must look like CK-AWS-001, CK-AZR-001 or CK-GEN-001")
    if severity not in SEVERITIES or scope not in ("resource", "stack") or not ncsc or not types:
        raise ValueError(f"{id}: bad severity, scope, NCSC mapping or types")

    def register(check):
        if any(c.id == id for c in CONTROLS):
            raise ValueError(f"control {id} registered twice")
        CONTROLS.append(
            Control(
                id=id, title=title, severity=severity, cloud=CLOUD_OF_PREFIX[match.group(1)], tiers=tiers,
                mandatory=mandatory, benchmarks=benchmarks, ncsc=ncsc, types=types, scope=scope,
                check=check, subject=subject, doc=(check.__doc__ or "").strip(),
            )
        )
        return check

    return register


# --- reading resources ------------------------------------------------------------------------


def of_type(resources: Iterable[Resource], *types: str) -> list[Resource]:
    return [r for r in resources if r.type in types]


def get(value: Any, path: str, default: Any = None) -> Any:
    """`get(r.inputs, "network.publicNetworkAccess")`: a nested input, or `default` if absent."""
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return default
        value = value.get(key)  # under `pulumi preview` an unknown value raises here, as it should
        if value is None:
            return default
    return value


def as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    return [value]


def json_doc(value: Any) -> Any:
    """A JSON document input (IAM policy, container definitions) as Python data; None if unreadable."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def tags_of(r: Resource) -> dict[str, str]:
    tags = r.inputs.get("tags")
    return dict(tags) if isinstance(tags, Mapping) else {}


def referenced(values: Any, target: Resource) -> bool:
    return any(refers_to(v, target) for v in as_list(values))


def judge(r: Resource, passed: bool, good: str, bad: str) -> Result:
    return Result(r.urn, bool(passed), good if passed else bad)


def all_of(r: Resource, problems: Sequence[str], good: str) -> Result:
    """Pass with `good` when `problems` is empty, else fail listing every problem."""
    return Result(r.urn, not problems, good if not problems else "; ".join(problems))


SECRET_NAME = re.compile(
    r"(PASSW(OR)?D|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CLIENT_?KEY|CREDENTIAL|SALT)", re.I
)


def looks_secret(env_name: str) -> bool:
    return bool(SECRET_NAME.search(env_name or ""))
