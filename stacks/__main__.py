"""The Pulumi program of the root Pulumi.yaml: `pulumi up -s STACK` runs this.

It reads the stack's config, resolves the same Deployment the offline plan used (from a lock
beside Pulumi.yaml if there is one, else the catalogue) and builds it, so what was planned is what
is deployed. Folders written by `councilkit new` run the same function (stacks/program.py).
"""

from pathlib import Path

from councilkit.stacks.program import run

run(Path(__file__).resolve().parent.parent)
