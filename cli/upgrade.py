"""Upgrade a stack folder to a newer blueprint version: what changes, before anything is written.

Like Copier's `update`: the folder's answers are replayed against the newer blueprint, and the
council sees the difference three ways: the image tags, the resolved blueprint (a diff of the
lock) and the resources an offline plan of each version adds, changes and removes; plus the
steps that run once after the rollout. Nothing is written until they confirm; nothing is deployed
until they run `councilkit up`. A stack never moves to an older version.
"""

from __future__ import annotations

import difflib
import re
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
    cost: object = None
    """The monthly cost change between the two versions' offline plans (stacks/cost/diff.CostDiff)."""


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


def app_major(bp: Blueprint) -> int:
    """The app's major version: the leading number of `app.upstream_version` ("33.0.7" → 33)."""
    found = re.match(r"\d+", bp.app.upstream_version)
    if found is None:
        raise UserError(
            f"upgrade: {bp.ref} app.upstream_version {bp.app.upstream_version!r} has no leading "
            "major number, which upgrade.one_major_at_a_time needs"
        )
    return int(found.group())


def major_chain(current: Blueprint, target: Blueprint, versions: dict) -> list[Blueprint]:
    """The blueprint versions to move through, one app major each, ending at `target`: for every
    major in between, the newest version of it above `current`. UserError if a major has none."""
    have, want = app_major(current), app_major(target)
    between = [load_file(found.path) for version, found in versions.items()
               if _version_key(current.version) < _version_key(version) < _version_key(target.version)]
    chain = []
    for major in range(have + 1, want):
        of_major = [bp for bp in between if app_major(bp) == major]
        if not of_major:
            raise UserError(
                f"upgrade: {target.ref} ({target.app.name} {target.app.upstream_version}) skips "
                f"{target.app.name} {major} from the locked {current.ref} ({current.app.name} "
                f"{current.app.upstream_version}), and {target.app.name} upgrades one major version "
                f"at a time; no blueprint version of {current.id} ships {target.app.name} {major}"
            )
        chain.append(of_major[-1])
    return chain + [target]


def refuse_skipped_majors(folder: StackFolder, current: Blueprint, target: Blueprint, versions: dict) -> None:
    """An app that upgrades one major at a time (`upgrade.one_major_at_a_time`, e.g. Nextcloud's
    updater refuses to skip one) must not be moved past a major: say which versions to take."""
    if not (current.upgrade.one_major_at_a_time or target.upgrade.one_major_at_a_time):
        return
    if app_major(target) <= app_major(current) + 1:
        return
    chain = major_chain(current, target, versions)
    where = shlex.quote(str(folder.path))
    steps = [f"`councilkit upgrade {where} --to {chain[0].ref}` ({chain[0].app.name} {app_major(chain[0])})"]
    steps += [f"`--to {bp.ref}` ({bp.app.name} {app_major(bp)})" for bp in chain[1:]]
    raise UserError(
        f"upgrade: {target.ref} ({target.app.name} {target.app.upstream_version}) skips a major version "
        f"from the locked {current.ref} ({current.app.name} {current.app.upstream_version}), and "
        f"{target.app.name} upgrades one major version at a time: run first " + ", then ".join(steps)
        + f", each deployed with `councilkit up {where}` before the next"
    )


def choose_version(folder: StackFolder, to: str | None, blueprint_dirs: tuple) -> tuple[Blueprint, Path] | None:
    """The blueprint to move to, or None when the folder already has it. Refuses downgrades, and
    for an app that upgrades one major at a time, a version that skips a major.

    `to` is a version (`1.1.0`) or the app and version (`nextcloud@1.1.0`)."""
    current = folder.lock.blueprint
    versions = discover(blueprint_dirs).get(current.id)
    if not versions:
        raise UserError(f"upgrade: no blueprint {current.id!r} in the catalogue (pass --blueprints DIR)")
    if to and "@" in to:
        app_id, _, to = to.partition("@")
        if app_id != current.id:
            raise UserError(f"upgrade: --to names {app_id!r}, but this stack runs {current.id!r}")
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
    target = load_file(path)
    refuse_skipped_majors(folder, current, target, versions)
    return target, path


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
        resources=resource_diff(old_plan := cached_plan(current, use_cache), new_plan := cached_plan(target, use_cache)),
        rendered=rendered,
        cost=cost_change(current, old_plan, target, new_plan),
    )


def cost_change(current: Deployment, old_plan, target: Deployment, new_plan):
    """What the upgrade does to the monthly estimate (the same dated prices for both plans)."""
    from councilkit.blueprints.deployment import today
    from councilkit.stacks.cost import estimate
    from councilkit.stacks.cost.diff import diff

    def of(d: Deployment, plan):
        return estimate(plan.resources, cloud=d.cloud, region=d.region, tier=d.tier, expires_on=d.expires_on,
                        today=today()).as_json()

    return diff(of(current, old_plan), of(target, new_plan))


def cost_lines(change) -> list[str]:
    """The upgrade preview's cost section: the total before and after, and each resource that changes."""
    from councilkit.stacks.cost import show

    if change is None:
        return []
    signed = lambda v: ("+" if v >= 0 else "-") + show(abs(v), change.currency)  # noqa: E731
    lines = [f"cost (offline estimate): {show(change.before, change.currency)} -> "
             f"{show(change.after, change.currency)} a month ({signed(change.change)})"]
    mark = {"added": "+", "removed": "-", "changed": "~"}
    lines += [f"  {mark[r.status]} {r.name}: {signed(r.change)}" for r in change.resources]
    return lines


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
    lines += cost_lines(u.cost)
    steps = new.upgrade
    if steps.commands:
        lines.append(f"once after the rollout, in one `{steps.container}` container:")
        lines += [f"  {shlex.join(command)}" for command in steps.commands]
    if steps.notes:
        lines.append(f"notes: {steps.notes}")
    return lines
