"""`councilkit plan` shows compliance and cost (and fails on a mandatory control); `councilkit cost`."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from councilkit.cli.main import main

from helpers import planned


def _in_process(monkeypatch, capsys, plan, *argv):
    """Run `councilkit ARGV` in this process with `plan` instead of a fresh offline plan."""
    monkeypatch.setattr("councilkit.cli.planning.plan_deployment", lambda d: plan)
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def _unencrypted(plan):
    bad = copy.deepcopy(plan)
    db = next(r for r in bad.resources if r.type == "aws:rds/instance:Instance")
    db.inputs["storageEncrypted"] = False
    db.inputs["publiclyAccessible"] = True
    return bad


def test_plan_prints_the_compliance_summary_and_the_cost_before_the_summary_line(cli):
    result = cli("plan", "nextcloud", "--cloud", "aws", "--tier", "production")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "policy: " in out and " passed, 0 failed, " in out and "not applicable" in out
    assert "cost: $" in out and "a month (≈ £" in out
    assert out.strip().splitlines()[-1].startswith(tuple("0123456789"))  # the summary line stays last


def test_plan_json_carries_policy_and_cost(cli, tmp_path):
    path = tmp_path / "plan.json"
    result = cli("plan", "localgov-drupal", "--cloud", "azure", "--tier", "trial", "--json", str(path))
    assert result.returncode == 0, result.stderr
    doc = json.loads(path.read_text())
    policy, cost = doc["policy"], doc["cost"]
    assert policy["summary"]["failed"] == 0 and policy["summary"]["controls"] == len(policy["rules"]) >= 25
    rule = next(r for r in policy["rules"] if r["id"] == "CK-AZR-006")
    assert rule["status"] == "passed" and rule["mandatory"] is True and rule["severity"] == "critical"
    assert rule["checked"] == len(rule["resources"]) == 1 and rule["resources"][0]["reason"]
    assert rule["ncsc"] == ["11"] and rule["benchmarks"] == ["MCSB NS-2"]
    assert cost["currency"] == "GBP" and cost["monthly_total"] > 0 and cost["unpriced"] == []
    assert cost["price_date"] == "2026-12-03" and "azure-uksouth.yaml" in cost["price_source"]
    assert cost["trial_period"] == {"days": 30, "total": cost["trial_period"]["total"]}
    assert any("busy 25% of the time" in a for a in cost["assumptions"])
    line = cost["lines"][0]
    assert {"urn", "resource", "description", "quantity", "unit", "unit_price", "monthly", "source", "price_date"} <= set(line)


def test_a_failed_mandatory_control_fails_the_plan_with_the_failures_listed(monkeypatch, capsys, tmp_path):
    _, plan = planned("nextcloud", "aws", "trial")
    path = tmp_path / "plan.json"
    code, out, err = _in_process(monkeypatch, capsys, _unencrypted(plan), "plan", "nextcloud", "--json", str(path))
    assert code == 1
    assert "✗ CK-AWS-001 [high, mandatory] RDS databases are encrypted at rest" in out
    assert "nextcloud-db: storageEncrypted is not true" in out
    assert "✗ CK-AWS-010" in out and "2 failed" in out
    assert err.strip() == ("plan fails 2 mandatory controls: CK-AWS-001, CK-AWS-010 "
                           "(fix the plan, or pass --allow-failures to report without failing)")
    doc = json.loads(path.read_text())  # the report is still written
    assert doc["policy"]["summary"]["mandatory_failed"] == 2


def test_allow_failures_reports_without_failing(monkeypatch, capsys):
    _, plan = planned("nextcloud", "aws", "trial")
    code, out, err = _in_process(monkeypatch, capsys, _unencrypted(plan), "plan", "nextcloud", "--allow-failures")
    assert code == 0 and err == ""
    assert "✗ CK-AWS-001" in out


def test_an_advisory_failure_is_shown_but_does_not_fail_the_plan(monkeypatch, capsys):
    _, plan = planned("nextcloud", "aws", "trial")
    bad = copy.deepcopy(plan)
    next(r for r in bad.resources if r.type == "aws:sns/topic:Topic").inputs.pop("kmsMasterKeyId")
    code, out, _ = _in_process(monkeypatch, capsys, bad, "plan", "nextcloud")
    assert code == 0 and "! CK-AWS-009 [low, advisory]" in out


def test_a_non_uk_region_chosen_with_the_flag_is_reported_as_waived(cli):
    result = cli("plan", "nextcloud", "--region", "eu-west-1", "--allow-non-uk-region")
    assert result.returncode == 0, result.stderr
    assert "1 waived" in result.stdout and "~ CK-GEN-001 waived" in result.stdout
    assert "no price file for aws eu-west-1: eu-west-2 prices shown" in " ".join(result.stdout.split())


def test_cost_prints_the_table_alone(cli):
    result = cli("cost", "nextcloud", "--cloud", "aws", "--tier", "trial")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Monthly estimate: nextcloud@1.2.0 on aws eu-west-2, trial" in out
    assert "db.t4g.micro single-AZ (postgres)" in out and "Fargate Spot vCPU" in out
    assert "total: $" in out and "30-day trial: $" in out
    assert "assumes 10 GB a month stored" in out and "unpriced: none" in out
    assert "free (" in out and "Vpc (no charge for a VPC)" in out
    assert "prices: stacks/cost/prices/aws-eu-west-2.yaml" in out
    assert "policy:" not in out and "resources ·" not in out


def test_cost_on_azure_is_in_pounds_and_writes_json(cli, tmp_path):
    path = tmp_path / "cost.json"
    result = cli("cost", "nextcloud", "--cloud", "azure", "--tier", "production", "--json", str(path))
    assert result.returncode == 0, result.stderr
    assert "total: £" in result.stdout and "Front Door Premium base fee" in result.stdout
    doc = json.loads(path.read_text())
    assert doc["currency"] == "GBP" and "trial_period" not in doc


def test_cost_bad_input_is_one_error_line(cli):
    result = cli("cost", "wordpres")
    assert result.returncode == 2 and result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("error: ") and "unknown app 'wordpres'" in result.stderr


def test_cost_help_imports_no_cloud_sdk():
    code = (
        "import sys\n"
        "from councilkit.cli.main import cli\n"
        "try:\n    cli.main(['cost', '--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pulumi', 'pulumi_aws', 'pulumi_azure_native', 'pulumi_random', 'pulumi_policy')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Usage:" in out.stdout and out.stdout.strip().splitlines()[-1] == "[]"
