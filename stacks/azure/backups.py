"""Restore points on Azure: Flexible Server backups and Azure Backup recovery points (`az rest`).

No Azure SDK is pinned (pyproject.toml), and go-live already reads Azure through the Azure CLI
the council signs in with (golive.py), so these are the ARM REST calls, sent by `az rest`: it
signs them as the signed-in account, prefixes a path with the ARM endpoint and fills in
`{subscriptionId}` (azure-cli `az rest --url` help: "If it doesn't start with a host, CLI
assumes it as an Azure resource ID and prefixes it with the ARM endpoint ... Common token
{subscriptionId} will be replaced with the current subscription ID"). Shapes and api-versions,
from Azure/azure-rest-api-specs:

- PostgreSQL flexible server, stable 2024-08-01 (FlexibleServers.json examples/ServerGet.json:
  `properties.backup.earliestRestoreDate`, `backupRetentionDays`; Backups.json: GET
  `.../flexibleServers/{s}/backups` → `value[]` of `{name, properties: {backupType: "Full" |
  "Customer On-Demand", completedTime, source}}`, PUT `.../backups/{backupName}` (pattern
  `^[-\\w\\._]+$`) creates an on-demand backup, long-running).
- MySQL flexible server, stable 2023-12-30 (FlexibleServers/stable/2023-12-30 ServerGet.json:
  the same `properties.backup.earliestRestoreDate`; Backups.json `Backups_Put` PUT
  `.../backups/{backupName}` "Create backup for a given server with specified backup name",
  answered with the backup, named `customer_<time>_<guid>_<name>` in examples/BackupPut.json).
- Recovery Services backup, stable 2024-04-01 (bms.json): GET `.../vaults/{v}/backupProtectedItems`
  lists the items (their `id`s are used as given: MicrosoftDocs azure-docs
  backup-azure-file-share-rest-api.md, "Always take the name attribute of the response ... Don't
  hard-code"), GET `{item id}/recoveryPoints` (examples/AzureIaasVm/RecoveryPoints_List.json:
  `name`, `properties.recoveryPointTime`; file shares add `recoveryPointSizeInGB`: hashicorp/pandora
  RecoveryServicesBackup v2021_12_01 AzureFileShareRecoveryPoint), and POST `{item id}/backup`
  with `{properties: {objectType: "AzureFileShareBackupRequest" | "IaasVMBackupRequest",
  recoveryPointExpiryTimeInUTC}}` (examples/Common/TriggerBackup_Post.json; the file-share
  REST article above) triggers an on-demand backup (202, no body).

tests/test_backups_azure.py answers these calls with the specs' example bodies.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping

from councilkit.blueprints.errors import UserError
from councilkit.stacks.restore_points import (AUTOMATED, DATABASE, DATABASE_VM, FILES, ON_DEMAND, VAULT,
                                              RestorePoint, RestorePoints, RestoreWindow, iso, utc)

from . import names
from .settings import RECOVERY_POINT_RETENTION_DAYS

BACKUP_API = "2024-04-01"
SERVER_API = {"postgres": "2024-08-01", "mysql": "2023-12-30"}
PROVIDER = {"postgres": "Microsoft.DBforPostgreSQL", "mysql": "Microsoft.DBforMySQL"}
SERVER_PREFIX = {"postgres": "psql", "mysql": "mysql"}  # database.py names the server dns_label(d, prefix)
ON_DEMAND_TYPES = {"Customer On-Demand"}
# Protected item type → (what it restores, the BackupRequest objectType that backs it up now).
ITEM_TYPES = {"AzureFileShareProtectedItem": (FILES, "AzureFileShareBackupRequest"),
              "Microsoft.Compute/virtualMachines": (DATABASE_VM, "IaasVMBackupRequest")}
AZ_TIMEOUT_SECONDS = 120.0
WAIT_SECONDS = 3 * 3600.0
POLL_SECONDS = 60.0

RUN: Callable[..., subprocess.CompletedProcess] = subprocess.run
"""How the Azure CLI is run (tests replace it)."""


@dataclass
class Clock:
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    sleep: Callable[[float], None] = time.sleep


CLOCK = Clock()


def az(argv: list[str]) -> Any:
    """Run `az ...`; its JSON output (None when it printed nothing), or one error line."""
    if shutil.which("az") is None:
        raise UserError("the Azure CLI (az) is not installed; councilkit reads Azure Backup and the database's "
                        "backups through it: install it, `az login`, then run this again")
    try:
        done = RUN(argv, capture_output=True, text=True, timeout=AZ_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise UserError(f"`{shlex.join(argv)}` did not answer within {AZ_TIMEOUT_SECONDS:.0f} s") from None
    except OSError as exc:  # on PATH but not runnable
        raise UserError(f"the Azure CLI (az) could not be run: {exc.strerror or exc}") from None
    if done.returncode != 0:
        lines = [x for x in (done.stderr or done.stdout or "").splitlines() if x.strip()]
        why = lines[-1].strip() if lines else f"exit code {done.returncode}"
        if "az login" in why:
            why = "the Azure CLI is not signed in (run `az login`)"
        raise UserError(f"`{shlex.join(argv[:4])} …` failed: {why}")
    text = (done.stdout or "").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise UserError(f"`{shlex.join(argv[:4])} …` did not answer JSON") from None


def rest(method: str, url: str, body: Mapping[str, Any] | None = None) -> Any:
    argv = ["az", "rest", "--method", method, "--url", url]
    if body is not None:
        argv += ["--body", json.dumps(body, separators=(",", ":"))]
    return az(argv)


def listed(url: str) -> list[dict]:
    """Every `value` of a pageable list, following `nextLink`."""
    found: list[dict] = []
    while url:
        page = rest("get", url) or {}
        found += [v for v in page.get("value") or [] if isinstance(v, dict)]
        url = page.get("nextLink") or ""
    return found


def _group(d, outputs: Mapping[str, Any]) -> str:
    return str(outputs.get("resource_group") or names.resource_group(d))


def server_path(d, outputs: Mapping[str, Any]) -> str:
    engine = d.database_engine
    server = str(outputs.get("database_server") or names.dns_label(d, SERVER_PREFIX[engine]))
    return (f"/subscriptions/{{subscriptionId}}/resourceGroups/{_group(d, outputs)}/providers/"
            f"{PROVIDER[engine]}/flexibleServers/{server}")


def vault_path(outputs: Mapping[str, Any]) -> str | None:
    vault, group = outputs.get("backup_vault"), outputs.get("backup_resource_group")
    if not vault or not group:
        return None
    return f"/subscriptions/{{subscriptionId}}/resourceGroups/{group}/providers/Microsoft.RecoveryServices/vaults/{vault}"


def _api(d) -> str:
    return SERVER_API[d.database_engine]


# --- listing -------------------------------------------------------------------------------


def server_points(d, outputs: Mapping[str, Any]) -> RestorePoints:
    """The flexible server's backups and its point-in-time window (earliest restore date to now)."""
    path = server_path(d, outputs)
    server = rest("get", f"{path}?api-version={_api(d)}") or {}
    name = str(server.get("name") or path.rsplit("/", 1)[-1])
    backup = (server.get("properties") or {}).get("backup") or {}
    retention = backup.get("backupRetentionDays")
    found = RestorePoints()
    if backup.get("earliestRestoreDate"):
        found.windows.append(RestoreWindow(DATABASE, name, utc(backup["earliestRestoreDate"]), None))
    for b in listed(f"{path}/backups?api-version={_api(d)}"):
        p = b.get("properties") or {}
        created = utc(p.get("completedTime"))
        by_council = p.get("backupType") in ON_DEMAND_TYPES or str(b.get("name", "")).startswith("customer_")
        # Automated backups are kept for the server's retention days; on-demand ones the API
        # gives no expiry for, so none is claimed.
        expires = created + timedelta(days=retention) if created and retention and not by_council else None
        found.points.append(RestorePoint(DATABASE, name, str(b.get("name", "")), created,
                                         ON_DEMAND if by_council else AUTOMATED, expires,
                                         status="completed" if created else "creating"))
    return found


