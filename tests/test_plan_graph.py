"""The plan records what the engine receives: dependencies, provider and options; references and
ordering are followed through them, not through the offline engine's id format."""

from __future__ import annotations

import hashlib

import pytest

from councilkit.stacks.plan import depends_on, plan_from_document, refers_to


def test_the_database_waits_for_its_network_parameters_and_password(plan_of):
    _, plan = plan_of("nextcloud", "aws", "production")
    db = plan.one("aws:rds/instance:Instance")
    for type_, prop in [("aws:rds/subnetGroup:SubnetGroup", "dbSubnetGroupName"),
                        ("aws:rds/parameterGroup:ParameterGroup", "parameterGroupName")]:
        assert depends_on(db, plan.one(type_), prop), type_
    password = next(r for r in plan.of_type("random:index/randomPassword:RandomPassword") if "database" in r.name)
    assert depends_on(db, password, "password")
    assert db.provider.startswith("urn:pulumi:") and "pulumi:providers:aws" in db.provider


def test_the_web_service_starts_after_the_database_and_the_load_balancer_listener(plan_of):
    _, plan = plan_of("nextcloud", "aws", "production")
    web = next(s for s in plan.of_type("aws:ecs/service:Service") if s.name.endswith("web"))
    assert plan.created_before(plan.one("aws:rds/instance:Instance"), web)
    assert not plan.created_before(web, plan.one("aws:rds/instance:Instance"))


def test_azure_resources_wait_for_their_resource_group(plan_of):
    _, plan = plan_of("nextcloud", "azure", "trial")
    rg = plan.one("azure-native:resources:ResourceGroup")
    vault = plan.one("azure-native:keyvault:Vault")
    assert depends_on(vault, rg, "resourceGroupName") and plan.created_before(rg, vault)


def test_a_plan_document_reads_back_into_the_same_plan(plan_of):
    from councilkit.cli.plan_json import plan_document

    d, plan = plan_of("nextcloud", "aws", "trial")
    doc = plan_document(plan, d)
    again = plan_from_document(doc)
    assert plan_document(again, d) == doc


def _realistic_ids(monkeypatch):
    """Make the offline engine hand out ids, ARNs and names shaped like a real cloud's: nothing
    in them is the resource's logical name."""
    import councilkit.cli.offline as offline
    import councilkit.stacks.aws.offline as aws_offline

    def generic(name, inputs):
        tag = hashlib.sha256(name.encode()).hexdigest()[:10]
        out = dict(inputs)
        out.setdefault("name", f"{name}-{tag[:7]}")
        out.setdefault("id", f"i-{tag}")
        return out

    original = aws_offline.aws_outputs

    def aws(type_, name, out):
        tag = hashlib.sha256(name.encode()).hexdigest()[:12]
        module = type_.split(":")[1].split("/")[0]
        service = aws_offline.ARN_SERVICE.get(module, module)
        return original(type_, name, {"arn": f"arn:aws:{service}:eu-west-2:210987654321:x/{tag}", **out})

    monkeypatch.setattr(offline, "generic_outputs", generic)
    monkeypatch.setattr(aws_offline, "aws_outputs", aws)
    monkeypatch.setattr("councilkit.stacks.aws.cloud.aws_outputs", aws)


@pytest.mark.parametrize("cloud", ["aws", "azure"])
def test_policy_and_cost_do_not_depend_on_how_the_engine_forms_ids(plan_of, monkeypatch, cloud):
    from councilkit.blueprints.deployment import build_deployment
    from councilkit.cli.planning import assess, plan_deployment

    d, usual = plan_of("nextcloud", cloud, "production")
    report, cost = assess(usual, d)
    _realistic_ids(monkeypatch)
    other = plan_deployment(build_deployment("nextcloud", cloud=cloud, tier="production"))
    assert {r.id for r in other.resources}.isdisjoint({r.id for r in usual.resources} - {""})
    report2, cost2 = assess(other, d)
    assert report2.as_json()["summary"] == report.as_json()["summary"]
    assert cost2.total == cost.total and len(cost2.unpriced) == len(cost.unpriced)


def test_a_reference_matches_only_its_own_target(plan_of):
    _, plan = plan_of("nextcloud", "aws", "production")
    db = plan.one("aws:rds/instance:Instance")
    groups = plan.of_type("aws:ec2/securityGroup:SecurityGroup")
    [target] = [g for g in groups if refers_to(db.inputs["vpcSecurityGroupIds"][0], g)]
    assert depends_on(db, target, "vpcSecurityGroupIds")
    assert not refers_to("", target) and not refers_to(None, target)
