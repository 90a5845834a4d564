"""`councilkit blueprints outdated [--json]` and the plan's out-of-support warning, as a user runs them."""

from __future__ import annotations

import json

from councilkit.blueprints.support import SUPPORT_FILE
from councilkit.cli.newstack import new_stack

ON = {"COUNCILKIT_TODAY": "2026-12-03"}
ANSWERS = dict(cloud="aws", tier="trial", council="Borsetshire County Council",
               domain="files.borsetshire.gov.uk", contact="it@borsetshire.gov.uk")
KEYS = {"app", "blueprint", "upstream_version", "product", "runs", "line", "end_of_support", "days_left",
        "status", "newest_supported_line", "newer_line_upstream", "source", "newer_blueprint"}


def _json(cli, *args, env=ON):
    result = cli("blueprints", "outdated", "--json", *args, env=env)
    return result, json.loads(result.stdout)


def test_json_has_one_row_per_app_for_its_newest_blueprint(cli):
    result, doc = _json(cli)
    assert result.returncode == 0, result.stderr
    assert doc["today"] == "2026-12-03"
    rows = {r["app"]: r for r in doc["blueprints"]}
    assert set(rows) == {"alfresco", "camunda", "erpnext", "localgov-drupal", "nextcloud", "suitecrm", "wordpress"}
    assert all(set(r) == KEYS for r in rows.values())
    assert rows["nextcloud"] == {
        "app": "nextcloud", "blueprint": "nextcloud@1.2.0", "upstream_version": "34.0.2", "product": "Nextcloud",
        "runs": "34.0.2", "line": "34", "end_of_support": "2027-06-30", "days_left": 209, "status": "supported",
        "newest_supported_line": "34", "newer_line_upstream": False,
        "source": "https://github.com/endoflife-date/endoflife.date/blob/a70eca337600e7d721dc48112c271f98661d208b"
                  "/products/nextcloud.md",
        "newer_blueprint": None}
    assert rows["suitecrm"]["status"] == "unknown" and rows["suitecrm"]["end_of_support"] == "unknown"
    assert rows["localgov-drupal"]["line"] == "11.4" and rows["localgov-drupal"]["runs"] == "11.4.7"


def test_an_old_blueprint_named_is_unsupported_exits_1_and_names_the_newer_blueprint(cli):
    result, doc = _json(cli, "nextcloud@1.0.0", "nextcloud@1.1.0")
    assert result.returncode == 1
    old, mid = doc["blueprints"]
    assert (old["line"], old["status"], old["days_left"], old["newer_blueprint"]) == ("32", "unsupported", -64, "nextcloud@1.2.0")
    assert (mid["status"], mid["days_left"]) == ("ends soon", 87)
    assert result.stderr.strip() == "out of upstream support: nextcloud@1.0.0 (Nextcloud 32)"


def test_the_newest_blueprints_fail_the_gate_once_their_line_ends(cli):
    result, doc = _json(cli, env={"COUNCILKIT_TODAY": "2027-08-01"})
    assert result.returncode == 1
    rows = {r["app"]: r for r in doc["blueprints"]}
    assert rows["nextcloud"]["status"] == "unsupported" and rows["localgov-drupal"]["status"] == "unsupported"


def test_table_shows_status_and_days_left(cli):
    result = cli("blueprints", "outdated", "nextcloud@1.0.0", "nextcloud@1.2.0", env=ON)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "upstream support on 2026-12-03" in lines[0]
    old = next(line for line in lines if "nextcloud@1.0.0" in line).split()
    assert old == ["nextcloud@1.0.0", "32.0.6", "32", "2026-09-30", "-64", "unsupported", "34", "1.2.0"]
    new = next(line for line in lines if "nextcloud@1.2.0" in line).split()
    assert new == ["nextcloud@1.2.0", "34.0.2", "34", "2027-06-30", "209", "supported", "34", "-"]


def test_help_says_exit_1_gates_ci(cli):
    out = " ".join(cli("blueprints", "outdated", "--help").stdout.split())
    assert "Exit status: 1 if any blueprint listed is on an unsupported line (a CI gate), else 0." in out


def test_a_malformed_support_file_is_one_error_line_naming_it(cli, tmp_path):
    bad = tmp_path / "support.yaml"
    bad.write_text(SUPPORT_FILE.read_text().replace("        source: https://docs.suitecrm.com", "        src: x", 1))
    result = cli("blueprints", "outdated", "--support", str(bad), env=ON)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: {bad}: apps.suitecrm.lines.0.") and len(result.stderr.splitlines()) == 1


def test_an_unknown_ref_is_one_error_line(cli):
    result = cli("blueprints", "outdated", "nextcloud@9.9.9", env=ON)
    assert result.returncode == 2 and result.stderr.startswith("error: unknown version nextcloud@9.9.9")


def test_plan_warns_once_for_an_unsupported_line_and_still_succeeds(cli):
    result = cli("plan", "nextcloud@1.0.0", env=ON)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: nextcloud@1.0.0 runs Nextcloud 32, out of upstream support since 2026-09-30; upgrade with "
        "`councilkit upgrade STACK_DIR --to nextcloud@1.1.0` (see `councilkit blueprints outdated`)"]


def test_plan_of_a_supported_line_gives_no_warning(cli):
    result = cli("plan", "nextcloud@1.2.0", env=ON)
    assert result.returncode == 0 and "warning:" not in result.stderr


def test_plan_of_a_stack_folder_names_the_folder_to_upgrade(cli, tmp_path):
    folder = new_stack("nextcloud@1.0.0", **ANSWERS, folder=str(tmp_path / "nc")).path
    result = cli("plan", str(folder), env=ON)
    assert result.returncode == 0, result.stderr
    assert f"upgrade with `councilkit upgrade {folder} --to nextcloud@1.1.0`" in result.stderr
