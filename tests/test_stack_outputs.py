"""StackOutputs: one typed record of what every stack exports, read the same way for both clouds."""

from __future__ import annotations

import pytest

from councilkit.cli.automation import describe_outputs
from councilkit.stacks.cloud import CLOUDS
from councilkit.stacks.outputs import CORE_KEYS, SCHEMA_VERSION, AdminCredentials, StackOutputs


@pytest.mark.parametrize("cloud", ["aws", "azure"])
@pytest.mark.parametrize("tier", ["trial", "production"])
def test_every_stack_exports_the_core_keys_with_the_schema_shapes(plan_of, cloud, tier):
    d, plan = plan_of("nextcloud", cloud, tier)
    out = plan.outputs
    assert set(CORE_KEYS) <= set(out)
    assert out["cloud"] == cloud and out["region"] == d.region and out["url"] == f"https://{d.domain}"
    creds = out["admin_credentials"]
    assert set(creds) == {"store", "location", "secrets", "read_command"}
    assert creds["secrets"] and all(isinstance(v, str) and v for v in creds["secrets"].values())
    assert "<secret>" in creds["read_command"] or "<ARN>" in creds["read_command"]
    records = StackOutputs.from_exports(out, CLOUDS[cloud]).records()
    assert records and all(r.type in ("CNAME", "TXT") and r.name and r.value for r in records)
    assert out["data_locations"]["database"] and out["data_locations"]["secrets"]


def test_aws_credentials_are_secrets_manager_arns(plan_of):
    d, plan = plan_of("nextcloud", "aws", "trial")
    creds = plan.outputs["admin_credentials"]
    assert creds["store"] == "AWS Secrets Manager" and creds["location"] == "eu-west-2"
    assert all(arn.startswith("arn:aws:secretsmanager:") for arn in creds["secrets"].values())


def test_the_metadata_output_names_the_outputs_schema():
    from councilkit.blueprints.deployment import build_deployment
    from councilkit.stacks.program import metadata

    assert metadata(build_deployment("nextcloud", cloud="aws", tier="trial"))["outputs-schema"] == SCHEMA_VERSION


def test_details_cannot_shadow_a_core_key():
    out = StackOutputs(cloud="aws", region="eu-west-2", url="https://x.gov.uk", dns_records=[],
                       admin_credentials=AdminCredentials("s", "l", {}, "c"), details={"url": "elsewhere"})
    with pytest.raises(ValueError, match="url"):
        out.exports()


def test_outputs_written_by_councilkit_0_1_on_aws_are_still_read():
    old = {"url": "https://files.borsetshire.gov.uk", "region": "eu-west-2",
           "admin_credentials": {"admin-password": "arn:aws:secretsmanager:eu-west-2:1:secret:x"},
           "dns_records": [{"name": "_v.files.borsetshire.gov.uk.", "type": "CNAME", "value": "_x.acm."}]}
    out = StackOutputs.from_exports(old, CLOUDS["aws"])
    assert out.admin_credentials.store == "AWS Secrets Manager"
    assert out.admin_credentials.secrets == {"admin-password": "arn:aws:secretsmanager:eu-west-2:1:secret:x"}
    assert "--region eu-west-2" in out.admin_credentials.read_command
    assert [(r.type, r.name, r.value) for r in out.records()] == [("CNAME", "_v.files.borsetshire.gov.uk.", "_x.acm.")]


def test_outputs_written_by_councilkit_0_1_on_azure_are_still_read():
    old = {"key_vault": "kv-x", "admin_credentials": {"key_vault": "kv-x", "secrets": ["admin-password"],
                                                      "how": "az keyvault secret show --vault-name kv-x --name <secret>"}}
    out = StackOutputs.from_exports(old, CLOUDS["azure"])
    assert (out.admin_credentials.store, out.admin_credentials.location) == ("Azure Key Vault", "kv-x")
    assert out.admin_credentials.secrets == {"admin-password": "admin-password"}
    assert out.admin_credentials.read_command.startswith("az keyvault secret show --vault-name kv-x")


def test_outputs_command_prints_the_same_lines_for_both_clouds(plan_of):
    for cloud in ("aws", "azure"):
        d, plan = plan_of("nextcloud", cloud, "production")
        lines = describe_outputs(plan.outputs, d)
        creds = plan.outputs["admin_credentials"]
        assert lines[0] == f"url: https://{d.domain}"
        assert "dns records to create:" in lines
        assert f"admin credentials: {creds['store']}, {creds['location']}:" in lines
        assert f"  read one with: {creds['read_command']}" in lines
        assert not any(line.startswith(("one_off:", "data_locations:", "admin_credentials:")) for line in lines)
