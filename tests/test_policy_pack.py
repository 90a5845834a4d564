"""The same controls as a pulumi-policy pack (`pulumi preview --policy-pack stacks/policy/pack`),
loaded and driven with pulumi-policy's own classes (no Pulumi engine needed)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import yaml
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from councilkit.stacks.cloud import CLOUDS
from councilkit.stacks.policy import CONTROLS

from helpers import planned

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "stacks" / "policy" / "pack"
DEPLOYABILITY = [r for c in CLOUDS.values() for r in c.deployability_rules()]


@pytest.fixture(scope="module")
def pack():
    """Import the pack's __main__.py as Pulumi does, minus serving (its name is not __main__)."""
    spec = importlib.util.spec_from_file_location("councilkit_policy_pack", PACK / "__main__.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def _options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def _validate(policy, resource_type: str, props: dict, name: str = "db", urn: str | None = None):
    """Run one ResourceValidationPolicy the way the analyzer does; the violations it reports."""
    seen: list[tuple[str, str | None]] = []
    urn = urn or f"urn:pulumi:s::p::{resource_type}::{name}"
    args = ResourceValidationArgs(resource_type, props, urn, name, _options(), None, {}, {})
    policy.validate(args, lambda message, urn=None: seen.append((message, urn)))
    return seen


def _validate_stack(policy, resources) -> list[tuple[str, str | None]]:
    seen: list[tuple[str, str | None]] = []
    # A stack policy sees each resource's outputs: its inputs plus what the engine computed (the id,
    # ARN and name other resources refer to it by).
    def outputs(r):
        return {**r.inputs, **r.identities}

    items = [PolicyResource(r.type, outputs(r), r.urn, r.name, _options(), None, None, [], {}) for r in resources]
    policy.validate(StackValidationArgs(items, {}, {}), lambda message, urn=None: seen.append((message, urn)))
    return seen


def test_pack_project_file_runs_with_the_python_councilkit_is_installed_in():
    spec = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())
    assert spec["runtime"] == "python" and spec["version"]
    assert "PULUMI_PYTHON_CMD" in (PACK / "PulumiPolicy.yaml").read_text()


def test_every_control_is_a_policy_of_the_pack(pack):
    policies = {p.name: p for p in pack.policies()}
    assert set(policies) == {c.id for c in CONTROLS} | {r.id for r in DEPLOYABILITY}
    for c in CONTROLS:
        p = policies[c.id]
        assert isinstance(p, ResourceValidationPolicy if c.scope == "resource" else StackValidationPolicy), c.id
        assert p.enforcement_level == (EnforcementLevel.MANDATORY if c.mandatory else EnforcementLevel.ADVISORY)
        assert p.severity.value == c.severity and c.title in p.description
        assert p.framework.reference == ", ".join(c.ncsc)


def test_resource_policy_reports_an_unencrypted_database_and_passes_an_encrypted_one(pack):
    policy = next(p for p in pack.policies() if p.name == "CK-AWS-001")
    tags = {"tier": "production", "council": "x"}
    bad = _validate(policy, "aws:rds/instance:Instance", {"storageEncrypted": False, "tags": tags})
    assert len(bad) == 1 and bad[0][0].startswith("CK-AWS-001 ") and "storageEncrypted" in bad[0][0]
    assert _validate(policy, "aws:rds/instance:Instance", {"storageEncrypted": True, "tags": tags}) == []
    assert _validate(policy, "aws:s3/bucket:Bucket", {"tags": tags}) == []


def test_resource_policy_takes_the_tier_from_the_tier_tag_or_the_stack_name(pack):
    policy = next(p for p in pack.policies() if p.name == "CK-AWS-019")  # Multi-AZ, production only
    props = {"multiAz": False, "engine": "postgres"}
    assert _validate(policy, "aws:rds/instance:Instance", {**props, "tags": {"tier": "trial"}}) == []
    assert len(_validate(policy, "aws:rds/instance:Instance", {**props, "tags": {"tier": "production"}})) == 1
    assert pack.facts_for([pack.PackResource("aws:ecs/service:Service", "urn:pulumi:borsetshire-nextcloud-trial::councilkit::"
                                             "aws:ecs/service:Service::web", "web", {})], {}).tier == "trial"


