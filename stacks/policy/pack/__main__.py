"""councilkit's UK baseline as a pulumi-policy pack: `pulumi preview --policy-pack stacks/policy/pack`.

Every control of `councilkit.stacks.policy` becomes one policy with the control's id as its name:
controls that judge each resource alone are ResourceValidationPolicy, the ones that need other
resources (a WAF association, a backup selection, a flow log) are StackValidationPolicy. The check
functions are the same ones `councilkit plan` runs offline; only the facts differ: here the tier
comes from the resources' `tier` tag (or the policy's `tier` config) and today's date from the clock.

Under the engine, resource policies see each resource's inputs; stack policies see the stack's
resources with their outputs, so a control that follows references (an ARN, an id) needs them
known: during `pulumi preview` of resources not yet created Pulumi reports such a control as
"can't run during preview", and `pulumi up` runs it with the real values.

The pack also enforces every deployability rule (stacks/deployability, `AWS-DEP-*`, `AZR-DEP-*`:
what the provider or the cloud's API refuses) as a mandatory policy named by the rule's id, so a
real preview checks exactly what `councilkit plan` checks offline. Rules that read one resource
are ResourceValidationPolicy; the few that follow a reference (an RDS instance's parameter group)
are StackValidationPolicy. Unknown values are skipped, as offline.

Importing this module builds the policies without serving them (the tests do that); Pulumi runs it
as `__main__`, which starts the pack's analyzer server.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, Iterable, Mapping

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    PolicyPack,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)

from councilkit.blueprints.clouds import cloud_of_type
from councilkit.stacks.cloud import CLOUDS
from councilkit.stacks.deployability import Rule, violations
from councilkit.stacks.policy import CONTROLS, Control, Facts
from councilkit.stacks.policy.model import REQUIRED_TAGS, TRIAL_TAG, UK_REGIONS

PACK_NAME = "councilkit-uk-baseline"
SEVERITY = {"low": Severity.LOW, "medium": Severity.MEDIUM, "high": Severity.HIGH, "critical": Severity.CRITICAL}
CONFIG = PolicyConfigSchema(
    properties={
        "tier": {"type": "string", "enum": ["trial", "production"]},
        "allowedRegions": {"type": "array", "items": {"type": "string"}},
    }
)


class PackResource:
    """What a control reads, taken from pulumi-policy's args (props in the provider's wire names)."""

    __slots__ = ("type", "urn", "name", "inputs", "property_dependencies")

    def __init__(self, type_: str, urn: str, name: str, inputs: Mapping[str, Any],
                 property_dependencies: Mapping[str, list[str]] | None = None) -> None:
        self.type, self.urn, self.name, self.inputs = type_, urn, name, inputs
        self.property_dependencies = dict(property_dependencies or {})


def _cloud_of(resources: Iterable[PackResource]) -> str | None:
    return next((c for r in resources if (c := cloud_of_type(r.type))), None)


def _tags(r: PackResource) -> Mapping[str, Any]:
    try:
        tags = r.inputs.get("tags")
    except Exception:  # noqa: BLE001 — unknown during preview
        return {}
    return tags if isinstance(tags, Mapping) else {}


def _stack_tier(urn: str) -> str | None:
    stack = urn.split("::", 1)[0].rsplit(":", 1)[-1]  # urn:pulumi:<stack>::<project>::<type>::<name>
    return next((tier for tier in ("trial", "production") if stack.endswith(f"-{tier}")), None)


def facts_for(resources: list[PackResource], config: Mapping[str, Any], today: dt.date | None = None) -> Facts | None:
    """The facts a control needs, read from the stack itself; None if nothing here is AWS or Azure."""
    cloud = _cloud_of(resources)
    if cloud is None:
        return None
    seen = Counter(str(_tags(r).get("tier")) for r in resources if _tags(r).get("tier"))
    stacks = Counter(_stack_tier(r.urn) for r in resources) - Counter({None: len(resources)})
    # Config first, then the resources' tier tag, then the stack's name (councilkit names stacks
    # <council>-<app>-<tier>); with none of them, judge as production: the stricter controls.
    tier = config.get("tier") or next((c.most_common(1)[0][0] for c in (seen, stacks) if c), "production")
    if tier not in ("trial", "production"):
        tier = "production"
    regions = tuple(config.get("allowedRegions") or UK_REGIONS[cloud])
    required = REQUIRED_TAGS + ((TRIAL_TAG,) if tier == "trial" else ())
    return Facts(cloud=cloud, tier=tier, today=today or dt.date.today(), allowed_regions=regions,
                 required_tags=required)


def _report(control: Control, resources: list[PackResource], config, report_violation) -> None:
    facts = facts_for(resources, config)
    if facts is None or not control.applies_to(facts.cloud) or facts.tier not in control.tiers:
        return
    for result in control.check(resources, facts):
        if not result.passed:
            report_violation(f"{control.id} {control.title}: {result.reason}", result.urn)


def _resource_validation(control: Control):
    def validate(args, report_violation):
        resource = PackResource(args.resource_type, args.urn, args.name, args.props)
        _report(control, [resource], args.get_config(), report_violation)

    return validate


def _stack_validation(control: Control):
    def validate(args, report_violation):
        resources = [PackResource(r.resource_type, r.urn, r.name, r.props) for r in args.resources]
        _report(control, resources, args.get_config(), report_violation)

    return validate


def policy_of(control: Control):
    """The pulumi-policy policy enforcing one control (mandatory controls block the update)."""
    common = dict(
        name=control.id,
        description=f"{control.title}. {control.doc}".strip(),
        enforcement_level=EnforcementLevel.MANDATORY if control.mandatory else EnforcementLevel.ADVISORY,
        config_schema=CONFIG,
        display_name=control.title,
        severity=SEVERITY[control.severity],
        framework=PolicyComplianceFramework(
            name="NCSC Cloud Security Principles",
            reference=", ".join(control.ncsc),
            specification="; ".join(control.benchmarks) or "no FSBP/MCSB equivalent",
        ),
        tags=[control.cloud, *control.benchmarks, *(f"NCSC {p}" for p in control.ncsc)],
    )
    if control.scope == "resource":
        return ResourceValidationPolicy(validate=_resource_validation(control), **common)
    return StackValidationPolicy(validate=_stack_validation(control), **common)


def deployability_rules() -> list[Rule]:
    """Every cloud's deployability rules, in id order."""
    return sorted((r for cloud in CLOUDS.values() for r in cloud.deployability_rules()), key=lambda r: r.id)


