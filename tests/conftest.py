"""Shared fixtures: offline plans are computed once per (app, cloud, tier) and reused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import lru_cache

import pytest

from councilkit.blueprints.deployment import build_deployment

os.environ.setdefault("COUNCILKIT_TODAY", "2026-11-25")

APPS = ("localgov-drupal", "nextcloud")
TIERS = ("trial", "production")


@lru_cache(maxsize=None)
def planned(app: str, cloud: str, tier: str, **answers):
    """(deployment, plan) for one app × cloud × tier, planned offline once per test session."""
    from councilkit.cli.planning import plan_deployment

    d = build_deployment(app, cloud=cloud, tier=tier, **answers)
    return d, plan_deployment(d)


@pytest.fixture
def plan_of():
    return planned


def run_cli(*args: str, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    """Run `councilkit ARGS` as a user would, in a fresh process."""
    return subprocess.run(
        [sys.executable, "-c", "from councilkit.cli.main import main; main()", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture
def cli():
    return run_cli


def container_definitions(task_definition) -> list[dict]:
    return json.loads(task_definition.inputs["containerDefinitions"])
