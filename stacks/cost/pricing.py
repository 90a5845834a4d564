"""What pricing rules share: the context (prices, usage, the plan) and reading a cron schedule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from councilkit.stacks.plan import refers_to

from .model import DAYS_PER_MONTH, Line, PriceBook, Unpriced, money, show

Pricer = Callable[[Any, "Context"], list[Line]]


@dataclass
class Context:
    book: PriceBook
    usage: Mapping[str, Any]
    resources: Sequence[Any]
    tier: str

    @property
    def hours(self) -> Decimal:
        return self.book.hours_per_month

    def use(self, key: str) -> Decimal:
        """A usage assumption for this tier (usage.yaml)."""
        try:
            value = self.usage[key]
        except KeyError:
            raise Unpriced(f"no usage assumption '{key}' for this tier") from None
        if value is None:  # a usage file said "not known": listed as unpriced, never guessed
            raise Unpriced(f"usage '{key}' is not known (null in the usage file)")
        return Decimal(str(value))

    def known(self, key: str) -> Decimal | None:
        """A usage assumption, or None when the tier (or the council's usage file) gives none."""
        value = self.usage.get(key)
        return None if value is None else Decimal(str(value))

    def usage_line(self, r: Any, item: str, key: str, price_key: str, assumption: str) -> Line:
        """A line billed by use: priced at the assumption `key` ("{q}" in `assumption` is its value),
        or, without one, a zero line saying "depends on usage" with its unit price (as Infracost
        does), so the charge is listed rather than silently left out."""
        quantity = self.known(key)
        if quantity is None:
            price = self.book[price_key]
            return Line(r.urn, r.type, r.name, item, Decimal(0), price, Decimal("0.00"),
                        f"depends on usage: {show(price.amount, self.book.currency, places=4)} per "
                        f"{price.unit} (set {key} in a usage file)")
        return self.line(r, item, quantity, price_key, assumption.replace("{q}", f"{quantity.normalize():f}"))

    def line(self, r: Any, item: str, quantity: Decimal | int | float, price_key: str,
             assumption: str | None = None) -> Line:
        price = self.book[price_key]
        quantity = Decimal(str(quantity))
        return Line(r.urn, r.type, r.name, item, quantity, price, money(quantity * price.amount), assumption)

    def find(self, type_: str, reference: Any) -> Any | None:
        """The plan's resource of `type_` that a reference (id, ARN, name) points at."""
        return next((r for r in self.resources if r.type == type_ and refers_to(reference, r)), None)

    def of_type(self, type_: str) -> list[Any]:
        return [r for r in self.resources if r.type == type_]


def get(value: Any, path: str, default: Any = None) -> Any:
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return default
        value = value.get(key)
        if value is None:
            return default
    return value


# --- schedules ---------------------------------------------------------------------------------

def runs_per_month(expression: str) -> Decimal:
    """Runs a month of a blueprint's 5-field cron (a cloud's own schedule syntax is read by its
    price rules, e.g. stacks/aws/prices.py, which hand the 5-field form here).

    A month is the one prices bill (730 hours, DAYS_PER_MONTH days), and a cron's runs in it are
    its mean runs a day over the 400-year Gregorian cycle (blueprints/cron.py, from croniter's
    values) times those days: a weekday-only job costs 5/7 of an every-day one and a job on the
    1st 12/365.2425 of a daily one, rather than what one particular 30-day month would say (20 to
    22 weekdays, 0 or 1 31sts). Anything unreadable raises Unpriced rather than guessing.
    """
    from councilkit.blueprints.cron import read

    try:
        runs = read(expression.strip()).runs_per_day
    except ValueError:
        raise Unpriced(f"cannot read how often {expression!r} runs") from None
    return Decimal(runs.numerator) / Decimal(runs.denominator) * DAYS_PER_MONTH
