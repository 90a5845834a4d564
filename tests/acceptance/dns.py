"""Route 53: the suite plays the council's DNS admin for its throwaway trial domains.

The AWS stack asks for a DNS-validated ACM certificate and its `up` waits (CertificateValidation)
until the validation CNAME exists; a council creates it by hand from `councilkit up`'s output.
Unattended, the suite creates it in a Route 53 hosted zone the sandbox account owns
(`--domain-suffix`), while `up` waits, then points the trial's domain at the load balancer, and
deletes both records after the destroy.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from typing import Any

from councilkit.blueprints.errors import UserError

TTL = 60


@dataclass(frozen=True)
class Record:
    name: str
    type: str
    value: str

    def record_set(self) -> dict[str, Any]:
        # Route 53 ChangeResourceRecordSets: a DELETE must match name, type, TTL and value exactly
        # (botocore route53 2013-04-01 model, Change.Action), so every change sends all four.
        return {"Name": self.name, "Type": self.type, "TTL": TTL, "ResourceRecords": [{"Value": self.value}]}


def hosted_zone(route53, suffix: str) -> str:
    """The id of the public hosted zone that holds `suffix` (the suffix itself or a parent)."""
    labels = suffix.strip(".").lower().split(".")
    for i in range(len(labels) - 1):
        name = ".".join(labels[i:]) + "."
        # ListHostedZonesByName lists from DNSName on ("the name of the first hosted zone in the
        # response"), sorted by name, so zones of that name come first; a private zone may share
        # the name (botocore route53 2013-04-01 model).
        zones = route53.list_hosted_zones_by_name(DNSName=name, MaxItems="10")["HostedZones"]
        public = [z for z in zones if z["Name"].lower() == name and not z.get("Config", {}).get("PrivateZone")]
        if public:
            return public[0]["Id"].rsplit("/", 1)[-1]
    raise UserError(
        f"--domain-suffix: no public Route 53 hosted zone for {suffix} in this account; create one "
        "(or pick a zone `aws route53 list-hosted-zones` shows) so trials get real domains"
    )


def change(route53, zone: str, action: str, records: list[Record], comment: str) -> None:
    if records:
        route53.change_resource_record_sets(
            HostedZoneId=zone,
            ChangeBatch={"Comment": comment, "Changes": [
                {"Action": action, "ResourceRecordSet": r.record_set()} for r in records
            ]},
        )


def _fqdn(name: str) -> str:
    return name if name.endswith(".") else name + "."


@dataclass
class CertificateValidation:
    """Creates the ACM validation CNAMEs of `domain`'s pending certificate as soon as ACM has them."""

    acm: Any
    route53: Any
    zone: str
    domain: str
    comment: str
    created: list[Record] = field(default_factory=list)
    error: str = ""

    def step(self) -> bool:
        """One look; True once every validation record of the certificate is in the zone."""
        # ListCertificates "Default filtering returns only RSA_2048 certificates" (botocore acm
        # model): ask for every key type, so a stack that picks another still has its record made.
        key_types = self.acm.meta.service_model.shape_for("KeyAlgorithm").enum
        pages = self.acm.get_paginator("list_certificates").paginate(
            CertificateStatuses=["PENDING_VALIDATION"], Includes={"keyTypes": list(key_types)})
        arns = [c["CertificateArn"] for page in pages for c in page["CertificateSummaryList"]
                if c["DomainName"] == self.domain]
        if not arns:
            return False
        options = self.acm.describe_certificate(CertificateArn=arns[0])["Certificate"].get("DomainValidationOptions", [])
        # DomainValidation.ResourceRecord: the CNAME to create; ACM fills it in shortly after the
        # request (absent until then) (botocore acm 2015-12-08 model).
        records = [Record(_fqdn(o["ResourceRecord"]["Name"]), o["ResourceRecord"]["Type"], o["ResourceRecord"]["Value"])
                   for o in options if o.get("ResourceRecord")]
        if not options or len(records) < len(options):
            return False
        new = [r for r in records if r not in self.created]
        change(self.route53, self.zone, "UPSERT", new, self.comment)
        self.created += new
        return True

    @contextlib.contextmanager
    def running(self, interval: float):
        """Polls in a thread for as long as the block (an `up`) runs."""
        with in_background(self.step, interval, f"validate {self.domain}", self._failed):
            yield self

    def _failed(self, error: str) -> None:  # reported with the phase; `up` then fails on its own timeout
        self.error = error


@contextlib.contextmanager
def in_background(step, interval: float, name: str, failed):
    """Calls `step()` every `interval` seconds in a thread until it returns True or the block
    ends; an exception stops the thread and goes to `failed` as one line."""
    stop = threading.Event()

    def loop():
        try:
            while not stop.is_set() and not step():
                stop.wait(interval)
        except Exception as exc:
            failed(f"{type(exc).__name__}: {exc}")

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=60)
