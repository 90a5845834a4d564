"""Render one deployment as a stack folder: plain files a council can read, diff and commit.

`render(d, source)` returns every file's bytes (nothing touches the disk here); `stackdir.write`
puts them in place atomically. The same inputs give byte-identical files: no timestamps, no
absolute paths, keys in a fixed order; the only dates are the answers themselves (expires-on).
Templates are jinja2, in cli/templates/.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from councilkit.blueprints.deployment import Deployment
from councilkit.blueprints.errors import UserError
from councilkit.blueprints.lock import IMAGE_DIR, LOCK_FILE, build_files, lock_document, lock_text

TEMPLATES = Path(__file__).resolve().parent / "templates"
DEFAULT_BACKEND = "file://~/.councilkit/state"
BACKEND_SCHEMES = ("file://", "s3://", "azblob://", "gs://", "https://", "http://")
PROJECT_FILE = "Pulumi.yaml"
PROGRAM_FILE = "__main__.py"
RUNBOOK_FILE = "RUNBOOK.md"
# As in stacks/aws/database.py and stacks/azure/database.py (a test keeps them equal); read here
# without importing the cloud SDKs, so `new` stays fast.
BACKUP_DAYS = {"trial": 7, "production": 14}
AWS_BACKUP_PLAN_DAYS = (35, 365)  # stacks/aws/backup.py: daily kept, monthly kept


def stack_file(stack: str) -> str:
    return f"Pulumi.{stack}.yaml"


def check_backend(url: str) -> str:
    if not url.startswith(BACKEND_SCHEMES):
        raise UserError(
            f"backend: {url!r} is not a Pulumi backend URL; expected e.g. {DEFAULT_BACKEND}, "
            "s3://bucket/prefix, azblob://container or https://api.pulumi.com"
        )
    return url


def _aws(d: Deployment, stack: str) -> dict[str, Any]:
    daily, monthly = AWS_BACKUP_PLAN_DAYS
    return {
        "name": "AWS",
        "region_key": "aws:region",
        "uk_regions": "eu-west-2",
        "secret_name": "AWS Secrets Manager",
        "secret_store": f"AWS Secrets Manager ({d.region}, secrets named `councilkit/{stack}/...`)",
        "open_app": f"Open https://{d.domain} once the DNS records from `councilkit outputs .` are in place.",
        "dns_steps": [],
        "credentials": "`aws sso login` with `AWS_PROFILE`, or `AWS_ACCESS_KEY_ID` and "
        "`AWS_SECRET_ACCESS_KEY`, for an account that may create VPCs, ECS, RDS, EFS, load balancers "
        "and IAM roles.",
        "read_secret": f"aws secretsmanager get-secret-value --region {d.region} --secret-id <ARN> "
        "--query SecretString --output text",
        "registry_output": "image_repository output",
        "backups": f"The database (RDS) keeps automated backups with point-in-time restore for "
        f"{BACKUP_DAYS[d.tier]} days. Shared files live on EFS, encrypted.",
        "production_backups": f"AWS Backup also copies the database and the shared files daily "
        f"(kept {daily} days) and monthly (kept {monthly} days) into an encrypted vault.",
        "manual_backup": "in the RDS console take a snapshot of the instance tagged "
        f"`council={d.council_slug}`, `app={d.app_id}` (or `aws rds create-db-snapshot`).",
        "restore": "RDS restores into a new instance, never in place: restore to a point in time (RDS "
        "console, Automated backups, or `aws rds restore-db-instance-to-point-in-time`) or from a "
        "snapshot, check it, then copy the data back into the stack's database with the engine's "
        "dump tool (or have a cloud engineer swap the instance in with `pulumi import`). "
        + (
            "Files: AWS Backup restores into the same EFS file system, under a new "
            "`aws-backup-restore_...` folder; copy back what you need."
            if d.production
            else "Files on a trial have no backup beyond EFS's own durability."
        ),
        "destroy_production": "Deletion protection on the database and the load balancer is turned off "
        "first (a targeted update), then everything is destroyed except the database's final snapshot "
        f"`{f'{stack}-final'[:63]}`, which AWS keeps until you delete it.",
    }


def _fit(text: str, limit: int) -> str:
    """As stacks/azure/names.py (read here without importing the cloud SDK; a test keeps them equal)."""
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:6]
    return f"{text[: limit - 7].rstrip('-')}-{digest}"


def azure_names(d: Deployment) -> dict[str, str]:
    """The resource group and web container app names stacks/azure/names.py gives `d`."""
    return {"resource_group": _fit(f"rg-{d.stack_name}", 90),
            "web_app": _fit(f"{d.app_id}-{d.blueprint.web.name}", 32)}


def _azure_dns(d: Deployment, stack: str) -> list[dict[str, str | None]]:
    """The DNS (and, in production, Private Link) steps around the first `up` on Azure: each a
    text and, when it has one, a command (shown on its own line, so it copies whole)."""
    n = azure_names(d)
    asuid = {
        "text": f"Before the first `up`, publish the TXT record `asuid.{d.domain}`. Azure checks it before "
        f"it puts {d.domain} on the web app. Its value is the subscription's domain verification id, "
        "which a preview shows in the `dns_records` output (it needs the credentials; nothing is created):",
        "command": f"pulumi preview -s {stack}",
    }
    if not d.production:
        return [
            asuid,
            {
                "text": f"Publish the CNAME `{d.domain}` → the web app's own address (the `web_fqdn` output, "
                f"`{n['web_app']}.<the environment's default domain>`); the web app's managed certificate "
                "validates by it and renews itself. The address exists once the Container Apps environment "
                "does, so if the first `up` stops at the web app because the CNAME is missing, read the "
                "default domain, publish the CNAME and run `councilkit up .` again:",
                "command": f"az containerapp env list --resource-group {n['resource_group']} "
                "--query \"[0].properties.defaultDomain\" -o tsv",
            },
        ]
    return [
        asuid,
        {
            "text": f"After the first `up`, publish the rest from `councilkit outputs .`: the CNAME "
            f"`{d.domain}` → the Front Door endpoint, and two TXT values at `_dnsauth.{d.domain}` (one for "
            "Front Door's managed certificate, one for the web app's). Azure retries validation until "
            "they appear.",
            "command": None,
        },
        {
            "text": "Approve Front Door's Private Link connection to the Container Apps environment, once "
            "(the environment takes no public traffic; Front Door reaches it only over Private Link). "
            "Until then Front Door answers 502. The `private_link_approval` output says how: in the "
            "portal, Container Apps environment > Networking > Private endpoints > approve the pending "
            "connection from Front Door, or with the `az rest` command it prints.",
            "command": None,
        },
    ]


def _azure(d: Deployment, stack: str) -> dict[str, Any]:
    family = "postgres" if d.blueprint.database and d.blueprint.database.engine == "postgres" else "mysql"
    return {
        "name": "Azure",
        "region_key": "azure-native:location",
        "uk_regions": "uksouth, with ukwest as its pair",
        "secret_name": "Azure Key Vault",
        "secret_store": "Azure Key Vault (the `key_vault` output; reachable only through its private endpoint)",
        "open_app": (
            f"Open https://{d.domain} once its DNS records are published and the Private Link "
            "connection is approved (Before the first deploy)."
            if d.production
            else f"Open https://{d.domain} once its `asuid` TXT record and CNAME are published "
            "(Before the first deploy) and the web app's certificate is issued, minutes later."
        ),
        "dns_steps": _azure_dns(d, stack),
        "credentials": "`az login` and `az account set --subscription ...`, or a service principal: "
        "`ARM_CLIENT_ID`, `ARM_CLIENT_SECRET`, `ARM_TENANT_ID`, `ARM_SUBSCRIPTION_ID`.",
        "read_secret": "az keyvault secret show --vault-name <key_vault> --name <secret> --query value -o tsv",
        "registry_output": "image output",
        "backups": f"The database (Azure Database flexible server) keeps automated backups with "
        f"point-in-time restore for {BACKUP_DAYS[d.tier]} days.",
        "production_backups": "A Recovery Services vault also backs up the file share (every shared "
        "path is a folder of it) daily.",
        "manual_backup": f"an on-demand backup of the flexible server (portal, Backup and restore) or "
        f"a dump with the engine's own tool (`az {family} flexible-server` shows the server).",
        "restore": "A flexible server restores into a new server (portal, Restore, or "
        f"`az {family} flexible-server restore`): check it, then copy the data back into the stack's "
        "database with the engine's dump tool. "
        + (
            "Files: restore a share or single files from the Recovery Services vault (Backup items)."
            if d.production
            else "Files on a trial have no backup beyond the storage account's redundancy."
        ),
        "destroy_production": "Azure keeps no final database snapshot: take a dump and copy the file "
        "share first (see Back up). The Key Vault stays soft-deleted, with purge protection, for 90 days.",
    }


@dataclass(frozen=True)
class Rendered:
    """A stack folder in memory: relative path → bytes."""

    stack: str
    files: dict[str, bytes]


def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    # A JSON string is a valid YAML double-quoted scalar: any council name is safe in the config.
    env.filters["q"] = lambda value: json.dumps(str(value), ensure_ascii=False)
    env.filters["shjoin"] = shlex.join
    return env


def render(
    d: Deployment,
    source: Path,
    *,
    backend: str = DEFAULT_BACKEND,
    kept: dict[str, str] | None = None,
    image_files: dict[str, bytes] | None = None,
) -> Rendered:
    """Every file of the stack folder for `d`, whose blueprint was read from `source`.

    `kept` are keys Pulumi itself wrote into the stack config (encryption salt), carried over
    when a folder is re-rendered. `image_files` default to the files beside `source`.
    """
    stack = d.stack_name
    bp = d.blueprint
    if image_files is None:
        image_files = build_files(bp, source)
    builds = [c for c in bp.containers if c.build]
    context = {
        "d": d,
        "bp": bp,
        "app": bp.app,
        "stack": stack,
        "backend": check_backend(backend),
        "kept": sorted((kept or {}).items()),
        "cloud": _aws(d, stack) if d.cloud == "aws" else _azure(d, stack),
        "image": builds[0].build if builds else None,
        "install": bp.install,
    }
    env = _environment()
    files = {
        PROJECT_FILE: env.get_template("Pulumi.yaml.j2").render(context),
        stack_file(stack): env.get_template("Pulumi.stack.yaml.j2").render(context),
        PROGRAM_FILE: env.get_template("__main__.py.j2").render(context),
        RUNBOOK_FILE: env.get_template("RUNBOOK.md.j2").render(context),
        LOCK_FILE: lock_text(lock_document(bp, source, image_files)),
    }
    out = {name: text.encode("utf-8") for name, text in files.items()}
    for name, data in image_files.items():
        out[f"{IMAGE_DIR}/{name}"] = data
    return Rendered(stack=stack, files=dict(sorted(out.items())))
