"""blueprints/cron.py and blueprint lint: a schedule is 5-field cron read by croniter, and one that
not every cloud runs alike is refused when the blueprint loads, in one line naming the container.

Sources: Azure Container Apps jobs take "the standard cron expression format with five fields",
in UTC (https://learn.microsoft.com/azure/container-apps/jobs#scheduled-jobs); EventBridge needs
`?` in one of day-of-month/day-of-week and has `L`, `W`, `#` that standard cron has not
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from croniter import croniter

from councilkit.blueprints.cron import CYCLE_DAYS, CYCLE_START, CronError, read
from councilkit.blueprints.errors import UserError
from councilkit.blueprints.loader import load_file

from helpers import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "blueprints"
GOOD = FIXTURES / "weekday-report" / "1.0.0.yaml"
BAD = FIXTURES / "bad-schedule" / "1.0.0.yaml"


# -- what the reader takes, from croniter's expansion ----------------------------------------------


def test_the_issue_example_every_other_weekday_is_sunday_tuesday_thursday_saturday():
    schedule = read("0 3 * * */2")
    assert (schedule.minutes, schedule.hours, schedule.weekdays) == ((0,), (3,), (0, 2, 4, 6))
    assert schedule.by_weekday and len(schedule.days) == 31


@pytest.mark.parametrize("weekday", ["0", "7", "SUN", "sun"])
def test_sunday_is_0_or_7_or_its_name(weekday):
    assert read(f"0 0 * * {weekday}").weekdays == (0,)


def test_a_range_to_7_ends_on_sunday():
    assert read("0 0 * * 5-7").weekdays == (0, 5, 6)


def test_names_read_as_their_numbers():
    assert read("0 9 * JAN-MAR *").months == (1, 2, 3)
    assert read("0 9 * * MON-FRI").weekdays == (1, 2, 3, 4, 5)


def test_a_start_with_a_step_runs_to_the_end_of_the_field():
    assert read("5/20 * * * *").minutes == (5, 25, 45)


def test_a_day_of_month_schedule_is_not_by_weekday():
    schedule = read("0 4 1,15 * *")
    assert schedule.days == (1, 15) and not schedule.by_weekday and schedule.weekdays == tuple(range(7))


def test_surrounding_whitespace_is_ignored_but_the_text_is_kept():
    assert read("  */5 * * * *\n").text == "*/5 * * * *"


# -- refused, one line each, saying why ---------------------------------------------------------------


@pytest.mark.parametrize("schedule,why", [
    ("0 3 1 * 1", r"restricts both day-of-month and day-of-week \(1 and 1\): standard cron runs on either, "
                  r"EventBridge Scheduler needs one of them to be '\?'"),
    ("0 0 1-31 * MON", "restricts both"),               # written restrictions count, even if they cover all days
    ("0 0 * * * *", "has 6 fields.*no seconds or year field"),
    ("0 0 * * * 2027 x", "has 7 fields"),
    ("0 9 * *", "has 4 fields"),
    ("@daily", "nickname; write its 5 fields"),
    ("@reboot", "machine start"),
    ("0 0 L * *", r"'L' \(last day\) is a Quartz/EventBridge extension"),
    ("0 0 15W * *", r"'W' \(nearest weekday\)"),
    ("0 0 * * 1#2", r"'#' \(nth weekday"),
    ("0 0 ? * 1", r"'\?' is EventBridge/Quartz syntax; standard cron writes '\*'"),
    ("H * * * *", "'H' .*croniter extension"),
    ("5-5 * * * *", "range '5-5' has equal ends; write 5"),  # croniter would run it every minute
    ("1-1/3 * * * *", "equal ends"),
    ("50-10 * * * *", "range '50-10' runs backwards"),         # croniter would wrap round
    ("0 0 * * SAT-SUN", "runs backwards"),
    ("0 0 * * 7/2", "starts from Sunday written as 7; write 0/2"),
    ("60 * * * *", r"not a valid cron expression \(croniter: out of range\)"),
    ("* * * * 8", "croniter: out of range"),
    ("0 0 30 2 *", r"croniter: Day\(s\) \[30\] can never occur in month\(s\) \[2\]"),
    ("*/0 * * * *", "croniter: step '0'"),
    ("x 3 * * *", "minute 'x': cannot read"),
    ("MON * * * *", "not a valid cron expression"),
])
def test_what_croniter_or_a_portable_schedule_refuses_is_refused_in_one_line(schedule, why):
    with pytest.raises(CronError, match=why) as caught:
        read(schedule)
    assert "\n" not in str(caught.value) and repr(schedule.strip()) in str(caught.value)


def test_the_refusal_is_a_value_error_so_pydantic_reports_it():
    assert issubclass(CronError, ValueError)


# -- how often: exact over the 400-year Gregorian cycle, checked against croniter's own iteration --


def croniter_runs_in_cycle(expression: str) -> int:
    """Count croniter's fire times over the cycle the reader averages over (sparse schedules only)."""
    start = dt.datetime.combine(CYCLE_START, dt.time()) - dt.timedelta(minutes=1)
    end = dt.datetime.combine(CYCLE_START + dt.timedelta(days=CYCLE_DAYS), dt.time())
    it, count = croniter(expression, start, ret_type=dt.datetime), 0
    while it.get_next() < end:
        count += 1
    return count


