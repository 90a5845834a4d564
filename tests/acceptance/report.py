"""The run's two reports: JUnit XML (one testcase per app and phase) and a Markdown summary."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

from councilkit.cli.safe_io import write_atomically

from .results import FAILED, NOT_RUN, PASSED, SKIPPED, RunResult
from .suites import suite_for

SYMBOL = {PASSED: "✅ passed", FAILED: "❌ failed", SKIPPED: "⏭ skipped", NOT_RUN: "— not run"}


def junit(run: RunResult) -> str:
    cases = [(a, p) for a in run.apps for p in a.phases]
    suite = ET.Element("testsuite", {
        "name": f"councilkit acceptance {run.run_id}",
        "tests": str(len(cases)),
        "failures": str(sum(p.status == FAILED for _, p in cases)),
        "errors": "0",
        "skipped": str(sum(p.status in (SKIPPED, NOT_RUN) for _, p in cases)),
        "time": f"{sum(p.seconds for _, p in cases):.3f}",
        "timestamp": run.started,
    })
    for app, p in cases:
        case = ET.SubElement(suite, "testcase", {"classname": f"acceptance.{app.app}", "name": p.phase,
                                                 "time": f"{p.seconds:.3f}"})
        if p.status == FAILED:
            ET.SubElement(case, "failure", {"message": p.message}).text = "\n".join([p.message, *p.details])
        elif p.status in (SKIPPED, NOT_RUN):
            ET.SubElement(case, "skipped", {"message": p.message})
        if p.details and p.status != FAILED:
            ET.SubElement(case, "system-out").text = "\n".join(p.details)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(run: RunResult) -> str:
    total = sum((a.cost.gbp for a in run.apps if a.cost), Decimal("0.00"))
    lines = [
        f"# councilkit acceptance run {run.run_id}",
        "",
        f"- council: {run.council}",
        f"- cloud: {run.cloud}, region: {run.region}",
        f"- started {run.started}, finished {run.finished or '(running)'}",
        f"- result: {'all phases passed' if run.ok else 'FAILED'}",
        f"- cost incurred: £{total} estimated from councilkit's list prices × the hours each stack "
        "existed (not a bill; the cloud's own cost records show the billed figure about a day later)",
        f"- billed cost, a day later: {suite_for(run.cloud).billed_command(run)}",
        "",
    ]
    for app in run.apps:
        lines += [f"## {app.app}", ""]
        if app.stack:
            lines += [f"stack `{app.stack}`, https://{app.domain}", ""]
        lines += ["| phase | result | duration | note |", "| --- | --- | ---: | --- |"]
        for p in app.phases:
            lines.append(f"| {p.phase} | {SYMBOL[p.status]} | {p.seconds:.1f} s | {_cell(p.message)} |")
        lines.append("")
        lines.append(f"cost: {app.cost.label()}" if app.cost else "cost: none (nothing was deployed)")
        reported = [(p.phase, d) for p in app.phases for d in p.details]
        if reported:
            lines += ["", "reported:"] + [f"- {phase}: {d}" for phase, d in reported]
        lines.append("")
    return "\n".join(lines)


def write(run: RunResult, out: Path) -> tuple[Path, Path]:
    xml_path, md_path = out / "junit.xml", out / "summary.md"
    write_atomically(xml_path, junit(run))
    write_atomically(md_path, markdown(run))
    return xml_path, md_path
