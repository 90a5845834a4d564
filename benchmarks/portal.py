"""Benchmark (a script, not a test): the portal's plans from its one warm worker process.

A council's first look at an app waits for one plan in the worker (cold: the stack runs under the
mocks, or the on-disk plan cache answers); choosing it again is answered from the worker's memory.
Target: a warm plan under 1 s. Each figure is the median of several requests, timed around the
worker call the app page makes (cli/portal/planner.py `Planner.page`), in a fresh cache folder.
Usage: python benchmarks/portal.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="councilkit-bench-portal-") as cache:
        os.environ["COUNCILKIT_CACHE_DIR"] = cache
        from councilkit.cli.portal.planner import Choice, Planner

        planner = Planner()
        try:
            start = time.perf_counter()
            planner.submit(len, "warm up").result()
            print(f"worker start: {time.perf_counter() - start:.2f} s")
            for app, cloud in (("nextcloud", "azure"), ("localgov-drupal", "aws")):
                choice = Choice(app, cloud, "trial")
                start = time.perf_counter()
                planner.page(choice)
                cold = time.perf_counter() - start
                warm = []
                for _ in range(runs):
                    start = time.perf_counter()
                    planner.page(choice)
                    warm.append(time.perf_counter() - start)
                print(f"{app} on {cloud}, trial: first plan {cold:.2f} s, again {statistics.median(warm) * 1000:.0f} ms "
                      f"(median of {runs})")
        finally:
            planner.close()


if __name__ == "__main__":
    main()
