"""The real-account run as pytest sees it: one test per app and phase, from one run.

The run itself (runner.run) happens once, in the session fixture; each test reports its phase:
a failure with its one line, a skip (e.g. no newer blueprint) with its reason.
"""

from __future__ import annotations

import pytest

from acceptance.results import FAILED, PASSED, PHASES


def pytest_generate_tests(metafunc):
    if "phase" in metafunc.fixturenames:
        options = getattr(metafunc.config, "acceptance_options", None)
        apps = options.apps if options else ()
        metafunc.parametrize(("app", "phase"), [(a, p) for a in apps for p in PHASES],
                             ids=[f"{a}-{p}" for a in apps for p in PHASES])


@pytest.fixture(scope="session")
def sandbox_run(request):
    from acceptance.runner import run

    return run(request.config.acceptance_options)


def test_phase(sandbox_run, app, phase):
    reached = [a for a in sandbox_run.apps if a.app == app]
    if not reached:
        pytest.skip("not reached: the run was interrupted before this app")
    result = reached[0].phase(phase)
    if result.status == FAILED:
        pytest.fail(result.message, pytrace=False)
    if result.status != PASSED:
        pytest.skip(result.message)
