"""A content-addressed cache of offline plans: the same inputs never run the stack program twice.

The key is a sha256 over everything a plan (and its policy and cost) can depend on:

- the resolved blueprint (its whole `model_dump`, sorted keys) and the sha256 of each build file
  it ships (the files a `build:` container copies, as in blueprints/lock.py);
- every answer of the Deployment: council, cloud, tier, region, domain, contact, expires_on,
  non_uk_region; and today's date (COUNCILKIT_TODAY, else the clock), since trials count from it;
- councilkit's version and the sha256 of its own code (every .py under cli/, stacks/ and
  blueprints/, so editing a stack invalidates entries during development) and of every price and
  usage file under stacks/cost/;
- the installed versions of pulumi, the cloud SDKs, pulumi-policy and protobuf.

An entry is one JSON file `<key>.json`: a format marker, the key, the plan document (what
`plan --json` writes, without policy and cost), per resource in registration order what the
engine returned (`id`, `identities`; the plan document does not carry them) and the policy and
cost sections. It rebuilds a Plan equal to a fresh one; a plan that would not come back equal
is simply not stored.

The folder is $COUNCILKIT_CACHE_DIR, else $XDG_CACHE_HOME/councilkit/plans, else
~/.cache/councilkit/plans. Writes are atomic (temporary file, then rename). An entry that is
corrupt, truncated, foreign (other format or key) or unreadable is ignored and rewritten; a
folder that cannot be written (read-only, full) costs one warning line, never a plan.
`--no-cache` or COUNCILKIT_NO_CACHE=1 neither reads nor writes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from councilkit.blueprints.deployment import Deployment
from councilkit.stacks.plan import Plan, plan_from_document

FORMAT = "councilkit-plan-cache/1"
ENV_DIR = "COUNCILKIT_CACHE_DIR"
ENV_OFF = "COUNCILKIT_NO_CACHE"
PACKAGES = ("councilkit", "pulumi", "pulumi-aws", "pulumi-azure-native", "pulumi-random", "pulumi-policy", "protobuf")
"""Installed distributions whose version is part of every key."""

_warned: set[str] = set()


def cache_dir() -> Path:
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "councilkit" / "plans"


def enabled(use_cache: bool = True) -> bool:
    """Whether to read and write the cache: not with --no-cache, nor with COUNCILKIT_NO_CACHE set
    to anything but empty, 0, false or no."""
    off = os.environ.get(ENV_OFF, "").strip().lower() not in ("", "0", "false", "no")
    return use_cache and not off


# --- the key ------------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _code_files() -> list[tuple[str, Path]]:
    """(name, path) of councilkit's own code and the price data a plan's cost reads."""
    import councilkit.blueprints
    import councilkit.cli
    import councilkit.stacks

    found = []
    for package in (councilkit.blueprints, councilkit.cli, councilkit.stacks):
        root = Path(package.__file__).resolve().parent
        name = package.__name__.rsplit(".", 1)[-1]
        patterns = ("*.py", "cost/**/*.yaml") if name == "stacks" else ("*.py",)
        for pattern in patterns:
            for path in root.rglob(pattern) if pattern == "*.py" else root.glob(pattern):
                if "__pycache__" not in path.parts and path.is_file():
                    found.append((f"{name}/{path.relative_to(root).as_posix()}", path))
    return sorted(set(found))


@lru_cache(maxsize=None)
def environment_digest() -> str:
    """The part of every key that is the same for the whole process: versions, code and prices.

    Computed once per process (forked estate workers inherit it from the parent)."""
    from importlib import metadata

    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    files = {name: _sha256(path.read_bytes()) for name, path in _code_files()}
    return _sha256(_canonical({"versions": versions, "files": files, "python": list(sys.version_info[:2])}))


_model_digests: dict[int, tuple[Any, str]] = {}


def _model_digest(bp: Any) -> str:
    """sha256 of the resolved blueprint's model_dump (sorted keys), remembered per blueprint
    object: blueprints are frozen, and the object is kept so its id is never reused."""
    memo = _model_digests.get(id(bp))
    if memo is not None and memo[0] is bp:
        return memo[1]
    digest = _sha256(_canonical(bp.model_dump(mode="json")))
    if len(_model_digests) > 512:
        _model_digests.clear()
    _model_digests[id(bp)] = (bp, digest)
    return digest


def blueprint_digest(d: Deployment) -> str:
    """sha256 of the resolved blueprint and of the build files it ships (read each time: they
    are files on disk, not part of the frozen blueprint)."""
    from councilkit.blueprints.lock import build_files

    bp = d.blueprint
    try:
        files = build_files(bp, Path(d.blueprint_dir) / f"{bp.version}.yaml")
    except OSError:
        files = {"(build files unreadable)": b""}
    return _sha256(_canonical({
        "blueprint": _model_digest(bp),
        "build_files": {name: _sha256(data) for name, data in sorted(files.items())},
    }))


def cache_key(d: Deployment) -> str:
    from councilkit.blueprints.deployment import today

    return _sha256(_canonical({
        "format": FORMAT,
        "blueprint": blueprint_digest(d),
        "answers": {
            "council": d.council,
            "cloud": d.cloud,
            "tier": d.tier,
            "region": d.region,
            "domain": d.domain,
            "contact": d.contact,
            "expires_on": d.expires_on,
            "non_uk_region": d.non_uk_region,
        },
        "today": today().isoformat(),
        "environment": environment_digest(),
    }))


# --- entries ------------------------------------------------------------------------------


@dataclass
class Cached:
    """One cache entry, read back and checked."""

    key: str
    stack: str
    document: dict[str, Any]
    """The plan document (cli/plan_json.py), without `policy` and `cost`."""
    extras: dict[str, Any]
    """The plan JSON's `policy` and `cost` sections."""
    engine: list[dict[str, Any]]
    """Per resource in registration order: urn, name, and the id and identities the engine returned."""
    plan_json_sha256: str | None = None
    """sha256 of the plan JSON file as written, when it was (so an unchanged file is not rewritten)."""
    _plan: Plan | None = field(default=None, repr=False, compare=False)

    @property
    def resource_count(self) -> int:
        return len(self.engine)

    def full_document(self) -> dict[str, Any]:
        """The plan JSON exactly as `write_plan` writes it for this deployment."""
        return {**self.document, **self.extras}

    def plan(self) -> Plan:
        """The Plan, equal to the one that was stored (raises ValueError if the entry is malformed)."""
        if self._plan is None:
            try:
                self._plan = _plan_of(self.stack, self.document, self.engine)
            except (KeyError, TypeError, AttributeError, IndexError) as exc:
                raise ValueError(f"malformed plan cache entry {self.key}: {exc!r}") from None
        return self._plan


