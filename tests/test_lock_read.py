"""A stack folder's lock read like every other user file (issue 14 class 2): a lock that is not
UTF-8, too large or missing gives one `error:` line naming it, never a traceback, and changes nothing."""

from __future__ import annotations

import pytest

from councilkit.blueprints.errors import UserError
from councilkit.blueprints.lock import LOCK_FILE, LOCK_MAX_BYTES, read_lock


def _snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def stack(cli, tmp_path):
    folder = tmp_path / "stack"
    made = cli("new", "wordpress", "--cloud", "aws", "--tier", "trial", "--dir", str(folder), "--council", "Borsetshire County Council",
               "--domain", "intranet.borsetshire.gov.uk", "--contact", "it@borsetshire.gov.uk")
    assert made.returncode == 0, made.stderr
    return folder


def test_a_lock_that_is_not_utf8_names_the_file_and_byte_and_changes_nothing(cli, stack):
    lock = stack / LOCK_FILE
    data = lock.read_bytes()
    lock.write_bytes(data[:10] + b"\xff" + data[10:])
    before = _snapshot(stack)
    result = cli("plan", str(stack))
    assert result.returncode == 2
    assert result.stderr == f"error: {lock}: not UTF-8 text (byte 0xff at offset 10); save it as UTF-8\n"
    assert "Traceback" not in result.stdout + result.stderr
    assert _snapshot(stack) == before


def test_an_oversized_or_missing_lock_is_refused_plainly(tmp_path):
    (tmp_path / LOCK_FILE).write_bytes(b" " * (LOCK_MAX_BYTES + 1))
    with pytest.raises(UserError, match=r"larger than the 4 MiB"):
        read_lock(tmp_path)
    (tmp_path / LOCK_FILE).unlink()
    with pytest.raises(UserError, match=r"no councilkit.lock.json|no .*; expected a folder written by `councilkit new`"):
        read_lock(tmp_path)
