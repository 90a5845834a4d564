"""stacks/aws/schedule.py: a blueprint's 5-field cron (UTC) as an EventBridge Scheduler `cron(...)`.

EventBridge cron has six fields (minutes hours day-of-month month day-of-week year), needs `?` in
one of day-of-month/day-of-week, and numbers weekdays 1-7 from Sunday where cron uses 0-6 (7 is
Sunday too): https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from councilkit.stacks.aws.schedule import aws_cron
from councilkit.stacks.cost.pricing import runs_per_month

CRON_DAY = {0: "SUN", 1: "MON", 2: "TUE", 3: "WED", 4: "THU", 5: "FRI", 6: "SAT", 7: "SUN"}
AWS_DAY = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
AWS_CRON = re.compile(r"^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$")


def fields(expression: str) -> tuple[str, ...]:
    match = AWS_CRON.match(expression)
    assert match, expression
    return match.groups()


def time_field(high: int):
    """What a blueprint author writes in the minute or hour field."""
    n = st.integers(0, high)
    step = st.integers(1, high)
    return st.one_of(
        st.just("*"),
        step.map(lambda s: f"*/{s}"),
        n.map(str),
        st.tuples(n, n).map(lambda ab: f"{min(ab)}-{max(ab)}"),
        st.lists(n, min_size=2, max_size=4, unique=True).map(lambda xs: ",".join(map(str, sorted(xs)))),
        st.tuples(n, n, step).map(lambda abs_: f"{min(abs_[:2])}-{max(abs_[:2])}/{abs_[2]}"),
    )


daily = st.tuples(time_field(59), time_field(23)).map(lambda mh: f"{mh[0]} {mh[1]} * * *")


def test_every_five_minutes_becomes_aws_0_slash_5():
    assert aws_cron("*/5 * * * *") == "cron(0/5 * * * ? *)"


def test_a_daily_time_keeps_minute_and_hour_and_puts_question_mark_in_weekday():
    assert aws_cron("30 2 * * *") == "cron(30 2 * * ? *)"


def test_an_hour_step_becomes_0_slash_n():
    assert aws_cron("15 */2 * * *") == "cron(15 0/2 * * ? *)"


def test_a_day_of_month_schedule_puts_question_mark_in_weekday():
    assert aws_cron("0 4 1 * *") == "cron(0 4 1 * ? *)"


def test_a_weekday_schedule_puts_question_mark_in_day_of_month():
    assert fields(aws_cron("0 9 * * 1"))[2] == "?"


@pytest.mark.parametrize("cron_day", sorted(CRON_DAY))
def test_each_weekday_number_lands_on_the_same_day_in_aws_numbering(cron_day):
    weekday = fields(aws_cron(f"0 9 * * {cron_day}"))[4]
    assert int(weekday) == AWS_DAY[CRON_DAY[cron_day]]


def test_monday_to_friday_range_becomes_2_to_6():
    assert aws_cron("0 8 * * 1-5") == "cron(0 8 ? * 2-6 *)"


def test_a_weekday_list_is_renumbered_item_by_item():
    assert aws_cron("0 10 * * 0,6") == "cron(0 10 ? * 1,7 *)"


def test_weekday_names_are_passed_through_unchanged():
    assert aws_cron("0 9 * * MON-FRI") == "cron(0 9 ? * MON-FRI *)"


def test_month_is_passed_through_unchanged():
    assert fields(aws_cron("0 0 1 1,7 *"))[3] == "1,7"


@given(daily)
def test_every_daily_schedule_has_six_fields_year_star_and_one_question_mark(expression):
    minute, hour, dom, month, dow, year = fields(aws_cron(expression))
    assert year == "*"
    assert (dom, month, dow) == ("*", "*", "?")


@given(daily)
def test_minute_and_hour_survive_except_that_star_slash_becomes_0_slash(expression):
    minute, hour, *_ = fields(aws_cron(expression))
    want_minute, want_hour = (f.replace("*/", "0/") for f in expression.split()[:2])
    assert (minute, hour) == (want_minute, want_hour)


@given(daily)
def test_the_aws_schedule_runs_as_often_as_the_blueprint_schedule(expression):
    assert runs_per_month(aws_cron(expression)) == runs_per_month(expression)


@given(st.lists(st.integers(0, 7), min_size=1, max_size=5, unique=True))
def test_any_weekday_list_names_the_same_days_on_aws(days):
    weekday = fields(aws_cron(f"0 6 * * {','.join(map(str, days))}"))[4]
    assert [int(x) for x in weekday.split(",")] == [AWS_DAY[CRON_DAY[d]] for d in days]


@pytest.mark.parametrize("weekday,aws", [("*/2", "1/2"), ("1-5/2", "2-6/2")])
def test_a_weekday_step_keeps_its_step(weekday, aws):
    assert fields(aws_cron(f"0 0 * * {weekday}"))[4] == aws


def test_a_schedule_on_both_a_day_of_month_and_a_weekday_is_refused():
    with pytest.raises(ValueError):
        aws_cron("0 0 1 * 1")


def test_the_refusal_names_the_schedule_and_both_fields():
    with pytest.raises(ValueError, match=r"'0 0 1 \* 1'.*day-of-month \(1\).*day-of-week \(1\)"):
        aws_cron("0 0 1 * 1")


@pytest.mark.parametrize("dom,dow", [("1-7", "MON"), ("*/2", "0,6"), ("15", "*/2")])
def test_any_restriction_of_both_days_is_refused(dom, dow):
    with pytest.raises(ValueError, match="EventBridge"):
        aws_cron(f"0 0 {dom} * {dow}")


# -- weekdays: the same days on AWS as in cron, whatever the form -------------------------------

def cron_days(field: str) -> set[str]:
    """The days a standard cron weekday field names (0-7, 0 and 7 Sunday; a/s runs to 6)."""
    days = set()
    for item in field.split(","):
        base, _, step = item.partition("/")
        step = int(step or 1)
        if base == "*":
            lo, hi = 0, 6
        elif "-" in base:
            lo, hi = map(int, base.split("-"))
        else:
            lo = int(base)
            hi = 6 if "/" in item else lo
        days |= {CRON_DAY[d] for d in range(lo, hi + 1, step)}
    return days


def aws_days(field: str) -> set[str]:
    """The days an EventBridge weekday field names (1-7, 1 Sunday; a/s runs to 7)."""
    by_number = {n: day for day, n in AWS_DAY.items()}
    days = set()
    for item in field.split(","):
        base, _, step = item.partition("/")
        step = int(step or 1)
        if base == "*":
            lo, hi = 1, 7
        elif "-" in base:
            lo, hi = map(int, base.split("-"))
        else:
            lo = int(base)
            hi = 7 if "/" in item else lo
        assert 1 <= lo <= hi <= 7, field
        days |= {by_number[d] for d in range(lo, hi + 1, step)}
    return days


day = st.integers(0, 7)
weekday_item = st.one_of(
    day.map(str),
    st.integers(1, 7).map(lambda s: f"*/{s}"),
    st.tuples(st.integers(0, 6), st.integers(1, 7)).map(lambda a_s: f"{a_s[0]}/{a_s[1]}"),
    st.tuples(day, day).map(lambda ab: f"{min(ab)}-{max(ab)}"),
    st.tuples(day, day, st.integers(1, 7)).map(lambda abs_: f"{min(abs_[:2])}-{max(abs_[:2])}/{abs_[2]}"),
)


@given(st.lists(weekday_item, min_size=1, max_size=3).map(",".join))
def test_any_weekday_field_names_the_same_days_on_aws(weekday):
    converted = fields(aws_cron(f"0 6 * * {weekday}"))[4]
    assert aws_days(converted) == cron_days(weekday)


@pytest.mark.parametrize("weekday,aws", [
    ("5-7", "6-7,1"),        # Friday to Sunday
    ("0-7", "1-7"),
    ("1-7/2", "2-7/2,1"),    # Mon, Wed, Fri, Sun
    ("2-7/2", "3-7/2"),      # Tue, Thu, Sat
    ("7", "1"),
    ("1/2", "2/2"),          # Mon, Wed, Fri
])
def test_a_weekday_range_to_7_ends_on_sunday(weekday, aws):
    assert fields(aws_cron(f"0 0 * * {weekday}"))[4] == aws


@pytest.mark.parametrize("weekday", ["8", "5-1", "*/0", "1/x", "MON-3", "7/2"])
def test_a_weekday_field_aws_cannot_read_is_refused_naming_the_schedule(weekday):
    with pytest.raises(ValueError, match=re.escape(f"'0 0 * * {weekday}'")):
        aws_cron(f"0 0 * * {weekday}")


# The catalogue's schedules (blueprints/*/1.0.0.yaml), exactly as they converted before.
@pytest.mark.parametrize("schedule,aws", [
    ("*/15 * * * *", "cron(0/15 * * * ? *)"),   # localgov-drupal
    ("*/5 * * * *", "cron(0/5 * * * ? *)"),     # nextcloud, wordpress
    ("* * * * *", "cron(* * * * ? *)"),         # suitecrm
])
def test_the_catalogue_schedules_convert_as_they_always_have(schedule, aws):
    assert aws_cron(schedule) == aws
