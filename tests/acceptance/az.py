"""Everything the suite asks Azure, through the Azure CLI as a subprocess (no Azure SDK here, as in
councilkit's own Azure go-live, stacks/azure/golive.py). `RUN` is replaced by the offline tests.

Every call names the subscription (`--subscription`, a global argument of every command) and asks
for JSON. Commands, flags and fields, from the Azure CLI reference (learn.microsoft.com/cli/azure)
and the REST APIs the commands call:
- `az account show`: the signed-in account's default subscription (Subscriptions - Get: id,
  tenantId, state); it fails when the CLI is not signed in. Pulumi deploys into that one ("Any
  changes you make via Pulumi will be against the displayed Azure subscription", MicrosoftDocs
  azure-dev-docs "Authenticate Pulumi to Azure"), so it must be the one the tester named.
- `az network dns zone list`: the subscription's public zones (DNS REST Zones - List: name, id;
  the CLI adds resourceGroup). Azure Private DNS zones are another command (`az network
  private-dns`), so none is listed here.
- `az network dns record-set txt add-record --resource-group --zone-name --record-set-name
  --value` ("Creates a new record set if one does not exist"; the name is "relative to the zone")
  and `txt remove-record` with the same flags; `az network dns record-set cname set-record
  --resource-group --zone-name --record-set-name --cname` ("Set the value of a CNAME record") and
  `cname remove-record` (page "az network dns record-set cname").
- `az group exists --name`: true or false (REST Resource Groups - Check Existence: 204 / 404).
- `az resource list --tag stack=<stack>`: resources carrying the tag (id, name, type).
- `az keyvault list-deleted --resource-type vault`: soft-deleted vaults (REST Vaults - List
  Deleted: name, properties.vaultId, tags, deletionDate, scheduledPurgeDate, purgeProtectionEnabled).
- what councilkit itself prints for the council to run (`az acr build`, RETIRED.md's `az backup`
  commands): run as printed, grounded where councilkit prints them (stacks/azure/).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any, Callable

from councilkit.blueprints.errors import UserError

RUN: Callable[..., subprocess.CompletedProcess] = subprocess.run
TIMEOUT_SECONDS = 300.0
BUILD_TIMEOUT_SECONDS = 3600.0  # an ACR Tasks build of a Drupal or SuiteCRM image
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

MISSING_AZ = ("the Azure CLI is not installed (no `az` on PATH); install it "
              "(learn.microsoft.com/cli/azure/install-azure-cli) and sign in with `az login`")
MISSING_SUBSCRIPTION = ("--subscription (SUBSCRIPTION=, or ARM_SUBSCRIPTION_ID) is not set: name the id of the "
                        "sandbox subscription every trial is deployed into (`az account list` shows them)")


class AzFailed(Exception):
    """An `az` command that exited non-zero or did not answer; the message is one line."""


def _last_line(text: str) -> str:
    lines = [x.strip() for x in (text or "").splitlines() if x.strip()]
    return lines[-1] if lines else "no output"


@dataclass(frozen=True)
class Az:
    subscription: str

    def argv(self, *args: str, output: str = "json", scoped: bool = True) -> list[str]:
        """`az ARGS --subscription S --output O`; a command that names its own output keeps it."""
        where = ["--subscription", self.subscription] if scoped else []
        return ["az", *args, *where, *([] if "--output" in args else ["--output", output])]

    def run(self, *args: str, output: str = "json", timeout: float = TIMEOUT_SECONDS, scoped: bool = True) -> Any:
        argv = self.argv(*args, output=output, scoped=scoped)
        try:
            done = RUN(argv, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AzFailed(f"`{shlex.join(argv)}` did not answer within {timeout:.0f} s") from None
        if done.returncode != 0:
            raise AzFailed(f"`{shlex.join(argv[:6])} …` failed: {_last_line(done.stderr or done.stdout)}")
        if output != "json":
            return done.stdout
        return json.loads(done.stdout) if done.stdout.strip() else None

    # --- who and where -------------------------------------------------------------------------

    def account(self) -> dict:
        """The CLI's default subscription, which must be the named one (Pulumi deploys there)."""
        try:
            found = self.run("account", "show", scoped=False)
        except AzFailed as exc:
            raise UserError(f"the Azure CLI is not signed in (`az account show` failed: "
                            f"{str(exc).rpartition('failed: ')[2]}); run `az login` and try again") from None
        if str(found.get("id", "")).lower() != self.subscription:
            raise UserError(f"the Azure CLI's default subscription is {found.get('id')}, not {self.subscription}; "
                            f"run `az account set --subscription {self.subscription}` (Pulumi deploys into the default)")
        return found

    def zone(self, suffix: str) -> "Zone":
        """The public DNS zone that holds `suffix` (the suffix itself or its nearest parent)."""
        zones = {str(z.get("name", "")).lower().rstrip("."): z for z in self.run("network", "dns", "zone", "list")}
        labels = suffix.strip(".").lower().split(".")
        for i in range(len(labels) - 1):
            found = zones.get(".".join(labels[i:]))
            if found:
                return Zone(found["name"].lower().rstrip("."), found["resourceGroup"])
        raise UserError(f"--domain-suffix: no Azure DNS zone for {suffix} in subscription {self.subscription}; "
                        "create one (`az network dns zone create`) and delegate it, so trials get real domains")

    # --- DNS records -----------------------------------------------------------------------------

    def publish(self, zone: "Zone", rtype: str, name: str, value: str) -> None:
        where = zone.where(name)
        if rtype == "TXT":
            self.run("network", "dns", "record-set", "txt", "add-record", *where, "--value", value)
        elif rtype == "CNAME":
            self.run("network", "dns", "record-set", "cname", "set-record", *where, "--cname", value)
        else:
            raise AzFailed(f"{rtype} {name}: the suite publishes TXT and CNAME records only")

    def unpublish(self, zone: "Zone", rtype: str, name: str, value: str) -> None:
        flag = {"TXT": "--value", "CNAME": "--cname"}[rtype]
        self.run("network", "dns", "record-set", rtype.lower(), "remove-record", *zone.where(name), flag, value)

    # --- what is left ----------------------------------------------------------------------------

    def group_exists(self, name: str) -> bool:
        return self.run("group", "exists", "--name", name) is True

    def tagged(self, stack: str) -> list[dict]:
        return list(self.run("resource", "list", "--tag", f"stack={stack}") or [])

    def deleted_vaults(self) -> list[dict]:
        return list(self.run("keyvault", "list-deleted", "--resource-type", "vault") or [])

    def command(self, line: str, timeout: float = BUILD_TIMEOUT_SECONDS) -> str:
        """A command councilkit printed for the council (`az acr build ...`, RETIRED.md's), run as
        printed; its standard output (what a `--output tsv` listing printed)."""
        words = shlex.split(line)
        if words[:1] != ["az"] or "--subscription" in words:
            raise AzFailed(f"not an Azure CLI command the suite may run in its subscription: {line}")
        return self.run(*words[1:], output="none", timeout=timeout) or ""


@dataclass(frozen=True)
class Zone:
    name: str
    resource_group: str

    def relative(self, fqdn: str) -> str:
        """`asuid.app.acc.example.gov.uk` in zone `example.gov.uk` → `asuid.app.acc` (`@`: the apex)."""
        fqdn = fqdn.strip(".").lower()
        if fqdn == self.name:
            return "@"
        if not fqdn.endswith("." + self.name):
            raise AzFailed(f"{fqdn} is not in DNS zone {self.name}")
        return fqdn[: -len(self.name) - 1]

    def where(self, fqdn: str) -> list[str]:
        return ["--resource-group", self.resource_group, "--zone-name", self.name,
                "--record-set-name", self.relative(fqdn)]


def require_cli() -> None:
    if shutil.which("az") is None:
        raise UserError(MISSING_AZ)


def parse_subscription(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise UserError(MISSING_SUBSCRIPTION)
    if not GUID_RE.match(text):
        raise UserError(f"--subscription: {text!r} is not a subscription id (a GUID such as "
                        "00000000-0000-0000-0000-000000000000)")
    return text.lower()
