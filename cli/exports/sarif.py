"""The plan's policy and deployability results as one SARIF 2.1.0 log, for code-scanning tools.

A council's security team reads it in the tool it already uses (GitHub code scanning, or any
SARIF viewer) without trusting councilkit's own report. Shape, from the sources:

- the OASIS SARIF 2.1.0 standard with Errata 01 and its JSON schema (oasis-tcs/sarif-spec,
  sarif-2.1/schema/sarif-schema-2.1.0.json; vendored in tests/fixtures/schemas/, where the tests
  validate every export against it);
- GitHub's "SARIF support for code scanning" (github/docs, content/code-security/code-scanning/
  integrating-with-code-scanning/sarif-support-for-code-scanning.md): the properties it requires
  (`$schema`, `version`, `runs[].tool.driver.name` and `rules[]`, each rule's `id`,
  `shortDescription.text`, `fullDescription.text` (1024 characters at most) and `help.text`, each
  result's `message.text`, `locations[]` with `physicalLocation.artifactLocation.uri` and a
  `region` of startLine/startColumn/endLine/endColumn, and `partialFingerprints`, of which it
  uses only `primaryLocationLineHash`), `properties.tags` for filtering, and
  `properties.security-severity` (over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low).

Choices:
- One run; one rule per control of the plan's cloud and per deployability rule, whether or not it
  found anything (a viewer lists what was checked). Rule ids are councilkit's (CK-AWS-001,
  AWS-DEP-001): stable, as the standard asks of `reportingDescriptor.id` (3.49.3).
- A result per failing resource of a failed or waived control (level `error` when mandatory,
  `warning` when advisory) and per deployability violation (always `error`: the cloud would refuse
  it). Passed and not-applicable controls are not results: the standard allows `kind: "pass"`
  results (3.27.9), but GitHub turns each result it is given into an alert and documents no
  `kind`, so passes would bury the failures. A waived failure is a result with an accepted
  `external` suppression carrying the waiver's reason (3.35); every result has a `suppressions`
  array because the standard wants them all null or all non-null within a run (3.27.23).
- Where: the physical location is a file in the council's repository, because code scanning shows
  a result only against a file it can find there: the stack folder's `Pulumi.yaml` (the project
  the resources belong to, one per stack) when the plan is of a stack folder, else the blueprint
  file the plan was built from (relative to the folder councilkit ran in, or an absolute file
  URI when the file is outside it, as a blueprint in the installed package is). The region is the
  file's first line: a plan's resource has no line of its own. The logical location names the
  resource: kind "resource", its Pulumi name, its URN as the fully qualified name (3.33), its
  Pulumi type in the property bag.
- `primaryLocationLineHash` is a digest of the rule and the resource's URN, since every result
  shares the same line: GitHub would otherwise merge different resources' alerts into one.
"""

from __future__ import annotations

import hashlib
from typing import Any, Iterable, Mapping

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
"""The `id` of the errata 01 schema (the vendored file's own `id`)."""

TOOL_NAME = "councilkit"
SRCROOT = "%SRCROOT%"
TEXT_LIMIT = 1024
"""GitHub truncates shortDescription and fullDescription beyond 1024 characters."""

SECURITY_SEVERITY = {"low": "3.0", "medium": "5.5", "high": "8.0", "critical": "9.5"}
"""councilkit severity → a score inside GitHub's band for the same word (see the module docstring)."""

# The NCSC Cloud Security Principles' own pages, principle number → address (each page's address
# as NCSC publishes it, read from public copies of the principles that cite it; 4 and 14 were not
# found, and fall back to the collection page).
NCSC_COLLECTION = "https://www.ncsc.gov.uk/collection/cloud/the-cloud-security-principles"
NCSC_PAGES = {
    "1": "principle-1-data-in-transit-protection",
    "2": "principle-2-asset-protection-and-resilience",
    "3": "principle-3-separation-between-customers",
    "5": "principle-5-operational-security",
    "6": "principle-6-personnel-security",
    "7": "principle-7-secure-development",
    "8": "principle-8-supply-chain-security",
    "9": "principle-9-secure-user-management",
    "10": "principle-10-identity-and-authentication",
    "11": "principle-11-external-interface-protection",
    "12": "principle-12-secure-service-administration",
    "13": "principle-13-audit-information-and-alerting-for-customers",
}


def ncsc_page(principle: str) -> str:
    """The NCSC page of a principle ("2.3" is on principle 2's page)."""
    slug = NCSC_PAGES.get(principle.split(".")[0])
    return f"{NCSC_COLLECTION}/{slug}" if slug else NCSC_COLLECTION


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def mapping_tags(control) -> list[str]:
    """`ncsc:2.3`, `fsbp:RDS.3`, `mcsb:DP-4`, `checkov:CKV_AWS_26`: filterable, one word each."""
    tags = [f"ncsc:{p}" for p in control.ncsc]
    for benchmark in control.benchmarks:
        scheme, _, ident = benchmark.partition(" ")
        tags.append(f"{scheme.lower()}:{ident}" if ident else benchmark)
    return tags


