"""How long an Azure consumption budget keeps alerting: its period, and a warning before it ends.

No SDK here: the stack (monitoring.py) sets the period and the UK baseline's CK-AZR-030 warns
from the plan. A budget's timePeriod.endDate defaults to 10 years from its start (azure-native
consumption BudgetTimePeriodArgs.end_date: "If not provided, we default this to 10 years from
the start date"); after it Azure sends no budget alert at all, and budgets councilkit made before
this had a one-year end, which a real preview keeps.
"""

from __future__ import annotations

import datetime as dt

BUDGET_YEARS = 10
BUDGET_WARNING_DAYS = 60
BUDGET = "azure-native:consumption:Budget"


def budget_period(start: dt.date) -> tuple[str, str]:
    """(start, end) of a budget created on `start`: the first of that month, for BUDGET_YEARS."""
    first = start.replace(day=1)
    return f"{first.isoformat()}T00:00:00Z", f"{first.replace(year=first.year + BUDGET_YEARS).isoformat()}T00:00:00Z"


def budget_ending(resources, today: dt.date, days: int = BUDGET_WARNING_DAYS) -> list[str]:
    """One warning per planned budget whose timePeriod.endDate falls within `days` of `today` (or
    has passed): after it, Azure sends no budget alert at all."""
    warnings = []
    for r in resources:
        end = ((r.inputs.get("timePeriod") or {}).get("endDate") if r.type == BUDGET else None)
        if not isinstance(end, str):
            continue
        try:
            when = dt.date.fromisoformat(end[:10])
        except ValueError:
            continue
        left = (when - today).days
        if left <= days:
            state = f"ended on {when.isoformat()}" if left < 0 else f"ends on {when.isoformat()} ({left} days)"
            warnings.append(f"budget {r.name} {state}: after that Azure sends no budget alerts; replace it "
                            f"(pulumi up --replace {r.urn}) for another {BUDGET_YEARS} years")
    return warnings


