"""The deployability layer: every catalogue plan is accepted by every rule; every rule catches its
own bad sample planted into a real plan (and only that) and passes its good one; unknowns are
skipped; the CLI refuses a plan (and `up` refuses before Pulumi) whatever --allow-failures says."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from councilkit.blueprints.clouds import CLOUDS
from councilkit.stacks import deployability
from councilkit.stacks.cloud import cloud_for
from councilkit.stacks.deployability import Rule, plant, unknown, values_at
from councilkit.stacks.plan import Plan, PlannedResource

from helpers import APPS, TIERS, planned, with_inputs

ROOT = Path(__file__).resolve().parents[1]
ALL_RULES = [r for c in CLOUDS for r in cloud_for(c).deployability_rules()]
N_AWS = len(cloud_for("aws").deployability_rules())
RULE_CLOUD = {r.id: c for c in CLOUDS for r in cloud_for(c).deployability_rules()}
# Real plans a rule's samples are planted into: the first holding a resource of the rule's type
# whose good sample passes (nextcloud runs PostgreSQL, LocalGov Drupal MariaDB).
CANDIDATES = {cloud: [(app, cloud, "production") for app in ("nextcloud", "localgov-drupal")]
              + [(app, cloud, "trial") for app in ("nextcloud", "localgov-drupal")] for cloud in CLOUDS}


# --- every real plan is deployable ------------------------------------------------------------

@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("cloud", sorted(CLOUDS))
@pytest.mark.parametrize("tier", TIERS)
def test_every_catalogue_plan_breaks_no_provider_or_api_rule(app, cloud, tier):
    _, plan = planned(app, cloud, tier)
    found = deployability.check(plan, cloud)
    assert [v.line() for v in found] == []


def test_odd_council_names_plan_without_violations():
    """Whole plans for councils whose names broke stacks before: apostrophes, ampersands, digits first,
    the longest name a council may type."""
    for council in ("King's Lynn & West Norfolk", "1st (Unitary) Council", "A" * 10 + " " + "b" * 69):
        for cloud in ("aws", "azure"):
            _, plan = planned("nextcloud", cloud, "production", council=council, domain="files.example-council.gov.uk",
                              contact="it@example-council.gov.uk")
            assert [v.line() for v in deployability.check(plan, cloud)] == [], council


# --- the mutation self-test -----------------------------------------------------------------

def _bare(type_: str, stack: str) -> PlannedResource:
    """A resource of a type no catalogue plan has yet, with no inputs but the planted ones."""
    return PlannedResource(urn=f"urn:pulumi:{stack}::councilkit::{type_}::planted", type=type_, name="planted",
                           parent="", custom=True, inputs={})


def _target(rule: Rule) -> tuple[Plan, PlannedResource]:
    """A real plan and a resource of the rule's first type in it where the good sample passes."""
    cloud = RULE_CLOUD[rule.id]
    for case in CANDIDATES[cloud]:
        _, plan = planned(*case)
        for r in plan.of_type(rule.types[0]) or [_bare(rule.types[0], plan.stack)]:
            good, _ = with_inputs(plan, r, rule.good)
            if not deployability.check(good, cloud):
                return plan, r
    raise AssertionError(f"{rule.id}: no plan of {cloud} where its good sample passes")


def mutation_failures(rule: Rule) -> list[str]:
    """Why the rule fails its self-test (empty when it passes): the bad sample planted into a real
    resource must make exactly this rule fire, on that resource, at a planted input."""
    cloud = RULE_CLOUD[rule.id]
    plan, target = _target(rule)
    bad, _ = with_inputs(plan, target, rule.bad)
    found = deployability.violations(bad.resources, cloud_for(cloud).deployability_rules())
    problems = []
    if not found:
        problems.append(f"{rule.id}: its bad sample {rule.bad!r} is not caught")
    for v in found:
        if (v.rule, v.urn) != (rule.id, target.urn):
            problems.append(f"{rule.id}: planting its bad sample made {v.rule} fire on {v.name}")
        elif v.input not in rule.bad and not any(v.input.startswith(p) for p in rule.bad):
            problems.append(f"{rule.id}: fired at {v.input}, which was not planted")
        elif v.source != rule.source or not v.message:
            problems.append(f"{rule.id}: violation without its source or message")
    return problems


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_each_rule_catches_its_bad_sample_in_a_real_plan_and_passes_its_good_one(rule):
    assert mutation_failures(rule) == []


