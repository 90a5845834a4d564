"""Azure list prices from the Azure Retail Prices API (public, no account).

`GET https://prices.azure.com/api/retail/prices?currencyCode='GBP'&$filter=...` answers
`{"BillingCurrency", "CustomerEntityId", "CustomerEntityType", "Items": [...], "NextPageLink",
"Count"}`; each item has `currencyCode`, `retailPrice`, `unitPrice`, `unitOfMeasure`,
`armRegionName`, `armSkuName`, `meterName`, `skuName`, `productName`, `serviceName`, `type`
("Consumption", "Reservation", ...), `tierMinimumUnits` and `isPrimaryMeterRegion`; further pages
follow `NextPageLink` until it is null (learn.microsoft.com/rest/api/cost-management/retail-prices/
azure-retail-prices). Non-USD prices are Microsoft's own GBP figures "for your reference"; the
USD ones are the retail prices. With `--fx RATE` councilkit asks in USD and converts at that one
rate, so every figure of the file uses the same rate (issue 17).

The meter names below are councilkit's reading of how the API names each meter, as public
repositories quote its answers (read 2026-12-03 with the code search): Container Apps' "Standard
vCPU Active Usage" per "1 Second" and "Standard Memory Active Usage" (quoted per "1 GiB Second" in
one, per "1 Second" in another, so either is taken), "Standard Requests"; Private Link's product
"Virtual Network Private Link" with "Standard Private Endpoint" (1 Hour) and "Standard Data
Processed - Ingress" / "- Egress" (1 GB, tiered), priced once under armRegionName 'Global'; public
IPs' "IP Addresses" / "Standard IPv4 Static Public IP"; "Basic Registry Unit"; the Managed Redis
"B0 Cache Instance" meters. None was checked against a live answer here (no network). A rule that matches nothing, several prices or another unit keeps the
old figure with a note, so a wrong name shows up as "kept", never as a wrong price.
"""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import quote

from . import Found, Query, Result, one_price

API = "https://prices.azure.com/api/retail/prices"
GLOBAL = "Global"  # Private Link's meters are not per region
MAX_PAGES = 20  # a filter for one meter answers one page; more means the filter is too loose

# key → (serviceName, {field: value}, unitOfMeasure, scale).
RULES: dict[str, tuple[str, dict[str, str], str | None, Decimal]] = {
    "container_apps.vcpu_second.active": ("Azure Container Apps", {"meterName": "Standard vCPU Active Usage"}, "1 Second", Decimal(1)),
    "container_apps.vcpu_second.idle": ("Azure Container Apps", {"meterName": "Standard vCPU Idle Usage"}, "1 Second", Decimal(1)),
    "container_apps.gib_second": ("Azure Container Apps", {"meterName": "Standard Memory Active Usage"}, "1 GiB Second|1 Second", Decimal(1)),
    "container_apps.requests_million": ("Azure Container Apps", {"meterName": "Standard Requests"}, "1M", Decimal(1)),
    "private_endpoint.hour": ("Virtual Network", {"productName": "Virtual Network Private Link", "meterName": "Standard Private Endpoint"}, "1 Hour", Decimal(1)),
    "private_endpoint.in_gb": ("Virtual Network", {"productName": "Virtual Network Private Link", "meterName": "Standard Data Processed - Ingress"}, "1 GB", Decimal(1)),
    "private_endpoint.out_gb": ("Virtual Network", {"productName": "Virtual Network Private Link", "meterName": "Standard Data Processed - Egress"}, "1 GB", Decimal(1)),
    "public_ip.standard.hour": ("Virtual Network", {"productName": "IP Addresses", "meterName": "Standard IPv4 Static Public IP"}, "1 Hour", Decimal(1)),
    "acr.Basic.day": ("Container Registry", {"meterName": "Basic Registry Unit"}, "1/Day", Decimal(1)),
    "acr.Standard.day": ("Container Registry", {"meterName": "Standard Registry Unit"}, "1/Day", Decimal(1)),
    "acr.Premium.day": ("Container Registry", {"meterName": "Premium Registry Unit"}, "1/Day", Decimal(1)),
    "nat_gateway.hour": ("NAT Gateway", {"meterName": "Standard Gateway"}, "1 Hour", Decimal(1)),
    "nat_gateway.gb": ("NAT Gateway", {"meterName": "Standard Data Processed"}, "1 GB", Decimal(1)),
}


