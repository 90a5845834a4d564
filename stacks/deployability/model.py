"""The shapes of the deployability layer: a Rule, the Problems it finds, the Violations reported.

A rule encodes one constraint the provider or the cloud's API enforces and the offline mocks do not
(a character set, a length, a pairing of two inputs), with the validator or API reference page it
comes from. Unlike a policy control it is never waivable: the cloud would refuse the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Optional

Related = Callable[[Any, str], Optional[Mapping[str, Any]]]
"""`related(prop, type)`: the inputs of the resource of `type` that the top-level input `prop` takes
its value from (by the engine's recorded property dependencies, else by the id, ARN or name the input
holds), or None when that is not known (as in a single-resource policy)."""


def no_related(prop: str, type_: str) -> None:
    return None


@dataclass(frozen=True)
class Problem:
    """One value a rule refuses: where it is, what it is, and why."""

    path: str
    value: Any
    message: str


Check = Callable[[Mapping[str, Any], Related], Iterable[Problem]]


@dataclass(frozen=True)
class Rule:
    id: str
    """AWS-DEP-001, AZR-DEP-001…"""
    title: str
    """The constraint in one line, as the user reads it."""
    types: tuple[str, ...]
    """The Pulumi resource types it applies to."""
    inputs: tuple[str, ...]
    """The input paths it reads (patterns such as `ingress[*].description`)."""
    check: Check
    source: str
    """The provider validator or API reference it encodes (repository path or URL)."""
    bad: Mapping[str, Any]
    """concrete input path → value: planted into a real resource, the cloud would refuse it."""
    good: Mapping[str, Any]
    """concrete input path → value: planted the same way, the cloud accepts it."""
    scope: str = "resource"
    """"resource": reads one resource's inputs; "stack": also reads a resource it refers to."""

    def problems(self, inputs: Mapping[str, Any], related: Related = no_related) -> list[Problem]:
        return list(self.check(inputs, related))


@dataclass(frozen=True)
class Violation:
    """One input of one resource that the cloud would refuse.

    Unknown values are never violations: an input that is absent, a secret ("[secret]") or not
    known until the engine creates something (Pulumi's unknowns, auto-names) is skipped, so a
    rule reports only what the plan really holds; the policy pack runs the same rules on real
    previews, where more values are known.
    """

    urn: str
    name: str
    type: str
    input: str
    value: Any
    rule: str
    message: str
    source: str

    def as_json(self) -> dict[str, Any]:
        return {"urn": self.urn, "name": self.name, "type": self.type, "input": self.input,
                "value": self.value, "rule": self.rule, "message": self.message, "source": self.source}

    def line(self) -> str:
        """resource, input, value, rule and source, on one line."""
        return (f"{self.name} ({self.type}) {self.input} = {self.value!r}: {self.rule} {self.message} "
                f"[source: {self.source}]")


@dataclass(frozen=True)
class Report:
    """What the plan JSON's `deployability` key holds: how many rules ran, and what they found."""

    rules: int
    violations: tuple[Violation, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        return {"rules": self.rules, "violations": [v.as_json() for v in self.violations]}
