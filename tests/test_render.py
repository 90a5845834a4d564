"""`councilkit new`: the stack folder it renders, deterministic, atomic, never overwriting another stack."""

from __future__ import annotations

import datetime as dt
import json
import runpy
from pathlib import Path

import pytest
import yaml

from councilkit.blueprints.errors import UserError
from councilkit.blueprints.lock import LOCK_FILE, read_lock, sha256_of
from councilkit.blueprints.loader import BUILTIN_DIR, discover, load_file
from councilkit.cli import stackdir
from helpers import planned
from councilkit.cli.newstack import new_stack, parse_expires

STACK = "borsetshire-county-council-nextcloud-trial"
ANSWERS = dict(cloud="aws", tier="trial", council="Borsetshire County Council",
               domain="files.borsetshire.gov.uk", contact="it@borsetshire.gov.uk")
# `new nextcloud` renders the newest shipped version.
NEWEST = list(discover()["nextcloud"])[-1]
NEW = ["new", "nextcloud", "--cloud", "aws", "--tier", "trial", "--council", "Borsetshire County Council",
       "--domain", "files.borsetshire.gov.uk", "--contact", "it@borsetshire.gov.uk"]


@pytest.fixture
def rendered(tmp_path):
    """A nextcloud trial folder on AWS, rendered in-process (fast)."""
    return new_stack("nextcloud", **ANSWERS, folder=str(tmp_path / STACK)).path


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_new_writes_the_five_files_of_a_stack_folder(cli, tmp_path):
    result = cli(*NEW, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / STACK
    assert sorted(_files(folder)) == [
        f"Pulumi.{STACK}.yaml", "Pulumi.yaml", "RUNBOOK.md", "__main__.py", LOCK_FILE,
    ]
    assert f"wrote {STACK}" in result.stdout


def test_stack_config_holds_blueprint_answers_region_and_expiry(rendered):
    doc = yaml.safe_load((rendered / f"Pulumi.{STACK}.yaml").read_text())
    assert doc["config"] == {
        "councilkit:blueprint": f"nextcloud@{NEWEST}",
        "councilkit:cloud": "aws",
        "councilkit:tier": "trial",
        "councilkit:council": "Borsetshire County Council",
        "councilkit:domain": "files.borsetshire.gov.uk",
        "councilkit:contact": "it@borsetshire.gov.uk",
        "councilkit:region": "eu-west-2",
        "councilkit:allow-non-uk-region": "false",
        "councilkit:expires-on": "2026-12-25",
        "aws:region": "eu-west-2",
    }
    text = (rendered / f"Pulumi.{STACK}.yaml").read_text()
    assert text.count("\n# ") + text.count("\n  # ") >= 10, "the config is commented for a council to read"


def test_project_file_runs_the_folder_program_with_python_and_a_local_backend(rendered):
    doc = yaml.safe_load((rendered / "Pulumi.yaml").read_text())
    assert doc == {
        "name": "councilkit",  # the project of every offline URN, so plan and deploy agree
        "description": doc["description"],
        "runtime": "python",
        "backend": {"url": "file://~/.councilkit/state"},
    }
    assert "main" not in doc  # Pulumi runs __main__.py in this folder
    program = (rendered / "__main__.py").read_text()
    assert "from councilkit.stacks.program import run" in program
    assert "run(Path(__file__).resolve().parent)" in program


def test_lock_holds_the_resolved_blueprint_and_the_sha256_of_its_released_file(rendered):
    doc = json.loads((rendered / LOCK_FILE).read_text())
    source = BUILTIN_DIR / "nextcloud" / f"{NEWEST}.yaml"
    assert doc["blueprint"] == f"nextcloud@{NEWEST}"
    assert doc["source"] == {"file": f"nextcloud/{NEWEST}.yaml", "sha256": sha256_of(source.read_bytes())}
    lock = read_lock(rendered)
    assert lock.blueprint.containers[0].image == load_file(source).containers[0].image
    assert lock.blueprint.upgrade.commands


def test_runbook_covers_login_backup_restore_upgrade_destroy_and_maintainer(rendered):
    text = (rendered / "RUNBOOK.md").read_text()
    for heading in ("## Who maintains what", "## Log in", "## Back up", "## Restore", "## Upgrade", "## Destroy"):
        assert heading in text
    assert "Nextcloud GmbH and community" in text and "https://help.nextcloud.com" in text
    assert "AWS Secrets Manager" in text and f"councilkit/{STACK}/" in text
    assert "su -p www-data -s /bin/sh -c 'php /var/www/html/occ upgrade'" in text
    assert "expires on 2026-12-25" in text


def test_no_rendered_file_holds_a_secret(rendered):
    config = yaml.safe_load((rendered / f"Pulumi.{STACK}.yaml").read_text())["config"]
    assert all(not isinstance(v, dict) for v in config.values()), "no `secure:` values"
    assert not [k for k in config if "password" in k or "secret" in k or "token" in k]
    for text in _files(rendered).values():
        assert b"secure:" not in text and b"BEGIN PRIVATE KEY" not in text


def test_rendering_twice_gives_byte_identical_files(cli, tmp_path):
    for name in ("a", "b"):
        result = cli(*NEW, "--dir", str(tmp_path / name))
        assert result.returncode == 0, result.stderr
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_same_answers_again_is_a_no_op_success(rendered):
    before = {p: p.stat().st_mtime_ns for p in rendered.iterdir()}
    again = new_stack("nextcloud", **ANSWERS, folder=str(rendered))
    assert again.status == "unchanged"
    assert {p: p.stat().st_mtime_ns for p in rendered.iterdir()} == before


def test_different_answers_into_an_existing_stack_folder_are_refused(cli, rendered):
    before = _files(rendered)
    result = cli(*NEW[:-4], "--domain", "docs.borsetshire.gov.uk", "--contact", "it@borsetshire.gov.uk",
                 "--dir", str(rendered))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {rendered} already holds stack {STACK}")
    assert "--force" in result.stderr and result.stderr.count("\n") == 1
    assert _files(rendered) == before


def test_force_overwrites_and_drops_the_old_stack_config(rendered):
    (rendered / "NOTES.md").write_text("ours")
    replaced = new_stack("nextcloud", **{**ANSWERS, "tier": "production"}, folder=str(rendered), force=True)
    assert replaced.status == "replaced"
    names = sorted(p.name for p in rendered.iterdir())
    assert "Pulumi.borsetshire-county-council-nextcloud-production.yaml" in names
    assert f"Pulumi.{STACK}.yaml" not in names
    assert (rendered / "NOTES.md").read_text() == "ours", "files councilkit did not write are left alone"
    assert not [n for n in names if n.startswith(".councilkit-tmp")]


def test_rerender_keeps_the_encryption_salt_pulumi_wrote(rendered):
    config = rendered / f"Pulumi.{STACK}.yaml"
    config.write_text("encryptionsalt: v1:abc:def\n" + config.read_text())
    assert new_stack("nextcloud", **ANSWERS, folder=str(rendered)).status == "unchanged"
    new_stack("nextcloud", **{**ANSWERS, "contact": "ops@borsetshire.gov.uk"}, folder=str(rendered), force=True)
    doc = yaml.safe_load(config.read_text())
    assert doc["encryptionsalt"] == "v1:abc:def"
    assert doc["config"]["councilkit:contact"] == "ops@borsetshire.gov.uk"


def test_a_non_empty_folder_that_is_not_a_stack_is_refused(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "report.docx").write_text("council work")
    with pytest.raises(UserError, match="exists and is not empty"):
        new_stack("nextcloud", **ANSWERS, folder=str(tmp_path / "x"))


def test_an_error_half_way_through_writing_leaves_no_folder(tmp_path, monkeypatch):
    written = []

    def fail_on_third(path, data):
        if len(written) == 2:
            raise OSError(28, "No space left on device")
        written.append(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    monkeypatch.setattr(stackdir, "_write_file", fail_on_third)
    with pytest.raises(OSError):
        new_stack("nextcloud", **ANSWERS, folder=str(tmp_path / STACK))
    assert len(written) == 2
    assert list(tmp_path.iterdir()) == [], "no folder, no staging folder left behind"


def test_an_error_half_way_through_a_rewrite_leaves_the_old_folder_as_it_was(rendered, monkeypatch):
    before = _files(rendered)
    calls = []

    def fail_on_second(path, data):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    monkeypatch.setattr(stackdir, "_write_file", fail_on_second)
    with pytest.raises(OSError):
        new_stack("nextcloud", **{**ANSWERS, "contact": "ops@borsetshire.gov.uk"}, folder=str(rendered), force=True)
    assert _files(rendered) == before
    assert sorted(p.name for p in rendered.iterdir()) == sorted(before)


@pytest.mark.parametrize(
    "args,expected",
    [
        (["--domain", "not a domain"], "domain: 'not a domain' is not valid"),
        (["--expires", "soon"], "expires: expected days or weeks (30d, 2w) or a date YYYY-MM-DD"),
        (["--expires", "400d"], "expires: 2027-12-30 is not 1 to 365 days after today"),
        (["--tier", "production", "--expires", "30d"], "expires: production stacks never expire"),
        (["--backend", "ftp://x"], "backend: 'ftp://x' is not a Pulumi backend URL"),
        (["--dir", "no/such/parent/x"], "--dir: folder no/such/parent does not exist"),
    ],
)
def test_bad_input_is_one_error_line_and_nothing_written(cli, tmp_path, args, expected):
    base = NEW if "--tier" not in args else [a for a in NEW if a not in ("--tier", "trial")]
    result = cli(*base, *args, cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert expected in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text,days", [("30d", 30), ("2w", 14), ("1d", 1), ("2027-01-31", 67)])
def test_expires_takes_days_weeks_or_a_date(text, days):
    today = dt.date(2026, 11, 25)
    assert parse_expires(text, today) == (today + dt.timedelta(days=days)).isoformat()


def test_expires_sets_the_trial_expiry_in_config(tmp_path):
    created = new_stack("nextcloud", **ANSWERS, expires="2w", folder=str(tmp_path / "s"))
    assert created.deployment.expires_on == "2026-12-09"
    assert '"2026-12-09"' in (tmp_path / "s" / f"Pulumi.{STACK}.yaml").read_text()


def test_production_config_has_no_expiry_and_azure_uses_location(tmp_path):
    created = new_stack("nextcloud", **{**ANSWERS, "cloud": "azure", "tier": "production"}, folder=str(tmp_path / "p"))
    config = yaml.safe_load((created.path / "Pulumi.borsetshire-county-council-nextcloud-production.yaml").read_text())["config"]
    assert "councilkit:expires-on" not in config
    assert config["azure-native:location"] == "uksouth" and "aws:region" not in config
    assert "Azure Key Vault" in (created.path / "RUNBOOK.md").read_text()


def test_an_app_built_from_a_dockerfile_keeps_its_build_files_in_the_folder(tmp_path):
    created = new_stack("localgov-drupal", **ANSWERS, folder=str(tmp_path / "lgd"))
    source = BUILTIN_DIR / "localgov-drupal"
    assert (created.path / "image" / "Dockerfile").read_bytes() == (source / "Dockerfile").read_bytes()
    lock = read_lock(created.path)
    assert lock.image_files["Dockerfile"] == sha256_of((source / "Dockerfile").read_bytes())
    runbook = (created.path / "RUNBOOK.md").read_text()
    assert "docker build" in runbook and "AWS CodeBuild" in runbook
    # Every build arg the Dockerfile needs is on the hand-build command (the Dockerfile's
    # LOCALGOV_VERSION and DRUPAL_CORE_VERSION have no defaults: without them it builds nothing).
    from councilkit.blueprints.loader import resolve

    bp, _ = resolve("localgov-drupal")
    image = next(c.build for c in bp.containers if c.build)
    for name, value in {"BASE_IMAGE": image.base, **image.args}.items():
        assert f"--build-arg {name}={value}" in runbook, name


def test_plan_of_a_stack_folder_prints_what_plan_of_the_app_prints(cli, rendered):
    by_app = cli("plan", "nextcloud", "--council", ANSWERS["council"], "--domain", ANSWERS["domain"],
                 "--contact", ANSWERS["contact"])
    by_folder = cli("plan", str(rendered))
    assert by_app.returncode == 0 and by_folder.returncode == 0, by_folder.stderr
    assert by_folder.stdout == by_app.stdout


def test_plan_json_of_a_stack_folder_is_the_plan_json_of_the_app(cli, rendered, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert cli("plan", "nextcloud", "--council", ANSWERS["council"], "--domain", ANSWERS["domain"],
               "--contact", ANSWERS["contact"], "--json", str(a)).returncode == 0
    assert cli("plan", str(rendered), "--json", str(b)).returncode == 0
    by_app, by_folder = json.loads(a.read_text()), json.loads(b.read_text())
    assert set(by_app) == set(by_folder)
    # The resource graph and the deployment are the folder's; the policy and cost sections are
    # derived from them (their own determinism is tested with `plan`).
    for key in ("steps", "changeSummary", "outputs", "deployment"):
        assert by_folder[key] == by_app[key], key


def test_plan_of_a_folder_without_a_lock_is_an_error(cli, tmp_path):
    result = cli("plan", str(tmp_path))
    assert result.returncode == 2
    assert f"{tmp_path}: no {LOCK_FILE}" in result.stderr


def test_a_stack_config_edited_to_another_blueprint_version_is_refused(cli, rendered):
    config = rendered / f"Pulumi.{STACK}.yaml"
    config.write_text(config.read_text().replace(f'"nextcloud@{NEWEST}"', '"nextcloud@1.0.0"'))
    result = cli("plan", str(rendered))
    assert result.returncode == 2
    assert f"councilkit:blueprint is nextcloud@1.0.0 but councilkit.lock.json holds nextcloud@{NEWEST}" in result.stderr


def test_the_folder_program_builds_the_planned_resources_from_its_own_files(rendered, plan_of):
    """What `pulumi up` would run: the rendered __main__.py, under Pulumi's mocks, with the config
    Pulumi would load from Pulumi.<stack>.yaml. No engine, no cloud: only the program is real."""
    import pulumi.runtime

    from councilkit.cli.offline import run_offline

    config = yaml.safe_load((rendered / f"Pulumi.{STACK}.yaml").read_text())["config"]
    pulumi.runtime.set_all_config(config)
    try:
        plan = run_offline(lambda: runpy.run_path(str(rendered / "__main__.py"), run_name="__main__") and None, STACK)
    finally:
        pulumi.runtime.set_all_config({})
    _, expected = plan_of("nextcloud", "aws", "trial", **{k: ANSWERS[k] for k in ("council", "domain", "contact")})
    assert sorted(r.urn for r in plan.resources) == sorted(r.urn for r in expected.resources)


def test_release_protection_turns_deletion_protection_off_for_a_production_destroy(tmp_path):
    import pulumi.runtime

    from councilkit.cli.offline import run_offline
    from councilkit.stacks import program

    created = new_stack("nextcloud", **{**ANSWERS, "tier": "production"}, folder=str(tmp_path / "p"))
    stack = created.deployment.stack_name
    config = yaml.safe_load((created.path / f"Pulumi.{stack}.yaml").read_text())["config"]
    pulumi.runtime.set_all_config({**config, "councilkit:release-protection": "true"})
    try:
        plan = run_offline(lambda: program.run(created.path), stack)
    finally:
        pulumi.runtime.set_all_config({})
    assert plan.one("aws:rds/instance:Instance").inputs["deletionProtection"] is False
    assert plan.one("aws:rds/instance:Instance").inputs["skipFinalSnapshot"] is False, "the final snapshot is kept"
    assert plan.one("aws:lb/loadBalancer:LoadBalancer").inputs["enableDeletionProtection"] is False


def test_runbook_states_the_backup_days_the_stack_sets(tmp_path):
    """One home for the retention: the runbook says what the RDS instance and backup plan are given."""
    created = new_stack("nextcloud", **{**ANSWERS, "tier": "production"}, folder=str(tmp_path / "p"))
    runbook = (created.path / "RUNBOOK.md").read_text()
    _, plan = planned("nextcloud", "aws", "production", **{k: ANSWERS[k] for k in ("council", "domain", "contact")})
    days = plan.one("aws:rds/instance:Instance").inputs["backupRetentionPeriod"]
    assert f"point-in-time restore for {days} days" in runbook
    rules = plan.one("aws:backup/plan:Plan").inputs["rules"]
    kept = sorted(r["lifecycle"]["deleteAfter"] for r in rules)
    assert f"(kept {kept[0]} days) and monthly (kept {kept[1]} days)" in runbook
    snapshot = plan.one("aws:rds/instance:Instance").inputs["finalSnapshotIdentifier"]
    prefix = snapshot[: -8]  # the random suffix is drawn when the database is created
    assert f"final snapshot `{prefix}<8 hex digits>`" in runbook and "`final_snapshot`" in runbook


def test_azure_trial_runbook_binds_the_domain_on_the_web_app_with_asuid_and_cname_first(tmp_path):
    created = new_stack("nextcloud", **{**ANSWERS, "cloud": "azure"}, folder=str(tmp_path / "t"))
    runbook = (created.path / "RUNBOOK.md").read_text()
    dns = runbook[runbook.index("### Domain and DNS"):runbook.index("## Log in")]
    assert "the TXT record `asuid.files.borsetshire.gov.uk`\n  (the environment's domain verification id)" in dns
    assert "DNS-RECORDS.md" in dns and "exit code 3" in dns
    assert "Publish the CNAME `files.borsetshire.gov.uk` → the web app's own address" in dns
    assert "--resource-group rg-borsetshire-county-council-nextcloud-trial" in dns
    # A trial has no Front Door: nothing about Private Link or Front Door records.
    assert "Front Door" not in dns and "private_link_approval" not in runbook
    assert "answers on its own Azure address" not in runbook


def test_azure_production_runbook_says_up_approves_the_private_link(tmp_path):
    created = new_stack("nextcloud", **{**ANSWERS, "cloud": "azure", "tier": "production"}, folder=str(tmp_path / "p"))
    runbook = (created.path / "RUNBOOK.md").read_text()
    dns = runbook[runbook.index("### Domain and DNS"):runbook.index("## Log in")]
    assert "`asuid.files.borsetshire.gov.uk`" not in dns and "→ the Front Door endpoint" in dns
    assert "_dnsauth.files.borsetshire.gov.uk" in dns
    assert "`up` approves the connection itself" in dns and "`private_link_approval` output" in dns


def test_aws_runbook_has_no_azure_dns_steps(rendered):
    assert "### Domain and DNS" not in (rendered / "RUNBOOK.md").read_text()


@pytest.mark.parametrize("council", ["Borsetshire County Council",
                                     "Royal Borough of Windsor and Maidenhead Joint Waste Committee"])
@pytest.mark.parametrize("app", ["nextcloud", "localgov-drupal"])
def test_azure_runbook_names_the_resource_group_the_stack_creates(council, app, tmp_path):
    from councilkit.blueprints.deployment import build_deployment
    from councilkit.cli.render import render
    from councilkit.stacks.azure import names

    d = build_deployment(app, cloud="azure", tier="trial", council=council, domain="x.borsetshire.gov.uk")
    runbook = render(d, d.blueprint_dir / f"{d.blueprint.version}.yaml").files["RUNBOOK.md"].decode()
    assert f"--resource-group {names.resource_group(d)} " in runbook
    assert f"`{names.container_app(d, d.blueprint.web.name)}.<the environment's default domain>`" in runbook