def query_for(key: str) -> Query | None:
    """The Retail Prices API query for one price-file key, or None when councilkit knows no rule."""
    if key in RULES:
        service, fields, unit, scale = RULES[key]
        region = GLOBAL if fields.get("productName") == "Virtual Network Private Link" else None
        return Query(key, service, tuple(fields.items()), unit, scale, region=region)
    redis = re.fullmatch(r"managed_redis\.Balanced_(B\d+)", key)
    if redis:
        return Query(key, "Redis Cache", (("productName", "Azure Managed Redis - Balanced"),
                                          ("meterName", f"{redis.group(1)} Cache Instance")), "1 Hour")
    vm = re.fullmatch(r"vm\.linux\.(Standard_\w+)", key)
    if vm:  # Linux pay-as-you-go: the Windows product and Spot / Low Priority meters are other SKUs
        return Query(key, "Virtual Machines", (("armSkuName", vm.group(1)),), "1 Hour",
                     exclude=(("productName", "Windows"), ("meterName", "Spot"), ("meterName", "Low Priority")))
    disk = re.fullmatch(r"managed_disk\.premium_(lrs|zrs)\.(P\d+)", key)
    if disk:
        return Query(key, "Storage", (("productName", "Premium SSD Managed Disks"),
                                      ("meterName", f"{disk.group(2)} {disk.group(1).upper()} Disk")), "1/Month")
    return None


def odata(query: Query, region: str) -> str:
    """The `$filter` of a query: the region, consumption prices, the service and each field."""
    parts = [f"armRegionName eq '{query.region or region}'", "priceType eq 'Consumption'",
             f"serviceName eq '{query.service}'"]
    parts += [f"{field} eq '{value}'" for field, value in query.filters]
    return " and ".join(parts)


def url_for(query: Query, region: str, currency: str) -> tuple[str, str]:
    """(URL to request, the same URL as people read it, written beside the figure)."""
    text = odata(query, region)
    readable = f"{API}?currencyCode='{currency}'&$filter={text}"
    return f"{API}?currencyCode='{currency}'&$filter={quote(text, safe=chr(39))}", readable


def items(http, url: str) -> list[dict]:
    """Every item of every page (NextPageLink until null)."""
    from . import FetchFailed
    from .http import get_json

    out, pages = [], 0
    while url:
        page = get_json(http, url)
        out += page.get("Items") or []
        url, pages = page.get("NextPageLink"), pages + 1
        if pages >= MAX_PAGES and url:
            raise FetchFailed(f"{API} kept paging past {MAX_PAGES} pages; no price file written")
    return out


def candidates(found: list[dict], query: Query, currency: str) -> list[tuple[Decimal, str]]:
    out = []
    for item in found:
        if item.get("type", "Consumption") != "Consumption" or item.get("currencyCode", currency) != currency:
            continue
        if float(item.get("tierMinimumUnits") or 0) != 0 or item.get("isPrimaryMeterRegion") is False:
            continue
        if any(str(item.get(k)) != v for k, v in query.filters):
            continue
        if any(text.lower() in str(item.get(k, "")).lower() for k, text in query.exclude):
            continue
        out.append((Decimal(str(item["retailPrice"])), str(item.get("unitOfMeasure", ""))))
    return out


API_NAME = "the Azure Retail Prices API"


def fetch(book, options) -> Result:
    """Ask the Retail Prices API for every key of `book` that has a rule: in GBP, or in USD times
    the --fx rate when given. The rest are kept."""
    from .http import pool

    http, fx = options.http or pool(), options.fx
    currency = "USD" if fx is not None else "GBP"
    result = Result("azure")
    for key in book.prices:
        q = query_for(key)
        if q is None:
            result.kept[key] = "no Retail Prices API rule for this key"
            continue
        url, readable = url_for(q, book.region, currency)
        price, why = one_price(key, candidates(items(http, url), q, currency), q)
        if price is None:
            result.kept[key] = why
        elif fx is not None:
            result.found[key] = Found(key, price * fx, readable, q.describe(), usd=price)
        else:
            result.found[key] = Found(key, price, readable, q.describe())
    return result
