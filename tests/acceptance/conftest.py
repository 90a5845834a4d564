"""Options of the real-account run, and its checks before pytest starts anything.

`pytest_cmdline_main` runs for initial conftests (this folder named on the command line) before
the session starts: an unknown cloud, a missing pulumi CLI, passphrase, credentials, Azure CLI
sign-in, subscription or DNS zone ends the run there with councilkit's one `error:` line and
exit 2, before anything is created.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from councilkit.blueprints.errors import UserError

# tests/conftest.py pins COUNCILKIT_TODAY for reproducible offline tests; a real run must count
# its trial's expiry (and the reaper's) from the real date.
os.environ.pop("COUNCILKIT_TODAY", None)


def pytest_addoption(parser):
    group = parser.getgroup("councilkit acceptance (real AWS account or Azure subscription)")
    group.addoption("--cloud", default="aws", help="aws (default) or azure.")
    group.addoption("--apps", default="", help="Comma-separated catalogue apps (default: every app).")
    group.addoption("--tiers", default="", help="Azure: comma-separated tiers, trial and/or production (default: trial).")
    group.addoption("--subscription", default=None,
                    help="Azure subscription id (or ARM_SUBSCRIPTION_ID): where every trial is deployed.")
    group.addoption("--domain-suffix", default=None,
                    help="Route 53 hosted zone / Azure DNS zone you own (or COUNCILKIT_ACCEPTANCE_DOMAIN_SUFFIX).")
    group.addoption("--region", default="", help="A UK region (default: eu-west-2 on AWS, uksouth on Azure).")
    group.addoption("--acceptance-out", default="out/acceptance", help="Folder for each run's folder.")
    group.addoption("--backend", default=None, help="Pulumi state backend (default: file:// in the run folder).")
    group.addoption("--contact", default=None, help="Contact email of the trials.")
    group.addoption("--blueprints", action="append", default=[], help="Extra blueprint folder (newer versions).")
    group.addoption("--run-id", default=None, help="Reuse a run id (default: a new one).")


def options_from(config):
    from acceptance.config import Options, new_run_id, parse_apps, parse_domain_suffix, parse_tiers
    from acceptance.suites import suite_for

    suite = suite_for(config.getoption("cloud"))
    dirs = tuple(config.getoption("blueprints"))
    return Options(
        apps=parse_apps(config.getoption("apps"), dirs),
        domain_suffix=parse_domain_suffix(config.getoption("domain_suffix"), suite.zone),
        out=Path(config.getoption("acceptance_out")),
        run_id=config.getoption("run_id") or new_run_id(),
        region=config.getoption("region") or suite.region,
        cloud=suite.cloud,
        tiers=parse_tiers(config.getoption("tiers"), suite.tiers),
        subscription=(config.getoption("subscription") or os.environ.get("ARM_SUBSCRIPTION_ID") or "").strip(),
        backend=config.getoption("backend"),
        contact=config.getoption("contact"),
        blueprint_dirs=dirs,
    )


def pytest_cmdline_main(config):
    if config.option.help or config.option.version:
        return None
    try:
        from acceptance.runner import preflight

        options = options_from(config)
        if not config.option.collectonly:
            preflight(options)
    except UserError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    config.acceptance_options = options
    return None
