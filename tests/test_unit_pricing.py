"""stacks/cost/pricing.py: how many runs a month a schedule costs, and reading plan inputs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from councilkit.stacks.cost.model import DAYS_PER_MONTH, Unpriced
from councilkit.stacks.aws.prices import scheduler_runs_per_month
from councilkit.stacks.cost.pricing import get, runs_per_month


def daily(runs_a_day) -> Decimal:
    """Runs a month of something that runs `runs_a_day` times every day."""
    return Decimal(runs_a_day) * DAYS_PER_MONTH


# -- runs_per_month -------------------------------------------------------------------------------


def test_an_hourly_job_runs_730_times_a_month():
    assert round(runs_per_month("0 * * * *"), 9) == 730


def test_every_minute_runs_1440_times_a_day():
    assert runs_per_month("* * * * *") == daily(1440)


def test_every_minute_as_aws_writes_it_costs_1440_runs_a_day():
    assert scheduler_runs_per_month("cron(0/1 * * * ? *)") == daily(1440)


def test_an_aws_cron_ignores_the_year_field():
    assert scheduler_runs_per_month("cron(0 3 * * ? 2027)") == daily(1)


@pytest.mark.parametrize("expression,runs", [
    ("rate(1 minute)", 1440), ("rate(10 minutes)", 144), ("rate(1 hour)", 24), ("rate(6 hours)", 4),
    ("rate(1 day)", 1), ("rate(2 days)", Decimal("0.5")),
])
def test_an_aws_rate_runs_its_unit_per_day_divided_by_its_count(expression, runs):
    assert scheduler_runs_per_month(expression) == daily(runs)


@pytest.mark.parametrize("expression,per_day", [
    ("0 9 * * 1-5", Decimal(5) / 7), ("cron(0 9 ? * MON-FRI *)", Decimal(5) / 7),
])
def test_a_weekday_only_job_costs_five_sevenths_of_a_daily_one(expression, per_day):
    assert abs(scheduler_runs_per_month(expression) - daily(per_day)) < Decimal("1e-20")


def test_surrounding_whitespace_is_ignored():
    assert runs_per_month("  0 3 * * *\n") == daily(1)


@pytest.mark.parametrize("expression", [
    "cron(0 9 L * ? *)",      # AWS-only: the last day of the month
    "0 9 * *",                # four fields
    "0 9 * * * * *",          # seven fields
    "",
    "@daily",
    "*/0 * * * *",            # a zero step
    "x 3 * * *",
    "rate(5 weeks)",
])
def test_a_schedule_that_cannot_be_read_is_unpriced(expression):
    with pytest.raises(Unpriced, match="cannot read how often"):
        scheduler_runs_per_month(expression)


@given(st.integers(2, 59))
def test_every_n_minutes_in_cron_and_as_an_aws_cron_cost_the_same(n):
    assert runs_per_month(f"*/{n} * * * *") == scheduler_runs_per_month(f"cron(0/{n} * * * ? *)")


@given(st.integers(0, 59), st.integers(0, 23))
def test_any_once_a_day_time_runs_once_a_day(minute, hour):
    assert runs_per_month(f"{minute} {hour} * * *") == daily(1)


# -- get ------------------------------------------------------------------------------------------


def test_get_follows_a_dotted_path():
    assert get({"a": {"b": {"c": 3}}}, "a.b.c") == 3


def test_get_gives_the_default_for_a_missing_key_a_none_or_a_non_mapping():
    assert get({"a": {}}, "a.b", "d") == "d"
    assert get({"a": None}, "a.b", "d") == "d"
    assert get({"a": [1]}, "a.b", "d") == "d"
