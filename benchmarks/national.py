"""Benchmark (a script, not a test): a national estate, every council × every catalogue app.

408 councils × 7 apps = 2,856 deployments (clouds alternate per council; ERPNext, refused on
Azure, always on AWS; tiers alternate), generated into a temporary folder and planned with
`councilkit estate plan` three times against a fresh plan cache: cold, unchanged, and with one
entry changed. Prints wall time, stack runs per second and the peak RSS of each process (the
parent and every worker, sampled from /proc), and each worker's RSS early and late in the run
(flat memory means no growth between them).
Targets on 2 cores: cold under 10 minutes, < 400 MB per process; one changed under 20 s.
Usage: python benchmarks/national.py [--councils N] [--timeout SECONDS] [--json]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

APPS = ("alfresco", "camunda", "erpnext", "localgov-drupal", "nextcloud", "suitecrm", "wordpress")
AWS_ONLY = {"erpnext"}  # its database engine is not offered as a managed service on Azure
CLI = [sys.executable, "-c", "from councilkit.cli.main import main; main()"]


def estate(councils: int) -> dict:
    out = []
    for i in range(councils):
        cloud = "aws" if i % 2 == 0 else "azure"
        apps = [{"app": app, "cloud": "aws" if app in AWS_ONLY else cloud,
                 "tier": "production" if (i + j) % 2 else "trial"} for j, app in enumerate(APPS)]
        out.append({"name": f"Council {i + 1:03d}", "domain": f"council-{i + 1:03d}.example.org", "apps": apps})
    return {"estate": "national benchmark", "defaults": {"contact": "platform@example.org"}, "councils": out}


def _rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                children = [int(c) for c in (task / "children").read_text().split()]
                found += children
                todo += children
        except OSError:
            continue
    return found


class Sampler(threading.Thread):
    """RSS of a process and its descendants, every `interval` seconds."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples: dict[int, list[tuple[float, float]]] = {}
        self.stop = threading.Event()
        self.start_time = time.perf_counter()

    def run(self) -> None:
        while not self.stop.is_set():
            now = time.perf_counter() - self.start_time
            for pid in [self.pid, *_descendants(self.pid)]:
                rss = _rss_mib(pid)
                if rss is not None:
                    self.samples.setdefault(pid, []).append((now, rss))
            self.stop.wait(self.interval)

    def report(self) -> list[str]:
        lines = []
        for pid, samples in self.samples.items():
            role = "parent" if pid == self.pid else "worker"
            peak = max(r for _, r in samples)
            line = f"    {role} {pid}: peak {peak:5.0f} MiB"
            if role == "worker" and len(samples) > 20:
                early = samples[min(len(samples) - 1, 20)]
                line += f", {early[1]:.0f} MiB at {early[0]:.0f} s, {samples[-1][1]:.0f} MiB at {samples[-1][0]:.0f} s"
            lines.append(line)
        return lines


def run(label: str, path: Path, env: dict, timeout: float, cache: Path, total: int, json_dir: Path | None) -> bool:
    args = CLI + ["estate", "plan", str(path)] + (["--json", str(json_dir)] if json_dir else [])
    before = len(list(cache.glob("*.json"))) if cache.is_dir() else 0
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, env=env)
        sampler = Sampler(proc.pid)
        sampler.start()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        wall = time.perf_counter() - start
        sampler.stop.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        lines = out.read().strip().splitlines()
        finished = proc.returncode == 0
    stored = len(list(cache.glob("*.json"))) - before
    if finished:
        summary = lines[-1] if lines else "?"
        print(f"{label}: {wall:7.1f} s, {stored / wall:5.1f} stack runs/s ({stored} run)  ({summary})")
    else:
        print(f"{label}: did not finish in {timeout:.0f} s (exit {proc.returncode}); {stored} of {total} "
              f"planned, {stored / wall:.1f} plans/s, so about {total / max(stored / wall, 1e-9):.0f} s for all")
    for line in sampler.report():
        print(line)
    sys.stdout.flush()
    return finished


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--councils", type=int, default=408)
    parser.add_argument("--timeout", type=float, default=1200, help="per run, seconds")
    parser.add_argument("--json", action="store_true", help="also write every plan's JSON (--json DIR)")
    args = parser.parse_args()
    total = args.councils * len(APPS)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; {args.councils} councils × {len(APPS)} apps "
          f"= {total} deployments")
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        json_dir = Path(tmp) / "plans" if args.json else None
        env = {**os.environ, "COUNCILKIT_CACHE_DIR": str(cache)}
        env.pop("COUNCILKIT_NO_CACHE", None)
        path = Path(tmp) / "estate.yaml"
        doc = estate(args.councils)
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        if not run("cold       ", path, env, args.timeout, cache, total, json_dir):
            return
        run("unchanged  ", path, env, args.timeout, cache, total, json_dir)
        doc["councils"][0]["apps"][0]["contact"] = "changed@council-001.example.org"
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        run("one changed", path, env, args.timeout, cache, total, json_dir)
        size = sum(p.stat().st_size for p in cache.glob("*.json"))
        print(f"plan cache: {len(list(cache.glob('*.json')))} entries, {size / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
