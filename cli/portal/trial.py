"""Before a trial starts: what this machine has and lacks to deploy one (the pulumi CLI, the
passphrase that encrypts the stack's secrets, the cloud's credentials), said in the words of the
command line's own one-line errors, so the portal and `councilkit up` never disagree."""

from __future__ import annotations

from dataclasses import dataclass

from councilkit.blueprints.errors import UserError


@dataclass(frozen=True)
class Check:
    what: str
    ok: bool
    detail: str


def preflight(cloud: str) -> list[Check]:
    from councilkit.cli import automation

    checks = []
    for what, run in (("The pulumi CLI", automation.require_pulumi_cli),
                      ("A passphrase for the stack's secrets", lambda: automation.require_passphrase("passphrase")),
                      (f"Credentials for {cloud}", lambda: automation.require_cloud_credentials(cloud))):
        try:
            run()
            checks.append(Check(what, True, "found"))
        except UserError as exc:
            checks.append(Check(what, False, str(exc)))
    return checks
