"""The plan: every resource a deployment would create, as the Pulumi engine receives it.

One `PlannedResource` per RegisterResource call: type, URN, parent, whether it is a custom
resource, its inputs in the provider's wire names (secrets as "[secret]"), the URNs it depends
on (all of them, and per input property), its provider reference and the resource options
that change what `destroy` and replacement do (protect, retainOnDelete, deleteBeforeReplace).
Policy, cost, the diagram, the report and every export read this, never the blueprint.

References between resources are followed without knowing how an engine forms ids: a
reference input is matched against the identities the target really has (its URN, the id and
ARN the engine returned, its own name), and ordering is read from the recorded dependencies.
So the same helpers work on an offline plan and, in the policy pack, on a real preview.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Iterable

SECRET = "[secret]"
# Output keys that hold a resource's identity as other resources refer to it.
IDENTITY_OUTPUTS = ("id", "arn", "name")


@dataclass
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    provider: str = ""
    protect: bool = False
    retain_on_delete: bool = False
    delete_before_replace: bool = False
    id: str = ""
    identities: dict[str, str] = field(default_factory=dict)
    """What a reference to this resource may hold, as the engine returned it: id, arn, name."""


@dataclass
class Plan:
    """Every resource a deployment would create, in registration order, plus stack outputs."""

    stack: str
    resources: list[PlannedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str) -> PlannedResource:
        found = self.of_type(type_)
        if len(found) != 1:
            raise AssertionError(f"expected one {type_}, found {len(found)}")
        return found[0]

    def by_urn(self) -> dict[str, PlannedResource]:
        return {r.urn: r for r in self.resources}

    def waits_for(self, resource: PlannedResource, index: Mapping[str, PlannedResource] | None = None) -> set[str]:
        """Every URN the engine finishes before it starts `resource`: its dependencies and
        property dependencies, and theirs, transitively (a component among them stands for
        everything registered under it: see `created_before`)."""
        index = self.by_urn() if index is None else index
        seen: set[str] = set()
        todo = list(_direct(resource))
        while todo:
            urn = todo.pop()
            if urn in seen:
                continue
            seen.add(urn)
            if urn in index:
                todo.extend(_direct(index[urn]))
        return seen

    def created_before(self, first: PlannedResource, second: PlannedResource) -> bool:
        """Whether the engine must finish `first` before it starts `second`."""
        index = self.by_urn()
        before = self.waits_for(second, index)
        # Waiting on a component means waiting on everything registered under it.
        return first.urn in before or any(_is_under(first, index, c) for c in before)


def _direct(r: PlannedResource) -> Iterable[str]:
    yield from r.dependencies
    for urns in r.property_dependencies.values():
        yield from urns


def _is_under(r: PlannedResource, index: Mapping[str, PlannedResource], ancestor: str) -> bool:
    parent = r.parent
    while parent:
        if parent == ancestor:
            return True
        parent = index[parent].parent if parent in index else ""
    return False


# --- references, engine-neutral -----------------------------------------------------------


def own_name_keys(type_: str) -> set[str]:
    """Input keys that hold a resource's own name: `serverName` on a Server, `accountName` on a
    StorageAccount, `shareName` on a FileShare (the same key on a child names its parent)."""
    kind = type_.rsplit(":", 1)[-1]
    words = re.findall(r"[A-Z][a-z0-9]*", kind) or [kind]
    return {"name", kind[:1].lower() + kind[1:] + "Name", words[-1].lower() + "Name"}


def identities_of(target: Any) -> set[str]:
    """What a reference to `target` can hold: its URN, the identities the engine returned for
    it (offline: recorded from the mocks; in the policy pack: its id and ARN outputs) and the
    names in its own inputs."""
    found = {target.urn, *(getattr(target, "identities", None) or {}).values()}
    own = set(IDENTITY_OUTPUTS) | own_name_keys(target.type)
    inputs = target.inputs if isinstance(target.inputs, Mapping) else {}
    for key in own:
        try:
            value = inputs.get(key)
        except Exception:  # noqa: BLE001 — an unknown value during a real preview
            continue
        if isinstance(value, str) and value and value != SECRET:
            found.add(value)
    return found


def refers_to(value: Any, target: Any) -> bool:
    """Whether a reference input (an id, ARN, name or URN) points at `target`."""
    return isinstance(value, str) and bool(value) and value in identities_of(target)


def depends_on(resource: PlannedResource, target: PlannedResource, prop: str | None = None) -> bool:
    """Whether `resource` (or its input `prop`, a top-level wire name) takes a value of `target`."""
    if prop is not None:
        return target.urn in resource.property_dependencies.get(prop, [])
    return target.urn in resource.dependencies or any(
        target.urn in urns for urns in resource.property_dependencies.values()
    )


# --- the plan document, read back (plan cache, `plan --json` files) -------------------------


def resource_from_step(step: Mapping[str, Any]) -> PlannedResource:
    """A PlannedResource from one step of the plan JSON (docs/plan-json.md)."""
    state = step["newState"]
    return PlannedResource(
        urn=state["urn"],
        type=state["type"],
        name=state["urn"].rsplit("::", 1)[-1],
        parent=state.get("parent", ""),
        custom=bool(state.get("custom")),
        inputs=state.get("inputs", {}),
        dependencies=list(state.get("dependencies", [])),
        property_dependencies={k: list(v) for k, v in state.get("propertyDependencies", {}).items()},
        provider=state.get("provider", ""),
        protect=bool(state.get("protect")),
        retain_on_delete=bool(state.get("retainOnDelete")),
        delete_before_replace=bool(state.get("deleteBeforeReplace")),
        id=state.get("id", ""),
        identities=dict(state.get("identities", {})),
    )


def plan_from_document(doc: Mapping[str, Any]) -> Plan:
    """The Plan a plan document describes, in the document's (URN) order. The plan JSON does not
    carry what the engine returned (`id`, `identities`); a cache that needs them stores them
    beside the document and puts them in `newState` before reading it back."""
    stack = doc.get("deployment", {}).get("stack", "")
    return Plan(stack=stack, resources=[resource_from_step(s) for s in doc["steps"]],
                outputs=dict(doc.get("outputs", {})))