def test_the_self_test_fails_a_rule_that_catches_nothing_or_something_else():
    rule = next(r for r in ALL_RULES if r.id == "AWS-DEP-001")
    blind = dataclasses.replace(rule, id="AWS-DEP-001", check=lambda inputs, related: iter(()))
    RULE_CLOUD.setdefault(blind.id, "aws")
    original = cloud_for("aws").deployability_rules

    try:
        type(cloud_for("aws")).deployability_rules = lambda self: tuple(
            blind if r.id == rule.id else r for r in original())
        assert mutation_failures(blind) == [f"AWS-DEP-001: its bad sample {rule.bad!r} is not caught"]
        # A bad sample that trips another rule is reported too.
        sloppy = dataclasses.replace(rule, bad={**rule.bad, "description": "King's Lynn"})
        type(cloud_for("aws")).deployability_rules = lambda self: tuple(
            sloppy if r.id == rule.id else r for r in original())
        assert any("made AWS-DEP-002 fire" in p for p in mutation_failures(sloppy))
    finally:
        del type(cloud_for("aws")).deployability_rules


def _pattern_re(pattern: str) -> re.Pattern:
    return re.compile(re.escape(pattern).replace(r"\[\*\]", r"\[\d+\]") + r"(\..*|\[.*)?$")


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_every_rule_has_an_id_types_inputs_a_source_and_both_samples(rule):
    assert re.fullmatch(r"(AWS|AZR)-DEP-\d{3}", rule.id)
    assert rule.types and all(":" in t for t in rule.types)
    assert rule.inputs and rule.title and rule.scope in ("resource", "stack")
    assert len(rule.source) > 20 and re.search(r"terraform-provider|API reference|User Guide|developer guide|"
                                              r"azure-rest-api-specs", rule.source, re.I), rule.source
    assert rule.bad and rule.good, "the self-test needs a bad and a good sample"
    for path in [*rule.bad, *rule.good]:
        plant({}, path, "x")  # a concrete path
    assert any(_pattern_re(p).match(path) for p in rule.inputs for path in rule.bad), \
        "a bad sample plants into an input the rule reads"


def test_rule_ids_are_unique_across_clouds_and_each_cloud_has_rules():
    ids = [r.id for r in ALL_RULES]
    assert len(ids) == len(set(ids))
    assert {c: sum(1 for r in ALL_RULES if RULE_CLOUD[r.id] == c) > 0 for c in CLOUDS} == {c: True for c in CLOUDS}
    assert sum(1 for r in ALL_RULES if RULE_CLOUD[r.id] == "aws") >= 30


# --- paths and unknowns ---------------------------------------------------------------------

def test_values_at_reads_every_item_of_a_list_and_skips_what_is_unknown():
    inputs = {"ingress": [{"description": "a"}, {"description": "[secret]"}, {}, {"description": "b"}],
              "name": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}
    assert list(values_at(inputs, "ingress[*].description")) == [("ingress[0].description", "a"),
                                                                 ("ingress[3].description", "b")]
    assert list(values_at(inputs, "name")) == [] and list(values_at(inputs, "missing.deeper[0]")) == []
    assert plant(inputs, "egress[1].description", "c")["egress"] == [{}, {"description": "c"}]
    assert "egress" not in inputs, "plant copies"


def test_the_unknown_sentinels_are_pulumis():
    import pulumi.runtime.rpc as rpc
    from pulumi_policy import proxy

    assert unknown(rpc.UNKNOWN)
    theirs = {getattr(proxy, n) for n in dir(proxy) if n.startswith("UNKNOWN_") and n.endswith("_VALUE")}
    assert theirs == set(deployability.paths.UNKNOWNS)


def test_an_unknown_name_is_skipped_not_judged():
    rule = next(r for r in ALL_RULES if r.id == "AWS-DEP-005")
    assert rule.problems({"name": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}) == []
    assert rule.problems({}) == []
    assert [p.path for p in rule.problems({"name": "internal-app"})] == ["name"]


def test_a_policy_proxy_that_raises_on_unknowns_is_read_as_unknown():
    class Raising(dict):
        def get(self, key, default=None):
            raise RuntimeError("unknown during preview")

    rule = next(r for r in ALL_RULES if r.id == "AWS-DEP-001")
    assert rule.problems(Raising(ingress=[{"description": "King's"}])) == []


# --- the CLI --------------------------------------------------------------------------------