def entry_path(key: str) -> Path:
    return cache_dir() / f"{key}.json"


def _plan_of(stack: str, document: dict[str, Any], engine: list[dict[str, Any]]) -> Plan:
    """The Plan an entry holds, in registration order, with what the engine returned."""
    from_doc = plan_from_document(document).resources
    by_urn = {r.urn: r for r in from_doc}
    if len(by_urn) != len(from_doc) or len(engine) != len(from_doc):
        raise ValueError("resources do not match the plan's steps")
    resources = []
    for item in engine:
        r = by_urn[item["urn"]]
        if not (isinstance(item["id"], str) and isinstance(item["identities"], dict) and isinstance(item["name"], str)):
            raise ValueError("malformed resource")
        r.name, r.id, r.identities = item["name"], item["id"], dict(item["identities"])
        resources.append(r)
    if len({r.urn for r in resources}) != len(resources):
        raise ValueError("duplicate resources")
    if not isinstance(stack, str):
        raise ValueError("malformed stack")
    return Plan(stack=stack, resources=resources,
                outputs=dict(document.get("outputs", {})))


def _parse(text: bytes | str, key: str, with_plan: bool) -> Cached | None:
    """The entry, or None if it is not a valid entry of this format for this key. The Plan is
    rebuilt (and so checked in full) only `with_plan`: an estate needs just the documents."""
    try:
        entry = json.loads(text)
        if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != key:
            return None
        document, engine = entry["plan"], entry["resources"]
        extras = {"policy": entry["policy"], "cost": entry["cost"]}
        if not (isinstance(document, dict) and isinstance(document["steps"], list) and isinstance(engine, list)
                and len(engine) == len(document["steps"]) and all(isinstance(v, dict) for v in extras.values())
                and isinstance(extras["policy"].get("summary"), dict)):
            return None
        written = entry.get("plan_json_sha256")
        cached = Cached(key=key, stack=entry["stack"], document=document, extras=extras, engine=engine,
                        plan_json_sha256=written if isinstance(written, str) else None)
        if with_plan:
            cached.plan()
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):  # corrupt, truncated or foreign
        return None
    return cached


