"""Which regions exist, from the cloud SDK's own data rather than a list of ours.

AWS (blueprints/clouds.py `known_regions`): botocore ships the partitions and their regions
(`botocore/data/endpoints.json`, the file the SDK resolves endpoints from); the stacks build ARNs
of the commercial partition, so only its regions are accepted. The file is read as JSON, without
importing botocore (a plan must not pay for the SDK's import, and `--help` must not import it).

Azure: no SDK installed here ships the list of locations (it is `az account list-locations`, an
API call), so Azure regions are checked by shape only (`region_pattern`) and the first real `up`
is where a mistyped one fails.
"""

from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=None)
def botocore_regions(partition: str) -> frozenset[str]:
    """A partition's regions as the installed botocore lists them (empty if it cannot be read)."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "endpoints.json"
    try:
        partitions = json.loads(path.read_text(encoding="utf-8"))["partitions"]
    except (OSError, ValueError, KeyError):
        return frozenset()
    return frozenset(next((p.get("regions", {}) for p in partitions if p.get("partition") == partition), {}))


def unknown_region(facts, region: str) -> str | None:
    """Why `region` is not a region of the cloud `facts` describes, or None when it is (or when
    the cloud's list cannot be read here)."""
    known = facts.known_regions() if facts.known_regions else frozenset()
    if known and region not in known:
        return (f"region: {region!r} is not a region of {facts.title} (its SDK lists {len(known)}, e.g. "
                f"{facts.default_region})")
    return None
