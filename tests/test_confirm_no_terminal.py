"""Asking with nobody there (issue 14, class 12, for `upgrade` and `reap` as for `destroy`): with no
terminal and nothing on stdin, one `error:` line saying to pass --yes and nothing changed; an answer
piped in is used and echoed; "n" is `error: aborted`."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys

import pytest

from councilkit.blueprints.loader import BUILTIN_DIR
from test_reap import fake_backend, run_main  # noqa: F401  (fake_backend is a fixture)


def _files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def upgradable(cli, tmp_path):
    """A folder of a private app at 1.0.0 and a catalogue folder holding its 1.0.1 (another image tag)."""
    catalogue = tmp_path / "ours"
    shutil.copytree(BUILTIN_DIR / "wordpress", catalogue / "intranet")
    old = catalogue / "intranet" / "1.0.0.yaml"
    text = old.read_text(encoding="utf-8").replace("id: wordpress", "id: intranet")
    old.write_text(text, encoding="utf-8")
    image = next(line.split("image:")[1].strip() for line in text.splitlines() if "image:" in line)
    (catalogue / "intranet" / "1.0.1.yaml").write_text(
        text.replace("version: 1.0.0", "version: 1.0.1").replace(image, image + "-1"), encoding="utf-8")
    folder = tmp_path / "stack"
    made = cli("new", "intranet@1.0.0", "--cloud", "aws", "--tier", "trial", "--blueprints", str(catalogue),
               "--dir", str(folder), "--council", "Borsetshire County Council",
               "--domain", "intranet.borsetshire.gov.uk", "--contact", "it@borsetshire.gov.uk")
    assert made.returncode == 0, made.stderr
    return folder, catalogue


def _upgrade(folder, catalogue, stdin):
    return subprocess.run([sys.executable, "-c", "from councilkit.cli.main import main; main()", "upgrade",
                           str(folder), "--blueprints", str(catalogue)], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ), **stdin)


def test_upgrade_with_no_terminal_and_no_answer_refuses_in_one_line(upgradable):
    folder, catalogue = upgradable
    before = _files(folder)
    result = _upgrade(folder, catalogue, {"stdin": subprocess.DEVNULL})
    assert result.returncode == 2
    assert result.stderr == ("error: upgrade: no terminal to ask on and no answer on stdin; nothing was written; "
                             "pass --yes to go ahead without asking\n")
    assert _files(folder) == before


@pytest.mark.parametrize("answer,code", [("n\n", 2), ("y\n", 0)])
def test_upgrade_takes_an_answer_piped_in(upgradable, answer, code):
    folder, catalogue = upgradable
    before = _files(folder)
    result = _upgrade(folder, catalogue, {"input": answer})
    assert result.returncode == code, result.stderr
    assert f"[y/N]: {answer.strip()}" in result.stderr
    if code:
        assert result.stderr.endswith("error: aborted\n") and _files(folder) == before
    else:
        assert f"wrote {folder} (intranet@1.0.1)" in result.stdout


def test_reap_with_no_terminal_and_no_answer_destroys_nothing(fake_backend, capsys, monkeypatch):  # noqa: F811
    _, destroyed = fake_backend
    monkeypatch.setenv("AWS_PROFILE", "council")
    monkeypatch.setenv("ARM_CLIENT_ID", "sp")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, out, err = run_main(["reap"], capsys)
    assert code == 2
    assert err == ("error: reap: no terminal to ask on and no answer on stdin; nothing was destroyed; "
                   "pass --yes to go ahead without asking\n")
    assert destroyed == []


def test_reap_takes_a_piped_yes(fake_backend, capsys, monkeypatch):  # noqa: F811
    _, destroyed = fake_backend
    monkeypatch.setenv("AWS_PROFILE", "council")
    monkeypatch.setenv("ARM_CLIENT_ID", "sp")
    monkeypatch.setattr(sys, "stdin", io.StringIO("yes\n"))
    code, out, err = run_main(["reap"], capsys)
    assert code == 0, err
    assert "Destroy 2 expired trial stack(s)? [y/N]: yes" in err
    assert destroyed == ["a-nextcloud-trial", "g-drupal-trial"]
