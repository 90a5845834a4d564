"""A failed write names the option the user gave the path with, and only that: DNS-RECORDS.md,
RETIRED.md, the estate workflow and the plan cache used to say `--json:` whatever was written."""

from __future__ import annotations

import pytest

from councilkit.blueprints.errors import UserError
from councilkit.cli.safe_io import write_atomically


def test_an_unlabelled_write_under_a_file_names_the_file_and_no_option(tmp_path):
    (tmp_path / "plain").write_text("x")
    target = tmp_path / "plain" / "DNS-RECORDS.md"
    with pytest.raises(UserError) as err:
        write_atomically(target, "records\n")
    assert str(err.value) == f"cannot write {target}: {tmp_path / 'plain'} is a file, not a folder"


def test_a_json_write_keeps_its_option_label(tmp_path):
    target = tmp_path / "missing" / "plan.json"
    with pytest.raises(UserError, match=r"^--json: folder .*missing does not exist$"):
        write_atomically(target, "{}\n", "--json")
    assert not (tmp_path / "missing").exists()
