"""Deployability: the provider and API constraints a plan must meet before a cloud would accept it.

The offline plan runs under mocks that accept any input of the right type; AWS and Azure do not
(a security-group rule description with an apostrophe, a 33-character load balancer name, a
Fargate CPU/memory pair that does not exist). Each cloud's rules live in its own package
(`stacks/<cloud>/deployability.py`, `RULES`), found through the adapter's `deployability_rules()`;
each cites the provider validator or API reference it encodes. `check` runs them over a plan's
resources, engine-neutrally (the policy pack runs the same rules on a real preview).

This is not the security baseline (stacks/policy): a violation is not a choice to waive, it is a
request the cloud would refuse, so nothing (not --allow-failures) lets it through.
Imports no cloud SDK.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Mapping, Sequence

from .model import Problem, Related, Report, Rule, Violation, no_related
from .paths import plant, unknown, value_at, values_at

__all__ = ["Problem", "Related", "Report", "Rule", "Violation", "check", "document_resources", "report",
           "rules_for", "plant", "unknown", "value_at", "values_at", "violations"]


def rules_for(cloud: Any) -> tuple[Rule, ...]:
    """The rules of a cloud adapter (or of the cloud with that name)."""
    if isinstance(cloud, str):
        from councilkit.stacks.cloud import cloud_for

        cloud = cloud_for(cloud)
    return tuple(cloud.deployability_rules())


def related_in(resources: Sequence[Any]):
    """`related(prop, type)` for one resource among `resources` (see model.Related)."""
    from councilkit.stacks.plan import refers_to

    def for_resource(resource: Any) -> Related:
        deps = getattr(resource, "property_dependencies", None) or {}
        by_urn = {r.urn: r for r in resources}

        def related(prop: str, type_: str) -> Mapping[str, Any] | None:
            for urn in deps.get(prop, ()):
                target = by_urn.get(urn)
                if target is not None and target.type == type_:
                    return target.inputs
            reference = value_at(resource.inputs, prop)
            for target in resources:
                if target.type == type_ and refers_to(reference, target):
                    return target.inputs
            return None

        return related

    return for_resource


_BY_TYPE: dict[int, tuple[Sequence[Rule], dict[str, list[Rule]]]] = {}


def _by_type(rules: Sequence[Rule]) -> dict[str, list[Rule]]:
    """Resource type → its rules, worked out once per rules tuple (an estate checks thousands of plans)."""
    memo = _BY_TYPE.get(id(rules))
    if memo is None or memo[0] is not rules:
        table: dict[str, list[Rule]] = defaultdict(list)
        for rule in rules:
            for type_ in rule.types:
                table[type_].append(rule)
        memo = _BY_TYPE[id(rules)] = (rules, dict(table))
    return memo[1]


def violations(resources: Iterable[Any], rules: Iterable[Rule]) -> list[Violation]:
    """Every violation of `rules` among `resources` (anything with type, urn, name, inputs),
    ordered by URN, then rule, then input."""
    resources = list(resources)
    by_type = _by_type(rules if isinstance(rules, tuple) else tuple(rules))
    relate = None
    found = []
    for r in resources:
        for rule in by_type.get(r.type, ()):
            related = no_related
            if rule.scope == "stack":
                relate = relate or related_in(resources)
                related = relate(r)
            for p in rule.problems(r.inputs, related):
                found.append(Violation(urn=r.urn, name=r.name, type=r.type, input=p.path, value=p.value,
                                       rule=rule.id, message=p.message, source=rule.source))
    return sorted(found, key=lambda v: (v.urn, v.rule, v.input))


class _Step:
    """A plan document's step as the rules read it (type, URN, name, inputs, property dependencies),
    without building the whole Plan: an estate checks every cached entry this way."""

    __slots__ = ("type", "urn", "name", "inputs", "property_dependencies")

    def __init__(self, state: Mapping[str, Any]) -> None:
        self.type, self.urn = state["type"], state["urn"]
        self.name = self.urn.rsplit("::", 1)[-1]
        self.inputs = state.get("inputs", {})
        self.property_dependencies = state.get("propertyDependencies", {})


def document_resources(doc: Mapping[str, Any]) -> list[Any]:
    """The resources of a plan document (docs/plan-json.md), ready for `violations`."""
    return [_Step(step["newState"]) for step in doc["steps"]]


def check(plan: Any, cloud: Any) -> list[Violation]:
    """Every violation of the cloud's rules in `plan` (a stacks.plan.Plan)."""
    return violations(plan.resources, rules_for(cloud))


def report(plan: Any, cloud: Any) -> Report:
    """The plan JSON's `deployability` section, for a Plan or a plan document (a dict)."""
    rules = rules_for(cloud)
    resources = document_resources(plan) if isinstance(plan, Mapping) else plan.resources
    return Report(rules=len(rules), violations=tuple(violations(resources, rules)))
