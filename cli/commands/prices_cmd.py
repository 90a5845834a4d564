"""`councilkit prices update [--cloud aws|azure] [--fx RATE] [--out DIR]`: fresh list prices.

A thin command over stacks/cost/update: it names the price files, fetches, prints what was
refreshed and what was kept (and why), and writes each file atomically only after every fetch
succeeded. Without network it fails with one `error:` line, exit 2, and writes nothing.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import click

from councilkit.blueprints.clouds import CLOUDS
from councilkit.blueprints.errors import UserError


def _rate(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise UserError(f"--fx must be pounds per US dollar, e.g. 0.74 (got {value!r})") from None
    if not rate.is_finite() or not Decimal("0.1") <= rate <= Decimal("10"):
        raise UserError(f"--fx must be pounds per US dollar between 0.1 and 10 (got {value!r})")
    return rate


@click.group()
def prices():
    """Price files: refresh them from the clouds' public price lists."""


@prices.command()
@click.option("--cloud", type=click.Choice(CLOUDS), help="Only this cloud's file (default: every cloud's).")
@click.option("--fx", "fx", metavar="RATE",
              help="Pounds per US dollar to use (dated today); on Azure, ask the API in USD and convert at it.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Folder to write into (default: councilkit's own price files).")
@click.option("--aws-source", type=click.Choice(["bulk", "query"]), default="bulk", show_default=True,
              help="AWS: the public bulk offer files, or the Price List Query API (needs AWS credentials).")
def update(cloud, fx, out_dir, aws_source):
    """Re-read every figure councilkit prices from the AWS Price List and the Azure Retail Prices
    API, and write dated price files with each figure's source, query and retrieval time."""
    from pathlib import Path

    from councilkit.blueprints.clouds import facts
    from councilkit.cli.safe_io import write_atomically
    from councilkit.stacks.cost.model import PRICES_DIR
    from councilkit.stacks.cost.update import run

    rate = _rate(fx)
    out = Path(out_dir) if out_dir else PRICES_DIR
    if out_dir and not out.is_dir():
        raise UserError(f"--out: folder {out} does not exist")
    written = []
    for name in [cloud] if cloud else list(CLOUDS):
        book_path = PRICES_DIR / f"{name}-{facts(name).default_region}.yaml"
        result, target, text = run(name, book_path, out, fx=rate, aws_source=aws_source)
        written.append((result, target, text))
    for result, target, text in written:  # every fetch succeeded: now write
        write_atomically(target, text, "--out")
        click.echo(f"{target}: {len(result.found)} figures refreshed, {len(result.kept)} kept")
        for key, why in sorted(result.kept.items()):
            click.echo(f"  kept {key}: {why}")
