"""Azure DNS: the suite plays the council's DNS admin, from what councilkit told the council.

A first Azure `up` creates the Container Apps environment, shows the records Azure checks before
it binds the domain (the `asuid` TXT and the CNAME) and writes them to DNS-RECORDS.md in the
stack folder (cli/golive.py), then waits until DNS shows them. While `up` runs, the suite reads
that file, as a council's DNS admin would, and publishes each record in the Azure DNS zone the
tester named (`--domain-suffix`); after `up` it publishes whatever else the stack's
`dns_records` output lists (production: Front Door's validation TXT). A wrong or missing record
in councilkit's instructions therefore fails the run, as it would fail a council.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from .az import Az, Zone
from .dns import Record, in_background

# One row of cli/golive.py `records_text`: | TYPE | `name` | `value` | what it is for |
ROW = re.compile(r"^\| (TXT|CNAME) \| `([^`]+)` \| `([^`]+)` \|", re.M)


def records_in(text: str) -> list[Record]:
    return [Record(name.strip(".").lower(), rtype, value) for rtype, name, value in ROW.findall(text)]


def known(value: str) -> bool:
    """False for the stack's placeholders, e.g. "(known after deployment)"."""
    return bool(value) and not value.startswith("(")


@dataclass
class Publisher:
    """Publishes each record councilkit shows for one stack folder, once; remembers them to delete."""

    az: Az
    zone: Zone
    folder: Path
    published: list[Record] = field(default_factory=list)
    error: str = ""

    @property
    def records_file(self) -> Path:
        from councilkit.cli.golive import DNS_RECORDS_FILE

        return self.folder / DNS_RECORDS_FILE

    def publish(self, records: Iterable[Record]) -> list[Record]:
        new = [r for r in records if known(r.value) and r not in self.published]
        for r in new:
            self.az.publish(self.zone, r.type, r.name, r.value)
            self.published.append(r)
        return new

    def step(self) -> bool:
        """One look at the folder's records file; never done, since `up` may rewrite it."""
        if self.records_file.is_file():
            self.publish(records_in(self.records_file.read_text()))
        return False

    def outputs(self, values: Mapping[str, Any]) -> list[Record]:
        """The stack's `dns_records` output (StackOutputs), published if not yet."""
        from councilkit.stacks.cloud import cloud_for
        from councilkit.stacks.outputs import StackOutputs

        records = StackOutputs.from_exports(values, cloud_for("azure")).records()
        return self.publish(Record(r.name.strip(".").lower(), r.type, str(r.value)) for r in records)

    @contextlib.contextmanager
    def running(self, interval: float):
        with in_background(self.step, interval, f"publish {self.folder.name}", self._failed):
            yield self
        self.step()  # a file written just before `up` ended

    def _failed(self, error: str) -> None:
        self.error = error

    def unpublish(self) -> list[str]:
        """Delete every record this publisher made; returns one line per record not deleted."""
        failed = []
        for r in list(self.published):
            try:
                self.az.unpublish(self.zone, r.type, r.name, r.value)
                self.published.remove(r)
            except Exception as exc:  # reported by leftovers, with the records still to delete
                failed.append(f"{r.type} {r.name} -> {r.value} not deleted ({exc})")
        return failed
