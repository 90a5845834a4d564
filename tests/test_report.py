"""The assurance pack: the sections approvers need, accessible, and rendering in a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from councilkit.cli.report import architecture, context, render
from councilkit.cli.plan_json import plan_document
from councilkit.cli.planning import plan_extras

from helpers import planned

SECTIONS = ("What the app is and who maintains it", "Architecture", "Where data lives", "Security controls",
            "Backup and recovery", "Monthly cost", "Getting your data out", "Upgrade path")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _report(app: str, cloud: str, tier: str) -> dict[str, str]:
    d, plan = planned(app, cloud, tier)
    doc = plan_document(plan, d, plan_extras(plan, d))
    return render.render(context.report_context(d, plan, doc))


@pytest.mark.parametrize("cloud", ["aws", "azure"])
def test_every_layer_of_the_data_flow_is_found_in_the_plan(cloud):
    _, plan = planned("nextcloud", cloud, "production")
    found = architecture.layers(plan)
    for layer in ("edge", "app", "database", "files", "cache", "secrets", "monitoring", "backup"):
        assert found[layer].items, layer


@pytest.mark.parametrize("cloud", ["aws", "azure"])
def test_html_and_markdown_have_every_section(cloud):
    files = _report("nextcloud", cloud, "production")
    for section in SECTIONS:
        assert f">{section}</h2>" in files["report.html"], section
        assert f"## {section}" in files["report.md"], section


def test_report_states_where_data_lives_and_the_backup_objectives():
    files = _report("localgov-drupal", "aws", "production")
    html = files["report.html"]
    assert "Data is stored in: <strong>eu-west-2</strong> — in the UK." in html
    assert "14 days, point-in-time" in html and "about 5 minutes" in html
    assert "daily kept 35 days, monthly kept 365 days" in html
    assert "mysqldump --single-transaction (MariaDB)" in html


def test_trial_report_says_files_have_no_backup_and_when_it_expires():
    md = _report("nextcloud", "azure", "trial")["report.md"]
    assert "| Shared files (Azure Files) | none (trial: data is disposable)" in md
    assert "tagged to expire on 2026-12-25" in md


def test_report_names_the_maintainer_and_licence_from_publiccode_metadata():
    html = _report("nextcloud", "aws", "trial")["report.html"]
    assert "AGPL-3.0-or-later" in html and "Nextcloud GmbH and community" in html


def test_html_is_accessible_by_construction():
    html = _report("nextcloud", "aws", "production")["report.html"]
    assert '<html lang="en-GB">' in html
    assert re.findall(r"<h1>", html) == ["<h1>"]
    assert 'role="img"' in html and "<title id=\"arch-title\">" in html and "<desc id=\"arch-desc\">" in html
    assert html.count("<caption>") >= 2 and 'scope="col"' in html
    assert "@media print" in html
    assert "<script" not in html  # self-contained and static


def test_report_command_writes_both_files(cli, tmp_path):
    result = cli("report", "localgov-drupal", "--cloud", "azure", "--tier", "production", "--out", str(tmp_path / "pack"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "pack").iterdir()) == ["report.html", "report.md"]


def test_report_renders_in_headless_chromium_with_its_sections(tmp_path):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed: .ci/run installs the Debian chromium package")
    page = tmp_path / "report.html"
    page.write_text(_report("nextcloud", "aws", "production")["report.html"])
    profile = ["--user-data-dir=" + str(tmp_path / "profile")]
    dom = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, *profile, "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=60)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for section in SECTIONS:
        assert section in dom.stdout
    shot = tmp_path / "report.png"
    subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, *profile, f"--screenshot={shot}", "--window-size=1280,4000",
                    page.as_uri()], capture_output=True, timeout=60, check=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
