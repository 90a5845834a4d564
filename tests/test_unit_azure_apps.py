"""stacks/azure/apps.py pure helpers: Container Apps consumption sizes and cron job timeouts.

The consumption profile allows 0.25..4 vCPU in 0.25 steps, with memory 2 GiB per vCPU
(0.25/0.5Gi ... 4.0/8Gi): https://learn.microsoft.com/azure/container-apps/containers#allocations
The module imports pulumi_azure_native, so each test imports it when it runs.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from councilkit.blueprints.model import ProcessSize

ALLOWED = [(q / 4, f"{q / 2:g}Gi") for q in range(1, 17)]  # (0.25, "0.5Gi") ... (4.0, "8Gi")

typed_cpu = st.integers(1, 64).map(lambda q: q / 4)
typed_memory = st.integers(1, 240).map(lambda h: h / 2)
any_cpu = st.floats(min_value=0, max_value=16, exclude_min=True)
any_memory = st.floats(min_value=0, max_value=120, exclude_min=True)
sizes = st.builds(ProcessSize, cpu=typed_cpu | any_cpu, memory_gib=typed_memory | any_memory)
fitting = sizes.filter(lambda s: s.cpu <= 4 and s.memory_gib <= 8)


def consumption_size(cpu: float, memory_gib: float) -> tuple[float, str]:
    from councilkit.stacks.azure.apps import consumption_size

    return consumption_size(ProcessSize(cpu=cpu, memory_gib=memory_gib))


def job_timeout_seconds(schedule: str) -> int:
    from councilkit.stacks.azure.apps import job_timeout_seconds

    return job_timeout_seconds(schedule)


def gib(memory: str) -> float:
    assert memory.endswith("Gi"), memory
    return float(memory[:-2])


# -- consumption_size ----------------------------------------------------------------------------


def test_the_smallest_size_is_a_quarter_vcpu_with_half_a_gib():
    assert consumption_size(0.25, 0.5) == (0.25, "0.5Gi")


@pytest.mark.parametrize("cpu,memory", ALLOWED)
def test_an_allowed_pair_is_kept_as_it_is(cpu, memory):
    assert consumption_size(cpu, gib(memory)) == (cpu, memory)


def test_cpu_between_steps_is_rounded_up_to_the_next_quarter():
    assert consumption_size(0.3, 0.5) == (0.5, "1Gi")


def test_memory_beyond_two_gib_per_vcpu_raises_the_cpu():
    assert consumption_size(0.25, 3) == (1.5, "3Gi")


def test_memory_is_written_without_trailing_zeros():
    assert consumption_size(0.75, 1) == (0.75, "1.5Gi")
    assert consumption_size(2, 4) == (2.0, "4Gi")


def test_the_largest_pair_is_four_vcpu_with_eight_gib():
    assert consumption_size(4, 8) == (4.0, "8Gi")


@given(fitting)
def test_every_size_within_the_profile_gets_an_allowed_pair(size):
    assert consumption_size(size.cpu, size.memory_gib) in ALLOWED


@given(sizes.filter(lambda s: s.cpu > 4 or s.memory_gib > 8))
def test_every_size_beyond_the_profile_is_refused(size):
    with pytest.raises(ValueError, match="at most 4 vCPU and 8 GiB per container"):
        consumption_size(size.cpu, size.memory_gib)


@given(fitting)
def test_a_size_within_the_profile_gets_at_least_what_it_asked(size):
    cpu, memory = consumption_size(size.cpu, size.memory_gib)
    assert cpu >= size.cpu and gib(memory) >= size.memory_gib


@given(fitting)
def test_a_quarter_vcpu_less_would_not_hold_the_size(size):
    cpu, _ = consumption_size(size.cpu, size.memory_gib)
    smaller = cpu - 0.25
    assert smaller < 0.25 or smaller < size.cpu or 2 * smaller < size.memory_gib


@pytest.mark.parametrize("cpu,memory_gib", [(8, 16), (1, 12)])
def test_a_size_beyond_the_consumption_profile_is_refused_rather_than_shrunk(cpu, memory_gib):
    with pytest.raises(ValueError):
        consumption_size(cpu, memory_gib)


def test_the_refusal_names_the_process_its_size_and_the_limit():
    from councilkit.stacks.azure.apps import consumption_size

    with pytest.raises(ValueError, match=r"process 'web' asks for 8 vCPU and 16 GiB.*at most 4 vCPU and 8 GiB"):
        consumption_size(ProcessSize(cpu=8, memory_gib=16), "web")


# -- job_timeout_seconds -------------------------------------------------------------------------


def test_a_five_minute_job_must_finish_30_seconds_before_the_next_run():
    assert job_timeout_seconds("*/5 * * * *") == 270


def test_an_every_minute_job_still_gets_a_full_minute():
    assert job_timeout_seconds("*/1 * * * *") == 60


@pytest.mark.parametrize("schedule", ["0 3 * * *", "0 */2 * * *"])
def test_a_schedule_at_most_hourly_gets_an_hour(schedule):
    assert job_timeout_seconds(schedule) == 3600


def test_a_job_twice_an_hour_gets_its_shortest_gap_less_30_seconds():
    assert job_timeout_seconds("15,45 * * * *") == 30 * 60 - 30


@given(st.integers(2, 59))
def test_a_job_every_n_minutes_ends_before_the_next_run(n):
    assert 60 <= job_timeout_seconds(f"*/{n} * * * *") < n * 60

