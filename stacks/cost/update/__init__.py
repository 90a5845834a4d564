"""`councilkit prices update`: refresh a price file from the clouds' public price lists.

Which figures to ask for comes from the price file itself (its keys are exactly the SKUs the
pricing rules read) and one rule per key family in `aws.py` / `azure.py` that says how the price
list names it; no second list of SKUs is kept. A key whose rule finds exactly one price in the
unit the file uses is refreshed, with its source (the API and the filter), the query and the
retrieval time; a key without a rule, or whose query finds nothing, several prices or another
unit, keeps its figure with a `note` saying why: never a guess. Everything is fetched first and
the file written last, atomically, so a failed fetch (no network, an HTTP error) writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

from councilkit.blueprints.errors import UserError


@dataclass(frozen=True)
class Query:
    """How one price-file key is asked for: a service, attribute filters, the unit the answer must
    be quoted in (None: not checked) and the factor from that unit to the file's."""

    key: str
    service: str
    filters: tuple[tuple[str, str], ...]
    unit: str | None = None
    scale: Decimal = Decimal(1)
    exclude: tuple[tuple[str, str], ...] = ()
    """(field, text): items whose field contains the text are not this SKU (Windows, Spot)."""
    region: str | None = None
    """The API's region for a meter priced once for every region (Azure Private Link: "Global")."""

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self.filters] + [f"{k} without {v!r}" for k, v in self.exclude]
        return f"{self.service}: " + ", ".join(parts)


@dataclass(frozen=True)
class Found:
    """A refreshed figure: in the file's currency, with where and when it was read."""

    key: str
    amount: Decimal
    source: str
    query: str
    usd: Decimal | None = None
    """The dollar figure it was converted from, when `--fx` converted it."""


@dataclass
class Result:
    """What one update found, and what it kept (key → why)."""

    cloud: str
    found: dict[str, Found] = field(default_factory=dict)
    kept: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Options:
    """What a fetch may use: the --fx rate, the AWS source (bulk or query), and the HTTP pool and
    Query API client (tests pass recorded ones; None: the real ones)."""

    fx: Decimal | None = None
    aws_source: str = "bulk"
    http: object = None
    aws_client: object = None


class FetchFailed(UserError):
    """A price list could not be read (no network, an HTTP error, not JSON): nothing is written."""


def one_price(key: str, candidates: list[tuple[Decimal, str]], query: Query) -> tuple[Decimal | None, str]:
    """(price, "") if the candidates (price, unit) hold exactly one price in the wanted unit,
    else (None, why): several prices or another unit is a question for a person, not a guess."""
    if not candidates:
        return None, f"no price matched {query.describe()}"
    units = {unit for _, unit in candidates}
    if query.unit is not None:  # "a|b": either spelling the API has been seen to use
        wanted = {u.lower() for u in query.unit.split("|")}
        candidates = [(p, u) for p, u in candidates if u.lower() in wanted]
        if not candidates:
            return None, f"{query.describe()} is quoted per {', '.join(sorted(units))}, not per {query.unit}"
    prices = sorted({p for p, _ in candidates})
    if len(prices) > 1:
        return None, f"{len(prices)} different prices matched {query.describe()}: " + ", ".join(map(str, prices))
    return prices[0] * query.scale, ""


def now_utc() -> dt.datetime:
    """The retrieval time written beside each figure (tests fix it)."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def run(cloud: str, book_path: Path, out_dir: Path, *, fx: Decimal | None, aws_source: str = "bulk",
        http=None, aws_client=None, clock: Callable[[], dt.datetime] = now_utc) -> tuple[Result, Path, str]:
    """Fetch every figure of `book_path` that a rule can ask for; return what was found and kept,
    the file to write in `out_dir` (same name) and its text, already checked to load."""
    import importlib

    from councilkit.stacks.cost.model import PriceBook

    from . import write

    book = PriceBook.load(book_path)
    retrieved = clock()
    # One module per cloud (aws.py, azure.py), each with the same fetch(book, options): no branch here.
    source = importlib.import_module(f"{__name__}.{cloud}")
    result = source.fetch(book, Options(fx=fx, aws_source=aws_source, http=http, aws_client=aws_client))
    text = write.checked(book_path, result, retrieved=retrieved, fx=fx, api=source.API_NAME)
    return result, Path(out_dir) / Path(book_path).name, text
