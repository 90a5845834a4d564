"""The plan's cost estimate in Infracost's JSON output format, so Infracost's own tools read it.

A council's finance team can then run `infracost output`/`infracost comment` (or anything else
that reads Infracost JSON) over councilkit's figures and trace each one. The shape follows
infracost/infracost at v0.10.45: `schema/infracost.schema.json` (vendored in
tests/fixtures/schemas/, where the tests validate every export against it) and
`internal/output/output.go` (output version "0.2"; money and quantities as decimal strings;
`hourlyQuantity = monthlyQuantity / 730`, `hourlyCost = price × hourlyQuantity`, a cost
component whose quantity depends on usage nobody gave has `monthlyQuantity`, `hourlyQuantity`,
`monthlyCost` and `hourlyCost` null but keeps its `price`, as in
cmd/infracost/testdata/breakdown_format_json_with_tags; without a previous run `pastBreakdown` is
an empty breakdown with "0" totals and `diff` equals the breakdown, as in
cmd/infracost/testdata/breakdown_format_json). Infracost's `metadata` describes the commit it
ran on; councilkit does not read git, so those fields are empty and the commit time is Go's zero
time, which is what Infracost writes when it has no commit (internal/output/metadata.go: a
`time.Time` left unset); `infracostCommand` is "breakdown", the command whose output this mirrors.

councilkit's own choices:
- Currency GBP, the council's: an AWS estimate is priced in USD and each figure is converted at
  the price file's dated rate; each resource's `metadata` keeps the USD list price, its source
  page and date, and the rate, so every figure stays traceable. Totals are unrounded sums, as
  Infracost's are (rounded to pence they equal `monthly_total_gbp` of the plan JSON).
- A resource's `name` is `<Pulumi type>::<name>`, the tail of its URN, because Infracost matches
  resources by name and Pulumi names repeat across types; a name that still repeats (the same
  type and name under different parents) takes the whole parent chain.
- A line whose quantity came from a usage assumption is `usageBased`; a "depends on usage" line
  (no usage given) has null quantities and costs and keeps its unit price; priced resources are
  "supported", free ones also "supported" and counted in `noPriceResourceCounts`, unpriced ones
  "unsupported" (Infracost's words for the same three cases).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any, Mapping

OUTPUT_VERSION = "0.2"
NO_COMMIT_TIME = "0001-01-01T00:00:00Z"
PROJECT_TYPE = "councilkit_plan"


def decimal_text(value: Decimal | None) -> str | None:
    """A decimal as Infracost writes one: plain digits, no exponent, no trailing zeros."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _sum(values) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


UNKNOWN_USAGE = "depends on usage"
"""How stacks/cost/pricing.py's `usage_line` marks a line whose usage nobody gave (quantity 0)."""


def unknown_quantity(line) -> bool:
    return getattr(line, "quantity", None) is None or (line.assumption or "").startswith(UNKNOWN_USAGE)


def _component(line, factor: Decimal, hours: Decimal) -> tuple[dict[str, Any], Decimal | None, bool]:
    quantity = None if unknown_quantity(line) else line.quantity
    usage_based = quantity is None or bool(line.assumption)
    price = line.price.amount * factor
    monthly = None if quantity is None else line.monthly * factor
    hourly_quantity = None if quantity is None else quantity / hours
    hourly = None if monthly is None else monthly / hours
    out = {
        "name": line.item,
        "unit": line.price.unit,
        "hourlyQuantity": decimal_text(hourly_quantity),
        "monthlyQuantity": decimal_text(quantity),
        "price": decimal_text(price),
        "hourlyCost": decimal_text(hourly),
        "monthlyCost": decimal_text(monthly),
        "priceNotFound": False,
    }
    if usage_based:
        out["usageBased"] = True
    return out, monthly, usage_based


def _names(estimate) -> dict[str, str]:
    """URN → the resource's Infracost name (see the module docstring)."""
    def tail(urn: str) -> str:
        chain = urn.split("::")[-2]
        return f"{chain.rsplit('$', 1)[-1]}::{urn.rsplit('::', 1)[-1]}"

    urns = sorted({line.urn for line in estimate.lines})
    counts = Counter(tail(u) for u in urns)
    return {u: tail(u) if counts[tail(u)] == 1 else "::".join(u.split("::")[-2:]) for u in urns}


