"""Upgrade a stack folder to a newer blueprint version: what changes, before anything is written.

Like Copier's `update`: the folder's answers are replayed against the newer blueprint, and the
council sees the difference three ways: the image tags, the resolved blueprint (a diff of the
lock) and the resources an offline plan of each version adds, changes and removes; plus the
steps that run once after the rollout. Nothing is written until they confirm; nothing is deployed
until they run `councilkit up`. A stack never moves to an older version.
"""

from __future__ import annotations

import difflib
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from councilkit.blueprints.deployment import Deployment, build_deployment
from councilkit.blueprints.errors import UserError
from councilkit.blueprints.lock import sha256_of
from councilkit.blueprints.loader import _version_key, discover, load_file
from councilkit.blueprints.model import Blueprint

from .render import DEFAULT_BACKEND, Rendered, render
from .stackdir import StackFolder


@dataclass
class ResourceDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass
class Upgrade:
    folder: StackFolder
    current: Deployment
    target: Deployment
    source: Path
    images: list[tuple[str, str, str]]
    lock_diff: list[str]
    resources: ResourceDiff
    rendered: Rendered


def image_tags(bp: Blueprint) -> dict[str, str]:
    return {c.name: c.image if c.image else f"(built) {c.build.tag}" for c in bp.containers}


def image_changes(old: Blueprint, new: Blueprint) -> list[tuple[str, str, str]]:
    a, b = image_tags(old), image_tags(new)
    return [(name, a.get(name, "(none)"), b.get(name, "(none)")) for name in sorted(set(a) | set(b))
            if a.get(name) != b.get(name)]


def lock_diff(old: Blueprint, new: Blueprint) -> list[str]:
    """A unified diff of the resolved blueprints, as YAML (easier to read than the lock's JSON)."""

    def text(bp: Blueprint) -> list[str]:
        return yaml.safe_dump(bp.model_dump(mode="json", exclude_none=True), sort_keys=False, width=100).splitlines()

    return list(difflib.unified_diff(text(old), text(new), f"locked {old.ref}", f"new {new.ref}", n=1, lineterm=""))


def resource_diff(old_plan, new_plan) -> ResourceDiff:
    old = {r.urn: r for r in old_plan.resources}
    new = {r.urn: r for r in new_plan.resources}
    out = ResourceDiff(added=sorted(set(new) - set(old)), removed=sorted(set(old) - set(new)))
    for urn in sorted(set(old) & set(new)):
        a, b = old[urn].inputs, new[urn].inputs
        keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        if keys:
            out.changed.append((urn, keys))
    return out


def choose_version(folder: StackFolder, to: str | None, blueprint_dirs: tuple) -> tuple[Blueprint, Path] | None:
    """The blueprint to move to, or None when the folder already has it. Refuses downgrades."""
    current = folder.lock.blueprint
    versions = discover(blueprint_dirs).get(current.id)
    if not versions:
        raise UserError(f"upgrade: no blueprint {current.id!r} in the catalogue (pass --blueprints DIR)")
    version = to or list(versions)[-1]
    if version not in versions:
        raise UserError(f"upgrade: unknown version {current.id}@{version}; available: {', '.join(versions)}")
    path = versions[version].path
    if _version_key(version) < _version_key(current.version):
        raise UserError(
            f"upgrade: {current.id}@{version} is older than the locked {current.ref}; a stack never "
            "moves to an older version (restore from a backup instead)"
        )
    if version == current.version:
        digest = sha256_of(path.read_bytes())
        if digest != folder.lock.source_sha256:
            raise UserError(
                f"upgrade: {path} no longer matches the locked {current.ref} (sha256 {digest[:12]}, "
                f"locked {folder.lock.source_sha256[:12]}); a released blueprint must never change: "
                "its fix belongs in a new version"
            )
        return None
    return load_file(path), path


def prepare_upgrade(folder: StackFolder, to: str | None, blueprint_dirs: tuple = (),
                    use_cache: bool = True) -> Upgrade | None:
    from .plan_cache import cached_plan

    current = folder.deployment()
    chosen = choose_version(folder, to, blueprint_dirs)
    if chosen is None:
        return None
    bp, source = chosen
    target = build_deployment(
        bp.ref,
        cloud=current.cloud,
        tier=current.tier,
        council=current.council,
        domain=current.domain,
        contact=current.contact,
        region=current.region,
        allow_non_uk_region=current.non_uk_region,
        expires_on=current.expires_on,
        locked=(bp, source.parent),
    )
    rendered = render(target, source, backend=folder.backend or DEFAULT_BACKEND, kept=folder.kept)
    return Upgrade(
        folder=folder,
        current=current,
        target=target,
        source=source,
        images=image_changes(current.blueprint, bp),
        lock_diff=lock_diff(current.blueprint, bp),
        resources=resource_diff(cached_plan(current, use_cache), cached_plan(target, use_cache)),
        rendered=rendered,
    )


def _short(urn: str) -> str:
    kind = urn.split("::")[-2].rsplit("$", 1)[-1]
    return f"{kind} {urn.rsplit('::', 1)[-1]}"


def report(u: Upgrade) -> list[str]:
    old, new = u.current.blueprint, u.target.blueprint
    lines = [
        f"upgrade {u.folder.stack}: {old.ref} -> {new.ref} "
        f"({old.app.name} {old.app.upstream_version} -> {new.app.upstream_version})",
        "images:" if u.images else "images: unchanged",
    ]
    lines += [f"  {name}: {a} -> {b}" for name, a, b in u.images]
    lines.append("blueprint (councilkit.lock.json):")
    lines += [f"  {line}" for line in u.lock_diff]
    r = u.resources
    lines.append(f"resources (offline plan): {len(r.added)} to add, {len(r.changed)} to change, {len(r.removed)} to remove")
    lines += [f"  + {_short(urn)}" for urn in r.added]
    retagged = [urn for urn, keys in r.changed if keys == ["tags"]]
    lines += [f"  ~ {_short(urn)} ({', '.join(keys)})" for urn, keys in r.changed if keys != ["tags"]]
    if retagged:
        lines.append(f"  ~ {len(retagged)} more: tags only (blueprint={new.ref})")
    lines += [f"  - {_short(urn)}" for urn in r.removed]
    steps = new.upgrade
    if steps.commands:
        lines.append(f"once after the rollout, in one `{steps.container}` container:")
        lines += [f"  {shlex.join(command)}" for command in steps.commands]
    if steps.notes:
        lines.append(f"notes: {steps.notes}")
    return lines
