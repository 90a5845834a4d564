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
