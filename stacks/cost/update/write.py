"""A refreshed price file's text: every figure with its source, query and retrieval time, or kept
with the reason; the exchange rate dated and sourced. The command writes it atomically
(cli/safe_io.py), only after it loads as a price file."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from . import Result

def number(value: Decimal) -> str:
    """A price as plain digits (no exponent), trailing zeros dropped."""
    text = format(value.normalize(), "f")
    return text if text not in ("-0", "") else "0"


def entry(fields: dict[str, Any]) -> str:
    parts = []
    for name, value in fields.items():
        parts.append(f"{name}: {number(value) if isinstance(value, Decimal) else json.dumps(str(value))}")
    return "{" + ", ".join(parts) + "}"


def render(previous: dict[str, Any], result: Result, *, retrieved: dt.datetime, fx: Decimal | None, api: str) -> str:
    """The refreshed file's text, from the previous file's data and what the update found."""
    day = retrieved.date().isoformat()
    when = retrieved.isoformat().replace("+00:00", "Z")
    cloud = previous["cloud"]
    rate, rate_date, rate_source = previous.get("gbp_per_usd"), previous.get("gbp_rate_date"), previous.get("gbp_rate_source")
    if fx is not None:
        # Where to check it first; the figure itself is the one given with --fx.
        rate, rate_date, rate_source = fx, day, f"https://www.bankofengland.co.uk/boeapps/database/ (rate given with --fx on {day})"
    from councilkit.blueprints.clouds import facts

    lines = [
        f"# {facts(cloud).title} list prices, {previous['region']}, "
        f"in {previous['currency']}, refreshed by `councilkit prices update` on {day}.",
        "#",
        "# HOW THESE FIGURES WERE MADE — read before budgeting.",
        f"# {len(result.found)} figures were retrieved from {api} at {when}: each names its source",
        "# (the API and the filter), the query it answered and the `retrieved` time.",
        f"# {len(result.kept)} figures were not refreshed and are kept from the previous file (compiled",
        f"# {previous.get('compiled')}), each with a `note` saying why; those were compiled without network access,",
        "# so their `date` is when they were compiled, not when it was read.",
    ]
    if any(found.usd is not None for found in result.found.values()):
        lines.append(f"# Every refreshed figure is the API's US dollar price (`usd`) times {number(Decimal(str(fx)))}, the --fx rate.")
    elif previous["currency"] == "GBP":
        lines.append("# Refreshed figures are the API's own GBP prices (currencyCode='GBP'); kept `usd` figures use the rate below.")
    lines += [
        f"cloud: {cloud}",
        f"region: {previous['region']}",
        f"currency: {previous['currency']}",
        f'compiled: "{day}"',
        f"hours_per_month: {previous['hours_per_month']}",
    ]
    if rate is not None:
        lines += [f"gbp_per_usd: {number(Decimal(str(rate)))}", f"gbp_rate_date: {json.dumps(str(rate_date))}",
                  f"gbp_rate_source: {json.dumps(str(rate_source))}"]
    lines.append("prices:")
    for key, old in (previous.get("prices") or {}).items():
        if key in result.found:
            found = result.found[key]
            amount = {"usd": found.usd} if found.usd is not None else {"price": found.amount}
            fields = {**amount, "unit": old["unit"], "source": found.source, "date": day, "retrieved": when,
                      "query": found.query}
        else:
            fields = {k: (Decimal(str(v)) if k in ("price", "usd") else v) for k, v in old.items() if k != "note"}
            fields["note"] = f"kept from the file compiled {previous.get('compiled')}: {result.kept.get(key, 'not asked')}"
        lines.append(f"  {key}: {entry(fields)}")
    return "\n".join(lines) + "\n"


def checked(previous_path: Path, result: Result, *, retrieved: dt.datetime, fx: Decimal | None, api: str) -> str:
    """The refreshed file's text, proven to load as a price file before anyone writes it."""
    import tempfile

    from councilkit.stacks.cost.model import PriceBook

    previous = yaml.safe_load(Path(previous_path).read_text(encoding="utf-8"))
    text = render(previous, result, retrieved=retrieved, fx=fx, api=api)
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / Path(previous_path).name
        probe.write_text(text, encoding="utf-8")
        PriceBook.load(probe)
    return text