def _planted(app="nextcloud", tier="trial") -> Plan:
    _, plan = planned(app, "aws", tier)
    sg = next(r for r in plan.resources if r.type == "aws:ec2/securityGroup:SecurityGroup" and r.inputs.get("ingress"))
    bad, _ = with_inputs(plan, sg, {"ingress[0].description": "from King's Lynn"})
    return bad


def _run(monkeypatch, capsys, plan, *argv):
    from councilkit.cli.main import main

    monkeypatch.setattr("councilkit.cli.planning.plan_deployment", lambda d: plan)
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


@pytest.mark.parametrize("flags", [(), ("--allow-failures",)])
def test_plan_with_a_violation_prints_it_and_exits_1_even_with_allow_failures(monkeypatch, capsys, tmp_path, flags):
    path = tmp_path / "plan.json"
    code, out, err = _run(monkeypatch, capsys, _planted(), "plan", "nextcloud", "--json", str(path), *flags)
    assert code == 1
    flat = " ".join(out.split())
    assert f"deployability: 1 violation of {N_AWS} provider and API rules" in flat
    assert "✗ AWS-DEP-001" in flat and "ingress[0].description = \"from King's Lynn\"" in flat
    assert "(aws:ec2/securityGroup:SecurityGroup)" in flat and "validSecurityGroupRuleDescription" in flat
    assert err.strip() == ("plan has 1 deployability violation (AWS-DEP-001): the cloud would refuse the request, "
                           "so --allow-failures does not waive it; fix the plan")
    doc = json.loads(path.read_text())  # the JSON is still written, with the violation in it
    (v,) = doc["deployability"]["violations"]
    assert (v["rule"], v["input"], v["value"], v["type"]) == (
        "AWS-DEP-001", "ingress[0].description", "from King's Lynn", "aws:ec2/securityGroup:SecurityGroup")
    assert v["urn"].endswith("::" + v["name"]) and "terraform-provider-aws" in v["source"]
    assert doc["deployability"]["rules"] == N_AWS


def test_plan_json_carries_the_deployability_key_and_matches_the_schema(cli, tmp_path):
    schema = Draft202012Validator(json.loads((ROOT / "docs" / "plan.schema.json").read_text()))
    for cloud in ("aws", "azure"):
        path = tmp_path / f"{cloud}.json"
        result = cli("plan", "nextcloud", "--cloud", cloud, "--tier", "production", "--json", str(path))
        assert result.returncode == 0, result.stderr
        assert "deployability: " in result.stdout and "no violations" in result.stdout
        doc = json.loads(path.read_text())
        assert doc["deployability"] == {"rules": len(cloud_for(cloud).deployability_rules()), "violations": []}
        assert list(schema.iter_errors(doc)) == []


def test_the_schema_rejects_a_broken_deployability_section():
    schema = json.loads((ROOT / "docs" / "plan.schema.json").read_text())
    section = Draft202012Validator({"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/deployability"})
    good = {"rules": 2, "violations": [{"urn": "urn:pulumi:s::p::aws:x/y:Z::n", "name": "n", "type": "aws:x/y:Z",
                                        "input": "ingress[0].description", "value": "x", "rule": "AWS-DEP-001",
                                        "message": "m", "source": "s"}]}
    assert list(section.iter_errors(good)) == []
    one = good["violations"][0]
    for broken in ({"rules": 2}, {**good, "extra": 1}, {"rules": 2, "violations": [{**one, "rule": "X-1"}]},
                   {"rules": 2, "violations": [{**one, "input": "a b"}]},
                   {"rules": 2, "violations": [{k: v for k, v in one.items() if k != "source"}]}):
        assert list(section.iter_errors(broken)), broken


def test_a_cached_plan_is_checked_when_it_is_read(monkeypatch, capsys, tmp_path):
    """The plan cache stores no verdict: a rule added after a plan was cached still judges it."""
    from councilkit.cli import plan_cache

    monkeypatch.setenv("COUNCILKIT_CACHE_DIR", str(tmp_path / "cache"))
    d, plan = planned("nextcloud", "aws", "trial")
    key = plan_cache.cache_key(d)
    assert plan_cache.store(key, d, plan)
    assert plan_cache.cached_plan(d) == plan and plan_cache.lookup(key) is not None
    refuse_all = Rule("AWS-DEP-999", "planted: no VPC may be planned", ("aws:ec2/vpc:Vpc",), ("cidrBlock",),
                      lambda inputs, related: [deployability.Problem("cidrBlock", inputs.get("cidrBlock"), "planted")],
                      "planted test rule (API reference of nothing)", {"cidrBlock": "x"}, {"cidrBlock": "y"})
    monkeypatch.setattr("councilkit.stacks.aws.deployability.RULES",
                        (*cloud_for("aws").deployability_rules(), refuse_all))
    from councilkit.cli.main import main

    with pytest.raises(SystemExit) as exit_:
        main(["plan", "nextcloud", "--cloud", "aws", "--tier", "trial"])
    err = capsys.readouterr().err
    assert exit_.value.code == 1 and "AWS-DEP-999" in err