def breakdown(estimate) -> dict[str, Any]:
    """The `breakdown` of one estimate: a resource per priced resource, its lines as components."""
    book = estimate.book
    factor = Decimal(1) if estimate.currency == "GBP" else book.gbp_per_usd
    hours = book.hours_per_month
    names = _names(estimate)
    resources = []
    for urn, lines in estimate.by_resource().items():
        parts = [_component(line, factor, hours) for line in lines]
        monthly = _sum(m for _, m, _ in parts)
        usage = _sum(m for _, m, based in parts if based)
        metadata: dict[str, Any] = {
            "urn": urn,
            "pulumiType": lines[0].type,
            "prices": [{"key": ln.price.key, "listPrice": decimal_text(ln.price.amount), "currency": estimate.currency,
                        "unit": ln.price.unit, "source": ln.price.source, "date": ln.price.date,
                        **({"assumption": ln.assumption} if ln.assumption else {})} for ln in lines],
        }
        if factor != 1:
            metadata["gbpPerUsd"] = {"rate": decimal_text(factor), "date": book.gbp_rate_date,
                                     "source": book.gbp_rate_source}
        resource = {
            "name": names[urn],
            "resourceType": lines[0].type,
            "metadata": metadata,
            "hourlyCost": decimal_text(None if monthly is None else monthly / hours),
            "monthlyCost": decimal_text(monthly),
            "costComponents": [c for c, _, _ in parts],
        }
        if usage is not None:
            resource["monthlyUsageCost"] = decimal_text(usage)
        resources.append(resource)
    resources.sort(key=lambda r: r["name"])
    monthly = _sum(Decimal(r["monthlyCost"]) for r in resources if r["monthlyCost"] is not None) or Decimal(0)
    usage = _sum(Decimal(r["monthlyUsageCost"]) for r in resources if r.get("monthlyUsageCost")) or Decimal(0)
    return {
        "resources": resources,
        "totalHourlyCost": decimal_text(monthly / hours),
        "totalMonthlyCost": decimal_text(monthly),
        "totalMonthlyUsageCost": decimal_text(usage),
    }


def summary(estimate, priced: dict[str, Any]) -> dict[str, Any]:
    usage_based = sum(1 for r in priced["resources"] if any(c.get("usageBased") for c in r["costComponents"]))
    n_priced = len(priced["resources"])
    return {
        "totalDetectedResources": n_priced + len(estimate.free) + len(estimate.unpriced),
        "totalSupportedResources": n_priced + len(estimate.free),
        "totalUnsupportedResources": len(estimate.unpriced),
        "totalUsageBasedResources": usage_based,
        "totalNoPriceResources": len(estimate.free),
        "unsupportedResourceCounts": dict(sorted(Counter(u.type for u in estimate.unpriced).items())),
        "noPriceResourceCounts": dict(sorted(Counter(f.type for f in estimate.free).items())),
    }


EMPTY = {"resources": [], "totalHourlyCost": "0", "totalMonthlyCost": "0", "totalMonthlyUsageCost": "0"}


def infracost_output(estimate, deployment: Mapping[str, Any], project_path: str, generated: dt.datetime) -> dict[str, Any]:
    """Infracost JSON of one estimate. `deployment` is the plan JSON's `deployment` key,
    `project_path` what the plan was made from (a stack folder or APP@VERSION), `generated` when."""
    current = breakdown(estimate)
    counted = summary(estimate, current)
    d = deployment
    project = {
        "name": d.get("stack") or project_path,
        "displayName": f"{d.get('blueprint')} on {d.get('cloud')} {d.get('region')}, {d.get('tier')} ({d.get('council')})",
        "metadata": {"path": project_path, "type": PROJECT_TYPE},
        "pastBreakdown": dict(EMPTY),
        "breakdown": current,
        "diff": current,
        "summary": counted,
    }
    stamp = generated.astimezone(dt.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": OUTPUT_VERSION,
        "metadata": {
            "infracostCommand": "breakdown",
            "vcsBranch": "",
            "vcsCommitSha": "",
            "vcsCommitAuthorName": "",
            "vcsCommitAuthorEmail": "",
            "vcsCommitTimestamp": NO_COMMIT_TIME,
            "vcsCommitMessage": "",
        },
        "currency": "GBP",
        "projects": [project],
        "totalHourlyCost": current["totalHourlyCost"],
        "totalMonthlyCost": current["totalMonthlyCost"],
        "totalMonthlyUsageCost": current["totalMonthlyUsageCost"],
        "pastTotalHourlyCost": "0",
        "pastTotalMonthlyCost": "0",
        "pastTotalMonthlyUsageCost": "0",
        "diffTotalHourlyCost": current["totalHourlyCost"],
        "diffTotalMonthlyCost": current["totalMonthlyCost"],
        "diffTotalMonthlyUsageCost": current["totalMonthlyUsageCost"],
        "timeGenerated": stamp,
        "summary": counted,
    }
