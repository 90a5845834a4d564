"""Interrupted writes (issue 14, class 8): `new --force` or `upgrade` killed between file
replacements used to leave a folder mixing old and new files, which no longer planned. A rewrite
now stages every file, writes a journal (the commit point), then swaps; a run killed after the
journal is finished forward by the next councilkit command, one killed before it leaves the old
folder as it was. Killed for real: a child process ends itself with os._exit mid-swap."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from councilkit.cli.newstack import new_stack
from councilkit.cli.stackdir import JOURNAL

ANSWERS = dict(cloud="aws", tier="production", council="Borsetshire County Council",
               domain="files.borsetshire.gov.uk")
APP = "nextcloud@1.0.0"


def _files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _killed_rewrite(folder, after_replaces: int, contact: str) -> int:
    """Re-render `folder` with another contact in a child process that dies (os._exit, no cleanup,
    as a kill -9 would) at the given os.replace call."""
    script = textwrap.dedent(f"""
        import os
        from councilkit.cli import stackdir
        from councilkit.cli.newstack import new_stack
        real, calls = os.replace, []
        def dying(src, dst):
            calls.append(dst)
            if len(calls) > {after_replaces}:
                os._exit(137)
            real(src, dst)
        stackdir.os.replace = dying
        new_stack({APP!r}, **{ANSWERS!r}, contact={contact!r}, folder={str(folder)!r}, force=True)
    """)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120).returncode


def test_a_rewrite_killed_between_file_replacements_is_finished_by_the_next_run(cli, tmp_path):
    folder = tmp_path / "stack"
    new_stack(APP, **ANSWERS, contact="it@borsetshire.gov.uk", folder=str(folder))
    want = _files(new_stack(APP, **ANSWERS, contact="ops@borsetshire.gov.uk", folder=str(tmp_path / "fresh")).path)

    # 1 replace writes the journal; then old file → backup, new file → place: die after the first file.
    assert _killed_rewrite(folder, after_replaces=3, contact="ops@borsetshire.gov.uk") == 137
    assert (folder / JOURNAL).is_file(), "killed mid-swap: the journal says what is left to do"

    result = cli("plan", str(folder))
    assert result.returncode == 0, result.stderr
    # Beside the upstream-support warning nextcloud@1.0.0 gets after 2026-09-30 (tests/test_cli_outdated.py).
    own = [line for line in result.stderr.splitlines() if "out of upstream support" not in line]
    assert own == [f"warning: {folder}: finished a rewrite an earlier run was interrupted in"]
    assert _files(folder) == want, "the new render, whole"
    assert not list(folder.glob(".councilkit-*")), "no journal, staging or backup left"


def test_a_rewrite_killed_before_its_journal_leaves_the_old_folder_and_its_leftovers_are_cleared(cli, tmp_path):
    folder = tmp_path / "stack"
    before = _files(new_stack(APP, **ANSWERS, contact="it@borsetshire.gov.uk", folder=str(folder)).path)
    assert _killed_rewrite(folder, after_replaces=0, contact="ops@borsetshire.gov.uk") == 137
    assert not (folder / JOURNAL).exists()
    assert {k: v for k, v in _files(folder).items() if ".councilkit-" not in k} == before
    assert list(folder.glob(".councilkit-tmp-*")), "the staged files are left by the kill"

    again = new_stack(APP, **ANSWERS, contact="ops@borsetshire.gov.uk", folder=str(folder), force=True)
    assert any(b"ops@borsetshire.gov.uk" in data for name, data in _files(again.path).items() if name.startswith("Pulumi."))
    assert not list(folder.glob("*.councilkit-*")), "the next write clears what the killed one left"


def test_an_unreadable_journal_is_one_error_line_and_touches_nothing(cli, tmp_path):
    folder = tmp_path / "stack"
    new_stack(APP, **ANSWERS, contact="it@borsetshire.gov.uk", folder=str(folder))
    (folder / JOURNAL).write_text('{"staging": "../../etc", "backup": "b", "files": [], "stale": []}')
    before = _files(folder)
    result = cli("plan", str(folder))
    assert result.returncode == 2
    assert result.stderr == f"error: {folder / JOURNAL}: names a file outside the folder; refused (delete the file)\n"
    assert _files(folder) == before
