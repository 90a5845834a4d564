"""stacks/cost/pricing.py: how many runs a month a schedule costs, and reading plan inputs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from councilkit.stacks.cost.model import DAYS_PER_MONTH, Unpriced
from councilkit.stacks.cost.pricing import _field_count, get, runs_per_month


def daily(runs_a_day) -> Decimal:
    """Runs a month of something that runs `runs_a_day` times every day."""
    return Decimal(runs_a_day) * DAYS_PER_MONTH


# -- _field_count: how many values of one cron field match ----------------------------------------


def test_a_star_matches_every_minute_of_the_hour():
    assert _field_count("*", 0, 59) == 60


def test_a_question_mark_matches_like_a_star():
    assert _field_count("?", 0, 23) == 24


def test_a_single_value_matches_once():
    assert _field_count("30", 0, 59) == 1


def test_star_slash_15_matches_four_minutes():
    assert _field_count("*/15", 0, 59) == 4


def test_a_start_with_a_step_runs_from_the_start_to_the_end_of_the_field():
    assert _field_count("5/15", 0, 59) == 4  # 5, 20, 35, 50


def test_a_range_counts_both_ends():
    assert _field_count("8-17", 0, 23) == 10


def test_a_range_with_a_step_counts_every_nth_value():
    assert _field_count("0-30/10", 0, 59) == 4  # 0, 10, 20, 30


def test_a_list_counts_each_value_once():
    assert _field_count("0,15,15,30", 0, 59) == 3


def test_a_list_of_ranges_counts_their_union():
    assert _field_count("1-5,3-8", 0, 23) == 8


def test_values_outside_the_field_do_not_count():
    assert _field_count("50-70", 0, 59) == 10


@given(st.integers(1, 59))
def test_star_slash_n_matches_ceil_60_over_n_minutes(n):
    assert _field_count(f"*/{n}", 0, 59) == -(-60 // n)


@given(st.lists(st.integers(0, 59), min_size=1, max_size=10))
def test_a_list_matches_as_many_minutes_as_it_has_distinct_values(values):
    assert _field_count(",".join(map(str, values)), 0, 59) == len(set(values))


@given(st.integers(0, 59), st.integers(2, 59))
def test_start_slash_step_counts_like_the_range_to_the_end_with_that_step(start, step):
    assert _field_count(f"{start}/{step}", 0, 59) == _field_count(f"{start}-59/{step}", 0, 59)


def test_a_start_with_step_one_counts_every_value_from_the_start():
    assert _field_count("5/1", 0, 59) == 55


def test_every_minute_as_aws_writes_it_costs_1440_runs_a_day():
    assert runs_per_month("cron(0/1 * * * ? *)") == daily(1440)


# -- runs_per_month -------------------------------------------------------------------------------


def test_an_hourly_job_runs_730_times_a_month():
    assert round(runs_per_month("0 * * * *"), 9) == 730


def test_every_minute_runs_1440_times_a_day():
    assert runs_per_month("* * * * *") == daily(1440)


def test_an_aws_cron_ignores_the_year_field():
    assert runs_per_month("cron(0 3 * * ? 2027)") == daily(1)


@pytest.mark.parametrize("expression,runs", [
    ("rate(1 minute)", 1440), ("rate(10 minutes)", 144), ("rate(1 hour)", 24), ("rate(6 hours)", 4),
    ("rate(1 day)", 1), ("rate(2 days)", Decimal("0.5")),
])
def test_an_aws_rate_runs_its_unit_per_day_divided_by_its_count(expression, runs):
    assert runs_per_month(expression) == daily(runs)


def test_surrounding_whitespace_is_ignored():
    assert runs_per_month("  0 3 * * *\n") == daily(1)


@pytest.mark.parametrize("expression", [
    "0 9 * * 1-5",            # weekdays only
    "0 0 1 * *",              # monthly
    "0 0 * 1 *",              # January only
    "cron(0 9 ? * MON-FRI *)",
    "0 9 * *",                # four fields
    "0 9 * * * * *",          # seven fields
    "",
    "@daily",
    "*/0 * * * *",            # a zero step
    "x 3 * * *",
    "rate(5 weeks)",
])
def test_a_schedule_that_does_not_run_every_day_or_cannot_be_read_is_unpriced(expression):
    with pytest.raises(Unpriced, match="cannot read how often"):
        runs_per_month(expression)


@given(st.integers(2, 59))
def test_every_n_minutes_in_cron_and_as_an_aws_cron_cost_the_same(n):
    assert runs_per_month(f"*/{n} * * * *") == runs_per_month(f"cron(0/{n} * * * ? *)")


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
