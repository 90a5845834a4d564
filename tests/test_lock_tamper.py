"""Tamper-evidence (issue 14, class 7): a stack folder's lock is what `plan DIR`, `up` and `upgrade`
deploy, so an edit to it (an image moved to another registry, a setting loosened, a forged source
digest) is refused with what differs, unless the council accepts that exact body in the stack
config. And a council's blueprint folder may not replace a shipped release with other content."""

from __future__ import annotations

import json
import shutil

import pytest

from councilkit.blueprints.lock import LOCK_FILE, resolved_sha256
from councilkit.blueprints.loader import BUILTIN_DIR

EVIL = "registry.invalid/nextcloud:32.0.6-apache"


def _snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def stack(cli, tmp_path):
    folder = tmp_path / "stack"
    made = cli("new", "nextcloud@1.0.0", "--cloud", "aws", "--tier", "trial", "--dir", str(folder),
               "--council", "Borsetshire County Council", "--domain", "files.borsetshire.gov.uk",
               "--contact", "it@borsetshire.gov.uk")
    assert made.returncode == 0, made.stderr
    return folder


def _edit(folder, change, rehash: bool = False):
    path = folder / LOCK_FILE
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    if rehash:
        doc["resolved_sha256"] = resolved_sha256(doc["resolved"])
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return doc


def _web(doc):
    return next(c for c in doc["resolved"]["containers"] if c["role"] == "web")


def _refused(cli, folder, *extra):
    before = _snapshot(folder)
    result = cli("plan", str(folder), *extra)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert _snapshot(folder) == before
    return result.stderr


def test_a_fresh_lock_records_the_digest_of_its_body_and_plans(cli, stack):
    doc = json.loads((stack / LOCK_FILE).read_text(encoding="utf-8"))
    assert doc["resolved_sha256"] == resolved_sha256(doc["resolved"])
    assert cli("plan", str(stack)).returncode == 0


@pytest.mark.parametrize("rehash", [False, True], ids=["digest-left", "digest-recomputed"])
def test_an_image_moved_to_another_registry_is_refused_with_what_differs(cli, stack, rehash):
    """Recomputing the body's digest does not help: the released file is the reference."""
    _edit(stack, lambda doc: _web(doc).update(image=EVIL), rehash=rehash)
    message = _refused(cli, stack)
    assert "the lock was changed after `councilkit new` wrote it" in message
    assert f'containers[0].image: "{EVIL}" (released: "nextcloud:32.0.6-apache")' in message
    assert "councilkit new nextcloud@1.0.0 --force" in message


def test_a_forged_source_digest_is_refused(cli, stack):
    _edit(stack, lambda doc: doc["source"].update(sha256="0" * 64))
    assert "its source.sha256 is not the digest of the released nextcloud@1.0.0" in _refused(cli, stack)


def _later_versions(folder, names):
    """shutil.copytree's ignore: every blueprint version but 1.0.0 (the copy renames only that)."""
    return [n for n in names if n.endswith(".yaml") and n != "1.0.0.yaml"]


def test_a_lock_from_an_unlisted_folder_is_checked_against_its_own_digest(cli, tmp_path):
    """A council's own blueprint (not in the catalogue when the plan runs) is still checked: the
    recorded digest of its body."""
    extra = tmp_path / "ours"
    shutil.copytree(BUILTIN_DIR / "wordpress", extra / "intranet", ignore=_later_versions)
    source = extra / "intranet" / "1.0.0.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("id: wordpress", "id: intranet"), encoding="utf-8")
    folder = tmp_path / "stack"
    made = cli("new", "intranet", "--cloud", "aws", "--tier", "trial", "--blueprints", str(extra), "--dir", str(folder),
               "--council", "Borsetshire County Council", "--domain", "intranet.borsetshire.gov.uk",
               "--contact", "it@borsetshire.gov.uk")
    assert made.returncode == 0, made.stderr
    assert cli("plan", str(folder)).returncode == 0
    _edit(folder, lambda doc: doc["resolved"]["tiers"]["production"]["processes"]["web"].update(replicas=1))
    assert "does not match its resolved_sha256" in _refused(cli, folder)


def test_the_council_can_accept_exactly_one_edited_body(cli, stack):
    doc = _edit(stack, lambda doc: _web(doc).update(image=EVIL))
    body = resolved_sha256(doc["resolved"])
    message = _refused(cli, stack)
    assert f"add `councilkit:accept-lock: {body}` to the stack config" in message
    config = next(stack.glob("Pulumi.*.yaml"))
    config.write_text(config.read_text(encoding="utf-8").replace(
        "config:\n", f"config:\n  councilkit:accept-lock: {body}\n", 1), encoding="utf-8")
    accepted = cli("plan", str(stack))
    assert accepted.returncode == 0, accepted.stderr
    assert EVIL in json.dumps(json.loads((stack / LOCK_FILE).read_text(encoding="utf-8")))
    # A further edit is a different body: refused again.
    _edit(stack, lambda doc: _web(doc).update(image=EVIL.replace("32.0.6", "32.0.7")))
    assert "the lock was changed" in _refused(cli, stack)


def test_a_lock_written_before_the_body_digest_still_plans(cli, stack):
    _edit(stack, lambda doc: doc.pop("resolved_sha256"))
    assert cli("plan", str(stack)).returncode == 0
    _edit(stack, lambda doc: _web(doc).update(image=EVIL))
    assert "containers[0].image" in _refused(cli, stack)


def test_a_council_folder_may_not_replace_a_shipped_release(cli, tmp_path):
    shadow = tmp_path / "shadow" / "nextcloud"
    shadow.mkdir(parents=True)
    original = (BUILTIN_DIR / "nextcloud" / "1.0.0.yaml").read_text(encoding="utf-8")
    (shadow / "1.0.0.yaml").write_text(original, encoding="utf-8")
    same = cli("plan", "nextcloud@1.0.0", env={"COUNCILKIT_BLUEPRINT_PATH": str(tmp_path / "shadow")})
    assert same.returncode == 0, same.stderr  # an identical copy is harmless
    (shadow / "1.0.0.yaml").write_text(original.replace("PHP_MEMORY_LIMIT: 1G", "PHP_MEMORY_LIMIT: 2G", 1),
                                       encoding="utf-8")
    changed = cli("plan", "nextcloud@1.0.0", env={"COUNCILKIT_BLUEPRINT_PATH": str(tmp_path / "shadow")})
    assert changed.returncode == 2
    assert changed.stderr == (f"error: {shadow / '1.0.0.yaml'}: replaces the shipped release nextcloud@1.0.0 with "
                              "different content; a released blueprint never changes: give yours a new version "
                              "(or another id)\n")


def test_two_council_folders_with_one_id_at_version_say_which_wins(cli, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, limit in ((first, "1G"), (second, "2G")):
        shutil.copytree(BUILTIN_DIR / "wordpress", folder / "intranet", ignore=_later_versions)
        path = folder / "intranet" / "1.0.0.yaml"
        text = path.read_text(encoding="utf-8").replace("id: wordpress", "id: intranet")
        path.write_text(text + f"# {limit}\n", encoding="utf-8")
    result = cli("blueprints", "list", env={"COUNCILKIT_BLUEPRINT_PATH": f"{first}:{second}"})
    assert result.returncode == 0, result.stderr
    assert result.stderr == (f"warning: intranet@1.0.0: {first / 'intranet' / '1.0.0.yaml'} is used; "
                             f"{second / 'intranet' / '1.0.0.yaml'} has the same id@version with different content\n")
