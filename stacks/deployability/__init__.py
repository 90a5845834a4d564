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

__all__ = ["Problem", "Related", "Report", "Rule", "Violation", "check", "report", "rules_for",
           "plant", "unknown", "value_at", "values_at"]


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


def violations(resources: Iterable[Any], rules: Iterable[Rule]) -> list[Violation]:
    """Every violation of `rules` among `resources` (anything with type, urn, name, inputs),
    ordered by URN, then rule, then input."""
    resources = sorted(resources, key=lambda r: r.urn)
    by_type: dict[str, list[Rule]] = defaultdict(list)
    for rule in rules:
        for type_ in rule.types:
            by_type[type_].append(rule)
    relate = related_in(resources)
    found = []
    for r in resources:
        for rule in by_type.get(r.type, ()):
            related = relate(r) if rule.scope == "stack" else no_related
            for p in rule.problems(r.inputs, related):
                found.append(Violation(urn=r.urn, name=r.name, type=r.type, input=p.path, value=p.value,
                                       rule=rule.id, message=p.message, source=rule.source))
    return sorted(found, key=lambda v: (v.urn, v.rule, v.input))


def check(plan: Any, cloud: Any) -> list[Violation]:
    """Every violation of the cloud's rules in `plan` (a stacks.plan.Plan)."""
    return violations(plan.resources, rules_for(cloud))


def report(plan: Any, cloud: Any) -> Report:
    """The plan JSON's `deployability` section."""
    rules = rules_for(cloud)
    return Report(rules=len(rules), violations=tuple(violations(plan.resources, rules)))
