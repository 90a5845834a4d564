"""The offline engine's one private dependency on Pulumi: how secrets and references look on the wire."""

from __future__ import annotations

from importlib.metadata import version

from councilkit.cli import wire


def test_wire_constants_are_the_installed_pulumis():
    from pulumi.runtime import rpc

    installed = version("pulumi")
    assert (wire.SIG_KEY, wire.SECRET_SIG, wire.RESOURCE_SIG) == (
        rpc._special_sig_key, rpc._special_secret_sig, rpc._special_resource_sig,
    ), f"pulumi {installed} changed its wire signatures: update cli/wire.py from pulumi/runtime/rpc.py"


def test_a_secret_is_masked_and_a_reference_becomes_its_urn():
    value = {"password": {wire.SIG_KEY: wire.SECRET_SIG, "value": "hunter2"},
             "vpc": {wire.SIG_KEY: wire.RESOURCE_SIG, "urn": "urn:pulumi:s::p::aws:ec2/vpc:Vpc::v", "id": "vpc-1"},
             "ports": [443.0, 8.5], "__internal": "dropped"}
    assert wire.mask(value) == {"password": "[secret]", "vpc": "urn:pulumi:s::p::aws:ec2/vpc:Vpc::v", "ports": [443, 8.5]}


def test_no_plan_holds_a_secret_marker_or_value(plan_of):
    import json

    _, plan = plan_of("nextcloud", "aws", "production")
    text = json.dumps([r.inputs for r in plan.resources])
    assert wire.SIG_KEY not in text and wire.SECRET_SIG not in text
    db = plan.one("aws:rds/instance:Instance")
    assert db.inputs["password"] == "[secret]"
