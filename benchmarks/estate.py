"""Benchmark (a script, not a test): a 24-deployment estate planned offline on this machine.

6 councils × 2 apps × 2 clouds, half production. Planned three times with a fresh plan cache:
cold (every stack runs), unchanged (every plan comes from the cache) and with one entry changed
(that one stack runs). Targets on 2 cores: cold under 30 s; unchanged at least 10x faster.
Usage: python benchmarks/estate.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

COUNCILS = ["Borsetshire", "Midsomer", "Wessex", "Barsetshire", "Loamshire", "Glebeshire"]
CLI = [sys.executable, "-c", "from councilkit.cli.main import main; main()"]


def estate() -> dict:
    councils = []
    for i, name in enumerate(COUNCILS):
        apps = []
        for app in ("localgov-drupal", "nextcloud"):
            for cloud in ("aws", "azure"):
                apps.append({"app": app, "cloud": cloud, "tier": "production" if (i + len(apps)) % 2 else "trial"})
        councils.append({"name": f"{name} Council", "domain": f"{name.lower()}.example.org", "apps": apps})
    return {"estate": "benchmark estate", "councils": councils}


def run(path: Path, env: dict) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB of the largest process, last line of output) of one `estate plan`."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(CLI + ["estate", "plan", str(path)], stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(err.read())
        return wall, usage.ru_maxrss / 1024, out.read().strip().splitlines()[-1]


def main() -> None:
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "COUNCILKIT_CACHE_DIR": str(Path(tmp) / "cache")}
        env.pop("COUNCILKIT_NO_CACHE", None)
        path = Path(tmp) / "estate.yaml"
        doc = estate()
        path.write_text(yaml.safe_dump(doc))
        cold, rss, line = run(path, env)
        print(f"estate plan, 24 deployments, cold:        {cold:6.1f} s  {rss:4.0f} MiB  ({line})")
        warm, rss, line = run(path, env)
        print(f"estate plan, 24 deployments, unchanged:   {warm:6.1f} s  {rss:4.0f} MiB  ({line})"
              f"  {cold / warm:.0f}x faster than cold")
        doc["councils"][0]["apps"][0]["contact"] = "changed@borsetshire.example.org"
        path.write_text(yaml.safe_dump(doc))
        one, rss, line = run(path, env)
        print(f"estate plan, 24 deployments, one changed: {one:6.1f} s  {rss:4.0f} MiB  ({line})")
    print("(MiB: peak RSS of the largest process: the parent or one worker)")


if __name__ == "__main__":
    main()
