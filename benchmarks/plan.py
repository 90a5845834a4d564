"""Benchmark (a script, not a test): `--help` time, one plan's wall time and peak RSS.

Each figure is a whole `councilkit` process, as a user runs it, median of several runs; plans
cover both shipped apps on both clouds and both tiers, cold (--no-cache: the stack runs) and
again from the plan cache (a fresh cache folder per run of this script).
Targets on 2 cores: --help < 0.3 s, one plan < 3 s and < 400 MB.
Usage: python benchmarks/plan.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

CLI = [sys.executable, "-c", "from councilkit.cli.main import main; main()"]
ENV = dict(os.environ)


def measure(args: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(CLI + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"councilkit {' '.join(args)} failed: {proc.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024


def report(label: str, args: list[str], runs: int) -> None:
    results = [measure(args) for _ in range(runs)]
    wall = statistics.median(r[0] for r in results)
    rss = max(r[1] for r in results)
    print(f"{label:<52} {wall:6.2f} s  {rss:6.0f} MiB peak RSS  (median of {runs})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    report("councilkit --help", ["--help"], runs)
    with tempfile.TemporaryDirectory() as tmp:
        ENV["COUNCILKIT_CACHE_DIR"] = os.path.join(tmp, "cache")
        ENV.pop("COUNCILKIT_NO_CACHE", None)
        for app in ("localgov-drupal", "nextcloud"):
            for cloud in ("aws", "azure"):
                for tier in ("trial", "production"):
                    out = os.path.join(tmp, "plan.json")
                    args = ["plan", app, "--cloud", cloud, "--tier", tier, "--json", out]
                    report(f"plan {app} --cloud {cloud} --tier {tier}", args + ["--no-cache"], runs)
                    measure(args)  # fills the cache
                    report("  the same, from the plan cache", args, runs)


if __name__ == "__main__":
    main()
