"""`councilkit reap`: expired trials go, production and unexpired stacks never do.

The rule is a pure function (`select`), proven with hypothesis over any mix of stacks a backend
could hold. Listing a backend is tested with a fake workspace object in place of the Automation
API's LocalWorkspace.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from councilkit.blueprints import dates as calendar
from councilkit.cli import reap

TODAY = dt.date(2026, 11, 25)

dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))
expiry = st.one_of(st.none(), dates.map(dt.date.isoformat), st.text(max_size=12))
stacks = st.builds(
    reap.StackInfo,
    name=st.text(min_size=1, max_size=30),
    managed=st.booleans(),
    tier=st.one_of(st.none(), st.sampled_from(["trial", "production", "Trial", "staging", ""])),
    expires_on=expiry,
    cloud=st.sampled_from([None, "aws", "azure"]),
    resource_count=st.one_of(st.none(), st.integers(min_value=0, max_value=500)),
)


@given(st.lists(stacks, max_size=30), dates)
def test_only_expired_trials_with_resources_are_ever_reaped(infos, today):
    decisions = reap.select(infos, today)
    assert [d.stack for d in decisions] == infos, "one decision per stack, in order"
    for d in decisions:
        s = d.stack
        if d.reap:
            assert s.managed and s.tier == "trial"
            assert dt.date.fromisoformat(s.expires_on) <= today
            assert s.resource_count != 0


@given(st.lists(stacks, max_size=30), dates)
def test_production_and_unexpired_stacks_are_never_reaped(infos, today):
    for d in reap.select(infos, today):
        s = d.stack
        if s.tier == "production" or s.expires_on is None:
            assert not d.reap
        try:
            if dt.date.fromisoformat(s.expires_on) > today:
                assert not d.reap
        except (TypeError, ValueError):
            assert not d.reap, "an unreadable date is never taken as expired"


@given(st.lists(stacks, max_size=30), dates)
def test_every_expired_trial_with_resources_is_reaped(infos, today):
    for d in reap.select(infos, today):
        s = d.stack
        try:
            expired = dt.date.fromisoformat(s.expires_on) <= today
        except (TypeError, ValueError):
            expired = False
        if s.managed and s.tier == "trial" and expired and s.resource_count != 0:
            assert d.reap, d.reason


@given(dates, st.integers(min_value=-400, max_value=400))
def test_a_trial_is_reaped_from_its_expiry_date_on(today, offset):
    info = reap.StackInfo("t", managed=True, tier="trial", expires_on=(today + dt.timedelta(days=offset)).isoformat(),
                          resource_count=10)
    assert reap.decide(info, today).reap == (offset <= 0)


class FakeWorkspace:
    """Stands in for LocalWorkspace: list_stacks() and stack_outputs(name), as the API returns them."""

    def __init__(self, stacks: dict[str, tuple[int | None, dict | None]]):
        self.stacks = stacks

    def list_stacks(self):
        from pulumi.automation import StackSummary

        return [StackSummary(name=n, current=False, resource_count=c) for n, (c, _) in self.stacks.items()]

    def stack_outputs(self, name):
        from pulumi.automation import CommandError, OutputValue

        count, meta = self.stacks[name]
        if meta is None:
            raise CommandError("stack has no outputs")
        return {"url": OutputValue("https://x", False), "councilkit": OutputValue(meta, False)}


def meta(tier, expires=None, cloud="aws"):
    out = {"managed-by": "councilkit", "blueprint": "nextcloud@1.0.0", "cloud": cloud, "tier": tier}
    if expires:
        out["expires-on"] = expires
    return out


WORKSPACE = {
    "a-nextcloud-trial": (80, meta("trial", "2026-11-01")),
    "b-nextcloud-trial": (80, meta("trial", "2026-12-25")),
    "c-nextcloud-production": (120, meta("production")),
    "d-hand-made": (3, {"something": "else"}),
    "e-broken": (None, None),
    "f-drupal-trial": (0, meta("trial", "2026-10-01", cloud="azure")),
    "g-drupal-trial": (60, meta("trial", "2026-11-25", cloud="azure")),
}


def test_listing_reads_names_counts_and_the_councilkit_output_of_each_stack():
    infos = reap.list_stacks(FakeWorkspace(WORKSPACE))
    assert [i.name for i in infos] == sorted(WORKSPACE)
    assert infos[0] == reap.StackInfo("a-nextcloud-trial", managed=True, tier="trial", expires_on="2026-11-01",
                                      cloud="aws", resource_count=80)
    assert not infos[3].managed and not infos[4].managed


def test_selection_over_a_listed_backend():
    decisions = {d.stack.name: d for d in reap.select(reap.list_stacks(FakeWorkspace(WORKSPACE)), TODAY)}
    assert sorted(n for n, d in decisions.items() if d.reap) == ["a-nextcloud-trial", "g-drupal-trial"]
    assert decisions["b-nextcloud-trial"].reason == "expires on 2026-12-25"
    assert decisions["c-nextcloud-production"].reason == "tier production: only trials expire"
    assert decisions["f-drupal-trial"].reason == "expired on 2026-10-01, already empty"


def test_destroying_carries_on_past_a_failure_and_reports_it():
    from pulumi.automation import CommandError
    from rich.console import Console

    destroyed = []

    def destroy(workspace, name, progress):
        if name == "bad":
            raise CommandError("stderr: error: AccessDenied")
        destroyed.append(name)

    console = Console(file=io.StringIO(), width=200)
    failed = reap.destroy_expired(object(), ["one", "bad", "two"], console, destroy=destroy)
    assert failed == ["bad"] and destroyed == ["one", "two"]
    assert "could not destroy bad: AccessDenied" in console.file.getvalue()


@pytest.fixture
def fake_backend(monkeypatch, tmp_path):
    from councilkit.cli import automation

    destroyed = []
    monkeypatch.setattr(automation.shutil, "which", lambda name: "/opt/pulumi/bin/pulumi")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    monkeypatch.setenv("HOME", str(tmp_path))
    # A real reap refuses a pinned date: the clock itself says TODAY (noon in London).
    monkeypatch.delenv("COUNCILKIT_TODAY", raising=False)
    monkeypatch.setattr(calendar, "NOW", lambda: dt.datetime.combine(TODAY, dt.time(12), dt.timezone.utc))
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    for key in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "ARM_CLIENT_ID", "AZURE_CLIENT_ID"):
        monkeypatch.delenv(key, raising=False)
    seen = {}

    def workspace(url, work_dir):
        seen["backend"] = url
        return FakeWorkspace(WORKSPACE)

    monkeypatch.setattr(reap, "backend_workspace", workspace)
    monkeypatch.setattr(reap, "destroy_stack", lambda ws, name, progress: destroyed.append(name))
    return seen, destroyed


def run_main(argv, capsys):
    from councilkit.cli.main import main

    with pytest.raises(SystemExit) as exit_:
        main(argv)
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def test_reap_dry_run_lists_and_destroys_nothing(fake_backend, capsys):
    seen, destroyed = fake_backend
    code, out, err = run_main(["reap", "--dry-run", "--backend", "s3://council-state"], capsys)
    assert code == 0, err
    assert seen["backend"] == "s3://council-state"
    assert "reap a-nextcloud-trial: expired on 2026-11-01" in out
    assert "keep c-nextcloud-production: tier production: only trials expire" in out
    assert "dry run: would destroy 2 stack(s)" in out
    assert destroyed == []


def test_reap_checks_credentials_of_every_cloud_before_destroying_any(fake_backend, capsys, monkeypatch):
    _, destroyed = fake_backend
    monkeypatch.setenv("AWS_PROFILE", "council")
    code, _, err = run_main(["reap", "--yes"], capsys)
    assert code == 2 and err.startswith("error: no Azure credentials found")
    assert destroyed == []


def test_reap_with_yes_destroys_exactly_the_expired_trials(fake_backend, capsys, monkeypatch):
    seen, destroyed = fake_backend
    monkeypatch.setenv("AWS_PROFILE", "council")
    monkeypatch.setenv("ARM_CLIENT_ID", "sp")
    code, out, err = run_main(["reap", "--yes"], capsys)
    assert code == 0, err
    assert seen["backend"].startswith("file://") and seen["backend"].endswith("/.councilkit/state")
    assert destroyed == ["a-nextcloud-trial", "g-drupal-trial"]


def test_reap_without_pulumi_is_the_missing_cli_error(monkeypatch, capsys):
    from councilkit.cli import automation

    monkeypatch.setattr(automation.shutil, "which", lambda name: None)
    code, _, err = run_main(["reap", "--dry-run"], capsys)
    assert code == 2 and err == f"error: {automation.MISSING_CLI}\n"


def test_backend_workspace_is_the_councilkit_project_on_that_backend(monkeypatch, tmp_path):
    import pulumi.automation as auto

    made = {}
    monkeypatch.setattr(auto, "LocalWorkspace", lambda **kwargs: made.update(kwargs) or "ws")
    assert reap.backend_workspace("s3://council-state", str(tmp_path)) == "ws"
    settings = made["project_settings"]
    assert (settings.name, settings.runtime, settings.backend.url) == ("councilkit", "python", "s3://council-state")
    assert made["secrets_provider"] == "passphrase" and made["work_dir"] == str(tmp_path)
    assert made["env_vars"]["PULUMI_BACKEND_URL"] == "s3://council-state"


def test_destroy_stack_selects_by_name_and_destroys_from_state(monkeypatch):
    import pulumi.automation as auto

    calls = []

    class Selected:
        def destroy(self, **kwargs):
            calls.append(("destroy", kwargs["color"], callable(kwargs["on_event"])))

    monkeypatch.setattr(auto.Stack, "select", classmethod(lambda cls, name, ws: calls.append(("select", name, ws)) or Selected()))
    progress = type("P", (), {"on_output": lambda self, line: None, "on_event": lambda self, e: None})()
    reap.destroy_stack("ws", "a-nextcloud-trial", progress)
    assert calls == [("select", "a-nextcloud-trial", "ws"), ("destroy", "never", True)]


# --- dates: one format, one time zone, no pinned date in a real reap (issue 14 class 11) --------


@pytest.mark.parametrize("written", ["20261101", "2026-W44-1", "2026-11-1", "2026-11-01T00:00", " 2026-11-01", "2026-02-30"])
def test_an_expiry_not_written_yyyy_mm_dd_is_never_acted_on(written):
    """Python 3.11 reads 20261101 and 2026-W44-1 as dates; a reap must not."""
    info = reap.StackInfo("s", managed=True, tier="trial", expires_on=written, resource_count=3)
    decision = reap.decide(info, TODAY)
    assert not decision.reap and decision.reason == f"no readable expires-on ({written!r})"


@pytest.mark.parametrize("utc, london", [
    (dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.timezone.utc), dt.date(2026, 7, 1)),   # BST: already tomorrow
    (dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.timezone.utc), dt.date(2026, 12, 31)),  # GMT: same day
    (dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=14))), dt.date(2026, 6, 30)),  # a UTC+14 runner
])
def test_today_is_the_date_in_london_whatever_the_machines_zone(monkeypatch, utc, london):
    monkeypatch.setattr(calendar, "NOW", lambda: utc)
    assert calendar.london_today() == london


def test_a_runner_ahead_of_london_does_not_reap_a_trial_early(monkeypatch):
    """10:00 on 1 July at UTC+14 is still 30 June in London: a trial expiring 1 July stays."""
    monkeypatch.delenv("COUNCILKIT_TODAY", raising=False)
    monkeypatch.setattr(calendar, "NOW", lambda: dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=14))))
    info = reap.StackInfo("s", managed=True, tier="trial", expires_on="2026-07-01", resource_count=3)
    assert not reap.decide(info, calendar.real_today("reap")).reap


def test_a_real_reap_refuses_a_pinned_date_and_destroys_nothing(fake_backend, capsys, monkeypatch):
    _, destroyed = fake_backend
    monkeypatch.setenv("AWS_PROFILE", "council")
    monkeypatch.setenv("ARM_CLIENT_ID", "sp")
    monkeypatch.setenv("COUNCILKIT_TODAY", "2030-01-01")  # would make every trial look expired
    code, out, err = run_main(["reap", "--yes"], capsys)
    assert code == 2 and destroyed == [] and out == ""
    assert err.count("\n") == 1 and err.startswith("error: reap: COUNCILKIT_TODAY is set ('2030-01-01')")
    assert "unset it" in err


def test_a_dry_run_may_count_from_a_pinned_date_and_says_so(fake_backend, capsys, monkeypatch):
    _, destroyed = fake_backend
    monkeypatch.setenv("COUNCILKIT_TODAY", "2026-11-25")
    code, out, err = run_main(["reap", "--dry-run"], capsys)
    assert code == 0, err
    assert "dry run: would destroy 2 stack(s) (counting from 2026-11-25, pinned by COUNCILKIT_TODAY)" in out
    assert destroyed == []


@pytest.mark.parametrize("pin", ["20261125", "2026-W48-3", "tomorrow"])
def test_a_malformed_pin_is_refused(monkeypatch, pin):
    from councilkit.blueprints.errors import UserError

    monkeypatch.setenv("COUNCILKIT_TODAY", pin)
    with pytest.raises(UserError, match=r"COUNCILKIT_TODAY: expected a date YYYY-MM-DD"):
        calendar.today()
