"""The Pulumi program of this folder, written by `councilkit new`; no need to edit it.

It builds the blueprint locked in councilkit.lock.json (nextcloud@1.2.0) with the answers in
Pulumi.<stack>.yaml. It needs councilkit installed in the Python that Pulumi runs.
"""

import sys
from pathlib import Path

try:
    from councilkit.stacks.program import run
except ImportError:
    sys.exit(
        f"error: councilkit is not installed in {sys.executable}; activate the virtualenv where it "
        "is installed (or set PULUMI_PYTHON_CMD to its python), or run `councilkit up` instead"
    )

run(Path(__file__).resolve().parent)
