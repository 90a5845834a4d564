"""`StackOutputs`: what every stack exports, one typed record for both clouds.

The CLI (`up`, `outputs`), the runbook and the report read this record, never a cloud's raw
dict. At build time the fields hold Pulumi inputs (values or Outputs); `exports()` turns the
record into the stack's exports with a stable schema (`SCHEMA_VERSION`, also in the
`councilkit` metadata output). After a deploy, `from_exports` reads the plain values back,
including stacks deployed by councilkit 0.1, whose cloud-specific shapes the adapter reads.

Export keys (schema 1):
- `url`: the app's address.
- `dns_records`: the records the council publishes, each `{type, name, value, for}`.
- `admin_credentials`: `{store, location, secrets: {name: reference}, read_command}`: where the
  generated admin and app secrets live and the command that reads one.
- `one_off`: how install and upgrade steps run once (the adapter's own shape; the same adapter
  turns it into commands: `Cloud.one_off_commands`).
- `data_locations`: where the council's data is: `{database, files, cache, secrets, logs}` as
  they apply.
- `cloud`, `region`, and the cloud's own details (load balancer name, Front Door endpoint…) as
  further top-level keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

SCHEMA_VERSION = 1
CORE_KEYS = ("url", "dns_records", "admin_credentials", "one_off", "data_locations", "cloud", "region")


@dataclass
class AdminCredentials:
    store: str
    """The secret store, e.g. "AWS Secrets Manager"."""
    location: Any
    """Where in it: the region, or the vault's name."""
    secrets: Mapping[str, Any]
    """Secret name → the reference that reads it (an ARN, or the secret's name in the vault)."""
    read_command: Any
    """A command that prints one secret, with `<secret>` where its reference goes."""

    def exports(self) -> dict[str, Any]:
        return {"store": self.store, "location": self.location, "secrets": dict(self.secrets),
                "read_command": self.read_command}


@dataclass
class DnsRecord:
    type: str
    name: str
    value: str
    purpose: str = ""

    @classmethod
    def read(cls, raw: Any) -> "DnsRecord | None":
        if not isinstance(raw, Mapping):
            return None
        return cls(
            type=str(raw.get("type") or raw.get("resourceRecordType") or ""),
            name=str(raw.get("name") or raw.get("resourceRecordName") or ""),
            value=str(raw.get("value") or raw.get("resourceRecordValue") or ""),
            purpose=str(raw.get("for") or ""),
        )


@dataclass
class StackOutputs:
    cloud: str
    region: str
    url: Any
    dns_records: Any
    """Pulumi input of a list of `{type, name, value, for}`; `records()` reads them back."""
    admin_credentials: AdminCredentials
    one_off: Any = field(default_factory=dict)
    data_locations: Mapping[str, Any] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)
    """The cloud's own outputs (exported as top-level keys beside the core ones)."""

    def exports(self) -> dict[str, Any]:
        clash = set(self.details) & set(CORE_KEYS)
        if clash:
            raise ValueError(f"details may not reuse core output keys: {sorted(clash)}")
        return {
            "cloud": self.cloud,
            "region": self.region,
            "url": self.url,
            "dns_records": self.dns_records,
            "admin_credentials": self.admin_credentials.exports(),
            "one_off": self.one_off,
            "data_locations": dict(self.data_locations),
            **self.details,
        }

    def records(self) -> list[DnsRecord]:
        raw = self.dns_records if isinstance(self.dns_records, list) else [self.dns_records]
        return [r for r in (DnsRecord.read(x) for x in raw) if r is not None]

    @classmethod
    def from_exports(cls, values: Mapping[str, Any], cloud) -> "StackOutputs":
        """Read a deployed stack's plain outputs; `cloud` (the adapter) reads its older shapes."""
        creds = values.get("admin_credentials")
        if isinstance(creds, Mapping) and "store" in creds:
            credentials = AdminCredentials(
                store=str(creds.get("store", "")), location=creds.get("location", ""),
                secrets=dict(creds.get("secrets") or {}), read_command=creds.get("read_command", ""),
            )
        else:
            credentials = cloud.legacy_credentials(values)
        details = {k: v for k, v in values.items() if k not in CORE_KEYS and k != "councilkit"}
        return cls(
            cloud=str(values.get("cloud") or cloud.name),
            region=str(values.get("region") or ""),
            url=values.get("url", ""),
            dns_records=values.get("dns_records") or [],
            admin_credentials=credentials,
            one_off=values.get("one_off") or {},
            data_locations=dict(values.get("data_locations") or {}),
            details=details,
        )
