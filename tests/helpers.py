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
    """What the offline engine hands back for a resource other resources refer to (its name, id
    and, on AWS, its ARN), so hand-built plans follow references exactly as planned ones do."""
    from councilkit.cli.offline import generic_outputs
    from councilkit.stacks.cloud import cloud_of_resource
    from councilkit.stacks.plan import IDENTITY_OUTPUTS

    state = generic_outputs(name, {})
    cloud = cloud_of_resource(type_)
    if cloud is not None:
        state = cloud.fake_outputs(type_, name, state)
    return {k: state[k] for k in IDENTITY_OUTPUTS if isinstance(state.get(k), str)}


def run_main(argv, capsys, stdin: str = ""):
    """Run `councilkit ARGV` in this process with `stdin`; (exit code, stdout, stderr)."""
    import io

    import pytest

    from councilkit.cli.main import main as cli_main

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with pytest.raises(SystemExit) as exit_:
            cli_main(argv)
    finally:
        sys.stdin = old
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def read_at_first_sleep(clock, path) -> list:
    """Make `clock.sleep` read `path` the first time it is called (before any waiting), and return
    the list that text lands in: what the council had in hand when `up` began to wait."""
    seen: list = []
    sleep = clock.sleep

    def first_sleep(seconds):
        if not seen:
            seen.append(path.read_text())
        sleep(seconds)

    clock.sleep = first_sleep
    return seen


def with_inputs(plan, target, sample: dict):
    """(plan, resource): `plan` with `sample` (input path → value) planted into `target`'s inputs,
    `target` added if the plan had none of it; for the deployability self-tests."""
    import dataclasses

    from councilkit.stacks.deployability import plant
    from councilkit.stacks.plan import Plan

    inputs = target.inputs
    for path, value in sample.items():
        inputs = plant(inputs, path, value)
    changed = dataclasses.replace(target, inputs=inputs)
    resources = [changed if r.urn == target.urn else r for r in plan.resources]
    if target.urn not in {r.urn for r in plan.resources}:
        resources.append(changed)
    return Plan(stack=plan.stack, resources=resources, outputs=plan.outputs), changed
