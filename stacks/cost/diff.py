"""What changes in the monthly cost between two estimates: per resource and per line, and the total.

Pure: both sides are estimate documents (the plan JSON's `cost` key, `Estimate.as_json()`, or what
`councilkit cost --json` wrote), so a saved file and a fresh estimate compare the same way, and
`cost --diff`, `upgrade` and `promote` share it. No cloud SDK, no files.

Resources are matched by their URN without the stack and project (`parent$type::name`), so two
plans of the same deployment line up whatever the stack is called; lines within a resource by
their price key (the same key twice in one resource: by order). Figures stay in the estimates'
currency; when the two differ (an AWS and an Azure plan), both are shown in GBP at each file's own
dated rate.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from councilkit.blueprints.errors import UserError

from .model import money

LINE_FIELDS = {"urn": str, "type": str, "resource": str, "description": str, "unit": str, "price_key": str,
               "quantity": (int, float), "unit_price": (int, float), "monthly": (int, float)}
LARGEST = 1e15
"""No real line comes near it; it keeps a mistaken file's figures inside what Decimal arithmetic holds."""
COMPARED = ("description", "quantity", "unit", "unit_price", "monthly")


@dataclass(frozen=True)
class LineChange:
    status: str
    """added, removed or changed"""
    price_key: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None

    @property
    def monthly_before(self) -> Decimal:
        return Decimal(str(self.before["monthly"])) if self.before else Decimal("0.00")

    @property
    def monthly_after(self) -> Decimal:
        return Decimal(str(self.after["monthly"])) if self.after else Decimal("0.00")

    @property
    def change(self) -> Decimal:
        return self.monthly_after - self.monthly_before

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "price_key": self.price_key, "before": self.before, "after": self.after,
                "monthly_change": float(self.change)}


@dataclass(frozen=True)
class ResourceChange:
    key: str
    name: str
    type: str
    status: str
    """added, removed or changed"""
    lines: tuple[LineChange, ...]
    before: Decimal
    after: Decimal

    @property
    def change(self) -> Decimal:
        return self.after - self.before

    def as_json(self) -> dict[str, Any]:
        return {"resource": self.name, "type": self.type, "key": self.key, "status": self.status,
                "monthly_before": float(self.before), "monthly_after": float(self.after),
                "monthly_change": float(self.change), "lines": [line.as_json() for line in self.lines]}


@dataclass(frozen=True)
class CostDiff:
    currency: str
    before: Decimal
    after: Decimal
    resources: tuple[ResourceChange, ...]
    unchanged: int
    """resources priced the same on both sides"""
    notes: tuple[str, ...] = ()

    @property
    def change(self) -> Decimal:
        return self.after - self.before

    def count(self, status: str) -> int:
        return sum(1 for r in self.resources if r.status == status)

    def as_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "monthly_total_before": float(self.before),
            "monthly_total_after": float(self.after),
            "monthly_change": float(self.change),
            "summary": {"added": self.count("added"), "removed": self.count("removed"),
                        "changed": self.count("changed"), "unchanged": self.unchanged},
            "resources": [r.as_json() for r in self.resources],
            "notes": list(self.notes),
        }


def estimate_document(doc: Any, where: str) -> Mapping[str, Any]:
    """The estimate in `doc`: a plan document's `cost`, or an estimate document itself; checked
    enough to compare (a wrong file is one `error:` line naming it, not a traceback)."""
    if isinstance(doc, Mapping) and isinstance(doc.get("cost"), Mapping) and "steps" in doc:
        doc = doc["cost"]
    if not isinstance(doc, Mapping) or not isinstance(doc.get("lines"), list) or not isinstance(doc.get("currency"), str):
        raise UserError(f"{where}: not a councilkit plan or estimate JSON (written by `plan --json` or `cost --json`)")
    for i, line in enumerate(doc["lines"]):
        bad = [k for k, kind in LINE_FIELDS.items()
               if not isinstance(line, Mapping) or not isinstance(line.get(k), kind) or isinstance(line.get(k), bool)]
        bad += [k for k in ("quantity", "unit_price", "monthly") if k not in bad and not abs(line[k]) < LARGEST]
        if bad:
            raise UserError(f"{where}: cost line {i + 1} has no valid {', '.join(bad)}")
    if doc["currency"] != "GBP":
        rate = (doc.get("prices") or {}).get("gbp_per_usd") if isinstance(doc.get("prices"), Mapping) else None
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 < rate < LARGEST:
            raise UserError(f"{where}: a {doc['currency']} estimate without its prices.gbp_per_usd rate")
    return doc


def resource_key(urn: str) -> str:
    """A URN without `urn:pulumi:STACK::PROJECT::`: the same resource in any stack."""
    return "::".join(urn.split("::")[2:]) or urn


def _grouped(doc: Mapping[str, Any], factor: Decimal) -> dict[str, dict[str, dict[str, Any]]]:
    """resource key → line key → the line's compared fields (money converted by `factor`)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    seen: Counter = Counter()
    for line in doc["lines"]:
        key = resource_key(line["urn"])
        seen[(key, line["price_key"])] += 1
        n = seen[(key, line["price_key"])]
        line_key = line["price_key"] if n == 1 else f"{line['price_key']}#{n}"
        fields = {f: line[f] for f in COMPARED}
        if factor != 1:
            fields["unit_price"] = float(Decimal(str(line["unit_price"])) * factor)
            fields["monthly"] = float(money(Decimal(str(line["monthly"])) * factor))
        out.setdefault(key, {"": {"name": line["resource"], "type": line["type"]}})[line_key] = fields
    return out


def _factor(doc: Mapping[str, Any], currency: str) -> Decimal:
    if doc["currency"] == currency:
        return Decimal(1)
    return Decimal(str(doc["prices"]["gbp_per_usd"]))  # only ever to GBP (see the module docstring)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> CostDiff:
    """The cost change from `before` to `after` (two estimate documents, see estimate_document)."""
    same = before["currency"] == after["currency"]
    currency = before["currency"] if same else "GBP"
    notes = () if same else (f"{before['currency']} and {after['currency']} estimates: both shown in GBP at each "
                             "estimate's own dated rate",)
    old, new = _grouped(before, _factor(before, currency)), _grouped(after, _factor(after, currency))
    resources = []
    unchanged = 0
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, {}), new.get(key, {})
        meta = b.get("") or a.get("")
        lines = []
        for lk in sorted((set(a) | set(b)) - {""}):
            x, y = a.get(lk), b.get(lk)
            if x is None:
                lines.append(LineChange("added", lk.split("#")[0], None, y))
            elif y is None:
                lines.append(LineChange("removed", lk.split("#")[0], x, None))
            elif any(x[f] != y[f] for f in COMPARED):
                lines.append(LineChange("changed", lk.split("#")[0], x, y))
        if not lines:
            unchanged += 1
            continue
        status = "added" if not a else "removed" if not b else "changed"
        total = lambda side: sum((Decimal(str(v["monthly"])) for k, v in side.items() if k), Decimal("0.00"))  # noqa: E731
        resources.append(ResourceChange(key, meta["name"], meta["type"], status, tuple(lines), total(a), total(b)))
    sum_of = lambda side: sum((Decimal(str(v["monthly"])) for lines in side.values() for k, v in lines.items() if k),  # noqa: E731
                              Decimal("0.00"))
    resources.sort(key=lambda r: (-abs(r.change), r.key))
    return CostDiff(currency, sum_of(old), sum_of(new), tuple(resources), unchanged, notes)
