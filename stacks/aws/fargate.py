"""Fargate task sizes: round a blueprint's vCPU/GiB up to a combination Fargate accepts."""

from __future__ import annotations

import math

# cpu units → allowed memory MiB (AWS ECS developer guide, "Task CPU and memory").
VALID = {
    256: [512, 1024, 2048],
    512: [1024 * g for g in range(1, 5)],
    1024: [1024 * g for g in range(2, 9)],
    2048: [1024 * g for g in range(4, 17)],
    4096: [1024 * g for g in range(8, 31)],
    8192: [4096 * g for g in range(4, 16)],
    16384: [8192 * g for g in range(4, 16)],
}


def task_size(cpu: float, memory_gib: float) -> tuple[int, int]:
    """The smallest valid (cpu units, memory MiB) at least as large as asked."""
    units = math.ceil(cpu * 1024)
    mib = math.ceil(memory_gib * 1024)
    for cpu_units, memories in VALID.items():
        if cpu_units < units:
            continue
        for memory in memories:
            if memory >= mib:
                return cpu_units, memory
    raise ValueError(f"no Fargate size holds {cpu} vCPU and {memory_gib} GiB")
