"""stacks/aws/schedule.py, runs_per_month and Azure's job timeout: a blueprint's 5-field cron (UTC)
runs at the same times on EventBridge Scheduler, and is priced and timed by how often it runs.

EventBridge cron (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html,
used by https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based): six
fields (minutes hours day-of-month month day-of-week year); minutes 0-59, hours 0-23, day-of-month
1-31, month 1-12 or JAN-DEC, day-of-week 1-7 or SUN-SAT with 1 = Sunday, year 1970-2199; `,` `-`
`*` everywhere, `/` (from a start to the end of the field) in all but day-of-week, `?` in one of
day-of-month/day-of-week. The evaluator below reads that syntax on its own, with no councilkit code,
so the property test compares AWS's reading of our output with croniter's reading of the input.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from croniter import croniter
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from councilkit.blueprints.cron import CronError, read
from councilkit.stacks.aws.schedule import aws_cron, blueprint_cron
from councilkit.stacks.azure.apps import job_timeout_seconds
from councilkit.stacks.cost.model import DAYS_PER_MONTH
from councilkit.stacks.aws.prices import scheduler_runs_per_month
from councilkit.stacks.cost.pricing import runs_per_month

FIXTURES = Path(__file__).parent / "fixtures" / "blueprints"
AWS_CRON = re.compile(r"^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$")
AWS_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (1, 7), (1970, 2199))
AWS_NAMES = ({}, {}, {}, {m: i + 1 for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())},
             {d: i + 1 for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split())}, {})
AWS_ITEM = re.compile(r"^(\*|\w+(-\w+)?)(/\d+)?$")
YEAR = (dt.datetime(2028, 1, 1), dt.datetime(2029, 1, 1))  # a leap year, so 29 February is in it


# -- an independent reader of EventBridge cron --------------------------------------------------------


def aws_values(field: str, index: int) -> set[int]:
    """The values one EventBridge field names, by the reference's wildcards alone."""
    low, high = AWS_BOUNDS[index]
    if field in ("*", "?"):
        return set(range(low, high + 1))
    values = set()
    for item in field.split(","):
        assert AWS_ITEM.match(item), (field, item)
        base, slash, step = item.partition("/")
        assert not (slash and index == 4), f"the reference has no '/' in day-of-week: {field}"
        number = lambda text: AWS_NAMES[index].get(text) or int(text)  # noqa: E731
        if base == "*":
            start, end = low, high
        elif "-" in base:
            start, end = map(number, base.split("-"))
        else:
            start = number(base)
            end = high if slash else start  # "1/10 ... starting from the first minute": to the end
        assert low <= start <= end <= high, (field, item)
        values |= set(range(start, end + 1, int(step or 1)))
    return values


