"""Which regions exist, from the cloud SDK's own data rather than a list of ours.

AWS: botocore ships the partitions and their regions (`botocore/data/endpoints.json`, the file the
SDK resolves endpoints from); the stacks build ARNs of the commercial partition `aws`, so only its
regions are accepted. The file is read as JSON, without importing botocore (a plan must not pay for
the SDK's import, and `--help` must not import it at all).

Azure: no SDK installed here ships the list of locations (it is `az account list-locations`, an
API call), so Azure regions are checked by shape only (blueprints/clouds.py region_pattern) and
the first real `up` is where a mistyped one fails.
"""

from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from pathlib import Path

COMMERCIAL_PARTITION = "aws"


@lru_cache(maxsize=None)
def aws_regions() -> frozenset[str]:
    """The commercial partition's regions as the installed botocore lists them (empty if unreadable)."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "endpoints.json"
    try:
        partitions = json.loads(path.read_text(encoding="utf-8"))["partitions"]
    except (OSError, ValueError, KeyError):
        return frozenset()
    return frozenset(next((p.get("regions", {}) for p in partitions if p.get("partition") == COMMERCIAL_PARTITION), {}))


def unknown_region(cloud: str, region: str) -> str | None:
    """Why `region` is not a region of `cloud`, or None when it is (or cannot be checked)."""
    if cloud == "aws":
        known = aws_regions()
        if known and region not in known:
            return (f"region: {region!r} is not an AWS region (the AWS SDK lists {len(known)}, e.g. eu-west-2, "
                    "eu-west-1, us-east-1)")
    return None