@pytest.mark.parametrize("expression", ["0 0 31 * *", "0 6 29 2 *", "0 12 * 2 0", "15 3 13 * *"])
def test_runs_a_day_equal_croniter_fire_times_over_the_cycle(expression):
    assert read(expression).runs_per_day == Fraction(croniter_runs_in_cycle(expression), CYCLE_DAYS)


def test_the_cycle_is_whole_weeks_so_weekdays_are_exactly_five_sevenths():
    assert CYCLE_DAYS % 7 == 0
    assert read("0 9 * * 1-5").runs_per_day == Fraction(5, 7)


def test_an_every_day_schedule_runs_its_times_of_day_once_a_day():
    assert read("*/5 8-17 * * *").runs_per_day == 12 * 10


def test_the_31st_comes_7_times_a_year():
    assert read("0 0 31 * *").runs_per_day * CYCLE_DAYS / 400 == 7


@pytest.mark.parametrize("expression,gap", [
    ("*/5 * * * *", dt.timedelta(minutes=5)),
    ("15,45 * * * *", dt.timedelta(minutes=30)),
    ("0,23 0,23 * * *", dt.timedelta(minutes=23)),      # 00:00 → 00:23
    ("0 0,23 * * *", dt.timedelta(hours=1)),            # 23:00 → 00:00 the next day
    ("0 3 * * *", dt.timedelta(days=1)),
    ("0 3 * * 1,3", dt.timedelta(days=2)),
    ("0 0 1 * *", dt.timedelta(days=28)),               # 1 February → 1 March
    ("0 6 29 2 *", dt.timedelta(days=4 * 365 + 1)),     # leap days
])
def test_the_shortest_gap_between_runs(expression, gap):
    assert read(expression).shortest_gap == gap


def test_the_shortest_gap_matches_croniter_over_a_few_years():
    expression = "30 22,23 * * 5,6"
    it = croniter(expression, dt.datetime(2027, 1, 1), ret_type=dt.datetime)
    times = [it.get_next() for _ in range(800)]
    assert min(b - a for a, b in zip(times, times[1:])) == read(expression).shortest_gap


# -- at blueprint load and lint ---------------------------------------------------------------------


def test_lint_refuses_the_fixture_in_one_line_naming_the_file_the_container_and_why():
    out = run_cli("blueprints", "lint", str(BAD))
    assert out.returncode == 2 and out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith(f"error: {BAD.resolve()}: containers[1].schedule: container 'report': '0 3 1 * 1' ")
    assert "restricts both day-of-month and day-of-week (1 and 1)" in lines[0]
    assert "Traceback" not in out.stderr


def test_lint_passes_the_same_app_with_a_weekday_only_schedule():
    out = run_cli("blueprints", "lint", str(GOOD))
    assert out.returncode == 0 and out.stdout.strip() == f"ok weekday-report@1.0.0 {GOOD}"


def plant(tmp_path: Path, schedule: str) -> Path:
    """The sound fixture with one schedule changed, where the loader expects it (id/version.yaml)."""
    data = yaml.safe_load(GOOD.read_text())
    data["containers"][1]["schedule"] = schedule
    path = tmp_path / "weekday-report" / "1.0.0.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("schedule,why", [
    ("0 3 1 * 1", "restricts both"), ("0 0 L * *", "'L'"), ("@daily", "nickname"),
    ("0 0 * * * 2027", "6 fields"), ("5-5 * * * *", "equal ends"), ("0 0 30 2 *", "can never occur"),
])
def test_a_planted_bad_schedule_is_caught_at_load_naming_the_container(tmp_path, schedule, why):
    with pytest.raises(UserError, match=rf"containers\[1\]\.schedule: container 'report': .*{why}"):
        load_file(plant(tmp_path, schedule))


def test_the_planted_file_loads_when_its_schedule_is_sound(tmp_path):
    bp = load_file(plant(tmp_path, "0 7 1 * *"))
    assert bp.containers[1].schedule == "0 7 1 * *"  # kept as written: Azure runs it as is
