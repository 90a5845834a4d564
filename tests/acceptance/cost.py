"""What a trial cost while it existed: councilkit's own monthly estimate for the plan, pro rata.

An estimate from the dated list prices in stacks/cost/prices (the same figures as
`councilkit cost`), not a bill: Cost Explorer would be the bill, but it lags about a day and
needs the cost allocation tags activated first.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from councilkit.stacks.cost.model import DAYS_PER_MONTH

HOURS_PER_MONTH = DAYS_PER_MONTH * 24  # 730: how the price files' monthly figures are billed


@dataclass(frozen=True)
class Incurred:
    monthly: Decimal  # GBP
    hours: float

    @property
    def gbp(self) -> Decimal:
        return (self.monthly * Decimal(str(self.hours)) / HOURS_PER_MONTH).quantize(Decimal("0.01"))

    def label(self) -> str:
        return (f"£{self.gbp} estimated (councilkit list prices: £{self.monthly}/month × "
                f"{self.hours:.2f} h the stack existed; not a bill)")


def monthly_gbp(plan, d) -> Decimal:
    from councilkit.stacks.cost import estimate

    return estimate(plan.resources, cloud=d.cloud, region=d.region, tier=d.tier).total_gbp
