"""How a plan's compliance looks in a terminal: one summary line, then what failed and why."""

from __future__ import annotations

from rich.markup import escape

MAX_REASONS = 5


def _short(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def lines(report) -> list[str]:
    """Rich-markup lines: the summary, then every failed or waived control with its resources."""
    out = [f"[bold]policy:[/] {report.summary()} [dim](UK baseline, {len(report.results)} controls)[/]"]
    for result in report.results:
        c = result.control
        if result.status == "failed":
            mark, colour = ("✗", "red") if c.mandatory else ("!", "yellow")
            kind = "mandatory" if c.mandatory else "advisory"
            out.append(f"  [{colour}]{mark} {c.id}[/] {escape(f'[{c.severity}, {kind}]')} {escape(c.title)}")
            failures = result.failures
            for r in failures[:MAX_REASONS]:
                out.append(f"      {escape(_short(r.urn))}: {escape(r.reason)}")
            if len(failures) > MAX_REASONS:
                out.append(f"      … and {len(failures) - MAX_REASONS} more (see --json)")
        elif result.status == "waived":
            out.append(f"  [yellow]~ {c.id}[/] waived: {escape(c.title)} — {escape(result.reason)}")
    return out


def refusal(report) -> str:
    """The one stderr line when mandatory controls fail."""
    ids = ", ".join(r.control.id for r in report.mandatory_failures)
    n = len(report.mandatory_failures)
    return (f"plan fails {n} mandatory control{'s' if n != 1 else ''}: {ids} "
            "(fix the plan, or pass --allow-failures to report without failing)")
