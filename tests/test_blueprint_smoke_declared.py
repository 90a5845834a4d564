"""Every app's newest blueprint declares its smoke check (issue 13): the requests that prove a
deployed app works for a person, which `up`, `councilkit check` and the acceptance suite run.
Older released versions keep the web health check as their smoke (released files never change)."""

from __future__ import annotations

import pytest

from councilkit.blueprints.loader import discover, load_file

NEWEST = {app: load_file(list(versions.values())[-1].path) for app, versions in discover().items()}


@pytest.mark.parametrize("app", sorted(NEWEST))
def test_the_newest_version_declares_a_smoke_check_that_reads_the_page(app):
    bp = NEWEST[app]
    assert bp.smoke, f"{bp.ref} declares no smoke requests"
    assert any(r.contains for r in bp.smoke), f"{bp.ref}: at least one request checks the page's text, not only a code"
    assert all(len(r.why) > 10 for r in bp.smoke), "each request says what a pass proves"
