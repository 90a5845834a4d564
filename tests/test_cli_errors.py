"""Bad input: one `error:` line on stderr, exit code 2, no traceback, nothing written."""

from __future__ import annotations

import pytest

CASES = {
    "unknown app": (["plan", "wordpres"], "unknown app 'wordpres'"),
    "unknown version": (["plan", "nextcloud@9.9.9"], "unknown version nextcloud@9.9.9; available: 1.0.0"),
    "bad council": (["plan", "nextcloud", "--council", "<script>"], "council: '<script>' is not valid"),
    "bad domain": (["plan", "nextcloud", "--domain", "not a domain"], "domain: 'not a domain' is not valid"),
    "bad email": (["plan", "nextcloud", "--contact", "it-team"], "contact: 'it-team' is not valid"),
    "bad region": (["plan", "nextcloud", "--region", "mars-1"], "region: 'mars-1' is not a region of Amazon Web Services"),
    "non-UK region": (["plan", "nextcloud", "--region", "us-east-1"], "region: us-east-1 is outside the UK"),
    "bad tier": (["plan", "nextcloud", "--tier", "gold"], "'gold' is not one of 'trial', 'production'"),
    "bad cloud": (["plan", "nextcloud", "--cloud", "gcp"], "'gcp' is not one of 'aws', 'azure'"),
    "unknown option": (["plan", "nextcloud", "--colour"], "No such option '--colour'"),
    "unknown show": (["blueprints", "show", "nope"], "unknown app 'nope'"),
}


@pytest.mark.parametrize("args,expected", CASES.values(), ids=CASES.keys())
def test_bad_input_is_one_error_line_and_exit_2(cli, tmp_path, args, expected):
    out = tmp_path / "plan.json"
    result = cli(*args, "--json", str(out)) if args[0] == "plan" else cli(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and expected in lines[0]
    assert "Traceback" not in result.stderr
    assert not out.exists()


def _broken_blueprint(tmp_path, old: str, new: str):
    from councilkit.blueprints.loader import BUILTIN_DIR

    folder = tmp_path / "nextcloud"
    folder.mkdir()
    text = (BUILTIN_DIR / "nextcloud" / "1.0.0.yaml").read_text()
    assert old in text
    path = folder / "1.0.1.yaml"
    path.write_text(text.replace("version: 1.0.0", "version: 1.0.1", 1).replace(old, new, 1))
    return path


def test_malformed_blueprint_error_names_file_field_and_expectation(cli, tmp_path):
    path = _broken_blueprint(tmp_path, "port: 80", "port: eighty")
    result = cli("plan", "nextcloud@1.0.1", "--blueprints", str(tmp_path))
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "\n" not in line
    assert str(path) in line and "containers[0].port" in line and "integer" in line


def test_lint_reports_each_bad_file_and_exits_2(cli, tmp_path):
    from councilkit.blueprints.loader import BUILTIN_DIR

    _broken_blueprint(tmp_path, "engine: postgres", "engine: oracle")
    result = cli("blueprints", "lint", str(tmp_path), str(BUILTIN_DIR))
    assert result.returncode == 2
    assert result.stderr.count("error:") == 1 and "database.engine" in result.stderr
    assert "ok nextcloud@1.0.0" in result.stdout and "ok localgov-drupal@1.0.0" in result.stdout


def test_lint_of_shipped_blueprints_passes(cli):
    from councilkit.blueprints.loader import BUILTIN_DIR

    from councilkit.blueprints.loader import discover

    result = cli("blueprints", "lint", str(BUILTIN_DIR))
    assert result.returncode == 0, result.stderr
    shipped = [f"ok {app}@{v}" for app, versions in discover().items() for v in versions]
    assert len(shipped) >= 7
    assert all(line in result.stdout for line in shipped)


def test_json_into_a_missing_folder_is_a_user_error(cli, tmp_path):
    result = cli("plan", "nextcloud", "--json", str(tmp_path / "nope" / "plan.json"))
    assert result.returncode == 2 and result.stderr.startswith("error: --json: folder")
