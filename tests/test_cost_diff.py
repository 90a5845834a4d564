"""`cost --diff OLD.json` and stacks/cost/diff.py: what the monthly cost adds, removes and changes
between two estimates, per resource and per line, on real plans of two apps on both clouds."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from helpers import planned, run_main
from hypothesis import example, given, settings
from hypothesis import strategies as st

from councilkit.blueprints.errors import UserError
from councilkit.cli.planning import assess
from councilkit.stacks.cost.diff import diff, estimate_document


def estimate_of(*case):
    d, plan = planned(*case)
    return assess(plan, d)[1]


@pytest.fixture(scope="module")
def estimates():
    cases = [("nextcloud", "aws", "trial"), ("nextcloud", "aws", "production"),
             ("localgov-drupal", "azure", "trial"), ("localgov-drupal", "azure", "production")]
    return {case: estimate_of(*case) for case in cases}


def test_trial_to_production_on_aws_adds_and_changes_what_production_needs(estimates):
    trial, production = estimates[("nextcloud", "aws", "trial")], estimates[("nextcloud", "aws", "production")]
    change = diff(trial.as_json(), production.as_json())
    assert change.currency == "USD"
    assert change.before == trial.total and change.after == production.total
    assert change.change == production.total - trial.total > 0
    added = {r.name for r in change.resources if r.status == "added"}
    assert {"nextcloud-nat-a", "nextcloud-waf"} <= added  # production's NAT gateways and WAF
    db = next(r for r in change.resources if r.type == "aws:rds/instance:Instance")
    assert db.status == "changed" and {line.status for line in db.lines} >= {"added", "removed"}
    # every resource's change is the sum of its lines' changes, and the resources add up to the total
    for r in change.resources:
        assert r.change == sum((line.change for line in r.lines), Decimal(0))
    assert sum((r.change for r in change.resources), Decimal(0)) == change.change


def test_a_changed_quantity_is_one_changed_line_with_both_sides(estimates):
    trial, production = estimates[("localgov-drupal", "azure", "trial")], estimates[("localgov-drupal", "azure", "production")]
    change = diff(trial.as_json(), production.as_json())
    assert change.currency == "GBP" and change.before == trial.total and change.after == production.total
    changed = [line for r in change.resources for line in r.lines if line.status == "changed"]
    assert changed
    for line in changed:
        assert line.before and line.after and line.before != line.after
        assert line.change == Decimal(str(line.after["monthly"])) - Decimal(str(line.before["monthly"]))


def test_the_same_estimate_twice_changes_nothing(estimates):
    doc = estimates[("nextcloud", "aws", "production")].as_json()
    change = diff(doc, doc)
    assert change.resources == () and change.change == 0
    assert change.unchanged == len(estimates[("nextcloud", "aws", "production")].by_resource())


def test_aws_against_azure_compares_in_pounds_at_each_files_rate(estimates):
    aws, azure = estimates[("nextcloud", "aws", "trial")], estimates[("localgov-drupal", "azure", "trial")]
    change = diff(aws.as_json(), azure.as_json())
    assert change.currency == "GBP" and change.notes
    assert abs(change.before - aws.total_gbp) <= Decimal("0.01") * len(aws.lines)  # each line in whole pence
    assert change.after == azure.total


def test_the_diff_json_has_totals_summary_and_every_line(estimates):
    doc = diff(estimates[("nextcloud", "aws", "trial")].as_json(),
               estimates[("nextcloud", "aws", "production")].as_json()).as_json()
    assert set(doc) >= {"currency", "monthly_total_before", "monthly_total_after", "monthly_change", "summary", "resources"}
    assert doc["summary"]["added"] >= 2 and doc["summary"]["changed"] >= 1
    first = doc["resources"][0]
    assert set(first) >= {"resource", "type", "status", "monthly_before", "monthly_after", "monthly_change", "lines"}
    assert all(line["status"] in ("added", "removed", "changed") for r in doc["resources"] for line in r["lines"])


def test_a_file_that_is_no_estimate_is_refused_naming_it():
    with pytest.raises(UserError, match="not a councilkit plan or estimate JSON"):
        estimate_document({"steps": []}, "old.json")
    with pytest.raises(UserError, match="cost line 1 has no valid monthly"):
        estimate_document({"currency": "GBP", "lines": [{"urn": "u", "type": "t", "resource": "r", "description": "d",
                                                         "unit": "GB", "price_key": "k", "quantity": 1,
                                                         "unit_price": 1, "monthly": "lots"}]}, "old.json")


def test_cost_diff_against_a_saved_plan_prints_the_change_and_writes_json(tmp_path, capsys):
    old, out = tmp_path / "trial-plan.json", tmp_path / "change.json"
    code, _, stderr = run_main(["plan", "nextcloud", "--json", str(old)], capsys)
    assert code == 0, stderr
    code, stdout, stderr = run_main(["cost", "nextcloud", "--tier", "production", "--diff", str(old),
                                     "--json", str(out)], capsys)
    assert code == 0, stderr
    trial, production = estimate_of("nextcloud", "aws", "trial"), estimate_of("nextcloud", "aws", "production")
    assert f"monthly total: ${trial.total:,.2f} -> ${production.total:,.2f}" in stdout
    assert "nextcloud-nat-a" in stdout
    doc = json.loads(out.read_text())
    assert doc["monthly_total_before"] == float(trial.total) and doc["monthly_total_after"] == float(production.total)


def test_cost_diff_reads_a_saved_estimate_too(tmp_path, capsys):
    old = tmp_path / "estimate.json"
    code, _, stderr = run_main(["cost", "nextcloud", "--json", str(old)], capsys)
    assert code == 0, stderr
    code, stdout, stderr = run_main(["cost", "nextcloud", "--diff", str(old)], capsys)
    assert code == 0, stderr
    assert "no cost change" in stdout and "(+$0.00)" not in stdout and "0 added, 0 removed, 0 changed" in stdout


@pytest.mark.parametrize("content,message", [("{not json", "not JSON"), ('{"steps": []}', "not a councilkit plan")])
def test_cost_diff_with_a_bad_file_is_one_error_line_and_exit_2(tmp_path, capsys, content, message):
    bad = tmp_path / "old.json"
    bad.write_text(content)
    code, stdout, stderr = run_main(["cost", "nextcloud", "--diff", str(bad)], capsys)
    assert code == 2 and stderr.count("\n") == 1 and stderr.startswith(f"error: {bad}: {message}")
    assert "Monthly" not in stdout


def test_the_upgrade_preview_shows_the_cost_change_between_the_two_versions(tmp_path):
    """A newer localgov-drupal release with a bigger trial web task: the preview says what it costs."""
    import shutil

    from councilkit.blueprints.loader import BUILTIN_DIR
    from councilkit.cli.newstack import new_stack
    from councilkit.cli.stackdir import open_folder
    from councilkit.cli.upgrade import prepare_upgrade, report

    catalogue = tmp_path / "blueprints"
    shutil.copytree(BUILTIN_DIR / "localgov-drupal", catalogue / "localgov-drupal")
    newest = sorted((catalogue / "localgov-drupal").glob("*.yaml"))[-1].read_text()
    old_web = "      web: {cpu: 0.5, memory_gib: 1, replicas: 1}"
    assert old_web in newest
    bigger = newest.replace(old_web, "      web: {cpu: 1, memory_gib: 2, replicas: 1}", 1)
    (catalogue / "localgov-drupal" / "9.0.0.yaml").write_text(_with_version(bigger, "9.0.0"))
    folder = new_stack("localgov-drupal@1.0.0", cloud="aws", tier="trial", council="Borsetshire County Council",
                       folder=str(tmp_path / "drupal")).path
    u = prepare_upgrade(open_folder(folder), "9.0.0", (catalogue,))
    assert u.cost.change > 0
    web = next(r for r in u.cost.resources if r.type == "aws:ecs/service:Service")
    assert web.status == "changed" and web.change > 0
    lines = report(u)
    headline = next(line for line in lines if line.startswith("cost (offline estimate): "))
    assert f"${u.cost.before:,.2f} -> ${u.cost.after:,.2f} a month (+${u.cost.change:,.2f})" in headline
    assert f"  ~ {web.name}: +${web.change:,.2f}" in lines


def _with_version(text: str, version: str) -> str:
    import re

    return re.sub(r"^version: .*$", f"version: {version}", text, count=1, flags=re.M)



KEYS = st.sampled_from(["cost", "steps", "lines", "currency", "prices", "gbp_per_usd", "urn", "type", "resource",
                        "description", "unit", "price_key", "quantity", "unit_price", "monthly"])
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
           | st.sampled_from(["GBP", "USD", "k", "urn:pulumi:s::p::aws:x:Y::n", ""]))
DOCUMENTS = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=8),
                         max_leaves=25)


LINE = {"urn": "urn:pulumi:s::p::aws:x:Y::n", "type": "aws:x:Y", "resource": "n", "description": "d", "unit": "GB",
        "price_key": "k", "quantity": 1, "unit_price": 1.5, "monthly": 1.5}


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS, DOCUMENTS)
@example({"currency": "GBP", "lines": [LINE]}, {"currency": "USD", "prices": {"gbp_per_usd": 0.75}, "lines": [LINE]})
@example({"currency": "GBP", "lines": [{**LINE, "monthly": 1e300}]}, {"currency": "GBP", "lines": []})
def test_any_json_is_compared_or_refused_with_one_error_never_a_crash(a, b):
    try:
        before, after = estimate_document(a, "a.json"), estimate_document(b, "b.json")
    except UserError as exc:
        assert str(exc).startswith(("a.json: ", "b.json: "))
        return
    change = diff(before, after)
    assert change.change == change.after - change.before
