"""AWS list prices from the AWS Price List: the public bulk offer files, or the Query API.

Both are read the same way (docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/
reading-service-price-list-file-for-services.html): a product is `products[sku].attributes`
(`regionCode`, `instanceType`, `databaseEngine`, `deploymentOption`, `usagetype`, ...), and its
on-demand price is `terms.OnDemand[sku][offerTermCode].priceDimensions[rateCode].pricePerUnit.USD`
with the dimension's `unit` and, for tiered prices, `beginRange` (the first tier, "0", is taken).

- bulk (default, no account): `https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/<service>/
  current/<region>/index.json`, one file per service and region ("Getting price list files
  manually", step 3, names `.../offers/v1.0/aws/AmazonRDS/current/region_index.json`). The
  regional files of large services (AmazonEC2) are big: expect minutes.
- query: `boto3.client("pricing", region_name="us-east-1").get_products(ServiceCode=...,
  Filters=[{"Type": "TERM_MATCH", "Field": ..., "Value": ...}])`, whose `PriceList` is JSON strings
  of `{"product": {...}, "terms": {"OnDemand": {...}}}`; it needs AWS credentials.

Which attribute values name each SKU is councilkit's reading of the price list's naming, as
public repositories' price-list code quotes it (read 2026-12-03 with the code search): RDS
`databaseEngine` "PostgreSQL" / "MySQL" with `deploymentOption` "Single-AZ" / "Multi-AZ" and
`instanceType`; Fargate `usagetype` "<prefix>-Fargate-vCPU-Hours:perCPU", "-Fargate-GB-Hours",
"-Fargate-ARM-vCPU-Hours:perCPU", "-Fargate-ARM-GB-Hours" (unit "hours"); NAT gateways under
AmazonEC2 as "<prefix>-NatGateway-Hours" / "-Bytes", the prefix being the region's (EUW2 for
London, none in us-east-1). The other `usagetype` codes (Spot Fargate, ELB, VPC, CloudWatch, S3,
ECR, WAF) were not seen in any source; none was checked against a live file here (no network). A rule that matches nothing, or several prices, keeps the
old figure with a note saying so, so a wrong name shows up as "kept", never as a wrong price.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any, Iterable

from councilkit.blueprints.errors import UserError

from . import FetchFailed, Found, Query, Result, one_price

BULK = "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/{service}/current/{region}/index.json"
QUERY_ENDPOINT = "https://api.pricing.us-east-1.amazonaws.com/"
# The usagetype prefix of a region's meters (London's is EUW2).
USAGE_PREFIX = {"eu-west-2": "EUW2"}
ENGINES = {"postgres": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB"}
CACHE_ENGINES = {"redis": "Redis", "valkey": "Valkey"}

# Keys priced by one usagetype: key → (service code, usagetype without the region prefix, unit, scale).
BY_USAGETYPE: dict[str, tuple[str, str, str | None, Decimal]] = {
    "alb.hour": ("AWSELB", "LoadBalancerUsage", "Hrs", Decimal(1)),
    "alb.lcu_hour": ("AWSELB", "LCUUsage", "LCU-Hrs", Decimal(1)),
    "nat.hour": ("AmazonEC2", "NatGateway-Hours", "Hrs", Decimal(1)),
    "nat.gb": ("AmazonEC2", "NatGateway-Bytes", "GB", Decimal(1)),
    "public_ipv4.hour": ("AmazonVPC", "PublicIPv4:InUseAddress", "Hrs", Decimal(1)),
    "vpc_endpoint.interface.hour": ("AmazonVPC", "VpcEndpoint-Hours", "Hrs", Decimal(1)),
    "vpc_endpoint.interface.gb": ("AmazonVPC", "VpcEndpoint-Bytes", "GB", Decimal(1)),
    "efs.standard.gb_month": ("AmazonEFS", "TimedStorage-ByteHrs", "GB-Mo", Decimal(1)),
    "cloudwatch.logs.ingest_gb": ("AmazonCloudWatch", "DataProcessing-Bytes", "GB", Decimal(1)),
    "cloudwatch.logs.stored_gb_month": ("AmazonCloudWatch", "TimedStorage-ByteHrs", "GB-Mo", Decimal(1)),
    "cloudwatch.custom_metric_month": ("AmazonCloudWatch", "CW:MetricMonitorUsage", None, Decimal(1)),
    "cloudwatch.alarm_month": ("AmazonCloudWatch", "CW:AlarmMonitorUsage", None, Decimal(1)),
    "s3.standard.gb_month": ("AmazonS3", "TimedStorage-ByteHrs", "GB-Mo", Decimal(1)),
    "ecr.gb_month": ("AmazonECR", "TimedStorage-ByteHrs", "GB-Mo", Decimal(1)),
    "waf.requests_million": ("awswaf", "Request", None, Decimal(1_000_000)),
}


def query_for(key: str, region: str) -> Query | None:
    """The Price List query for one price-file key, or None when councilkit knows no rule for it."""
    prefix = USAGE_PREFIX.get(region)
    rds = re.fullmatch(r"rds\.(postgres|mysql|mariadb)\.(multi_az\.)?(db\.[a-z0-9.]+)", key)
    if rds:
        return Query(key, "AmazonRDS", (("regionCode", region), ("instanceType", rds.group(3)),
                                        ("databaseEngine", ENGINES[rds.group(1)]),
                                        ("deploymentOption", "Multi-AZ" if rds.group(2) else "Single-AZ")), "Hrs")
    cache = re.fullmatch(r"elasticache\.(redis|valkey)\.(cache\.[a-z0-9.]+)", key)
    if cache:
        return Query(key, "AmazonElastiCache", (("regionCode", region), ("instanceType", cache.group(2)),
                                                ("cacheEngine", CACHE_ENGINES[cache.group(1)])), "Hrs")
    fargate = re.fullmatch(r"fargate\.(spot\.)?(x86|arm)\.(vcpu_hour|gb_hour)", key)
    if fargate and prefix:
        spot, arch, what = fargate.groups()
        usage = (f"{prefix}-{'SpotUsage-' if spot else ''}Fargate-{'ARM-' if arch == 'arm' else ''}"
                 f"{'vCPU-Hours:perCPU' if what == 'vcpu_hour' else 'GB-Hours'}")
        return Query(key, "AmazonECS", (("usagetype", usage),))
    if key in BY_USAGETYPE and prefix:
        service, usage, unit, scale = BY_USAGETYPE[key]
        return Query(key, service, (("usagetype", f"{prefix}-{usage}"),), unit, scale)
    return None


def on_demand_dimensions(terms: dict[str, Any]) -> Iterable[tuple[Decimal, str]]:
    """(USD price, unit) of each on-demand price dimension of one SKU, first tier only."""
    for term in (terms or {}).values():
        for dim in (term.get("priceDimensions") or {}).values():
            begin = str(dim.get("beginRange", dim.get("startingRange", "0")))
            usd = (dim.get("pricePerUnit") or {}).get("USD")
            if usd is None or begin not in ("0", "0.0"):
                continue
            yield Decimal(str(usd)), str(dim.get("unit", ""))


def matches(attributes: dict[str, Any], query: Query) -> bool:
    return all(str(attributes.get(k)) == v for k, v in query.filters) and not any(
        text.lower() in str(attributes.get(k, "")).lower() for k, text in query.exclude)


def candidates_bulk(offer: dict[str, Any], query: Query) -> list[tuple[Decimal, str]]:
    on_demand = (offer.get("terms") or {}).get("OnDemand") or {}
    out = []
    for sku, product in (offer.get("products") or {}).items():
        if matches(product.get("attributes") or {}, query):
            out += list(on_demand_dimensions(on_demand.get(sku, {})))
    return out


def candidates_query(client, query: Query) -> list[tuple[Decimal, str]]:
    """Every page of GetProducts for `query` (TERM_MATCH on each filter)."""
    import botocore.exceptions

    filters = [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in query.filters]
    out, token = [], None
    while True:
        args = {"ServiceCode": query.service, "Filters": filters, "FormatVersion": "aws_v1", "MaxResults": 100}
        if token:
            args["NextToken"] = token
        try:
            page = client.get_products(**args)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise FetchFailed(f"AWS Price List Query API ({query.service}): {exc}; no price file written") from None
        for text in page.get("PriceList") or []:
            item = json.loads(text) if isinstance(text, str) else text
            product = item.get("product") or {}
            if matches(product.get("attributes") or {}, query):
                out += list(on_demand_dimensions(((item.get("terms") or {}).get("OnDemand")) or {}))
        token = page.get("NextToken")
        if not token:
            return out


def query_client():
    """The Price List Query API client (it serves from us-east-1; needs AWS credentials)."""
    import boto3

    return boto3.client("pricing", region_name="us-east-1")


API_NAME = "the AWS Price List"


def fetch(book, options) -> Result:
    """Ask the Price List for every key of `book` that has a rule; the rest are kept."""
    from .http import get_json, pool

    source, http, client = options.aws_source, options.http, options.aws_client
    if source not in ("bulk", "query"):
        raise UserError(f"unknown AWS price source {source!r}: bulk or query")
    result = Result("aws")
    queries = {}
    for key in book.prices:
        q = query_for(key, book.region)
        if q is None:
            result.kept[key] = "no Price List rule for this key"
        else:
            queries[key] = q
    offers: dict[str, Any] = {}
    if source == "query":
        client = client or query_client()
    else:
        http = http or pool()
    for key, q in queries.items():
        if source == "bulk":
            url = BULK.format(service=q.service, region=book.region)
            if q.service not in offers:
                offers[q.service] = get_json(http, url)
            found = candidates_bulk(offers[q.service], q)
        else:
            url = QUERY_ENDPOINT
            found = candidates_query(client, q)
        price, why = one_price(key, found, q)
        if price is None:
            result.kept[key] = why
        else:
            text = ("GetProducts " if source == "query" else "OnDemand, first tier, ") + q.describe()
            result.found[key] = Found(key, price, url, text)
    return result