def protected_items(outputs: Mapping[str, Any]) -> list[dict]:
    vault = vault_path(outputs)
    return listed(f"{vault}/backupProtectedItems?api-version={BACKUP_API}") if vault else []


def _item(item: dict) -> tuple[str, str, str]:
    """(what, the item's friendly name, the BackupRequest objectType) of a protected item."""
    p = item.get("properties") or {}
    what, request = ITEM_TYPES.get(str(p.get("protectedItemType")), (str(p.get("workloadType") or "item"), ""))
    return what, str(p.get("friendlyName") or item.get("name") or ""), request


def item_points(item: dict) -> list[RestorePoint]:
    what, source, _ = _item(item)
    points = []
    for rp in listed(f"{item['id']}/recoveryPoints?api-version={BACKUP_API}"):
        p = rp.get("properties") or {}
        created = utc(p.get("recoveryPointTime"))
        gb = p.get("recoveryPointSizeInGB")
        # Every point the vault holds expires RECOVERY_POINT_RETENTION_DAYS after it was made: the
        # stack's daily policies keep them that long and `councilkit backup` sets the same expiry
        # on its own (the list answers no expiry of its own).
        points.append(RestorePoint(
            what, source, str(rp.get("name", "")), created, AUTOMATED,
            created + timedelta(days=RECOVERY_POINT_RETENTION_DAYS) if created else None,
            int(gb) * 10 ** 9 if isinstance(gb, (int, float)) else None, "backup" if gb is not None else "",
            str(p.get("recoveryPointType") or ""), outlives_stack=VAULT,
        ))
    return points


