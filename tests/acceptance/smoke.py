"""The smoke check of a trial: the blueprint's smoke requests, judged by councilkit's own engine.

councilkit.cli.smoke is what `up` and `councilkit check` run: each request's status codes and
text, in order, retried until the timeout, redirects judged and not followed. The suite checks
the app at its public URL (the `url` output), so apps that answer only their own Host get a
real answer. The suite prints an app's install steps and does not run them (steps.py), so an
app with an install step is checked with its web health check, as `up` does on a first deploy.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Callable

from councilkit.cli import smoke as engine


class NotHealthy(Exception):
    def __init__(self, message: str, results: list[engine.Result]):
        super().__init__(message)
        self.results = results


def requests_for(blueprint) -> tuple[list, str]:
    """(the requests the suite can check, a note when it checks less than the blueprint's smoke)."""
    if blueprint.smoke and blueprint.install is not None:
        return [engine.health_request(blueprint)], (
            f"{blueprint.ref}'s smoke check needs its install step, which the suite does not run: "
            "its web health check instead")
    return engine.requests_for(blueprint), ""


def check(site: str, requests: list, timeout: float, every: float,
          sleep: Callable[[float], None] = time.sleep) -> list[engine.Result]:
    """Every request passed (their results), or NotHealthy naming the first that did not."""
    results = engine.run(requests, site, within=timeout, every=every,
                         clock=SimpleNamespace(now=time.monotonic, sleep=sleep))
    failed = engine.first_failure(results)
    if failed is not None:
        raise NotHealthy(f"GET {failed.url}: {failed.detail} after {failed.attempts} tries in {failed.seconds:.0f} s "
                         f"({failed.request.why})", results)
    return results


def summary(results: list[engine.Result]) -> str:
    """One line: each request and its code, the time and tries it took."""
    asked = "; ".join(f"GET {r.url} -> {r.status}" for r in results)
    return f"{asked} after {sum(r.seconds for r in results):.0f} s ({sum(r.attempts for r in results)} tries)"
