"""stacks/aws/fargate.py: a blueprint's vCPU/GiB rounded up to a task size Fargate accepts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from councilkit.stacks.aws.fargate import VALID, task_size

# Fargate's task CPU and memory combinations, written out from the AWS table:
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#task_size
AWS_TABLE = {
    256: [512, 1024, 2048],
    512: list(range(1024, 4096 + 1, 1024)),
    1024: list(range(2048, 8192 + 1, 1024)),
    2048: list(range(4096, 16384 + 1, 1024)),
    4096: list(range(8192, 30720 + 1, 1024)),
    8192: list(range(16384, 61440 + 1, 4096)),
    16384: list(range(32768, 122880 + 1, 8192)),
}
COMBINATIONS = sorted((cpu, memory) for cpu, memories in AWS_TABLE.items() for memory in memories)

# What a blueprint may declare (ProcessSize: 0 < cpu ≤ 16, 0 < memory_gib ≤ 120), as typed
# (0.25, 1.5) or as any float.
typed_cpu = st.integers(1, 64).map(lambda q: q / 4)
typed_memory = st.integers(1, 240).map(lambda h: h / 2)
any_cpu = st.floats(min_value=0, max_value=16, exclude_min=True)
any_memory = st.floats(min_value=0, max_value=120, exclude_min=True)
sizes = st.tuples(typed_cpu, typed_memory) | st.tuples(any_cpu, any_memory)


def test_the_table_is_the_aws_task_size_table():
    assert VALID == AWS_TABLE


def test_the_smallest_size_is_a_quarter_vcpu_with_half_a_gib():
    assert task_size(0.25, 0.5) == (256, 512)


@pytest.mark.parametrize("cpu_units,memory_mib", COMBINATIONS)
def test_a_valid_combination_is_kept_as_it_is(cpu_units, memory_mib):
    assert task_size(cpu_units / 1024, memory_mib / 1024) == (cpu_units, memory_mib)


def test_memory_between_steps_is_rounded_up_to_the_next_step():
    assert task_size(1, 2.5) == (1024, 3072)


def test_too_much_memory_for_the_cpu_raises_the_cpu():
    assert task_size(0.25, 3) == (512, 3072)


def test_too_little_memory_for_the_cpu_is_raised_to_that_cpus_minimum():
    assert task_size(4, 1) == (4096, 8192)


def test_cpu_between_sizes_is_rounded_up_to_the_next_size():
    assert task_size(0.3, 1) == (512, 1024)


def test_memory_above_30_gib_needs_8_vcpu_in_4_gib_steps():
    assert task_size(4, 31) == (8192, 32768)


def test_the_largest_blueprint_size_fits_the_largest_task():
    assert task_size(16, 120) == (16384, 122880)


@pytest.mark.parametrize("cpu,memory_gib", [(16.5, 32), (16, 121), (32, 64)])
def test_a_size_beyond_the_largest_task_is_refused(cpu, memory_gib):
    with pytest.raises(ValueError, match="no Fargate size holds"):
        task_size(cpu, memory_gib)


@given(sizes)
def test_every_size_a_blueprint_may_declare_gets_a_valid_combination(size):
    assert task_size(*size) in COMBINATIONS


@given(sizes)
def test_the_task_is_at_least_as_large_as_asked(size):
    cpu, memory_gib = size
    cpu_units, memory_mib = task_size(cpu, memory_gib)
    assert cpu_units >= cpu * 1024 and memory_mib >= memory_gib * 1024


@given(sizes)
def test_no_valid_combination_with_less_cpu_or_less_memory_at_that_cpu_would_do(size):
    cpu, memory_gib = size
    chosen = task_size(cpu, memory_gib)
    fitting = [(c, m) for c, m in COMBINATIONS if c >= cpu * 1024 and m >= memory_gib * 1024]
    assert chosen == min(fitting)


def test_the_largest_task_is_the_largest_process_a_blueprint_may_ask_aws_for():
    from councilkit.blueprints.clouds import facts

    cpu_units = max(VALID)
    assert (cpu_units / 1024, max(VALID[cpu_units]) / 1024) == facts("aws").max_process
