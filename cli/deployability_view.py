"""How a plan's deployability looks in a terminal: one summary line, then every violation with its
resource, input, value, rule and source; and the one stderr line that refuses the plan."""

from __future__ import annotations

from rich.markup import escape

MAX_SHOWN = 20


def lines(report) -> list[str]:
    """Rich-markup lines: the summary, then each violation (what the cloud would refuse)."""
    n = len(report.violations)
    if not n:
        return [f"[bold]deployability:[/] {report.rules} provider and API rules, no violations"]
    out = [f"[bold]deployability:[/] [red]{n} violation{'s' if n != 1 else ''}[/] of {report.rules} "
           "provider and API rules (the cloud would refuse these)"]
    for v in report.violations[:MAX_SHOWN]:
        out.append(f"  [red]✗ {escape(v.rule)}[/] {escape(v.name)} [dim]({escape(v.type)})[/] "
                   f"{escape(v.input)} = {escape(repr(v.value))}: {escape(v.message)}")
        out.append(f"      [dim]source: {escape(v.source)}[/]")
    if n > MAX_SHOWN:
        out.append(f"  … and {n - MAX_SHOWN} more (see --json)")
    return out


def refusal(report) -> str:
    """The one stderr line when the plan breaks a provider or API rule: never waivable."""
    ids = ", ".join(dict.fromkeys(v.rule for v in report.violations))
    n = len(report.violations)
    return (f"plan has {n} deployability violation{'s' if n != 1 else ''} ({ids}): the cloud would refuse "
            "the request, so --allow-failures does not waive it; fix the plan")
