"""`plan --format sarif`: the policy and deployability results as SARIF 2.1.0, checked against the
OASIS schema itself (tests/fixtures/schemas, see its README for source and licence) and against
what GitHub code scanning documents as required (cli/exports/sarif.py cites both)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
from helpers import planned, run_main, with_inputs

from councilkit.cli.exports import Assessed, export
from councilkit.cli.exports.sarif import ncsc_page
from councilkit.cli.planning import assess, deployability
from councilkit.stacks.deployability import rules_for
from councilkit.stacks.policy import Facts, controls_for, evaluate

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "schemas" / "sarif-schema-2.1.0.json").read_text())
VALIDATOR = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
CASES = [("nextcloud", "aws", "trial"), ("localgov-drupal", "aws", "production"),
         ("nextcloud", "azure", "production"), ("localgov-drupal", "azure", "trial")]
NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.timezone.utc)


def sarif_of(d, plan, report=None, checked=None, source=None):
    assessed_report, cost = assess(plan, d)
    a = Assessed(plan=plan, deployment=d, report=report or assessed_report, cost=cost,
                 checked=checked or deployability(plan, d), source=source or d.blueprint.ref, generated=NOW)
    return export("sarif", a)


def schema_errors(doc) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in VALIDATOR.iter_errors(doc)]


@pytest.fixture(scope="module")
def real():
    """The SARIF of four real plans (two apps × two clouds, both tiers), each planned once."""
    return {case: (planned(*case), sarif_of(*planned(*case))) for case in CASES}


@pytest.fixture(scope="module")
def failing():
    """A real AWS production plan with a mandatory control broken (an unencrypted database), an
    advisory one broken (the load balancer keeps invalid headers) and an input AWS would refuse
    (a load balancer name over 32 characters, the rule's own refused sample)."""
    d, plan = planned("nextcloud", "aws", "production")
    db = plan.one("aws:rds/instance:Instance")
    plan, _ = with_inputs(plan, db, {"storageEncrypted": False})
    lb = plan.one("aws:lb/loadBalancer:LoadBalancer")
    rule = next(r for r in rules_for("aws") if r.id == "AWS-DEP-005")
    plan, _ = with_inputs(plan, lb, {"dropInvalidHeaderFields": False, **rule.bad})
    return d, plan, sarif_of(d, plan), db, lb


def results_of(doc, rule_id):
    return [r for r in doc["runs"][0]["results"] if r["ruleId"] == rule_id]


@pytest.mark.parametrize("case", CASES, ids=["-".join(c) for c in CASES])
def test_every_real_plan_exports_a_valid_sarif_2_1_0_log(real, case):
    _, doc = real[case]
    assert schema_errors(doc) == []
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-schema-2.1.0.json")
    assert len(doc["runs"]) == 1 and doc["runs"][0]["tool"]["driver"]["name"] == "councilkit"


@pytest.mark.parametrize("case", CASES, ids=["-".join(c) for c in CASES])
def test_each_control_and_deployability_rule_is_a_rule_with_githubs_required_fields(real, case):
    (d, _), doc = real[case]
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == [c.id for c in controls_for(d.cloud)] + [r.id for r in rules_for(d.cloud)]
    for rule in rules:  # GitHub: id, shortDescription.text, fullDescription.text, help.text (non-empty, <= 1024)
        assert rule["shortDescription"]["text"] and len(rule["shortDescription"]["text"]) <= 1024
        assert rule["fullDescription"]["text"] and len(rule["fullDescription"]["text"]) <= 1024
        assert rule["help"]["text"] and rule["properties"]["tags"]


def test_rules_carry_their_ncsc_fsbp_and_mcsb_mapping_as_tags_and_help(real):
    (d, _), doc = real[("localgov-drupal", "aws", "production")]
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    rds = rules["CK-AWS-001"]  # RDS encrypted at rest: FSBP RDS.3, MCSB DP-4, NCSC 2.3
    assert {"ncsc:2.3", "fsbp:RDS.3", "mcsb:DP-4", "security", "mandatory"} <= set(rds["properties"]["tags"])
    assert "FSBP RDS.3" in rds["help"]["text"] and "NCSC principle 2.3" in rds["help"]["text"]
    assert rds["helpUri"] == ncsc_page("2.3") and "principle-2-asset-protection" in rds["helpUri"]
    assert rds["properties"]["security-severity"] == "8.0"  # high: GitHub's 7.0-8.9 band
    for control in controls_for(d.cloud):
        tags = set(rules[control.id]["properties"]["tags"])
        assert {f"ncsc:{p}" for p in control.ncsc} <= tags
        assert rules[control.id]["defaultConfiguration"]["level"] == ("error" if control.mandatory else "warning")


def test_a_clean_plan_has_no_results_since_passes_are_not_alerts(real):
    (d, plan), doc = real[("nextcloud", "azure", "production")]
    report, _ = assess(plan, d)
    assert report.count("failed") == 0 and report.count("passed") > 20
    assert doc["runs"][0]["results"] == []


def test_failed_controls_and_violations_are_results_at_the_resource(failing):
    d, plan, doc, db, lb = failing
    assert schema_errors(doc) == []
    [mandatory] = results_of(doc, "CK-AWS-001")
    assert mandatory["level"] == "error" and mandatory["kind"] == "fail"
    assert db.name in mandatory["message"]["text"] and "storageEncrypted" in mandatory["message"]["text"]
    where = mandatory["locations"][0]
    assert where["logicalLocations"] == [{"name": db.name, "fullyQualifiedName": db.urn, "kind": "resource",
                                          "properties": {"pulumiType": "aws:rds/instance:Instance"}}]
    assert where["physicalLocation"]["artifactLocation"]["uri"].endswith("blueprints/nextcloud/1.2.0.yaml")
    assert set(where["physicalLocation"]["region"]) == {"startLine", "startColumn", "endLine", "endColumn"}
    [advisory] = results_of(doc, "CK-AWS-016")
    assert advisory["level"] == "warning" and advisory["locations"][0]["logicalLocations"][0]["name"] == lb.name
    [violation] = results_of(doc, "AWS-DEP-005")
    assert violation["level"] == "error" and "name" in violation["message"]["text"]
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    for result in doc["runs"][0]["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_only_failures_are_results_and_each_has_its_own_fingerprint(failing):
    d, plan, doc, _, _ = failing
    report, _ = assess(plan, d)
    failed = sum(len(r.failures) for r in report.results if r.status == "failed")
    results = doc["runs"][0]["results"]
    assert len(results) == failed + len(deployability(plan, d).violations) == 3
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    assert len(set(hashes)) == len(hashes)
    assert sarif_of(d, plan)["runs"][0]["results"] == results  # the same plan, the same fingerprints


def test_a_waived_failure_is_an_accepted_suppression_with_its_reason(failing):
    d, plan, _, db, _ = failing
    facts = dataclasses.replace(Facts.from_deployment(d), waivers={"CK-AWS-001": "encrypted by the council's own process"})
    doc = sarif_of(d, plan, report=evaluate(plan.resources, facts))
    assert schema_errors(doc) == []
    [waived] = results_of(doc, "CK-AWS-001")
    assert waived["suppressions"] == [{"kind": "external", "status": "accepted",
                                       "justification": "encrypted by the council's own process"}]
    # SARIF 3.27.23: suppressions all null or all non-null within a run
    assert all(r["suppressions"] == [] for r in doc["runs"][0]["results"] if r is not waived)


def test_cli_writes_the_sarif_and_still_prints_the_plan(tmp_path, capsys):
    out = tmp_path / "plan.sarif"
    code, stdout, stderr = run_main(["plan", "nextcloud", "--format", "sarif", "--out", str(out)], capsys)
    assert code == 0, stderr
    assert "resources" in stdout and f"sarif written to {out}" in stdout
    doc = json.loads(out.read_text())
    assert schema_errors(doc) == [] and doc["runs"][0]["automationDetails"]["id"].startswith("councilkit/")


def test_a_stack_folders_results_point_at_its_pulumi_yaml(tmp_path, capsys, monkeypatch):
    from councilkit.cli.newstack import new_stack

    (tmp_path / "stacks").mkdir()
    folder = new_stack("nextcloud", cloud="aws", tier="trial", council="Borsetshire County Council",
                       folder=str(tmp_path / "stacks" / "borsetshire-nextcloud")).path
    monkeypatch.chdir(tmp_path)
    d, plan = planned("nextcloud", "aws", "trial")
    a = Assessed(plan=plan, deployment=d, report=assess(plan, d)[0], cost=None, checked=deployability(plan, d),
                 source=str(folder), generated=NOW)
    from councilkit.cli.exports import artifact_of

    assert artifact_of(a) == "stacks/borsetshire-nextcloud/Pulumi.yaml"


def test_a_violation_is_written_to_the_sarif_before_plan_exits_1(tmp_path, capsys, monkeypatch, failing):
    from councilkit.cli import planning

    d, plan, _, _, _ = failing
    monkeypatch.setattr(planning, "deployability", lambda result, d_: deployability(plan, d))
    out = tmp_path / "plan.sarif"
    code, _, stderr = run_main(["plan", "nextcloud", "--tier", "production", "--format", "sarif", "--out", str(out)],
                               capsys)
    assert code == 1 and "AWS-DEP-005" in stderr
    assert [r["ruleId"] for r in json.loads(out.read_text())["runs"][0]["results"]] == ["AWS-DEP-005"]


def test_format_without_out_is_one_error_line_and_exit_2(capsys, tmp_path):
    code, stdout, stderr = run_main(["plan", "nextcloud", "--format", "sarif"], capsys)
    assert code == 2 and stderr.strip() == "error: --format sarif needs --out FILE"
    assert "resources" not in stdout  # refused before planning


def test_an_unknown_format_lists_the_valid_ones(capsys, tmp_path):
    code, _, stderr = run_main(["plan", "nextcloud", "--format", "pdf", "--out", str(tmp_path / "x")], capsys)
    assert code == 2 and stderr.count("\n") == 1 and stderr.startswith("error:")
    assert all(name in stderr for name in ("json", "sarif", "infracost"))
    assert not (tmp_path / "x").exists()


def test_the_estate_workflow_writes_each_stacks_sarif_and_uploads_it_to_code_scanning():
    import yaml

    from councilkit.cli.estate.model import Entry
    from councilkit.cli.estate.render import Rendered, workflow_text

    entries = [Entry("a", "Midsomer District Council", "nextcloud", "aws", "production", None, None, None, False, 30),
               Entry("b", "Midsomer District Council", "localgov-drupal", "azure", "trial", None, None, None, False, 30)]
    rendered = [Rendered(e, True, folder=f"stacks/{e.app}-{e.cloud}", stack=f"{e.app}-{e.cloud}", region="uk")
                for e in entries]
    workflow = yaml.safe_load(workflow_text("midsomer", rendered))
    assert workflow["permissions"]["security-events"] == "write"  # upload-sarif needs it
    steps = workflow["jobs"]["stacks"]["steps"]
    names = [s.get("name", s.get("uses")) for s in steps]
    export = next(s for s in steps if "--format sarif" in s.get("run", ""))
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert names.index(export["name"]) < names.index(upload["name"])
    assert '--out "councilkit-${{ matrix.stack }}.sarif"' in export["run"] and "councilkit plan" in export["run"]
    assert export["if"] == "always()" and upload["if"].startswith("always()")  # after a failed plan as well
    assert upload["uses"] == "github/codeql-action/upload-sarif@v4"
    assert upload["with"] == {"sarif_file": "councilkit-${{ matrix.stack }}.sarif",
                              "category": "councilkit-${{ matrix.stack }}"}


def test_a_blueprint_outside_the_current_folder_is_an_absolute_file_uri(tmp_path, monkeypatch, failing):
    d, plan, _, _, _ = failing
    monkeypatch.chdir(tmp_path)
    doc = sarif_of(d, plan)
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": (Path(d.blueprint_dir) / f"{d.blueprint.version}.yaml").resolve().as_uri()}
    assert schema_errors(doc) == []
