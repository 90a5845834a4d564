"""`councilkit plan`: the tree, the summary line, the JSON contract and determinism."""

from __future__ import annotations

import json



def test_plan_with_no_answers_just_works_and_prints_a_summary_line(cli):
    result = cli("plan", "nextcloud", "--cloud", "aws")
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith(tuple("0123456789")) and "resources · nextcloud@1.2.0" in last
    assert "aws eu-west-2 · trial" in last
    assert "using placeholders" in result.stdout
    assert "Network" in result.stdout and "Database" in result.stdout


def test_plan_json_has_the_preview_shape_and_deployment_keys(cli, tmp_path):
    out = tmp_path / "plan.json"
    result = cli("plan", "localgov-drupal", "--cloud", "aws", "--tier", "production",
                 "--council", "Borsetshire County Council", "--domain", "www.borsetshire.gov.uk",
                 "--contact", "it@borsetshire.gov.uk", "--json", str(out))
    assert result.returncode == 0, result.stderr
    doc = json.loads(out.read_text())
    assert doc["changeSummary"]["create"] == len(doc["steps"]) > 50
    step = doc["steps"][0]
    assert step["op"] == "create" and set(step["newState"]) == {
        "type", "urn", "parent", "custom", "inputs",
        # as `pulumi preview --json` carries them (Pulumi's apitype resource state field names)
        "dependencies", "propertyDependencies", "provider", "protect", "retainOnDelete", "deleteBeforeReplace",
    }
    assert doc["planFormat"] == 2
    assert doc["deployment"] == {
        "blueprint": "localgov-drupal@1.0.1", "app": "LocalGov Drupal", "upstream_version": doc["deployment"]["upstream_version"],
        "council": "Borsetshire County Council", "cloud": "aws", "tier": "production", "region": "eu-west-2",
        "non_uk_region": False, "domain": "www.borsetshire.gov.uk", "contact": "it@borsetshire.gov.uk",
        "expires_on": None, "stack": "borsetshire-county-council-localgov-drupal-production",
    }


def test_plan_json_never_holds_a_secret_value(cli, tmp_path):
    out = tmp_path / "plan.json"
    assert cli("plan", "nextcloud", "--json", str(out)).returncode == 0
    doc = json.loads(out.read_text())
    passwords = [s for s in doc["steps"] if s["newState"]["type"] == "random:index/randomPassword:RandomPassword"]
    assert passwords
    versions = [s for s in doc["steps"] if s["newState"]["type"].endswith("secretVersion:SecretVersion")]
    assert versions and all(v["newState"]["inputs"]["secretString"] == "[secret]" for v in versions)
    db = next(s for s in doc["steps"] if s["newState"]["type"] == "aws:rds/instance:Instance")
    assert db["newState"]["inputs"]["password"] == "[secret]"


def test_same_inputs_give_byte_identical_json(cli, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for path in (a, b):
        assert cli("plan", "nextcloud", "--tier", "production", "--json", str(path)).returncode == 0
    assert a.read_bytes() == b.read_bytes()


def test_trial_resources_are_tagged_with_an_expiry_30_days_out(cli, tmp_path):
    out = tmp_path / "plan.json"
    assert cli("plan", "nextcloud", "--json", str(out), env={"COUNCILKIT_TODAY": "2026-11-25"}).returncode == 0
    doc = json.loads(out.read_text())
    assert doc["deployment"]["expires_on"] == "2026-12-25"
    vpc = next(s for s in doc["steps"] if s["newState"]["type"] == "aws:ec2/vpc:Vpc")
    assert vpc["newState"]["inputs"]["tags"]["expires-on"] == "2026-12-25"


def test_non_uk_region_is_allowed_only_with_the_flag_and_the_plan_says_so(cli):
    result = cli("plan", "nextcloud", "--region", "eu-west-1", "--allow-non-uk-region")
    assert result.returncode == 0, result.stderr
    assert "outside the UK" in result.stdout and "aws eu-west-1" in result.stdout


def test_extra_blueprint_folder_adds_an_app_without_code(cli, tmp_path):
    from councilkit.blueprints.loader import BUILTIN_DIR

    (tmp_path / "intranet").mkdir()
    text = (BUILTIN_DIR / "nextcloud" / "1.0.0.yaml").read_text().replace("id: nextcloud", "id: intranet", 1)
    (tmp_path / "intranet" / "1.0.0.yaml").write_text(text)
    listed = cli("blueprints", "list", "--json", env={"COUNCILKIT_BLUEPRINT_PATH": str(tmp_path)})
    assert "intranet" in [row["id"] for row in json.loads(listed.stdout)]
    planned = cli("plan", "intranet", "--blueprints", str(tmp_path))
    assert planned.returncode == 0, planned.stderr
    assert "intranet@1.0.0" in planned.stdout


def test_plan_json_is_an_ordinary_readable_file(cli, tmp_path):
    out = tmp_path / "plan.json"
    assert cli("plan", "nextcloud", "--json", str(out)).returncode == 0
    assert out.stat().st_mode & 0o044 == 0o044
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]
