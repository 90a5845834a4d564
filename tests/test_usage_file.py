"""A council's usage file (issue 17), like Infracost's: its figures replace the tier's assumptions;
an unknown key is one `error:` line naming it and the valid keys; null means "not known"."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from councilkit.blueprints.errors import UserError
from councilkit.cli.newstack import new_stack
from councilkit.stacks.cost import estimate, usage_file

from helpers import planned

TIER = "production"


def _lines(e, item):
    return [line for line in e.lines if line.item == item]


def test_a_usage_figure_replaces_the_tiers_assumption_and_says_so():
    d, plan = planned("nextcloud", "azure", TIER)
    default = estimate(plan.resources, cloud="azure", region=d.region, tier=TIER)
    mine = estimate(plan.resources, cloud="azure", region=d.region, tier=TIER, usage={"log_gb": 12})
    (before,), (after,) = _lines(default, "logs ingested"), _lines(mine, "logs ingested")
    assert before.quantity == 5 and after.quantity == 12 and after.assumption == "assumes 12 GB of logs a month"
    assert after.monthly == (Decimal(12) * after.price.amount).quantize(Decimal("0.01"))
    # Only the workspace's lines (ingestion and retention) move; nothing else does.
    workspace = lambda e: sum(line.monthly for line in e.lines if line.urn == after.urn)  # noqa: E731
    assert mine.total - default.total == workspace(mine) - workspace(default) > after.monthly - before.monthly
    assert "usage from the council's usage file: log_gb=12" in mine.notes


def test_without_a_value_a_usage_line_says_depends_on_usage_with_its_unit_price():
    d, plan = planned("nextcloud", "azure", TIER)
    e = estimate(plan.resources, cloud="azure", region=d.region, tier=TIER)
    (inbound,) = [line for line in e.lines if line.item.endswith("data processed inbound") and "origin" in line.item]
    assert inbound.monthly == 0 and inbound.quantity == 0
    assert inbound.assumption == ("depends on usage: £0.0073 per GB processed inbound "
                                  "(set front_door_origin_in_gb in a usage file)")
    given = estimate(plan.resources, cloud="azure", region=d.region, tier=TIER, usage={"front_door_origin_in_gb": 40})
    (priced,) = [line for line in given.lines if line.item == inbound.item]
    assert priced.quantity == 40 and priced.monthly == Decimal("0.29")  # 40 GB x $0.01 x 0.731


def test_a_null_for_a_figure_the_estimate_needs_is_unpriced_never_guessed():
    d, plan = planned("nextcloud", "azure", TIER)
    e = estimate(plan.resources, cloud="azure", region=d.region, tier=TIER, usage={"log_gb": None})
    (workspace,) = [u for u in e.unpriced if u.type == "azure-native:operationalinsights:Workspace"]
    assert workspace.reason == "usage 'log_gb' is not known (null in the usage file)"


def test_an_unknown_key_names_itself_and_the_valid_ones(tmp_path):
    path = tmp_path / "usage.yaml"
    path.write_text("log_gbs: 12\n")
    with pytest.raises(UserError) as err:
        usage_file.overrides(usage_file.read(path), "azure", str(path))
    message = str(err.value)
    assert message.startswith(f"{path}: unknown usage key 'log_gbs' for azure; valid keys: active_fraction, blob_gb,")
    assert "log_gb," in message and "private_endpoint_out_gb" in message
    # The other cloud's keys are not this cloud's.
    with pytest.raises(UserError, match="unknown usage key 'log_gb' for aws"):
        usage_file.overrides({"log_gb": 1}, "aws", "u.yaml")


@pytest.mark.parametrize("text, message", [
    ("log_gb: -1\n", "log_gb must be a number of 0 or more, or null (got '-1')"),
    ("log_gb: lots\n", "log_gb must be a number of 0 or more, or null (got 'lots')"),
    ("log_gb: true\n", "log_gb must be a number of 0 or more, or null (got 'True')"),
    ("- log_gb\n", "must be a mapping of usage keys to numbers"),
    ("log_gb: [\n", "is not valid YAML (line 2)"),
])
def test_bad_values_are_refused(tmp_path, text, message):
    path = tmp_path / "usage.yaml"
    path.write_text(text)
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        usage_file.overrides(usage_file.read(path), "azure", str(path))


def test_every_shipped_key_is_valid_for_its_cloud_and_only_there():
    assert "vpc_endpoint_gb" in usage_file.valid_keys("aws") and "vpc_endpoint_gb" not in usage_file.valid_keys("azure")
    assert {"private_endpoint_in_gb", "private_endpoint_out_gb", "front_door_origin_in_gb"} <= set(usage_file.valid_keys("azure"))


# --- through the commands ------------------------------------------------------------------------

def test_cost_usage_file_changes_the_json_estimate(cli, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("log_gb: 12  # what our workspace ingested last month\n")
    out = tmp_path / "cost.json"
    result = cli("cost", "nextcloud", "--cloud", "azure", "--tier", TIER, "--usage", str(path), "--json", str(out))
    assert result.returncode == 0, result.stderr
    (line,) = [x for x in json.loads(out.read_text())["lines"] if x["description"] == "logs ingested"]
    assert line["quantity"] == 12 and line["assumption"] == "assumes 12 GB of logs a month"


def test_an_unknown_key_fails_plan_and_cost_with_one_error_line(cli, tmp_path):
    path = tmp_path / "usage.yaml"
    path.write_text("nat_gigabytes: 5\n")
    for command in ("plan", "cost"):
        result = cli(command, "nextcloud", "--cloud", "aws", "--usage", str(path))
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith(f"error: {path}: unknown usage key 'nat_gigabytes' for aws; valid keys: alb_lcu,")
    missing = cli("cost", "nextcloud", "--usage", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and missing.stderr == f"error: usage file {tmp_path / 'nope.yaml'} does not exist\n"


def test_a_stack_folders_usage_yaml_is_read_by_cost(cli, tmp_path):
    folder = new_stack("nextcloud", cloud="aws", tier="trial", council="Borsetshire County Council",
                       domain="files.borsetshire.gov.uk", contact="it@borsetshire.gov.uk", folder=str(tmp_path / "stack")).path
    out = tmp_path / "cost.json"
    (folder / "usage.yaml").write_text("nat_gb: 0\nefs_gb: 25\n")
    result = cli("cost", str(folder), "--json", str(out))
    assert result.returncode == 0, result.stderr
    doc = json.loads(out.read_text())
    (efs,) = [x for x in doc["lines"] if x["description"] == "EFS Standard storage"]
    assert efs["quantity"] == 25 and any("usage file: efs_gb=25, nat_gb=0" in n for n in doc["notes"])