def _pack_resource(r) -> PackResource:
    """A stack policy's resource, with its property dependencies as URNs (for `related`)."""
    deps = {prop: [d.urn for d in targets] for prop, targets in (getattr(r, "property_dependencies", None) or {}).items()}
    return PackResource(r.resource_type, r.urn, r.name, r.props, deps)


def _report_rule(rule: Rule, resources: list[PackResource], report_violation) -> None:
    for v in violations(resources, [rule]):
        report_violation(f"{rule.id} {rule.title}: {v.input} = {v.value!r}: {v.message} "
                         f"(the cloud would refuse it; source: {rule.source})", v.urn)


def rule_policy_of(rule: Rule):
    """The mandatory policy enforcing one deployability rule."""
    common = dict(
        name=rule.id,
        description=f"{rule.title}. Source: {rule.source}",
        enforcement_level=EnforcementLevel.MANDATORY,
        display_name=rule.title[:100],
        severity=Severity.HIGH,
        tags=["deployability", *rule.types],
    )
    if rule.scope == "resource":
        def validate(args, report_violation):
            if args.resource_type in rule.types:
                _report_rule(rule, [PackResource(args.resource_type, args.urn, args.name, args.props)], report_violation)

        return ResourceValidationPolicy(validate=validate, **common)

    def validate_stack(args, report_violation):
        _report_rule(rule, [_pack_resource(r) for r in args.resources], report_violation)

    return StackValidationPolicy(validate=validate_stack, **common)


def policies() -> list:
    return [policy_of(c) for c in sorted(CONTROLS, key=lambda c: c.id)] + [
        rule_policy_of(r) for r in deployability_rules()]


if __name__ == "__main__":
    PolicyPack(
        name=PACK_NAME,
        policies=policies(),
        description="councilkit UK baseline and deployability rules: what `councilkit plan` checks offline",
        provider="AWS and Azure",
        enforcement_level=EnforcementLevel.ADVISORY,
    )