def test_stack_policy_reports_a_public_load_balancer_without_waf(pack):
    d, plan = planned("nextcloud", "aws", "production")
    policy = next(p for p in pack.policies() if p.name == "CK-AWS-011")
    assert _validate_stack(policy, plan.resources) == []
    without_waf = [r for r in plan.resources if r.type != "aws:wafv2/webAclAssociation:WebAclAssociation"]
    violations = _validate_stack(policy, without_waf)
    assert len(violations) == 1 and violations[0][1].endswith("::nextcloud-alb")


@pytest.mark.parametrize("cloud,tier", [("aws", "trial"), ("aws", "production"), ("azure", "trial"), ("azure", "production")])
def test_the_pack_finds_no_mandatory_violation_in_real_plans(pack, cloud, tier):
    d, plan = planned("localgov-drupal", cloud, tier)
    mandatory = {c.id for c in CONTROLS if c.mandatory}
    found = []
    for policy in pack.policies():
        if isinstance(policy, StackValidationPolicy):
            found += [(policy.name, m) for m, _ in _validate_stack(policy, plan.resources)]
        else:
            for r in plan.resources:
                found += [(policy.name, m) for m, _ in _validate(policy, r.type, r.inputs, r.name, r.urn)]
    assert [f for f in found if f[0] in mandatory] == []


# --- deployability rules in the pack ----------------------------------------------------------

def test_every_deployability_rule_is_a_mandatory_policy_of_the_pack(pack):
    policies = {p.name: p for p in pack.policies()}
    for rule in DEPLOYABILITY:
        p = policies[rule.id]
        assert p.enforcement_level == EnforcementLevel.MANDATORY, "the cloud would refuse it: never advisory"
        assert isinstance(p, ResourceValidationPolicy if rule.scope == "resource" else StackValidationPolicy)
        assert rule.source in p.description


def test_a_planted_bad_security_group_rule_is_reported_by_the_packs_policy(pack):
    _, plan = planned("nextcloud", "aws", "production")
    sg = next(r for r in plan.resources if r.type == "aws:ec2/securityGroup:SecurityGroup" and r.inputs.get("ingress"))
    policy = next(p for p in pack.policies() if p.name == "AWS-DEP-001")
    assert _validate(policy, sg.type, sg.inputs, sg.name, sg.urn) == []
    bad = {**sg.inputs, "ingress": [{**sg.inputs["ingress"][0], "description": "from King's Lynn"}]}
    ((message, urn),) = _validate(policy, sg.type, bad, sg.name, sg.urn)
    assert urn == sg.urn and message.startswith("AWS-DEP-001 ")
    assert "ingress[0].description = \"from King's Lynn\"" in message and "validSecurityGroupRuleDescription" in message
    assert _validate(policy, "aws:s3/bucket:Bucket", bad) == [], "other types are not its business"


def test_an_unknown_value_in_a_preview_is_skipped_by_the_pack(pack):
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

    policy = next(p for p in pack.policies() if p.name == "AWS-DEP-005")
    props = unknown_checking_proxy({"name": UNKNOWN_STRING_VALUE, "internal": False})
    assert _validate(policy, "aws:lb/loadBalancer:LoadBalancer", props) == []
    assert len(_validate(policy, "aws:lb/loadBalancer:LoadBalancer", {"name": "internal-council"})) == 1


def test_a_stack_rule_follows_the_parameter_group_in_the_pack(pack):
    _, plan = planned("nextcloud", "aws", "production")
    policy = next(p for p in pack.policies() if p.name == "AWS-DEP-018")
    db = plan.one("aws:rds/instance:Instance")

    def items(resources):
        out = {}
        for r in resources:
            out[r.urn] = PolicyResource(r.type, {**r.inputs, **r.identities}, r.urn, r.name, _options(), None, None, [], {})
        for r in resources:
            out[r.urn].property_dependencies = {k: [out[u] for u in v if u in out] for k, v in r.property_dependencies.items()}
        return list(out.values())

    def run(resources):
        seen = []
        policy.validate(StackValidationArgs(items(resources), {}, {}), lambda m, urn=None: seen.append((m, urn)))
        return seen

    assert run(plan.resources) == []
    older = [r if r.urn != db.urn else type(r)(**{**r.__dict__, "inputs": {**r.inputs, "engineVersion": "15"}})
             for r in plan.resources]
    ((message, urn),) = run(older)
    assert urn == db.urn and "family postgres16" in message and "needs postgres15" in message
