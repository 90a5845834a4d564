"""The real-account run as pytest sees it: one test per trial (app, or app and tier) and phase.

The run itself (runner.run) happens once, in the session fixture; each test reports its phase:
a failure with its one line, a skip (e.g. no newer blueprint) with its reason.
"""

from __future__ import annotations

import pytest

from acceptance.results import FAILED, PASSED
from acceptance.suites import suite_for


def pytest_generate_tests(metafunc):
    if "phase" in metafunc.fixturenames:
        options = getattr(metafunc.config, "acceptance_options", None)
        suite = suite_for(options.cloud if options else "aws")
        keys = [suite.key(a, t) for a, t in options.units()] if options else []
        metafunc.parametrize(("app", "phase"), [(k, p) for k in keys for p in suite.phases],
                             ids=[f"{k}-{p}" for k in keys for p in suite.phases])


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