def control_rule(control) -> dict[str, Any]:
    """One councilkit control as a SARIF reportingDescriptor."""
    mapping = ", ".join([f"NCSC principle {p}" for p in control.ncsc] + list(control.benchmarks))
    doc = control.doc or control.title
    kind = "mandatory" if control.mandatory else "advisory"
    tiers = " and ".join(control.tiers)
    help_text = f"{doc}\n\n{kind.capitalize()} control for {tiers}; severity {control.severity}. Maps to: {mapping}."
    help_md = (f"{doc}\n\n- **{kind}**, for {tiers}; severity {control.severity}\n"
               f"- NCSC Cloud Security Principles: " + ", ".join(f"[{p}]({ncsc_page(p)})" for p in control.ncsc) + "\n"
               + (f"- Benchmarks: {', '.join(control.benchmarks)}\n" if control.benchmarks else ""))
    return {
        "id": control.id,
        "shortDescription": {"text": _short(control.title)},
        "fullDescription": {"text": _short(doc)},
        "help": {"text": help_text, "markdown": help_md},
        "helpUri": ncsc_page(control.ncsc[0]),
        "defaultConfiguration": {"level": "error" if control.mandatory else "warning"},
        "properties": {
            "tags": ["security", "councilkit-baseline", kind, *mapping_tags(control)],
            "security-severity": SECURITY_SEVERITY[control.severity],
            "ncsc": list(control.ncsc),
            "benchmarks": list(control.benchmarks),
            "tiers": list(control.tiers),
        },
    }


def deployability_rule(rule) -> dict[str, Any]:
    """One deployability rule (stacks/deployability) as a SARIF reportingDescriptor."""
    described = {
        "id": rule.id,
        "shortDescription": {"text": _short(rule.title)},
        "fullDescription": {"text": _short(f"{rule.title}. The cloud refuses a request that breaks it; "
                                           "no waiver lets it through.")},
        "help": {"text": f"{rule.title}\n\nSource: {rule.source}\nTypes: {', '.join(rule.types)}"},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["deployability", *rule.types], "source": rule.source},
    }
    if rule.source.startswith("https://"):
        described["helpUri"] = rule.source
    return described


def resource_type(urn: str) -> str:
    """The Pulumi type in a URN (`…::parent$type::name`)."""
    return urn.split("::")[-2].rsplit("$", 1)[-1]


def resource_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def fingerprint(rule_id: str, urn: str, detail: str = "") -> str:
    digest = hashlib.sha256("\0".join((rule_id, urn, detail)).encode("utf-8")).hexdigest()
    return f"{digest[:16]}:1"


def location(urn: str, artifact: str) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact} if artifact.startswith("file:") else {"uri": artifact, "uriBaseId": SRCROOT},
            "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 2},
        },
        "logicalLocations": [{
            "name": resource_name(urn),
            "fullyQualifiedName": urn,
            "kind": "resource",
            "properties": {"pulumiType": resource_type(urn)},
        }],
    }


def _result(rule_id: str, index: int, level: str, text: str, urn: str, artifact: str,
            detail: str = "", waiver: str | None = None) -> dict[str, Any]:
    suppressions = [] if waiver is None else [{"kind": "external", "status": "accepted", "justification": waiver}]
    return {
        "ruleId": rule_id,
        "ruleIndex": index,
        "kind": "fail",
        "level": level,
        "message": {"text": text},
        "locations": [location(urn, artifact)],
        "partialFingerprints": {"primaryLocationLineHash": fingerprint(rule_id, urn, detail)},
        "suppressions": suppressions,
    }


def sarif_log(report, deployability_report, rules: Iterable, deployment: Mapping[str, Any], artifact: str,
              tool_version: str) -> dict[str, Any]:
    """The SARIF log of one plan.

    `report` is the plan's PolicyReport, `deployability_report` its deployability Report and
    `rules` the deployability rules of its cloud; `deployment` the plan JSON's `deployment` key;
    `artifact` the repository-relative file the results point at (see the module docstring)."""
    descriptors = [control_rule(r.control) for r in report.results]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    for rule in rules:
        index[rule.id] = len(descriptors)
        descriptors.append(deployability_rule(rule))
    results = []
    for outcome in report.results:
        if outcome.status not in ("failed", "waived"):
            continue
        c = outcome.control
        level = "error" if c.mandatory else "warning"
        waiver = outcome.reason if outcome.status == "waived" else None
        for failure in outcome.failures:
            text = f"{c.title}: {resource_name(failure.urn)} ({resource_type(failure.urn)}) {failure.reason}"
            results.append(_result(c.id, index[c.id], level, text, failure.urn, artifact, waiver=waiver))
    for v in deployability_report.violations:
        text = f"{v.message}: {v.name} ({v.type}) {v.input} = {v.value!r} [source: {v.source}]"
        results.append(_result(v.rule, index[v.rule], "error", text, v.urn, artifact, detail=v.input))
    stack = deployment.get("stack", "")
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": TOOL_NAME,
                "semanticVersion": tool_version,
                "rules": descriptors,
            }},
            "automationDetails": {"id": f"councilkit/{stack}/"},
            "originalUriBaseIds": {SRCROOT: {"description": {
                "text": "The folder councilkit ran in: the repository root in the rendered estate workflow."}}},
            "results": results,
            "properties": {"deployment": dict(deployment), "baseline": "councilkit UK baseline",
                           "summary": report.as_json()["summary"],
                           "deployabilityViolations": len(deployability_report.violations)},
        }],
    }
