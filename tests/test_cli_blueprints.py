"""`councilkit blueprints list|show` and a fast `--help`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def test_list_json_names_each_app_with_versions_and_metadata(cli):
    rows = json.loads(cli("blueprints", "list", "--json").stdout)
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) >= {"localgov-drupal", "nextcloud"}
    assert by_id["nextcloud"]["versions"] == ["1.0.0", "1.1.0", "1.2.0"] and by_id["nextcloud"]["licence"].startswith("AGPL")
    assert by_id["localgov-drupal"]["database"].startswith("mariadb")
    assert by_id["localgov-drupal"]["clouds"] == ["aws", "azure"] and by_id["erpnext"]["clouds"] == ["aws", "azure"]


def test_show_resolves_id_alone_to_the_newest_version(cli):
    doc = json.loads(cli("blueprints", "show", "nextcloud", "--json").stdout)
    assert doc["id"] == "nextcloud" and doc["version"] == "1.2.0"
    assert doc["app"]["maintainer"]["name"]


def test_show_yaml_says_where_the_file_is(cli):
    result = cli("blueprints", "show", "localgov-drupal@1.0.0")
    assert result.returncode == 0
    assert result.stdout.startswith("# localgov-drupal@1.0.0 from ") and "containers:" in result.stdout


@pytest.mark.parametrize("argv", [["--help"], ["plan", "--help"], ["blueprints", "list", "--help"],
                                  ["new", "--help"], ["up", "--help"], ["destroy", "--help"],
                                  ["upgrade", "--help"], ["reap", "--help"]])
def test_help_imports_no_cloud_sdk(argv):
    code = (
        "import sys\n"
        "from councilkit.cli.main import cli\n"
        f"try:\n    cli.main({argv!r}, standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pulumi', 'pulumi_aws', 'pulumi_azure_native', 'pulumi_random', 'pulumi_policy')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Usage:" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_shipped_json_schema_matches_the_model():
    from councilkit.blueprints.schema import SCHEMA_PATH, schema_text

    assert SCHEMA_PATH.read_text() == schema_text(), (
        "regenerate it: python -m councilkit.blueprints.schema"
    )