def aws_fire_times(expression: str, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """When EventBridge runs `expression` in [start, end), minute by matching minute."""
    match = AWS_CRON.match(expression)
    assert match, expression
    fields = match.groups()
    assert [fields[2], fields[4]].count("?") == 1, f"exactly one of day-of-month/day-of-week is '?': {expression}"
    minutes, hours, days, months, weekdays, years = (aws_values(f, i) for i, f in enumerate(fields))
    times = []
    day = start.date()
    while day <= end.date():
        if (day.day in days and day.month in months and day.year in years
                and day.isoweekday() % 7 + 1 in weekdays):  # isoweekday: Sunday 7 → AWS 1
            times += [dt.datetime.combine(day, dt.time(h, m)) for h in sorted(hours) for m in sorted(minutes)]
        day += dt.timedelta(days=1)
    return [t for t in times if start <= t < end]


def croniter_fire_times(expression: str, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    it = croniter(expression, start - dt.timedelta(minutes=1), ret_type=dt.datetime)
    times = []
    while (t := it.get_next()) < end:
        times.append(t)
    return times


def fields(expression: str) -> tuple[str, ...]:
    match = AWS_CRON.match(expression)
    assert match, expression
    return match.groups()


def test_the_evaluator_reads_the_reference_examples_as_the_reference_says():
    """The examples table of the cron expressions reference, read by the evaluator above."""
    monday = dt.datetime(2028, 1, 3)  # a Monday
    week = aws_fire_times("cron(0 18 ? * MON-FRI *)", monday, monday + dt.timedelta(days=7))
    assert [t.strftime("%a %H:%M") for t in week] == [f"{d} 18:00" for d in ("Mon", "Tue", "Wed", "Thu", "Fri")]
    assert len(aws_fire_times("cron(0/15 * * * ? *)", monday, monday + dt.timedelta(days=1))) == 96
    day = aws_fire_times("cron(0/5 8-17 ? * MON-FRI *)", monday, monday + dt.timedelta(days=1))
    assert (day[0].time(), day[-1].time(), len(day)) == (dt.time(8, 0), dt.time(17, 55), 120)
    assert aws_fire_times("cron(0 8 1 * ? *)", *YEAR)[:2] == [dt.datetime(2028, 1, 1, 8), dt.datetime(2028, 2, 1, 8)]
    assert [t.minute for t in aws_fire_times("cron(1/10 * * * ? *)", monday, monday + dt.timedelta(hours=1))] == [
        1, 11, 21, 31, 41, 51]  # "1/10 ... the 11th, 21st, and 31st minute, and so on"


# -- the examples and the reference's ---------------------------------------------------------


def test_every_other_weekday_runs_sunday_tuesday_thursday_saturday_at_3():
    converted = aws_cron("0 3 * * */2")
    assert converted == "cron(0 3 ? * 1,3,5,7 *)"
    week = aws_fire_times(converted, dt.datetime(2028, 1, 2), dt.datetime(2028, 1, 9))  # Sunday to Sunday
    assert [t.strftime("%a %H:%M") for t in week] == ["Sun 03:00", "Tue 03:00", "Thu 03:00", "Sat 03:00"]


def test_a_schedule_on_both_a_day_of_month_and_a_weekday_is_refused_in_one_line():
    with pytest.raises(CronError, match=r"^'0 3 1 \* 1' restricts both day-of-month and day-of-week \(1 and 1\)[^\n]*$"):
        aws_cron("0 3 1 * 1")


@pytest.mark.parametrize("cron_day,aws_day", [(0, 1), (7, 1), (1, 2), (6, 7)])
def test_weekday_numbers_move_to_aws_numbering_with_sunday_1(cron_day, aws_day):
    assert fields(aws_cron(f"0 9 * * {cron_day}"))[4] == str(aws_day)


@pytest.mark.parametrize("blueprint,aws", [
    ("0 10 * * *", "cron(0 10 * * ? *)"),          # Run at 10:00 am (UTC+0) every day
    ("15 12 * * *", "cron(15 12 * * ? *)"),        # Run at 12:15 pm (UTC+0) every day
    ("0 8 1 * *", "cron(0 8 1 * ? *)"),            # Run at 8:00 am (UTC+0) every 1st day of the month
    ("*/15 * * * *", "cron(0/15 * * * ? *)"),      # Run every 15 minutes
])
def test_the_reference_examples_come_out_exactly(blueprint, aws):
    assert aws_cron(blueprint) == aws


@pytest.mark.parametrize("blueprint,reference", [
    ("0 18 * * 1-5", "cron(0 18 ? * MON-FRI *)"),        # 6:00 pm Monday through Friday
    ("*/10 * * * MON-FRI", "cron(0/10 * ? * MON-FRI *)"),  # every 10 minutes Monday through Friday
    ("*/5 8-17 * * 1-5", "cron(0/5 8-17 ? * MON-FRI *)"),  # every 5 minutes, weekdays, 8:00 to 5:55 pm
])
def test_the_reference_weekday_examples_run_at_the_same_times_in_numbers(blueprint, reference):
    converted = aws_cron(blueprint)
    assert fields(converted)[2] == "?" and fields(converted)[4] == "2-6"
    week = (dt.datetime(2028, 3, 5), dt.datetime(2028, 3, 12))
    assert aws_fire_times(converted, *week) == aws_fire_times(reference, *week)


@pytest.mark.parametrize("blueprint,aws", [
    ("*/5 * * * *", "cron(0/5 * * * ? *)"),     # nextcloud, wordpress
    ("*/15 * * * *", "cron(0/15 * * * ? *)"),   # localgov-drupal
    ("* * * * *", "cron(* * * * ? *)"),         # suitecrm
    ("15 */2 * * *", "cron(15 0/2 * * ? *)"),
    ("0 8 * * 1-5", "cron(0 8 ? * 2-6 *)"),
    ("0 10 * * 0,6", "cron(0 10 ? * 1,7 *)"),
    ("0 0 1 1,7 *", "cron(0 0 1 1,7 ? *)"),     # two values read better as a list than 1/6
    ("0 0 1 */3 *", "cron(0 0 1 1/3 ? *)"),
    ("0 0 */2 * *", "cron(0 0 1/2 * ? *)"),
    ("1-59/2 * * * *", "cron(1/2 * * * ? *)"),
    ("0-30/10 * * * *", "cron(0,10,20,30 * * * ? *)"),  # a step that stops short becomes a list
    ("0 0 * * 5-7", "cron(0 0 ? * 1,6,7 *)"),   # Friday to Sunday
    ("0 0 * * 0-7", "cron(0 0 * * ? *)"),       # every day of the week is every day
])
def test_compressed_back_to_short_readable_fields(blueprint, aws):
    assert aws_cron(blueprint) == aws


def test_the_longest_schedule_there_can_be_fits_the_apis_256_characters():
    """No three values in a row and no step, in every field that allows it: the most text there is."""
    dense = lambda low, high: ",".join(str(v) for v in range(low, high + 1) if (v - low) % 3 != 2)  # noqa: E731
    expression = f"{dense(0, 59)} {dense(0, 23)} {dense(1, 31)} {dense(1, 12)} *"
    converted = aws_cron(expression)
    assert len(converted) <= 256  # botocore scheduler service-2.json: ScheduleExpression max 256
    assert scheduler_runs_per_month(converted) == runs_per_month(expression)


# -- the property: same fire times as croniter over a year ---------------------------------------------

n = st.integers
MONTH_NAMES = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
DAY_NAMES = "SUN MON TUE WED THU FRI SAT".split()


def pair(low: int, high: int):
    return st.tuples(n(low, high), n(low, high)).filter(lambda ab: ab[0] != ab[1]).map(sorted)


def cron_field(low: int, high: int, names=(), name_base=0):
    """What a blueprint author may write in one field: values, ranges, steps, names and lists."""
    item = st.one_of(
        n(low, high).map(str),
        pair(low, high).map(lambda ab: f"{ab[0]}-{ab[1]}"),
        n(1, high).map(lambda s: f"*/{s}"),
        st.tuples(n(low, high), n(1, high)).map(lambda a_s: f"{a_s[0]}/{a_s[1]}"),
        st.tuples(pair(low, high), n(1, high)).map(lambda r: f"{r[0][0]}-{r[0][1]}/{r[1]}"),
        *([st.sampled_from(names), pair(0, len(names) - 1).map(lambda ab: f"{names[ab[0]]}-{names[ab[1]]}")]
          if names else []),
    )
    return st.lists(item, min_size=1, max_size=3).map(",".join)


def few_times(high: int):
    """Minute or hour fields with a few values, so a year of fire times stays small."""
    return st.one_of(n(0, high).map(str),
                     st.lists(n(0, high), min_size=2, max_size=3, unique=True).map(lambda v: ",".join(map(str, v))),
                     n(high // 3 + 1, high).map(lambda s: f"*/{s}"))


day_of_month = cron_field(1, 31)
month = st.one_of(st.just("*"), cron_field(1, 12, MONTH_NAMES))
weekday = cron_field(0, 7, DAY_NAMES).filter(lambda f: not re.search(r"(^|,)7/", f))


@st.composite
def blueprint_schedules(draw, minute, hour):
    """A valid 5-field schedule restricting at most one day field."""
    which = draw(st.sampled_from(["day-of-month", "day-of-week", "neither"]))
    dom = draw(day_of_month) if which == "day-of-month" else "*"
    dow = draw(weekday) if which == "day-of-week" else "*"
    expression = f"{draw(minute)} {draw(hour)} {dom} {draw(month)} {dow}"
    try:
        read(expression)
    except CronError:
        assume(False)  # e.g. '30 2' (croniter: never happens)
    return expression


@settings(max_examples=30, deadline=None)
@given(blueprint_schedules(few_times(59), few_times(23)))
def test_aws_runs_at_the_same_times_as_croniter_over_a_year(expression):
    converted = aws_cron(expression)
    assert aws_fire_times(converted, *YEAR) == croniter_fire_times(expression, *YEAR)


@pytest.mark.parametrize("wrong", [
    "cron(0 3 ? * 0,2,4,6 *)",   # cron's numbering kept: 0 is no EventBridge day
    "cron(0 3 ? * 2,4,6 *)",     # ... or lands on Monday, Wednesday, Friday
    "cron(0 3 ? * */2 *)",       # a day-of-week step, which the reference does not list
    "cron(0 3 * * */2 *)",       # no '?'
])
def test_the_comparison_catches_the_reviews_translations_of_every_other_weekday(wrong):
    """Mutation self-test: the old translations of '0 3 * * */2' fail the property's comparison."""
    with pytest.raises(AssertionError):
        assert aws_fire_times(wrong, *YEAR) == croniter_fire_times("0 3 * * */2", *YEAR)


@settings(max_examples=60, deadline=None)
@given(st.tuples(cron_field(0, 59), cron_field(0, 23)))
def test_aws_runs_at_the_same_times_of_day_as_croniter_for_any_minute_and_hour(minute_hour):
    expression = f"{minute_hour[0]} {minute_hour[1]} * * *"
    day = (dt.datetime(2028, 6, 1), dt.datetime(2028, 6, 2))
    assert aws_fire_times(aws_cron(expression), *day) == croniter_fire_times(expression, *day)


@settings(max_examples=60, deadline=None)
@given(blueprint_schedules(cron_field(0, 59), cron_field(0, 23)))
def test_the_aws_form_reads_back_to_the_same_schedule_and_price(expression):
    converted = aws_cron(expression)
    back, original = read(blueprint_cron(converted)), read(expression)
    assert (back.minutes, back.hours, back.days, back.months, back.weekdays) == (
        original.minutes, original.hours, original.days, original.months, original.weekdays)
    assert aws_cron(back.text) == converted
    assert scheduler_runs_per_month(converted) == runs_per_month(expression)


# -- price: runs a month, from croniter's values ----------------------------------------------------------


def test_a_weekday_only_job_costs_five_sevenths_of_an_every_day_one_about_22_runs():
    weekdays, every_day = runs_per_month("30 6 * * 1-5"), runs_per_month("30 6 * * *")
    assert every_day == DAYS_PER_MONTH
    assert round(weekdays / every_day, 20) == round(Decimal(5) / 7, 20)
    assert 21 < weekdays < 22  # a 730-hour month of 30.42 days has 21.7 weekdays; 22/30 of a 30-day one


def test_the_aws_form_of_the_weekday_job_costs_the_same():
    assert scheduler_runs_per_month(aws_cron("30 6 * * 1-5")) == runs_per_month("30 6 * * 1-5")
    assert scheduler_runs_per_month("cron(0 9 ? * MON-FRI *)") == runs_per_month("0 9 * * 1-5")


def test_a_monthly_job_runs_about_once_a_month():
    assert round(runs_per_month("0 2 1 * *"), 2) == 1  # 12 a year over a 730-hour month: 0.9993


def test_a_job_on_the_31st_runs_seven_months_in_twelve():
    assert abs(runs_per_month("0 2 31 * *") - Decimal(7) / 12) < Decimal("0.001")


@pytest.mark.parametrize("expression", ["0 0 L * *", "0 3 1 * 1", "cron(0 9 L * ? *)", "cron(0 9 ? * 2#1 *)",
                                        "cron(0 9 1 * 2 *)", "0 0 * * * *"])
def test_what_cannot_be_read_is_unpriced_not_guessed(expression):
    from councilkit.stacks.cost.model import Unpriced

    with pytest.raises(Unpriced, match="cannot read how often"):
        scheduler_runs_per_month(expression)  # reads both the blueprint and the EventBridge form


# -- Azure: a run ends before the next one starts ---------------------------------------------------------


@pytest.mark.parametrize("schedule,seconds", [
    ("*/5 * * * *", 270), ("*/1 * * * *", 60), ("* * * * *", 60),
    ("15,45 * * * *", 1770),          # every 30 minutes, though the minute field has no step
    ("0,23 0,23 * * *", 23 * 60 - 30),
    ("0 3 * * *", 3600), ("0 */2 * * *", 3600), ("0 6 * * 1-5", 3600),
])
def test_an_azure_job_times_out_30_seconds_before_its_next_run_within_a_minute_to_an_hour(schedule, seconds):
    assert job_timeout_seconds(schedule) == seconds


@given(st.integers(2, 59))
def test_a_job_every_n_minutes_ends_before_the_next_run(minutes):
    assert 60 <= job_timeout_seconds(f"*/{minutes} * * * *") < minutes * 60


# -- on a real plan of a weekday-only app ---------------------------------------------------------------


@pytest.fixture(scope="module")
def weekday_plans():
    from helpers import planned

    return {cloud: planned("weekday-report", cloud, "trial", blueprint_dirs=(FIXTURES,)) for cloud in ("aws", "azure")}


def cost_note(d, plan, type_: str) -> str:
    from councilkit.stacks.cost import estimate

    e = estimate(plan.resources, cloud=d.cloud, region=d.region, tier="trial", today=dt.date(2026, 12, 1))
    return next(line.assumption for line in e.lines if line.type == type_ and line.assumption)


def test_on_aws_the_report_runs_on_eventbridge_at_0630_monday_to_friday_and_costs_22_runs(weekday_plans):
    d, plan = weekday_plans["aws"]
    schedule = plan.one("aws:scheduler/schedule:Schedule")
    assert schedule.inputs["scheduleExpression"] == "cron(30 6 ? * 2-6 *)"
    assert schedule.inputs["scheduleExpressionTimezone"] == "UTC"
    assert "(22 runs a month)" in cost_note(d, plan, "aws:scheduler/schedule:Schedule")


def test_on_azure_the_job_takes_the_cron_as_written_with_an_hour_to_run_and_costs_22_runs(weekday_plans):
    d, plan = weekday_plans["azure"]
    job = next(j for j in plan.of_type("azure-native:app:Job")
               if j.inputs["configuration"]["triggerType"] == "Schedule")
    assert job.inputs["configuration"]["scheduleTriggerConfig"]["cronExpression"] == "30 6 * * 1-5"
    assert job.inputs["configuration"]["replicaTimeout"] == 3600
    assert "(22 runs a month)" in cost_note(d, plan, "azure-native:app:Job")
