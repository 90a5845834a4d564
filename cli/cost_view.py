"""How a cost estimate looks in a terminal: the table of lines (`councilkit cost`) or one line (`plan`)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from councilkit.stacks.cost import show


def _quantity(q: Decimal) -> str:
    if q >= 100:
        return f"{q:,.0f}"
    if q >= 1:
        return f"{q:,.2f}".rstrip("0").rstrip(".")
    return f"{q:.4g}"


def _price(amount: Decimal, currency: str) -> str:
    symbol = {"USD": "$", "GBP": "£"}.get(currency, "")
    text = f"{amount:.2f}" if amount.normalize().as_tuple().exponent >= -2 else f"{amount.normalize():f}"
    return f"{symbol}{text}"


def headline(estimate) -> str:
    """'$60.64 a month (≈ £45.48) · 30-day trial: $59.81'."""
    text = f"{show(estimate.total, estimate.currency)} a month"
    if estimate.currency != "GBP":
        text += f" (≈ {show(estimate.total_gbp, 'GBP')})"
    if estimate.trial_days is not None:
        text += f" · {estimate.trial_days}-day trial: {show(estimate.trial_total, estimate.currency)}"
    return text


def summary_lines(estimate) -> list[str]:
    out = [f"[bold]cost:[/] {headline(estimate)} [dim](lines: councilkit cost)[/]"]
    out += [f"  [yellow]note:[/] {escape(note)}" for note in estimate.notes]
    if estimate.unpriced:
        out.append(f"  [yellow]{len(estimate.unpriced)} resource(s) unpriced, not in the total:[/] "
                   + ", ".join(escape(f"{u.name} ({u.reason})") for u in estimate.unpriced))
    return out


def table(estimate, title: str) -> Table:
    t = Table(title=title, title_justify="left", show_footer=True, header_style="bold")
    t.add_column("resource", footer="total")
    t.add_column("item")
    t.add_column("quantity", justify="right")
    t.add_column("unit price", justify="right")
    t.add_column("monthly", justify="right", footer=show(estimate.total, estimate.currency))
    groups = sorted(estimate.by_resource().values(), key=lambda lines: -sum(x.monthly for x in lines))
    for lines in groups:
        for i, line in enumerate(lines):
            t.add_row(
                escape(line.name) if i == 0 else "",
                escape(line.item),
                f"{_quantity(line.quantity)} {escape(line.price.unit)}",
                _price(line.price.amount, estimate.currency),
                show(line.monthly, estimate.currency),
            )
    return t


def print_estimate(estimate, title: str, console: Console | None = None) -> None:
    console = console or Console()
    if not console.is_terminal:
        console = Console(width=140)  # a file or pipe: room for the table rather than 80 columns
    console.print(table(estimate, title))
    console.print(f"[bold]total:[/] {headline(estimate)}")
    book = estimate.book
    if estimate.currency != "GBP":
        console.print(f"  GBP at {book.gbp_per_usd} £/$ ({book.gbp_rate_date}, {book.gbp_rate_source})")
    console.print(f"prices: stacks/cost/prices/{book.path.name} ({book.region}, {book.currency}), compiled "
                  f"{book.compiled} from the public pricing pages named per figure — see the file's header")
    for note in estimate.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    if estimate.assumptions:
        console.print("assumptions (usage-based parts):")
        for a in estimate.assumptions:
            console.print(f"  - {escape(a)}")
    if estimate.unpriced:
        console.print(f"[yellow]unpriced ({len(estimate.unpriced)}), not in the total:[/]")
        for u in estimate.unpriced:
            console.print(f"  - {escape(u.name)} [dim]{escape(u.type)}[/]: {escape(u.reason)}")
    else:
        console.print("unpriced: none")
    free = Counter((f.type.split(":")[-1], f.reason) for f in estimate.free)
    console.print(f"free ({len(estimate.free)}): " + "; ".join(
        escape(f"{kind}{f' ×{n}' if n > 1 else ''} ({reason})") for (kind, reason), n in sorted(free.items())))
    console.print(f"not included: {'; '.join(estimate.excluded)}")
