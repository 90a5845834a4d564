"""Front Door's Private Link connection into the Container Apps environment, approved by `up`.

Front Door makes a private endpoint into the environment when its Private Link origin is created,
and the connection waits for the environment's owner (azure-docs frontdoor/private-link.md: "You
must approve the private endpoint connection before traffic can pass to the origin privately").
Microsoft's commands (azure-docs container-apps/how-to-integrate-with-azure-front-door.md, CLI):
`az network private-endpoint-connection list --name <env> --resource-group <group> --type
Microsoft.App/managedEnvironments`, the one whose `properties.privateLinkServiceConnectionState
.description` is the origin's request message, then `az network private-endpoint-connection
approve --id <its id>`; Front Door "might create multiple private endpoint connection requests",
so each pending one with that description is approved. Status values: Pending, Approved,
Rejected, Disconnected (Microsoft.App PrivateEndpointServiceConnectionStatus, as
pulumi-azure-native's app enums carry the REST specs). Runs through golive.RUN (no SDK).
"""

from __future__ import annotations

import shlex
import shutil
from typing import Any

from councilkit.stacks.cloud import CouncilAction, GoLive

from . import names

ORIGIN = "azure-native:cdn:AFDOrigin"
ENVIRONMENT = "azure-native:app:ManagedEnvironment"
TYPE = "Microsoft.App/managedEnvironments"
STATE = "properties.privateLinkServiceConnectionState"
# Azure: "it can take a few minutes for the connection to be established" (private-link.md).
APPROVAL_WAIT_SECONDS = 600.0
POLL_SECONDS = 15.0
APPROVED_BY = "Approved by councilkit up"


def request_message(d) -> str:
    """The Private Link request's message (edge.py sets it on the origin): how `up` finds Front
    Door's connection among the environment's (its `privateLinkServiceConnectionState.description`,
    Microsoft's how-to). Here, not in edge.py, so go-live reads it without importing the SDK."""
    return f"councilkit: Front Door for {d.stack_name}"


def list_argv(d, environment: str) -> list[str]:
    return ["az", "network", "private-endpoint-connection", "list", "--name", environment,
            "--resource-group", names.resource_group(d), "--type", TYPE, "--output", "json"]


def approve_argv(connection_id: str) -> list[str]:
    return ["az", "network", "private-endpoint-connection", "approve", "--id", connection_id,
            "--description", APPROVED_BY]


def approve_by_hand(d, environment: str) -> str:
    """One shell line that approves every pending connection carrying Front Door's message."""
    query = (f"[?{STATE}.status=='Pending' && {STATE}.description=='{request_message(d)}'].id")
    listing = shlex.join([*list_argv(d, environment)[:-2], "--query", query, "--output", "tsv"])
    return (f"for id in $({listing}); do az network private-endpoint-connection approve --id \"$id\" "
            f"--description {shlex.quote(APPROVED_BY)}; done")


def _environment(live: GoLive) -> str:
    found = live.resources_of(ENVIRONMENT)
    outputs = (found[0].get("outputs") or {}) if found else {}
    return str(outputs.get("name") or str(outputs.get("id") or "").rpartition("/")[2] or "<ENVIRONMENT_NAME>")


def _state(connection: dict) -> dict:
    return (connection.get("properties") or {}).get("privateLinkServiceConnectionState") or {}


def status(connection: dict) -> str:
    return str(_state(connection).get("status") or "unknown")


def ours(d, connections: Any) -> list[dict]:
    """Front Door's connections: those whose description is the origin's request message."""
    message = request_message(d)
    return [c for c in connections if isinstance(c, dict)
            and _state(c).get("description") == message] if isinstance(connections, list) else []


def _read(live: GoLive) -> tuple[list[dict] | None, str]:
    """(Front Door's connections, "") or (None, why they could not be read)."""
    from . import golive

    if shutil.which("az") is None:
        return None, "the Azure CLI (az) is not installed here"
    signed_in, _ = golive._az(["az", "account", "show", "--output", "none"])
    if not signed_in:
        return None, "the Azure CLI is not signed in (`az login`)"
    ok, out = golive._az(list_argv(live.deployment, _environment(live)))
    found = golive._json(out) if ok else None
    if not isinstance(found, list):
        return None, f"listing the environment's private endpoint connections failed: {(out or 'no output').splitlines()[-1]}"
    return ours(live.deployment, found), ""


def _summary(mine: list[dict]) -> str:
    return ", ".join(f"{c.get('name', '?')} {status(c)}" for c in mine) or "no connection from Front Door yet"


def link_done(live: GoLive) -> str | None:
    """Why the link phase has nothing to do: the origin exists and every connection from Front
    Door is approved (a second `up` says so and approves nothing)."""
    if not live.resources_of(ORIGIN):
        return None
    mine, _ = _read(live)
    if mine and all(status(c) == "Approved" for c in mine):
        return f"Front Door's Private Link connection is already approved ({_summary(mine)})"
    return None


def _by_hand(live: GoLive, why: str) -> CouncilAction:
    return CouncilAction(
        what=f"{why}, so councilkit cannot approve Front Door's Private Link connection to the Container Apps "
             "environment; approve it by hand (Azure CLI, signed in), then run `councilkit up` again:",
        commands=[approve_by_hand(live.deployment, _environment(live))],
        pending="Front Door's Private Link connection to the Container Apps environment is not approved yet",
    )


def approve(live: GoLive) -> CouncilAction | None:
    """Approve each pending connection from Front Door, then wait, visibly and at most
    APPROVAL_WAIT_SECONDS, until every one is Approved. None when done; otherwise what the
    council runs by hand (`up` exits 3 and the next `up` carries on)."""
    from . import golive

    console = live.console
    polls = int(APPROVAL_WAIT_SECONDS // POLL_SECONDS) + 1
    asked: set[str] = set()
    with console.status("Front Door's Private Link connection") as progress:
        for n in range(polls):
            mine, why = _read(live)
            if mine is None:
                return _by_hand(live, why)
            if mine and all(status(c) == "Approved" for c in mine):
                console.print(f"Private Link: approved ({_summary(mine)})")
                return None
            for c in mine:
                if status(c) == "Pending" and str(c.get("id")) not in asked:
                    console.print(f"approving Front Door's Private Link connection {c.get('name', c.get('id'))}",
                                  soft_wrap=True, markup=False, highlight=False)
                    ok, out = golive._az(approve_argv(str(c.get("id"))))
                    if not ok:
                        return _by_hand(live, f"approving it failed: {(out or 'no output').splitlines()[-1]}")
                    asked.add(str(c.get("id")))
            if n + 1 < polls:
                left = (polls - n - 1) * POLL_SECONDS
                progress.update(f"Private Link: {_summary(mine)}; checking again in {POLL_SECONDS:.0f} s "
                                f"({left / 60:.1f} min left)")
                golive.CLOCK.sleep(POLL_SECONDS)
    return _by_hand(live, f"the connection was not approved within {APPROVAL_WAIT_SECONDS / 60:.0f} min "
                          f"({_summary(mine)})")
