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
# A figure is its own price, or a US dollar list price converted at the file's one dated rate
# (`usd` instead of `price`: the Azure file, so every figure uses the same rate). `prices update`
# adds `retrieved` (when an API gave it), `query` (what it was asked) and `note` (why a figure
# was kept rather than refreshed).
REQUIRED_FIELDS = {"unit", "source", "date"}
OPTIONAL_FIELDS = {"retrieved", "query", "note"}


class PriceDataError(ValueError):
    """A price file is malformed (a figure without its source or date, say)."""


class Unpriced(Exception):
    """This resource should cost something but the estimator cannot say how much."""


class Free(Exception):
    """This resource, as configured, costs nothing (the reason says why)."""


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def show(value: Decimal, currency: str, places: int | None = None) -> str:
    """Money as people read it: whole pence or cents, or a unit price to `places` decimals."""
    symbol = SYMBOL.get(currency, currency + " ")
    if places is None:
        return f"{symbol}{money(value):,.2f}"
    return f"{symbol}{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP).normalize():f}"


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
        name = Path(path).name
        rate = data.get("gbp_per_usd")
        rate = Decimal(str(rate)) if rate is not None else None
        prices = {key: _price(name, key, entry, data.get("currency"), rate)
                  for key, entry in (data.get("prices") or {}).items()}
        return cls(
            path=Path(path), cloud=data["cloud"], region=data["region"], currency=data["currency"],
            compiled=str(data["compiled"]), hours_per_month=Decimal(str(data["hours_per_month"])), prices=prices,
            gbp_per_usd=rate, gbp_rate_date=data.get("gbp_rate_date"), gbp_rate_source=data.get("gbp_rate_source"),
        )


def _price(name: str, key: str, entry: Any, currency: str | None, rate: Decimal | None) -> Price:
    """One entry: exactly one of `price` / `usd`, its unit, source URL and date (plus the optional
    fields `prices update` writes); a `usd` figure in a GBP file is converted at the file's rate."""
    fields = set(entry) if isinstance(entry, dict) else set()
    amounts = fields & {"price", "usd"}
    if len(amounts) != 1 or not REQUIRED_FIELDS <= fields or fields - REQUIRED_FIELDS - amounts - OPTIONAL_FIELDS:
        raise PriceDataError(f"{name}: {key} must have exactly {sorted(PRICE_FIELDS)} "
                             f"(or usd instead of price; optional {sorted(OPTIONAL_FIELDS)})")
    if not str(entry["source"]).startswith("https://"):
        raise PriceDataError(f"{name}: {key} has no public source URL")
    dt.date.fromisoformat(str(entry["date"]))
    if "usd" in entry:
        if currency != "GBP" or rate is None:
            raise PriceDataError(f"{name}: {key} is in US dollars but the file has no gbp_per_usd rate")
        amount = Decimal(str(entry["usd"])) * rate
    else:
        amount = Decimal(str(entry["price"]))
    return Price(key, amount, str(entry["unit"]), entry["source"], str(entry["date"]))


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
        if self.currency == "GBP" and self.book.gbp_per_usd is not None:
            doc["prices"].update(converted_from_usd_at=float(self.book.gbp_per_usd),
                                 gbp_rate_date=self.book.gbp_rate_date, gbp_rate_source=self.book.gbp_rate_source)
        if self.currency != "GBP":
            doc["monthly_total_gbp"] = float(self.total_gbp)
            doc["prices"].update(gbp_per_usd=float(self.book.gbp_per_usd), gbp_rate_date=self.book.gbp_rate_date,
                                 gbp_rate_source=self.book.gbp_rate_source)
        if self.trial_days is not None:
            doc["trial_period"] = {"days": self.trial_days, "total": float(self.trial_total)}
        return doc
