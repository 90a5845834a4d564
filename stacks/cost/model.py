"""Prices, cost lines and the estimate: money in Decimal, every line traceable to a dated price."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Mapping

import yaml

PRICES_DIR = Path(__file__).parent / "prices"
USAGE_FILE = Path(__file__).parent / "usage.yaml"
CENT = Decimal("0.01")
DAYS_PER_MONTH = Decimal(730) / Decimal(24)  # AWS and Azure both bill a month as 730 hours
SYMBOL = {"USD": "$", "GBP": "£"}
PRICE_FIELDS = {"price", "unit", "source", "date"}


class PriceDataError(ValueError):
    """A price file is malformed (a figure without its source or date, say)."""


class Unpriced(Exception):
    """This resource should cost something but the estimator cannot say how much."""


class Free(Exception):
    """This resource, as configured, costs nothing (the reason says why)."""


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def show(value: Decimal, currency: str) -> str:
    return f"{SYMBOL.get(currency, currency + ' ')}{money(value):,.2f}"


@dataclass(frozen=True)
class Price:
    key: str
    amount: Decimal
    unit: str
    source: str
    date: str


@dataclass(frozen=True)
class PriceBook:
    """One price file: a region's prices in one currency, each with its source page and date."""

    path: Path
    cloud: str
    region: str
    currency: str
    compiled: str
    hours_per_month: Decimal
    prices: Mapping[str, Price]
    gbp_per_usd: Decimal | None = None
    gbp_rate_date: str | None = None
    gbp_rate_source: str | None = None

    def __getitem__(self, key: str) -> Price:
        try:
            return self.prices[key]
        except KeyError:
            raise Unpriced(f"no price '{key}' in {self.path.name}") from None

    @classmethod
    def load(cls, path: Path) -> "PriceBook":
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        prices = {}
        for key, entry in (data.get("prices") or {}).items():
            if not isinstance(entry, dict) or set(entry) != PRICE_FIELDS:
                raise PriceDataError(f"{Path(path).name}: {key} must have exactly {sorted(PRICE_FIELDS)}")
            if not str(entry["source"]).startswith("https://"):
                raise PriceDataError(f"{Path(path).name}: {key} has no public source URL")
            dt.date.fromisoformat(str(entry["date"]))
            prices[key] = Price(key, Decimal(str(entry["price"])), str(entry["unit"]), entry["source"], str(entry["date"]))
        rate = data.get("gbp_per_usd")
        return cls(
            path=Path(path), cloud=data["cloud"], region=data["region"], currency=data["currency"],
            compiled=str(data["compiled"]), hours_per_month=Decimal(str(data["hours_per_month"])), prices=prices,
            gbp_per_usd=Decimal(str(rate)) if rate is not None else None,
            gbp_rate_date=data.get("gbp_rate_date"), gbp_rate_source=data.get("gbp_rate_source"),
        )


@dataclass(frozen=True)
class Line:
    """One priced part of one resource: quantity × unit price = monthly."""

    urn: str
    type: str
    name: str
    item: str
    quantity: Decimal
    price: Price
    monthly: Decimal
    assumption: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "resource": self.name,
            "description": self.item,
            "quantity": float(self.quantity.normalize()),
            "unit": self.price.unit,
            "unit_price": float(self.price.amount),
            "price_key": self.price.key,
            "monthly": float(self.monthly),
            "source": self.price.source,
            "price_date": self.price.date,
            "assumption": self.assumption,
        }


@dataclass(frozen=True)
class Listed:
    """A resource the estimate lists without a line: free, or unpriced with the reason."""

    urn: str
    type: str
    name: str
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"urn": self.urn, "type": self.type, "name": self.name, "reason": self.reason}


@dataclass(frozen=True)
class Estimate:
    book: PriceBook
    region: str
    tier: str
    lines: tuple[Line, ...]
    free: tuple[Listed, ...]
    unpriced: tuple[Listed, ...]
    trial_days: int | None = None
    notes: tuple[str, ...] = field(default=())
    excluded: tuple[str, ...] = field(default=())

    @property
    def currency(self) -> str:
        return self.book.currency

    @property
    def total(self) -> Decimal:
        """The sum of the lines as shown (each already in whole pence or cents)."""
        return sum((line.monthly for line in self.lines), Decimal("0.00"))

    @property
    def trial_total(self) -> Decimal | None:
        if self.trial_days is None:
            return None
        return money(self.total * Decimal(self.trial_days) / DAYS_PER_MONTH)

    @property
    def total_gbp(self) -> Decimal:
        if self.currency == "GBP":
            return self.total
        return money(self.total * self.book.gbp_per_usd)

    @property
    def assumptions(self) -> list[str]:
        return sorted({part for line in self.lines if line.assumption for part in line.assumption.split("; ")})

    def by_resource(self) -> dict[str, list[Line]]:
        grouped: dict[str, list[Line]] = {}
        for line in self.lines:
            grouped.setdefault(line.urn, []).append(line)
        return grouped

    def as_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "currency": self.currency,
            "monthly_total": float(self.total),
            "lines": [line.as_json() for line in self.lines],
            "assumptions": self.assumptions,
            "unpriced": [u.as_json() for u in self.unpriced],
            "free": [f.as_json() for f in self.free],
            "notes": list(self.notes),
            "excluded": list(self.excluded),
            "price_source": f"stacks/cost/prices/{self.book.path.name} (public pricing pages, named per figure)",
            "price_date": self.book.compiled,
            "prices": {
                "file": f"stacks/cost/prices/{self.book.path.name}",
                "region": self.book.region,
                "compiled": self.book.compiled,
                "sources": sorted({line.price.source for line in self.lines}),
            },
        }
        if self.currency != "GBP":
            doc["monthly_total_gbp"] = float(self.total_gbp)
            doc["prices"].update(gbp_per_usd=float(self.book.gbp_per_usd), gbp_rate_date=self.book.gbp_rate_date,
                                 gbp_rate_source=self.book.gbp_rate_source)
        if self.trial_days is not None:
            doc["trial_period"] = {"days": self.trial_days, "total": float(self.trial_total)}
        return doc
