"""The estate as tables: one per council (app, version, cloud, tier, resources, policy, cost),
then the totals. Costs are shown in each cloud's currency and totalled in GBP."""

from __future__ import annotations

from itertools import groupby

from rich.markup import escape
from rich.table import Table

from .planner import Outcome

SYMBOL = {"GBP": "£", "USD": "$"}


def _money(amount: float, currency: str) -> str:
    return f"{SYMBOL.get(currency, '')}{amount:,.2f}" + ("" if currency in SYMBOL else f" {currency}")


def _policy(o: Outcome) -> str:
    p = o.summary.get("policy")
    if not p:
        return "-"
    refused = o.summary.get("deployability", {}).get("violations")
    if refused:
        return f"[red]{refused} deployability violation(s)[/]"
    if p["mandatory_failed"]:
        return f"[red]{p['mandatory_failed']} mandatory failed[/]"
    return f"ok, {p['passed']} passed" + (f", {p['waived']} waived" if p["waived"] else "")


def _gbp(outcomes: list[Outcome]) -> float:
    return sum(o.summary["cost"]["monthly_gbp"] for o in outcomes if o.summary.get("cost"))


def tables(estate_name: str, outcomes: list[Outcome]) -> list[Table]:
    out = []
    for council, group in groupby(outcomes, key=lambda o: o.entry.council):
        group = list(group)
        table = Table(title=council, title_justify="left")
        for column in ("app", "version", "cloud", "tier", "resources", "policy", "monthly cost"):
            table.add_column(column, justify="right" if column in ("resources", "monthly cost") else "left")
        for o in group:
            cost = o.summary.get("cost")
            table.add_row(
                o.entry.app.partition("@")[0], o.version or "-", o.entry.cloud, o.entry.tier,
                str(o.resources) if o.resources else "-",
                _policy(o) if o.summary else f"[red]failed: {escape(o.error or '')}[/]",
                _money(cost["monthly"], cost["currency"]) if cost else "-",
            )
        table.add_section()
        table.add_row("total", "", "", "", str(sum(o.resources for o in group)),
                      f"{sum(o.ok for o in group)}/{len(group)} ok", f"≈ {_money(_gbp(group), 'GBP')}")
        out.append(table)
    total = Table(title=f"{estate_name}: all councils", title_justify="left")
    for column in ("councils", "deployments", "ok", "failed", "resources", "monthly cost"):
        total.add_column(column, justify="right")
    ok = [o for o in outcomes if o.ok]
    total.add_row(str(len({o.entry.council for o in outcomes})), str(len(outcomes)), str(len(ok)),
                  str(len(outcomes) - len(ok)), str(sum(o.resources for o in outcomes)),
                  f"≈ {_money(_gbp(outcomes), 'GBP')}")
    out.append(total)
    return out
