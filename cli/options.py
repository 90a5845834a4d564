"""Options shared by several commands, defined once."""

from __future__ import annotations

import click

blueprint_dirs = click.option(
    "--blueprints",
    "blueprint_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Extra folder of blueprints (repeatable); also COUNCILKIT_BLUEPRINT_PATH (colon-separated).",
)
