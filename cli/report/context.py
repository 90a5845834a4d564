"""Everything the report shows, gathered from the deployment, its plan and the plan document.

Architecture, data locations, backups, controls and cost come from the plan (what would be
built); the app's description, maintainers and upgrade steps come from its blueprint's
publiccode-style metadata.
"""

from __future__ import annotations

import shlex
from typing import Any

from councilkit.blueprints.clouds import facts
from councilkit.blueprints.deployment import Deployment
from councilkit.blueprints.loader import _version_key, discover

from . import architecture, resilience

DUMP = {
    "postgres": "pg_dump --format=custom (PostgreSQL)",
    "mysql": "mysqldump --single-transaction (MySQL)",
    "mariadb": "mysqldump --single-transaction (MariaDB)",
}


def exit_steps(d: Deployment) -> list[str]:
    from councilkit.stacks.cloud import cloud_for

    bp = d.blueprint
    tools = cloud_for(d.cloud).exit_tools(d)
    steps = []
    if bp.database:
        where = tools.database_from
        steps.append(
            f"Export the database with {DUMP[bp.database.engine]} from {where}: a plain dump any "
            f"{bp.database.engine} host can load. Snapshots can also be restored to a new server."
        )
    if bp.files:
        paths = ", ".join(f.path for f in bp.files)
        tool = tools.files_with
        steps.append(f"Copy the shared files ({paths}) with {tool}; they are ordinary files and folders.")
    steps.append(
        f"Use {bp.app.name}'s own export tools for content in open formats (see {bp.app.docs_url})."
    )
    steps.append(
        "Keep or hand over the rendered stack folder (Pulumi stack file, blueprint lock, runbook) and the Pulumi "
        "state: they describe the whole hosting. `councilkit destroy` removes it"
        + ("; production keeps a final database snapshot." if d.production else ".")
    )
    return steps


RESULT_TEXT = {"passed": "Passed", "failed": "Failed", "waived": "Waived", "not_applicable": "Not applicable"}


def _policy(doc: dict) -> dict | None:
    policy = doc.get("policy")
    if not policy:
        return None
    rules = []
    for rule in policy["rules"]:
        status = rule["status"]
        rules.append({
            "id": rule["id"],
            "title": rule["title"],
            "ncsc": ", ".join(rule.get("ncsc", [])),
            "severity": rule.get("severity", ""),
            "result": RESULT_TEXT[status],
            "css": {"passed": "pass", "failed": "fail", "waived": "na", "not_applicable": "na"}[status],
            "reason": rule.get("reason", "") if status in ("failed", "waived") else "",
        })
    counts = {s: sum(1 for r in policy["rules"] if r["status"] == s) for s in RESULT_TEXT}
    return {"rules": rules, **counts}


def _money(amount: float, currency: str) -> str:
    symbol = {"GBP": "£", "USD": "$"}.get(currency, "")
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {currency}"


def _cost(doc: dict) -> dict | None:
    cost = doc.get("cost")
    if not cost:
        return None
    currency = cost["currency"]
    lines = [
        {"resource": line["resource"], "what": line["description"], "amount": _money(line["monthly"], currency)}
        for line in cost["lines"]
    ]
    trial = cost.get("trial_period")
    return {
        "currency": currency,
        "lines": lines,
        "total_text": _money(cost["monthly_total"], currency),
        "trial_text": f"{_money(trial['total'], currency)} for the {trial['days']}-day trial" if trial else "",
        "source": f"Prices: {cost['price_source']}, as of {cost['price_date']}.",
        "assumptions": cost.get("assumptions", []),
    }


def report_context(d: Deployment, plan, doc: dict[str, Any]) -> dict[str, Any]:
    bp = d.blueprint
    found = architecture.layers(plan)
    flow = architecture.flow_description(found)
    regions = resilience.regions(plan)
    versions = discover().get(bp.id, {})
    newer = [v for v in versions if _version_key(v) > _version_key(bp.version)]
    stores = [f"{layer.key.capitalize()}: {layer.text}" for key in ("database", "files", "cache", "secrets")
              if (layer := found[key]).items]
    return {
        "app": bp.app,
        "council": d.council,
        "blueprint": bp.ref,
        "cloud_name": facts(d.cloud).title,
        "region": d.region,
        "tier": d.tier,
        "domain": d.domain,
        "expires_on": d.expires_on,
        "resource_count": len(plan.resources),
        "diagram": architecture.svg(found, f"Architecture of {bp.app.name} for {d.council}"),
        "flow": flow,
        "regions": regions,
        "uk": all(r in facts(d.cloud).uk_regions for r in regions),
        "data_stores": stores,
        "policy": _policy(doc),
        "protections": resilience.protections(plan),
        "cost": _cost(doc),
        "engine": f"{bp.database.engine} {bp.database.version}" if bp.database else "files",
        "exit_steps": exit_steps(d),
        "newer": newer,
        "upgrade_commands": [shlex.join(c) for c in bp.upgrade.commands],
        "upgrade_notes": bp.upgrade.notes,
    }
