"""`councilkit upgrade`: a newer blueprint version, shown before it is written, never a downgrade.

The newer version is a copy of nextcloud 1.0.0 released as 1.0.1 with a newer image tag, in a
temporary blueprint folder passed with --blueprints. The catalogue's own newer nextcloud versions
(1.1.0 on 33, 1.2.0 on 34) move a major, so the tests name 1.0.1 with --to; moving majors is
tests/test_blueprint_nextcloud_next.py's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from councilkit.blueprints.errors import UserError
from councilkit.blueprints.lock import LOCK_FILE, read_lock
from councilkit.blueprints.loader import BUILTIN_DIR
from councilkit.cli.newstack import new_stack
from councilkit.cli.stackdir import open_folder
from councilkit.cli.upgrade import choose_version, image_changes, prepare_upgrade, report

STACK = "borsetshire-county-council-nextcloud-trial"
ANSWERS = dict(cloud="aws", tier="trial", council="Borsetshire County Council",
               domain="files.borsetshire.gov.uk", contact="it@borsetshire.gov.uk")


@pytest.fixture
def newer(tmp_path) -> Path:
    """nextcloud@1.0.1: the 32.0.7 image and one more upgrade step."""
    folder = tmp_path / "blueprints"
    (folder / "nextcloud").mkdir(parents=True)
    text = (BUILTIN_DIR / "nextcloud" / "1.0.0.yaml").read_text()
    text = text.replace("version: 1.0.0", "version: 1.0.1", 1).replace("32.0.6", "32.0.7")
    text = text.replace("occ db:add-missing-indices\"]", "occ db:add-missing-indices\"]\n"
                        "    - [\"su\", \"-p\", \"www-data\", \"-s\", \"/bin/sh\", \"-c\", \"php /var/www/html/occ maintenance:repair\"]")
    (folder / "nextcloud" / "1.0.1.yaml").write_text(text)
    return folder


@pytest.fixture
def folder(tmp_path) -> Path:
    return new_stack("nextcloud@1.0.0", **ANSWERS, folder=str(tmp_path / STACK)).path


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_upgrade_shows_images_lock_diff_resources_and_steps_then_writes_on_yes(cli, folder, newer):
    result = cli("upgrade", str(folder), "--blueprints", str(newer), "--to", "1.0.1", "--yes")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"upgrade {STACK}: nextcloud@1.0.0 -> nextcloud@1.0.1 (Nextcloud 32.0.6 -> 32.0.7)" in out
    assert "  web: nextcloud:32.0.6-apache -> nextcloud:32.0.7-apache" in out
    assert "  cron: nextcloud:32.0.6-apache -> nextcloud:32.0.7-apache" in out
    assert "-  image: nextcloud:32.0.6-apache" in out and "+  image: nextcloud:32.0.7-apache" in out
    assert "resources (offline plan): 0 to add, " in out
    assert "~ aws:ecs/taskDefinition:TaskDefinition nextcloud-web (containerDefinitions, tags)" in out
    assert "more: tags only (blueprint=nextcloud@1.0.1)" in out
    assert "once after the rollout, in one `web` container:" in out
    assert "su -p www-data -s /bin/sh -c 'php /var/www/html/occ maintenance:repair'" in out
    lock = read_lock(folder)
    assert lock.ref == "nextcloud@1.0.1" and lock.blueprint.web.image == "nextcloud:32.0.7-apache"
    assert '"nextcloud@1.0.1"' in (folder / f"Pulumi.{STACK}.yaml").read_text()
    assert f"wrote {folder} (nextcloud@1.0.1)" in out


def test_declining_the_upgrade_writes_nothing(cli, folder, newer):
    before = _files(folder)
    result = cli("upgrade", str(folder), "--blueprints", str(newer), "--to", "1.0.1")  # no terminal, no answer piped in
    assert result.returncode == 2 and result.stderr.strip().endswith(
        "error: upgrade: no terminal to ask on and no answer on stdin; nothing was written; "
        "pass --yes to go ahead without asking")
    assert "nextcloud:32.0.7-apache" in result.stdout
    assert _files(folder) == before


def test_the_upgraded_folder_plans_like_a_new_stack_of_that_version(cli, folder, newer, tmp_path):
    assert cli("upgrade", str(folder), "--blueprints", str(newer), "--to", "1.0.1", "--yes").returncode == 0
    fresh = new_stack("nextcloud@1.0.1", **ANSWERS, folder=str(tmp_path / "fresh"), blueprint_dirs=(newer,)).path
    assert _files(folder) == _files(fresh)


def test_a_newer_release_changes_nothing_until_upgrade_runs(cli, folder, newer):
    """The lock, not the catalogue: with 1.0.1 installed the folder still plans 1.0.0."""
    result = cli("plan", str(folder), env={"COUNCILKIT_BLUEPRINT_PATH": str(newer)})
    assert result.returncode == 0, result.stderr
    assert "nextcloud@1.0.0" in result.stdout.strip().splitlines()[-1]


def test_upgrade_refuses_a_downgrade(folder, newer):
    new_stack("nextcloud@1.0.1", **ANSWERS, folder=str(folder), force=True, blueprint_dirs=(newer,))
    with pytest.raises(UserError, match="nextcloud@1.0.0 is older than the locked nextcloud@1.0.1"):
        prepare_upgrade(open_folder(folder), "1.0.0", (newer,))


def test_upgrade_to_the_locked_version_is_a_no_op(cli, folder):
    result = cli("upgrade", str(folder), "--to", "1.0.0")
    assert result.returncode == 0
    assert result.stdout.strip() == f"{STACK} is already at nextcloud@1.0.0; nothing to do"


def test_a_released_file_that_changed_since_the_lock_is_an_error(folder, tmp_path):
    edited = tmp_path / "edited" / "nextcloud"
    edited.mkdir(parents=True)
    (edited / "1.0.0.yaml").write_text((BUILTIN_DIR / "nextcloud" / "1.0.0.yaml").read_text() + "\n# edited\n")
    # A council's folder may not replace a shipped release at all (blueprints/loader.py), which
    # catches this before the upgrade compares the lock's source digest with the file.
    with pytest.raises(UserError, match="replaces the shipped release nextcloud@1.0.0 with different content"):
        choose_version(open_folder(folder), "1.0.0", (edited.parent,))


def test_unknown_target_version_is_one_error_line(cli, folder, newer):
    result = cli("upgrade", str(folder), "--blueprints", str(newer), "--to", "2.0.0")
    assert result.returncode == 2
    assert result.stderr == "error: upgrade: unknown version nextcloud@2.0.0; available: 1.0.0, 1.0.1, 1.1.0, 1.2.0\n"


def test_upgrade_keeps_the_answers_expiry_and_encryption_salt(folder, newer):
    config = folder / f"Pulumi.{STACK}.yaml"
    config.write_text("encryptionsalt: v1:salt:1\n" + config.read_text())
    u = prepare_upgrade(open_folder(folder), "1.0.1", (newer,))
    assert u.target.expires_on == u.current.expires_on == "2026-12-25"
    text = u.rendered.files[f"Pulumi.{STACK}.yaml"].decode()
    assert 'encryptionsalt: "v1:salt:1"' in text
    assert json.loads(u.rendered.files[LOCK_FILE])["blueprint"] == "nextcloud@1.0.1"


def test_image_changes_list_only_containers_whose_image_changed(newer):
    from councilkit.blueprints.loader import load_file

    old = load_file(BUILTIN_DIR / "nextcloud" / "1.0.0.yaml")
    new = load_file(newer / "nextcloud" / "1.0.1.yaml")
    assert image_changes(old, new) == [
        ("cron", "nextcloud:32.0.6-apache", "nextcloud:32.0.7-apache"),
        ("web", "nextcloud:32.0.6-apache", "nextcloud:32.0.7-apache"),
    ]
    assert image_changes(old, old) == []


def test_report_lists_added_and_removed_resources(folder, newer, monkeypatch):
    from councilkit.cli import upgrade as upgrading
    from councilkit.stacks.plan import Plan, PlannedResource

    def fake_plan(d):
        names = ["vpc", "old-alarm"] if d.blueprint.version == "1.0.0" else ["vpc", "new-alarm"]
        return Plan(stack=STACK, resources=[
            PlannedResource(urn=f"urn:pulumi:{STACK}::councilkit::aws:x/y:Z::{n}", type="aws:x/y:Z", name=n,
                            parent="", custom=True, inputs={}) for n in names])

    monkeypatch.setattr("councilkit.cli.planning.plan_deployment", fake_plan)
    lines = report(upgrading.prepare_upgrade(open_folder(folder), "1.0.1", (newer,)))
    assert "resources (offline plan): 1 to add, 0 to change, 1 to remove" in lines
    assert "  + aws:x/y:Z new-alarm" in lines and "  - aws:x/y:Z old-alarm" in lines