def restore_points(d, outputs: Mapping[str, Any]) -> RestorePoints:
    found = RestorePoints()
    if d.database_hosting == "managed":
        found.extend(server_points(d, outputs))
    if vault_path(outputs):
        for item in protected_items(outputs):
            found.points += item_points(item)
    elif d.blueprint.files or d.database_hosting == "self-managed":
        found.notes.append(("a trial has no Recovery Services vault: " if not d.production else
                            "the stack's outputs do not name its Recovery Services vault (`backup_vault`, "
                            "`backup_resource_group`): ") + "no files"
                           + (" or database VM" if d.database_hosting == "self-managed" else "")
                           + " restore points are listed")
    return found


# --- taking one ----------------------------------------------------------------------------


def backup_name(label: str, when: datetime) -> str:
    """A backup name Flexible Server accepts (`^[-\\w\\._]+$`): the label and the UTC time."""
    return re.sub(r"[^-A-Za-z0-9_.]", "-", f"{label}-{when.astimezone(timezone.utc):%Y%m%dT%H%M%S}")


def take_restore_point(d, outputs: Mapping[str, Any], label: str, wait: bool = False,
                       clock: Clock | None = None) -> RestorePoints:
    """An on-demand backup of the flexible server and of every item in the vault."""
    clock = clock or CLOCK
    started = clock.now()
    found = RestorePoints()
    pending: list[tuple[RestorePoint, dict | None]] = []
    if d.database_hosting == "managed":
        name = backup_name(label, started)
        path = server_path(d, outputs)
        made = rest("put", f"{path}/backups/{name}?api-version={_api(d)}") or {}
        done = utc((made.get("properties") or {}).get("completedTime"))
        point = RestorePoint(DATABASE, path.rsplit("/", 1)[-1], str(made.get("name") or name), done or started,
                             ON_DEMAND, None, status="completed" if done else "creating", label=label)
        pending.append((point, None))
    expiry = started + timedelta(days=RECOVERY_POINT_RETENTION_DAYS)
    if vault_path(outputs):
        for item in protected_items(outputs):
            what, source, request = _item(item)
            if not request:
                found.notes.append(f"{source}: a {what} item councilkit does not back up on demand")
                continue
            rest("post", f"{item['id']}/backup?api-version={BACKUP_API}",
                 {"properties": {"objectType": request, "recoveryPointExpiryTimeInUTC": iso(expiry)}})
            pending.append((RestorePoint(what, source, f"(backup of {source} started)", started, ON_DEMAND, expiry,
                                         status="accepted", label=label, outlives_stack=VAULT), item))
    elif d.blueprint.files or d.database_hosting == "self-managed":
        found.notes.append("files: not backed up on demand: " + (
            "a trial has no Recovery Services vault" if not d.production else
            "the stack's outputs do not name its Recovery Services vault"))
    if wait:
        pending = [(_wait(d, outputs, point, item, started, clock), item) for point, item in pending]
    found.points += [point for point, _ in pending]
    return found


def _wait(d, outputs, point: RestorePoint, item: dict | None, started: datetime, clock: Clock) -> RestorePoint:
    """Poll until the server lists the backup completed, or the item a recovery point made since."""
    deadline = clock.now() + timedelta(seconds=WAIT_SECONDS)
    while True:
        if item is None:
            if point.status == "completed":
                return point
            for b in listed(f"{server_path(d, outputs)}/backups?api-version={_api(d)}"):
                done = utc((b.get("properties") or {}).get("completedTime"))
                if b.get("name") == point.id and done:
                    return replace(point, created=done, status="completed")
        else:
            fresh = [p for p in item_points(item) if p.created and p.created >= started - timedelta(minutes=1)]
            if fresh:
                newest = max(fresh, key=lambda p: p.created)
                return replace(newest, kind=ON_DEMAND, label=point.label, expires=point.expires)
        if clock.now() >= deadline:
            raise UserError(f"{point.what} backup of {point.source} is not complete after "
                            f"{WAIT_SECONDS / 3600:.0f} hours; `councilkit backups` shows when it is")
        clock.sleep(POLL_SECONDS)


def whoami(d, outputs: Mapping[str, Any]) -> str:
    """The signed-in principal (`az account show`: `user.type`, `user.name`, `tenantId`, `id`:
    Azure/azure-cli src/azure-cli-core/azure/cli/core/_profile.py `_USER_ENTITY`, `_USER_TYPE`…)."""
    account = az(["az", "account", "show", "--output", "json"]) or {}
    user = account.get("user") or {}
    kind = {"user": "user", "servicePrincipal": "service principal"}.get(str(user.get("type")), str(user.get("type") or ""))
    return (f"{kind} {user.get('name', '')} (tenant {account.get('tenantId', '?')}, "
            f"subscription {account.get('id', '?')})").strip()
