"""The shipped upstream support data (blueprints/support.yaml) and the verdicts read from it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from councilkit.blueprints import support
from councilkit.blueprints.dates import london_today
from councilkit.blueprints.errors import UserError
from councilkit.blueprints.loader import discover, load_file, resolve

DATA = support.load()
ENDOFLIFE = "https://github.com/endoflife-date/endoflife.date/blob/a70eca337600e7d721dc48112c271f98661d208b/products/"

# endoflife.date products/nextcloud.md at commit a70eca337600e7d721dc48112c271f98661d208b (2026-08-22):
#   - releaseCycle: "34"   releaseDate: 2026-06-09   eol: 2027-06-30
#   - releaseCycle: "33"   releaseDate: 2026-02-18   eol: 2027-02-28
#   - releaseCycle: "32"   releaseDate: 2025-09-27   eol: 2026-09-30
#   - releaseCycle: "31"   releaseDate: 2025-02-25   eol: 2026-02-28
NEXTCLOUD_SNAPSHOT = {
    "34": (dt.date(2026, 6, 9), dt.date(2027, 6, 30)),
    "33": (dt.date(2026, 2, 18), dt.date(2027, 2, 28)),
    "32": (dt.date(2025, 9, 27), dt.date(2026, 9, 30)),
    "31": (dt.date(2025, 2, 25), dt.date(2026, 2, 28)),
}


def _bp(ref: str):
    return resolve(ref)[0]


def test_every_catalogue_app_has_support_data():
    assert set(discover()) <= set(DATA.apps), set(discover()) - set(DATA.apps)


def test_every_row_names_a_source_and_the_day_it_was_read():
    for app_id, app in DATA.apps.items():
        for line in app.lines:
            assert line.source.startswith("https://"), (app_id, line.cycle)
            assert isinstance(line.read, dt.date) and line.read <= london_today(), (app_id, line.cycle)  # not a future day
            assert line.as_of is None or line.as_of <= line.read, (app_id, line.cycle)


def test_endoflife_rows_say_the_snapshot_date():
    rows = [ln for app in DATA.apps.values() for ln in app.lines if ln.source.startswith(ENDOFLIFE)]
    assert rows and all(ln.as_of == dt.date(2026, 8, 22) for ln in rows)


def test_nextcloud_rows_equal_the_endoflife_snapshot():
    lines = DATA.apps["nextcloud"].lines
    assert {ln.cycle: (ln.released, ln.end_of_support) for ln in lines} == NEXTCLOUD_SNAPSHOT
    assert all(ln.source == ENDOFLIFE + "nextcloud.md" for ln in lines)


def test_unknown_rows_say_which_page_was_checked():
    unknown = {app_id: ln for app_id, app in DATA.apps.items() for ln in app.lines if ln.end_of_support == "unknown"}
    assert set(unknown) == {"suitecrm", "erpnext", "alfresco"}
    assert unknown["suitecrm"].source == "https://docs.suitecrm.com/community/security-policy/"
    assert unknown["erpnext"].source == "https://frappe.io/support-versions"
    assert all(ln.note for ln in unknown.values())


def test_localgov_counts_the_drupal_core_minor_it_builds():
    v = support.verdict(_bp("localgov-drupal@1.0.1"), DATA, dt.date(2026, 12, 3))
    assert (v.runs, v.line, v.end_of_support, v.status) == ("11.4.7", "11.4", "2027-07-07", "supported")


@pytest.mark.parametrize("ref, status, days", [
    ("nextcloud@1.0.0", "unsupported", -64),
    ("nextcloud@1.1.0", "ends soon", 87),
    ("nextcloud@1.2.0", "supported", 209),
    ("suitecrm@1.0.1", "unknown", None),
    ("wordpress@1.0.1", "supported", None),
])
def test_status_on_2026_12_03(ref, status, days):
    v = support.verdict(_bp(ref), DATA, dt.date(2026, 12, 3))
    assert (v.status, v.days_left) == (status, days)


def test_nextcloud_32_was_supported_before_its_end():
    v = support.verdict(_bp("nextcloud@1.0.0"), DATA, dt.date(2026, 5, 1))
    assert (v.line, v.status, v.days_left, v.newest_supported_line) == ("32", "supported", 152, "33")  # 34 came out 2026-06-09
    assert support.verdict(_bp("nextcloud@1.0.0"), DATA, dt.date(2026, 9, 30)).status == "ends soon"
    assert support.verdict(_bp("nextcloud@1.0.0"), DATA, dt.date(2026, 10, 1)).status == "unsupported"


def test_a_null_end_lasts_until_the_next_line_is_released():
    lines = [support.Line(cycle="7.1", released=dt.date(2026, 8, 19), end_of_support=None,
                          source="https://example.invalid/a", read=dt.date(2026, 12, 3)),
             support.Line(cycle="7.2", released=dt.date(2026, 12, 1), end_of_support=None,
                          source="https://example.invalid/a", read=dt.date(2026, 12, 3))]
    assert support.end_of(lines[0], lines) == dt.date(2026, 12, 1)
    assert support.end_of(lines[1], lines) is None
    assert support.status_of(support.end_of(lines[0], lines), dt.date(2026, 12, 3)) == ("unsupported", -2)


def test_line_of_picks_the_most_specific_cycle():
    lines = DATA.apps["localgov-drupal"].lines
    assert support.line_of("11.4.7", lines).cycle == "11.4"
    assert support.line_of("11.40.1", lines) is None
    assert support.line_of("12.0.0", lines) is None


def test_plan_warning_names_the_line_its_end_and_the_next_blueprint():
    warning = support.plan_warning(_bp("nextcloud@1.0.0"), dt.date(2026, 12, 3))
    assert warning == (
        "warning: nextcloud@1.0.0 runs Nextcloud 32, out of upstream support since 2026-09-30; upgrade with "
        "`councilkit upgrade STACK_DIR --to nextcloud@1.1.0` (see `councilkit blueprints outdated`)")
    assert support.plan_warning(_bp("nextcloud@1.2.0"), dt.date(2026, 12, 3)) is None


def test_plan_warning_never_fails_on_bad_support_data(tmp_path):
    bad = tmp_path / "support.yaml"
    bad.write_text("apps: [\n")
    assert support.plan_warning(_bp("nextcloud@1.0.0"), dt.date(2026, 12, 3), path=bad) is None


# Mutation self-test: each break of a valid file is refused with one line naming the file.
MUTATIONS = {
    "no source": ("        source: https://github.com/endoflife-date", "        sauce: https://github.com/endoflife-date"),
    "no read date": ("        read: 2026-12-03\n", "\n"),
    "bad end": ("end_of_support: 2027-06-30", "end_of_support: soon"),
    "bad cycle": ('cycle: "34"', 'cycle: "thirty-four"'),
    "duplicate cycle": ('cycle: "33"', 'cycle: "34"'),
    "not yaml": ("apps:", "apps: ["),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_a_malformed_support_file_is_one_error_naming_it(tmp_path, name):
    old, new = MUTATIONS[name]
    text = support.SUPPORT_FILE.read_text()
    assert old in text, name
    bad = tmp_path / "support.yaml"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(UserError) as exc:
        support.load(bad)
    assert str(exc.value).startswith(f"{bad}:") and "\n" not in str(exc.value)


def test_the_shipped_file_loads_unchanged(tmp_path):
    copy = tmp_path / "support.yaml"
    copy.write_text(support.SUPPORT_FILE.read_text())
    assert support.load(copy) == DATA


def test_every_newest_blueprint_has_a_line_in_the_data():
    for app_id, versions in discover().items():
        bp = load_file(list(versions.values())[-1].path)
        assert support.verdict(bp, DATA, dt.date(2026, 12, 3)).line, app_id


def test_support_file_ships_beside_the_module():
    assert support.SUPPORT_FILE == Path(support.__file__).with_name("support.yaml")