def test_up_refuses_a_violation_before_calling_pulumi_even_with_allow_failures(monkeypatch, capsys):
    from councilkit.cli import automation
    from councilkit.cli.main import main

    d, _ = planned("nextcloud", "aws", "trial")
    session = type("Session", (), {"deployment": d, "backend": "file:///nowhere", "stack": d.stack_name})()
    called = []
    monkeypatch.setattr(automation, "prepare", lambda *a, **k: session)
    monkeypatch.setattr(automation, "up", lambda *a, **k: called.append("up"))
    bad = _planted()  # before the engine is replaced: planned() runs the real one
    monkeypatch.setattr("councilkit.cli.planning.plan_deployment", lambda d: bad)
    with pytest.raises(SystemExit) as exit_:
        main(["up", "somewhere", "--allow-failures"])
    err = capsys.readouterr().err
    assert exit_.value.code == 1 and called == []
    assert "AWS-DEP-001" in err and "ingress[0].description = \"from King's Lynn\"" in err
    assert err.strip().splitlines()[-1].startswith("plan has 1 deployability violation (AWS-DEP-001)")


def test_an_estate_entry_with_a_violation_fails_with_the_reason(monkeypatch, tmp_path):
    from councilkit.cli.estate import planner
    from councilkit.cli.estate.model import Entry

    bad = _planted()  # before the engine is replaced: planned() runs the real one
    monkeypatch.setattr("councilkit.cli.planning.plan_deployment", lambda d: bad)
    entry = Entry(label="borsetshire/nextcloud", council="Borsetshire County Council", app="nextcloud", cloud="aws",
                  tier="trial", region=None, domain="files.borsetshire.gov.uk", contact="it@borsetshire.gov.uk",
                  allow_non_uk_region=False, trial_days=30)
    outcome = planner.plan_entry(entry, json_dir=str(tmp_path), use_cache=False)
    assert not outcome.ok and outcome.error.startswith("1 deployability violation(s)")
    assert outcome.summary["deployability"] == {"rules": N_AWS, "violations": 1}
    doc = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert doc["deployability"]["violations"][0]["rule"] == "AWS-DEP-001"


def test_the_layer_imports_no_cloud_sdk():
    import subprocess
    import sys

    code = ("import sys, councilkit.cli.main\n"
            "import councilkit.stacks.deployability, councilkit.stacks.aws.deployability, councilkit.stacks.azure.deployability\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'pulumi', 'pulumi_aws', "
            "'pulumi_azure_native', 'pulumi_policy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr


def test_an_estate_entry_served_from_the_cache_is_checked_from_the_cached_document(monkeypatch, tmp_path):
    from councilkit.cli import plan_cache
    from councilkit.cli.estate import planner
    from councilkit.cli.estate.model import Entry

    monkeypatch.setenv("COUNCILKIT_CACHE_DIR", str(tmp_path / "cache"))
    entry = Entry(label="borsetshire/nextcloud", council="Borsetshire County Council", app="nextcloud", cloud="aws",
                  tier="trial", region=None, domain="files.borsetshire.gov.uk", contact="it@borsetshire.gov.uk",
                  allow_non_uk_region=False, trial_days=30)
    d = planner._deployment(entry)
    assert plan_cache.store(plan_cache.cache_key(d), d, _planted())  # an entry holding a bad plan
    outcome = planner.check_cache(entry, json_dir=str(tmp_path))
    assert outcome is not None and outcome.cached and not outcome.ok
    assert outcome.summary["deployability"] == {"rules": N_AWS, "violations": 1}
    doc = json.loads((tmp_path / f"{d.stack_name}.json").read_text())
    assert [v["rule"] for v in doc["deployability"]["violations"]] == ["AWS-DEP-001"]
