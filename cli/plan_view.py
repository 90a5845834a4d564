"""How a plan looks in a terminal: a tree of resources grouped by component, then one summary line."""

from __future__ import annotations

from rich.console import Console
from rich.tree import Tree

from councilkit.blueprints.deployment import Deployment

from councilkit.stacks.plan import Plan


def summary_line(plan: Plan, d: Deployment) -> str:
    return (
        f"{len(plan.resources)} resources · {d.blueprint.ref} ({d.blueprint.app.name} "
        f"{d.blueprint.app.upstream_version}) · {d.cloud} {d.region} · {d.tier}"
    )


def tree(plan: Plan, d: Deployment) -> Tree:
    root = Tree(f"[bold]{d.stack_name}[/] — {d.council}, https://{d.domain}")
    nodes = {}
    children: dict[str, list] = {}
    for r in plan.resources:
        children.setdefault(r.parent, []).append(r)

    def add(parent_node: Tree, parent_urn: str) -> None:
        for r in sorted(children.get(parent_urn, []), key=lambda r: (r.custom, r.type, r.name)):
            if r.custom:
                parent_node.add(f"{r.type.split(':')[1]}:{r.type.split(':')[-1]} [dim]{r.name}[/]")
            else:
                nodes[r.urn] = node = parent_node.add(f"[bold cyan]{r.type.split(':')[-1]}[/] {r.name}")
                add(node, r.urn)

    top_parents = {r.parent for r in plan.resources} - {r.urn for r in plan.resources}
    for parent in sorted(top_parents):
        add(root, parent)
    return root


def show(plan: Plan, d: Deployment, console: Console | None = None, extra: list[str] = ()) -> None:
    """The tree, notes, `extra` lines (policy and cost), and the summary line last."""
    console = console or Console()
    console.print(tree(plan, d))
    for note in notes(d):
        console.print(f"[yellow]note:[/] {note}")
    for line in extra:
        console.print(line)
    console.print(f"[bold]{summary_line(plan, d)}[/]")


def notes(d: Deployment) -> list[str]:
    out = []
    if d.defaults_used:
        out.append(
            f"no {', '.join('--' + n for n in d.defaults_used)} given: using placeholders "
            f"(council {d.council!r}, domain {d.domain}, contact {d.contact})"
        )
    if d.non_uk_region:
        out.append(f"region {d.region} is outside the UK: data will be stored there (--allow-non-uk-region)")
    if d.expires_on:
        out.append(f"trial: every resource is tagged expires-on={d.expires_on}")
    out += [f"{d.blueprint.app.name}: {note}" for note in d.blueprint.notes]
    return out
