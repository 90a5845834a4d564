"""Estates: many councils × many apps planned in parallel; one bad entry never stops the others."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from councilkit.blueprints.errors import UserError
from councilkit.cli.estate.model import entries, load_estate

EXAMPLE = Path(__file__).parent.parent / "examples" / "estate.yaml"


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "estate.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_defaults_flow_from_estate_to_council_to_app():
    items = entries(load_estate(EXAMPLE))
    by_label = {e.label: e for e in items}
    drupal = by_label["Borsetshire County Council / localgov-drupal@1.0.0"]
    assert (drupal.cloud, drupal.tier, drupal.domain) == ("aws", "production", "www.borsetshire.example.org")
    assert drupal.contact == "it@borsetshire.example.org"
    midsomer = by_label["Midsomer District Council / nextcloud"]
    assert (midsomer.cloud, midsomer.tier, midsomer.domain) == ("azure", "production", "nextcloud.midsomer.example.org")
    assert midsomer.contact == "platform@wessex-digital.example.org"


def test_two_entries_that_would_be_one_stack_are_refused(tmp_path):
    path = _write(tmp_path, """
        estate: dup
        councils:
          - name: Borsetshire
            apps: [{app: nextcloud}, {app: nextcloud@1.0.0}]
    """)
    with pytest.raises(UserError, match="would be the same stack"):
        entries(load_estate(path))


def test_malformed_estate_names_the_field(tmp_path):
    path = _write(tmp_path, """
        estate: bad
        councils:
          - name: Borsetshire
            apps: [{app: nextcloud, tier: gold}]
    """)
    with pytest.raises(UserError, match=r"councils\[0\]\.apps\[0\]\.tier"):
        load_estate(path)


def test_estate_plan_plans_every_entry_and_writes_each_json(cli, tmp_path):
    out = tmp_path / "plans"
    result = cli("estate", "plan", str(EXAMPLE), "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert "6 of 6 deployments planned" in result.stdout
    for council in ("Borsetshire County Council", "Midsomer District Council", "Royal Borough of Wessex"):
        assert council in result.stdout
    written = sorted(p.name for p in out.glob("*.json"))
    assert "estate.json" in written and len(written) == 7
    summary = json.loads((out / "estate.json").read_text())
    assert [d["ok"] for d in summary["deployments"]] == [True] * 6
    plan = json.loads((out / "midsomer-district-council-nextcloud-production.json").read_text())
    assert plan["deployment"]["cloud"] == "azure" and plan["deployment"]["tier"] == "production"


def test_one_bad_entry_is_named_and_the_others_still_plan(cli, tmp_path):
    path = _write(tmp_path, """
        estate: partly broken
        defaults: {cloud: aws}
        councils:
          - name: Borsetshire
            apps: [{app: nextcloud}, {app: wordpres}]
          - name: Midsomer
            apps: [{app: localgov-drupal, domain: "not a domain"}, {app: localgov-drupal, tier: production}]
    """)
    result = cli("estate", "plan", str(path))
    assert result.returncode == 1
    assert "2 of 4 deployments planned, 2 failed" in result.stdout
    errors = result.stderr.strip().splitlines()
    assert errors == [
        "error: Borsetshire / wordpres: unknown app 'wordpres'; known apps: "
        + errors[0].split("known apps: ")[1],
        "error: Midsomer / localgov-drupal: domain: 'not a domain' is not valid; expected e.g. intranet.borsetshire.gov.uk",
    ]


def test_estate_file_errors_are_one_line_exit_2(cli, tmp_path):
    path = _write(tmp_path, "estate: x\ncouncils: []\n")
    result = cli("estate", "plan", str(path))
    assert result.returncode == 2 and result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_shipped_estate_schema_matches_the_model():
    from councilkit.cli.estate.model import schema_text

    shipped = Path(__file__).parent.parent / "cli" / "estate" / "schema.json"
    assert shipped.read_text() == schema_text(), "regenerate cli/estate/schema.json from cli/estate/model.py"


def test_estate_plan_shows_policy_and_monthly_cost_per_deployment(tmp_path):
    from councilkit.cli.estate.planner import plan_estate

    items = entries(load_estate(EXAMPLE))[:2]
    outcomes = plan_estate(items, workers=1)
    for o in outcomes:
        assert o.ok and o.summary["policy"]["mandatory_failed"] == 0
        assert o.summary["policy"]["passed"] > 15
        assert o.summary["cost"]["monthly"] > 0 and o.summary["cost"]["currency"] == "USD"
        assert o.summary["cost"]["monthly_gbp"] < o.summary["cost"]["monthly"]


def test_estate_render_writes_every_stack_and_a_ci_workflow(cli, tmp_path):
    import yaml

    out = tmp_path / "estate"
    result = cli("estate", "render", str(EXAMPLE), str(out))
    assert result.returncode == 0, result.stderr
    stacks = sorted(p.name for p in (out / "stacks").iterdir())
    assert len(stacks) == 6 and "midsomer-district-council-nextcloud-production" in stacks
    for name in stacks:
        assert (out / "stacks" / name / "councilkit.lock.json").is_file()
        assert (out / "stacks" / name / f"Pulumi.{name}.yaml").is_file()
    workflow = yaml.safe_load((out / ".github" / "workflows" / "councilkit.yml").read_text())
    assert set(workflow[True]) == {"pull_request", "push"}  # YAML 1.1 reads the key `on` as True
    matrix = workflow["jobs"]["stacks"]["strategy"]["matrix"]["include"]
    assert sorted(m["stack"] for m in matrix) == stacks
    assert {m["cloud"] for m in matrix} == {"aws", "azure"}
    steps = workflow["jobs"]["stacks"]["steps"]
    assert any("councilkit plan" in s.get("run", "") for s in steps)
    pulumi = next(s for s in steps if s.get("uses", "").startswith("pulumi/actions"))
    assert "'up'" in pulumi["with"]["command"] and "'preview'" in pulumi["with"]["command"]
    assert (out / "requirements.txt").read_text().splitlines()[-1].startswith("councilkit==")


def test_estate_render_again_changes_nothing_and_status_lists_versions(cli, tmp_path):
    out = tmp_path / "estate"
    assert cli("estate", "render", str(EXAMPLE), str(out)).returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    again = cli("estate", "render", str(EXAMPLE), str(out))
    assert again.returncode == 0 and again.stdout.count("unchanged") == 6
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    status = cli("estate", "status", str(out), "--json")
    rows = json.loads(status.stdout)
    # Entries without a version render the newest blueprint; the example pins Borsetshire's
    # localgov-drupal@1.0.0, so status names every newer release of it (localgov-drupal 1.0.1 on).
    from councilkit.blueprints.loader import _version_key, discover

    catalogue = discover()
    assert len(rows) == 6
    for r in rows:
        app, version = r["blueprint"].split("@")
        newer = [v for v in catalogue[app] if _version_key(v) > _version_key(version)]
        assert r["newer"] == newer, r["stack"]
        if r["stack"] != "borsetshire-county-council-localgov-drupal-production":
            assert newer == [], r["stack"]
    assert "1.0.1" in next(r["newer"] for r in rows if r["stack"] == "borsetshire-county-council-localgov-drupal-production")


def test_estate_status_names_newer_blueprint_versions(cli, tmp_path):
    from councilkit.blueprints.loader import BUILTIN_DIR

    out = tmp_path / "estate"
    assert cli("estate", "render", str(EXAMPLE), str(out)).returncode == 0
    newer = tmp_path / "catalogue" / "nextcloud"
    newer.mkdir(parents=True)
    # A release above the newest shipped nextcloud (the trial entry renders the newest).
    from councilkit.blueprints.loader import discover

    newest = list(discover()["nextcloud"])[-1]
    major, minor, _ = newest.split(".")
    bumped = f"{major}.{int(minor) + 1}.0"
    text = (BUILTIN_DIR / "nextcloud" / f"{newest}.yaml").read_text().replace(f"version: {newest}", f"version: {bumped}", 1)
    (newer / f"{bumped}.yaml").write_text(text)
    status = cli("estate", "status", str(out), "--json", env={"COUNCILKIT_BLUEPRINT_PATH": str(tmp_path / "catalogue")})
    rows = {r["stack"]: r["newer"] for r in json.loads(status.stdout)}
    assert rows["borsetshire-county-council-nextcloud-trial"] == [bumped]
    assert rows["borsetshire-county-council-localgov-drupal-production"] == ["1.0.1"]


def test_one_bad_entry_in_render_is_named_and_others_render(cli, tmp_path):
    path = _write(tmp_path, """
        estate: partly broken
        councils:
          - name: Borsetshire
            apps: [{app: nextcloud}, {app: erpnext, cloud: azure, region: eastus}]
    """)
    result = cli("estate", "render", str(path), str(tmp_path / "out"))
    assert result.returncode == 1
    assert "1 of 2 stacks rendered, 1 failed" in result.stdout
    # (ERPNext itself plans on Azure now, on a self-managed MariaDB: the region is what is wrong.)
    assert result.stderr.startswith("error: Borsetshire / erpnext: region: eastus is outside the UK")
