"""`councilkit prices update` (issue 17): replayed from recorded price-list responses, never the network.

The recordings (tests/fixtures/prices, see its README) are trimmed, in the documented shapes of
the AWS Price List bulk offer files and the Azure Retail Prices API; a fake HTTP pool serves them
and botocore's Stubber answers the Query API. A fetch that fails writes nothing.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import pytest
import urllib3
import yaml

from councilkit.stacks.cost import estimate
from councilkit.stacks.cost.model import PRICES_DIR, PriceBook
from councilkit.stacks.cost.update import aws as aws_update, run
from councilkit.stacks.cost.update import azure as azure_update

from helpers import planned

FIXTURES = Path(__file__).parent / "fixtures" / "prices"
WHEN = dt.datetime(2026, 12, 3, 7, 0, tzinfo=dt.timezone.utc)
AWS_FILE, AZURE_FILE = PRICES_DIR / "aws-eu-west-2.yaml", PRICES_DIR / "azure-uksouth.yaml"


class Response:
    def __init__(self, status: int, body: bytes):
        self.status, self.data = status, body


class RecordedBulk:
    """The AWS bulk offer files, one recording per service; anything else answers 404."""

    def __init__(self, edit=None):
        self.urls: list[str] = []
        self.edit = edit

    def request(self, method, url, headers=None):
        self.urls.append(url)
        match = re.fullmatch(r"https://pricing\.us-east-1\.amazonaws\.com/offers/v1\.0/aws/(\w+)/current/eu-west-2/index\.json", url)
        path = FIXTURES / f"aws-{match.group(1)}-eu-west-2.json" if match else None
        if not path or not path.exists():
            return Response(404, b"<Error>NoSuchKey</Error>")
        offer = json.loads(path.read_text())
        if self.edit:
            self.edit(match.group(1), offer)
        return Response(200, json.dumps(offer).encode())


class RecordedRetailApi:
    """The Retail Prices API over the recorded uksouth meters: a request gets the items its
    `currencyCode` and `$filter` (`field eq 'value'` clauses) select, `page` items a page."""

    def __init__(self, page: int = 100, edit=None):
        self.items = json.loads((FIXTURES / "azure-retail-uksouth.json").read_text())["Items"]
        self.page, self.urls = page, []
        if edit:
            edit(self.items)

    def request(self, method, url, headers=None):
        self.urls.append(url)
        text = unquote(url)
        assert text.startswith("https://prices.azure.com/api/retail/prices?currencyCode='")
        currency = re.search(r"currencyCode='(\w+)'", text).group(1)
        skip = int(re.search(r"\$skip=(\d+)", text).group(1)) if "$skip=" in text else 0
        clauses = re.findall(r"(\w+) eq '([^']*)'", text.split("$filter=", 1)[1].split("&$skip")[0])
        field = {"priceType": "type"}
        chosen = [i for i in self.items if i["currencyCode"] == currency
                  and all(str(i.get(field.get(k, k))) == v for k, v in clauses)]
        rest = chosen[skip + self.page:]
        body = {"BillingCurrency": currency, "CustomerEntityId": "Default", "CustomerEntityType": "Retail",
                "Items": chosen[skip:skip + self.page], "Count": len(chosen[skip:skip + self.page]),
                "NextPageLink": f"{url.split('&$skip')[0]}&$skip={skip + self.page}" if rest else None}
        return Response(200, json.dumps(body).encode())


class NoNetwork:
    def request(self, method, url, headers=None):
        raise urllib3.exceptions.MaxRetryError(None, url, urllib3.exceptions.NewConnectionError(None, "no route"))


def _written(tmp_path: Path, text: str, name: str) -> tuple[dict, PriceBook]:
    path = tmp_path / name
    path.write_text(text)
    return yaml.safe_load(text), PriceBook.load(path)


# --- AWS, bulk offer files ---------------------------------------------------------------------

def test_aws_refreshes_every_sku_with_a_rule_from_the_offer_files_naming_source_query_and_time(tmp_path):
    http = RecordedBulk()
    result, target, text = run("aws", AWS_FILE, tmp_path, fx=None, http=http, clock=lambda: WHEN)
    data, book = _written(tmp_path, text, target.name)
    entry = data["prices"]["rds.postgres.db.t4g.micro"]
    assert entry["price"] == 0.018 and entry["retrieved"] == "2026-12-03T07:00:00Z" and entry["date"] == "2026-12-03"
    assert entry["source"] == "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonRDS/current/eu-west-2/index.json"
    assert "databaseEngine=PostgreSQL" in entry["query"] and "deploymentOption=Single-AZ" in entry["query"]
    assert data["prices"]["rds.postgres.multi_az.db.t4g.medium"]["price"] == 0.144
    # One download per service, never per SKU.
    assert len(http.urls) == len(set(http.urls)) == 11
    # What no rule asks for is kept with its figure and the reason, never dropped or guessed.
    kept = data["prices"]["codebuild.linux.general1_small.minute"]
    assert kept["price"] == 0.005 and kept["note"].startswith("kept from the file compiled 2026-12-03: no Price List rule")
    keys = PriceBook.load(AWS_FILE).prices
    assert set(result.found) | set(result.kept) == set(keys) and book.compiled == "2026-12-03"
    assert set(result.found) == {k for k in keys if aws_update.query_for(k, "eu-west-2")}  # every rule answered
    assert len(result.found) == 59


def test_a_refreshed_book_prices_a_real_plan_as_the_committed_one_when_prices_are_unchanged(tmp_path):
    _, target, text = run("aws", AWS_FILE, tmp_path, fx=None, http=RecordedBulk(), clock=lambda: WHEN)
    _, book = _written(tmp_path, text, target.name)
    d, plan = planned("nextcloud", "aws", "production")
    fresh = estimate(plan.resources, cloud="aws", region=d.region, tier="production", book=book)
    committed = estimate(plan.resources, cloud="aws", region=d.region, tier="production")
    assert fresh.total == committed.total and fresh.total_gbp == committed.total_gbp


def test_a_changed_list_price_is_what_the_new_file_says(tmp_path):
    def cheaper_nat(service, offer):
        if service == "AmazonEC2":
            for sku, product in offer["products"].items():
                if product["attributes"].get("usagetype") == "EUW2-NatGateway-Hours":
                    for term in offer["terms"]["OnDemand"][sku].values():
                        for dim in term["priceDimensions"].values():
                            dim["pricePerUnit"]["USD"] = "0.0480000000"

    _, target, text = run("aws", AWS_FILE, tmp_path, fx=None, http=RecordedBulk(cheaper_nat), clock=lambda: WHEN)
    data, book = _written(tmp_path, text, target.name)
    assert book["nat.hour"].amount == Decimal("0.048") and data["prices"]["nat.gb"]["price"] == 0.05


def test_the_first_tier_of_a_tiered_price_is_taken(tmp_path):
    offer = json.loads((FIXTURES / "aws-AmazonS3-eu-west-2.json").read_text())
    (dims,) = [t["priceDimensions"] for terms in offer["terms"]["OnDemand"].values() for t in terms.values()]
    assert sorted(d["pricePerUnit"]["USD"] for d in dims.values()) == ["0.0230000000", "0.0240000000"]
    _, _, text = run("aws", AWS_FILE, tmp_path, fx=None, http=RecordedBulk(), clock=lambda: WHEN)
    assert yaml.safe_load(text)["prices"]["s3.standard.gb_month"]["price"] == 0.024


def test_two_prices_for_one_sku_or_another_unit_keep_the_old_figure_with_the_reason(tmp_path):
    def muddle(service, offer):
        if service == "AmazonRDS":
            sku = next(s for s, p in offer["products"].items() if p["attributes"].get("instanceType") == "db.t4g.small"
                       and p["attributes"]["databaseEngine"] == "MySQL" and p["attributes"]["deploymentOption"] == "Single-AZ")
            twin = copy.deepcopy(offer["products"][sku])
            twin["sku"] = "TWIN"
            offer["products"]["TWIN"] = twin
            offer["terms"]["OnDemand"]["TWIN"] = {"TWIN.JRTCKXETXF": {"priceDimensions": {"r": {
                "beginRange": "0", "unit": "Hrs", "pricePerUnit": {"USD": "0.0400000000"}}}}}
        if service == "AmazonEFS":
            for terms in offer["terms"]["OnDemand"].values():
                for term in terms.values():
                    for dim in term["priceDimensions"].values():
                        dim["unit"] = "GB-Hrs"

    result, _, text = run("aws", AWS_FILE, tmp_path, fx=None, http=RecordedBulk(muddle), clock=lambda: WHEN)
    prices = yaml.safe_load(text)["prices"]
    assert prices["rds.mysql.db.t4g.small"]["price"] == 0.036 and "2 different prices" in prices["rds.mysql.db.t4g.small"]["note"]
    assert "per GB-Hrs, not per GB-Mo" in result.kept["efs.standard.gb_month"]
    assert "retrieved" not in prices["efs.standard.gb_month"]


def test_the_skus_asked_for_come_from_the_price_file_itself(tmp_path):
    small = tmp_path / "aws-eu-west-2.yaml"
    data = yaml.safe_load(AWS_FILE.read_text())
    data["prices"] = {k: v for k, v in data["prices"].items() if k.startswith("rds.mysql.")}
    small.write_text(yaml.safe_dump(data))
    http = RecordedBulk()
    result, _, _ = run("aws", small, tmp_path, fx=None, http=http, clock=lambda: WHEN)
    assert http.urls == [aws_update.BULK.format(service="AmazonRDS", region="eu-west-2")]
    assert sorted(result.found) == sorted(data["prices"]) and not result.kept


def test_fx_overrides_the_files_rate_dated_and_sourced(tmp_path):
    _, _, text = run("aws", AWS_FILE, tmp_path, fx=Decimal("0.742"), http=RecordedBulk(), clock=lambda: WHEN)
    data = yaml.safe_load(text)
    assert data["gbp_per_usd"] == 0.742 and data["gbp_rate_date"] == "2026-12-03"
    assert "--fx" in data["gbp_rate_source"]
    _, _, text = run("aws", AWS_FILE, tmp_path, fx=None, http=RecordedBulk(), clock=lambda: WHEN)
    assert yaml.safe_load(text)["gbp_per_usd"] == 0.731  # without --fx, the file's own dated rate stays


# --- AWS, Query API (botocore Stubber) ----------------------------------------------------------

def test_the_query_api_is_asked_with_term_match_filters_and_its_price_list_read(tmp_path):
    import boto3
    from botocore.stub import Stubber

    small = tmp_path / "in" / "aws-eu-west-2.yaml"
    small.parent.mkdir()
    data = yaml.safe_load(AWS_FILE.read_text())
    data["prices"] = {k: data["prices"][k] for k in ("rds.postgres.db.t4g.micro", "nat.gb")}
    small.write_text(yaml.safe_dump(data))
    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    for key in sorted(data["prices"]):  # the file's order (safe_dump sorts it)
        q = aws_update.query_for(key, "eu-west-2")
        offer = json.loads((FIXTURES / f"aws-{q.service}-eu-west-2.json").read_text())
        items = [json.dumps({"product": p, "serviceCode": q.service, "terms": {"OnDemand": offer["terms"]["OnDemand"][sku]}})
                 for sku, p in offer["products"].items() if aws_update.matches(p["attributes"], q)]
        stub.add_response("get_products", {"PriceList": items, "FormatVersion": "aws_v1"},
                          {"ServiceCode": q.service, "FormatVersion": "aws_v1", "MaxResults": 100,
                           "Filters": [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in q.filters]})
    with stub:
        result, _, text = run("aws", small, tmp_path, fx=None, aws_source="query", aws_client=client, clock=lambda: WHEN)
    stub.assert_no_pending_responses()
    prices = yaml.safe_load(text)["prices"]
    assert prices["rds.postgres.db.t4g.micro"]["price"] == 0.018 and prices["nat.gb"]["price"] == 0.05
    assert prices["nat.gb"]["query"].startswith("GetProducts AmazonEC2: usagetype=EUW2-NatGateway-Bytes")


# --- Azure, Retail Prices API --------------------------------------------------------------------

def test_azure_reads_microsofts_gbp_meters_with_the_filter_as_source(tmp_path):
    api = RecordedRetailApi()
    result, target, text = run("azure", AZURE_FILE, tmp_path, fx=None, http=api, clock=lambda: WHEN)
    data, book = _written(tmp_path, text, target.name)
    entry = data["prices"]["container_apps.vcpu_second.active"]
    assert Decimal(str(entry["price"])) == Decimal("0.000024") * Decimal("0.79")  # the recorded GBP meter
    assert entry["source"].startswith("https://prices.azure.com/api/retail/prices?currencyCode='GBP'&$filter=")
    assert "serviceName eq 'Azure Container Apps' and meterName eq 'Standard vCPU Active Usage'" in entry["source"]
    assert "armRegionName eq 'uksouth'" in entry["source"] and entry["retrieved"] == "2026-12-03T07:00:00Z"
    assert all("currencyCode='GBP'" in url for url in api.urls)
    # Linux pay-as-you-go only: the Windows, Spot and Reservation prices of the same size are other SKUs.
    assert Decimal(str(data["prices"]["vm.linux.Standard_B2s"]["price"])) == Decimal("0.0416") * Decimal("0.79")
    # What has no rule keeps its dollar figure at the file's dated rate, with the reason.
    kept = data["prices"]["front_door.premium.month"]
    assert kept["usd"] == 330 and "no Retail Prices API rule" in kept["note"]
    assert book["front_door.premium.month"].amount == Decimal("330") * Decimal("0.731")
    assert set(result.found) == {k for k in book.prices if azure_update.query_for(k)} and len(result.found) == 30
    # Private Link is priced once for all regions ('Global'), in tiers: the first tier is taken.
    inbound = data["prices"]["private_endpoint.in_gb"]
    assert "armRegionName eq 'Global'" in inbound["source"] and "Standard Data Processed - Ingress" in inbound["source"]
    assert Decimal(str(inbound["price"])) == Decimal("0.01") * Decimal("0.79")


def test_azure_with_fx_asks_in_dollars_and_converts_every_figure_at_that_one_rate(tmp_path):
    api = RecordedRetailApi()
    _, target, text = run("azure", AZURE_FILE, tmp_path, fx=Decimal("0.74"), http=api, clock=lambda: WHEN)
    data, book = _written(tmp_path, text, target.name)
    assert all("currencyCode='USD'" in url for url in api.urls)
    assert data["gbp_per_usd"] == 0.74 and data["prices"]["private_endpoint.hour"]["usd"] == 0.01
    for key in ("private_endpoint.hour", "front_door.premium.month", "vm.linux.Standard_D2s_v5"):
        assert book[key].amount == Decimal(str(data["prices"][key]["usd"])) * Decimal("0.74")


def test_azure_follows_next_page_links(tmp_path):
    api = RecordedRetailApi(page=1)
    _, _, text = run("azure", AZURE_FILE, tmp_path, fx=None, http=api, clock=lambda: WHEN)
    vm_pages = [u for u in api.urls if "Standard_B2s'" in unquote(u)]
    assert len(vm_pages) == 3 and "$skip=" in vm_pages[-1]  # Linux, Windows, Spot (the Reservation is not in Consumption)
    assert Decimal(str(yaml.safe_load(text)["prices"]["vm.linux.Standard_B2s"]["price"])) == Decimal("0.0416") * Decimal("0.79")


# --- the command ---------------------------------------------------------------------------------

def _main(monkeypatch, capsys, http, *args):
    from councilkit.cli.main import main
    from councilkit.stacks.cost.update import http as http_module

    monkeypatch.setattr(http_module, "pool", lambda: http)
    with pytest.raises(SystemExit) as exit_:
        main(["prices", "update", *args])
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def test_without_network_one_error_line_exit_2_and_nothing_written(monkeypatch, capsys, tmp_path):
    before = {p.name: p.read_bytes() for p in PRICES_DIR.iterdir()}
    code, out, err = _main(monkeypatch, capsys, NoNetwork())
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: cannot reach https://pricing.us-east-1")
    assert "no price file written" in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in PRICES_DIR.iterdir()} == before
    code, _, err = _main(monkeypatch, capsys, NoNetwork(), "--cloud", "azure", "--out", str(tmp_path))
    assert code == 2 and err.startswith("error: cannot reach https://prices.azure.com/api/retail/prices") and not list(tmp_path.iterdir())


def test_an_azure_failure_after_aws_succeeded_still_writes_nothing(monkeypatch, capsys, tmp_path):
    class AwsOnly(RecordedBulk):
        def request(self, method, url, headers=None):
            if "prices.azure.com" in url:
                return Response(503, b"busy")
            return super().request(method, url, headers)

    code, _, err = _main(monkeypatch, capsys, AwsOnly(), "--out", str(tmp_path))
    assert code == 2 and "HTTP 503" in err and not list(tmp_path.iterdir())


def test_the_command_writes_both_files_and_says_what_it_kept(monkeypatch, capsys, tmp_path):
    class Both:
        aws, azure = RecordedBulk(), RecordedRetailApi()

        def request(self, method, url, headers=None):
            return (self.azure if "prices.azure.com" in url else self.aws).request(method, url, headers)

    code, out, err = _main(monkeypatch, capsys, Both(), "--out", str(tmp_path), "--fx", "0.74")
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aws-eu-west-2.yaml", "azure-uksouth.yaml"]
    assert f"{tmp_path}/aws-eu-west-2.yaml: 59 figures refreshed, 16 kept" in out
    assert "kept scheduler.invocations_million: no Price List rule for this key" in out
    assert PriceBook.load(tmp_path / "azure-uksouth.yaml").gbp_per_usd == Decimal("0.74")


@pytest.mark.parametrize("args, message", [
    (("--fx", "abc"), "error: --fx must be pounds per US dollar, e.g. 0.74 (got 'abc')"),
    (("--fx", "75"), "error: --fx must be pounds per US dollar between 0.1 and 10 (got '75')"),
    (("--out", "/nonexistent/folder"), "error: --out: folder /nonexistent/folder does not exist"),
])
def test_bad_options_are_one_error_line(monkeypatch, capsys, args, message):
    code, _, err = _main(monkeypatch, capsys, NoNetwork(), *args)
    assert code == 2 and err == message + "\n"


def test_help_lists_prices_without_importing_a_cloud_sdk(cli):
    result = cli("--help")
    assert result.returncode == 0 and "prices" in result.stdout
    probe = cli.__globals__["subprocess"].run(
        [cli.__globals__["sys"].executable, "-c",
         "import sys\nfrom councilkit.cli.main import main\n"
         "try:\n    main(['prices', 'update', '--help'])\nexcept SystemExit:\n    pass\n"
         "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'pulumi', 'azure', 'urllib3')))"],
        capture_output=True, text=True)
    assert probe.stdout.strip().splitlines()[-1] == "[]"
