"""Benchmark (a script, not a test): a 24-deployment estate planned offline on this machine.

6 councils × 2 apps × 2 clouds, half production. Target on 2 cores: under 30 s.
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


def estate() -> dict:
    councils = []
    for i, name in enumerate(COUNCILS):
        apps = []
        for app in ("localgov-drupal", "nextcloud"):
            for cloud in ("aws", "azure"):
                apps.append({"app": app, "cloud": cloud, "tier": "production" if (i + len(apps)) % 2 else "trial"})
        councils.append({"name": f"{name} Council", "domain": f"{name.lower()}.example.org", "apps": apps})
    return {"estate": "benchmark estate", "councils": councils}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "estate.yaml"
        path.write_text(yaml.safe_dump(estate()))
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", "from councilkit.cli.main import main; main()", "estate", "plan", str(path)],
            capture_output=True, text=True,
        )
        wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(proc.stderr)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print(f"estate plan, 24 deployments: {wall:.1f} s  ({proc.stdout.strip().splitlines()[-1]})")


if __name__ == "__main__":
    main()
