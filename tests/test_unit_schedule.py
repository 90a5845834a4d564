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


def time_field(high: int, min_step: int = 1):
    """What a blueprint author writes in the minute or hour field."""
    n = st.integers(0, high)
    step = st.integers(min_step, high)
    return st.one_of(
        st.just("*"),
        step.map(lambda s: f"*/{s}"),
        n.map(str),
        st.tuples(n, n).map(lambda ab: f"{min(ab)}-{max(ab)}"),
        st.lists(n, min_size=2, max_size=4, unique=True).map(lambda xs: ",".join(map(str, sorted(xs)))),
        st.tuples(n, n, step).map(lambda abs_: f"{min(abs_[:2])}-{max(abs_[:2])}/{abs_[2]}"),
    )


daily = st.tuples(time_field(59), time_field(23)).map(lambda mh: f"{mh[0]} {mh[1]} * * *")
# '*/1' becomes '0/1', which pricing miscounts (test_unit_pricing, xfail): steps of 2 and more here.
daily_stepped = st.tuples(time_field(59, 2), time_field(23, 2)).map(lambda mh: f"{mh[0]} {mh[1]} * * *")


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


@given(daily_stepped)
def test_the_aws_schedule_runs_as_often_as_the_blueprint_schedule(expression):
    assert runs_per_month(aws_cron(expression)) == runs_per_month(expression)


@given(st.lists(st.integers(0, 7), min_size=1, max_size=5, unique=True))
def test_any_weekday_list_names_the_same_days_on_aws(days):
    weekday = fields(aws_cron(f"0 6 * * {','.join(map(str, days))}"))[4]
    assert [int(x) for x in weekday.split(",")] == [AWS_DAY[CRON_DAY[d]] for d in days]


@pytest.mark.xfail(
    strict=True,
    reason="aws_cron renumbers every digit of the weekday field, the step too: "
    "'*/2' (Sun, Tue, Thu, Sat) becomes '*/3' and '1-5/2' becomes '2-6/3'",
)
@pytest.mark.parametrize("weekday,aws", [("*/2", "1/2"), ("1-5/2", "2-6/2")])
def test_a_weekday_step_keeps_its_step(weekday, aws):
    assert fields(aws_cron(f"0 0 * * {weekday}"))[4] == aws


@pytest.mark.xfail(
    strict=True,
    reason="aws_cron turns '0 0 1 * 1' into 'cron(0 0 1 * 1 *)': no '?' (EventBridge refuses "
    "it at deploy time) and weekday 1 left unconverted (Sunday on AWS, Monday in cron)",
)
def test_a_schedule_on_both_a_day_of_month_and_a_weekday_is_refused():
    with pytest.raises(ValueError):
        aws_cron("0 0 1 * 1")
