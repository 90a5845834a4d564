"""Backup, RPO and RTO, and where data lives, read from the plan's resources (what would be built,
not what was meant). Each cloud adapter reads its own resource types (stacks/<cloud>/report.py).
"""

from __future__ import annotations

from councilkit.stacks.cloud import CLOUDS, Protection

__all__ = ["Protection", "protections", "regions"]


def protections(plan) -> list[Protection]:
    return [p for cloud in CLOUDS.values() for p in cloud.protections(plan)]


def regions(plan) -> list[str]:
    """Where the data would live, as every adapter reads it from the plan."""
    return sorted(set().union(*(cloud.data_regions(plan) for cloud in CLOUDS.values())))
