"""Plain helpers the test files import (`from helpers import ...`); fixtures stay in conftest.py.

pytest puts tests/ on sys.path (rootdir conftest, default "prepend" import mode), so this module
is importable from every test file without importing conftest as a module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import lru_cache

from councilkit.blueprints.deployment import build_deployment

APPS = ("localgov-drupal", "nextcloud")
"""The real catalogue apps most tests plan: one MariaDB-backed, one Postgres-backed."""

TIERS = ("trial", "production")
"""Both tiers, since sizes, replicas and resilience differ between them."""


@lru_cache(maxsize=None)
def planned(app: str, cloud: str, tier: str, **answers):
    """(deployment, plan) for one app × cloud × tier, planned offline once per test session, since a plan takes seconds."""
    from councilkit.cli.planning import plan_deployment

    d = build_deployment(app, cloud=cloud, tier=tier, **answers)
    return d, plan_deployment(d)


def run_cli(*args: str, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    """Run `councilkit ARGS` as a user would, in a fresh process, so exit codes and output are real."""
    return subprocess.run(
        [sys.executable, "-c", "from councilkit.cli.main import main; main()", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=120,
    )


def container_definitions(task_definition) -> list[dict]:
    """An ECS task definition's containers as dicts, since the plan holds them as one JSON string."""
    return json.loads(task_definition.inputs["containerDefinitions"])


def engine_identities(type_: str, name: str) -> dict[str, str]:
    """What an engine hands back for a resource other resources refer to: its name, an id and, on
    AWS, an ARN (in the offline engine's format), so hand-built plans follow references as real
    ones do."""
    from councilkit.stacks.aws.offline import ACCOUNT, ARN_SERVICE

    found = {"name": name.replace("_", "-"), "id": f"{name.replace('_', '-')}-id"}
    if type_.startswith("aws:"):
        module, _, kind = type_.split(":")[1].partition("/")
        found["arn"] = f"arn:aws:{ARN_SERVICE.get(module, module)}:eu-west-2:{ACCOUNT}:{kind.lower()}/{name}"
    return found
