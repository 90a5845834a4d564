"""The estate as tables: one per council, then the totals."""

from __future__ import annotations

from itertools import groupby

from rich.table import Table

from .planner import Outcome


def tables(estate_name: str, outcomes: list[Outcome]) -> list[Table]:
    out = []
    for council, group in groupby(outcomes, key=lambda o: o.entry.council):
        group = list(group)
        table = Table(title=council, title_justify="left")
        for column in ("app", "version", "cloud", "tier", "resources", "status"):
            table.add_column(column, justify="right" if column == "resources" else "left")
        for o in group:
            table.add_row(
                o.entry.app.partition("@")[0], o.version or "-", o.entry.cloud, o.entry.tier,
                str(o.resources) if o.ok else "-", "planned" if o.ok else f"failed: {o.error}",
            )
        ok = [o for o in group if o.ok]
        table.add_section()
        table.add_row("total", "", "", "", str(sum(o.resources for o in ok)), f"{len(ok)}/{len(group)} planned")
        out.append(table)
    total = Table(title=f"{estate_name}: all councils", title_justify="left")
    for column in ("councils", "deployments", "planned", "failed", "resources"):
        total.add_column(column, justify="right")
    ok = [o for o in outcomes if o.ok]
    total.add_row(str(len({o.entry.council for o in outcomes})), str(len(outcomes)), str(len(ok)),
                  str(len(outcomes) - len(ok)), str(sum(o.resources for o in ok)))
    out.append(total)
    return out
