"""Golden files: a rendered stack folder, byte for byte, as a council would read and commit it.

After an intended change to the templates, regenerate and review the diff:

    COUNCILKIT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_render_golden.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from councilkit.cli.newstack import new_stack

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "nextcloud-aws-trial": ("nextcloud", dict(cloud="aws", tier="trial", council="Borsetshire County Council",
                                              domain="files.borsetshire.gov.uk", contact="it@borsetshire.gov.uk")),
    "nextcloud-azure-production": ("nextcloud", dict(
        cloud="azure", tier="production", council="Royal Borough of Example & Sample",
        domain="files.example-sample.gov.uk", contact="web@example-sample.gov.uk")),
}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", CASES)
def test_rendered_folder_matches_its_golden_copy(case, tmp_path):
    assert os.environ.get("COUNCILKIT_TODAY") == "2026-11-25", "expiry dates in the golden files need a pinned today"
    app, answers = CASES[case]
    rendered = new_stack(app, **answers, folder=str(tmp_path / case)).path
    golden = GOLDEN / case
    if os.environ.get("COUNCILKIT_UPDATE_GOLDEN") == "1":
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(rendered, golden)
    assert golden.is_dir(), f"no golden copy; run COUNCILKIT_UPDATE_GOLDEN=1 pytest {__file__}"
    got, want = _files(rendered), _files(golden)
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name].decode() == want[name].decode(), f"{case}/{name} differs from tests/golden"