def lookup(key: str, with_plan: bool = True) -> Cached | None:
    """The entry for `key`, or None (absent, unreadable or invalid: the caller plans afresh and
    the new entry replaces the bad one)."""
    try:
        text = entry_path(key).read_bytes()
    except OSError:
        return None
    return _parse(text, key, with_plan)


def _entry_text(key: str, d: Deployment, plan: Plan, extras: dict[str, Any], plan_json_sha256: str | None) -> str:
    from .plan_json import plan_document

    return json.dumps({
        "format": FORMAT,
        "key": key,
        "stack": plan.stack,
        "plan_json_sha256": plan_json_sha256,
        "plan": plan_document(plan, d),
        "resources": [{"urn": r.urn, "name": r.name, "id": r.id, "identities": r.identities} for r in plan.resources],
        "policy": extras["policy"],
        "cost": extras["cost"],
    }, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _warn(folder: Path, exc: OSError) -> None:
    if str(folder) not in _warned:
        _warned.add(str(folder))
        reason = exc.strerror or type(exc).__name__
        print(f"warning: plan cache {folder} is not writable ({reason}); plans are not cached", file=sys.stderr)


def writable() -> bool:
    """Whether entries can be written (else the one warning is given now): an estate asks once,
    before it forks, so its workers stay silent."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".probe.", suffix=".tmp", dir=folder)
        os.close(fd)
        os.unlink(tmp)
        return True
    except OSError as exc:
        _warn(folder, exc)
        return False


def store(key: str, d: Deployment, plan: Plan, extras: dict[str, Any] | None = None,
          plan_json_text: str | None = None) -> bool:
    """Write the entry for a freshly planned deployment; False if it was not written.
    `plan_json_text`: the plan JSON file just written for it, if one was.

    Never raises for the cache's sake: a plan that does not round-trip exactly, or a folder that
    cannot be written, leaves the cache as it was."""
    try:
        if extras is None:
            from .planning import plan_extras

            extras = plan_extras(plan, d)
        written = _sha256(plan_json_text.encode("utf-8")) if plan_json_text is not None else None
        text = _entry_text(key, d, plan, extras, written)
        back = _parse(text, key, with_plan=True)
        if back is None or back.plan() != plan or back.extras != extras:
            return False
    except Exception:  # noqa: BLE001 — the caller's own plan or assessment reports real errors
        return False
    from .safe_io import write_atomically

    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(entry_path(key), text)
        return True
    except OSError as exc:
        _warn(folder, exc)
        return False


def _real_engine() -> bool:
    """Whether plan_deployment is councilkit's engine: a stand-in (tests substitute one) is
    neither served from nor written to the cache, which only ever holds what the engine planned."""
    from . import planning

    return planning.plan_deployment is planning.ENGINE


def cached_plan(d: Deployment, use_cache: bool = True) -> Plan:
    """The deployment's plan: from the cache when its inputs are unchanged, else planned (and stored)."""
    from . import planning

    if not (enabled(use_cache) and _real_engine()):
        return planning.plan_deployment(d)
    key = cache_key(d)
    hit = lookup(key)
    if hit is not None:
        return hit.plan()
    plan = planning.plan_deployment(d)
    store(key, d, plan)
    return plan


def cached_entry(d: Deployment, use_cache: bool = True, with_plan: bool = True) -> Cached | None:
    """The cache entry for the deployment if there is a valid one (and the cache is in use)."""
    if not (enabled(use_cache) and _real_engine()):
        return None
    return lookup(cache_key(d), with_plan)
