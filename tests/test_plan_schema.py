"""The plan JSON against docs/plan.schema.json: every catalogue app × cloud × tier that plans, a
schema that rejects broken documents, and an ordering graph that points only at real resources."""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from councilkit.blueprints.clouds import CLOUDS
from councilkit.blueprints.deployment import build_deployment
from councilkit.blueprints.errors import UserError
from councilkit.cli.offline import PROJECT
from councilkit.cli.plan_json import dumps, plan_document
from councilkit.cli.planning import document_extras
from helpers import TIERS, planned

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "plan.schema.json").read_text(encoding="utf-8"))
VERSION_FILE = re.compile(r"^\d+\.\d+\.\d+\.yaml$")
ROOT_STACK = "pulumi:pulumi:Stack"

CATALOGUE = sorted(
    p.name for p in (ROOT / "blueprints").iterdir()
    if p.is_dir() and any(VERSION_FILE.match(f.name) for f in p.iterdir())
)
# Every blueprint plans on every cloud (ERPNext on Azure on a self-managed MariaDB).
REFUSED: set[tuple[str, str]] = set()
CASES = [
    (app, cloud, tier)
    for app in CATALOGUE for cloud in CLOUDS for tier in TIERS
    if (app, cloud) not in REFUSED
]


@lru_cache(maxsize=None)
def _document(app: str, cloud: str, tier: str) -> str:
    d, plan = planned(app, cloud, tier)
    return dumps(plan_document(plan, d, document_extras(plan, d)))


def document(app: str, cloud: str, tier: str) -> dict:
    """The plan document exactly as `plan --json` writes it (a fresh copy each call)."""
    return json.loads(_document(app, cloud, tier))


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return Draft202012Validator(SCHEMA)


def errors_of(validator: Draft202012Validator, doc: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
            for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))]


def test_the_schema_is_a_valid_draft_2020_12_schema():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


def test_the_catalogue_is_every_app_and_only_the_refused_pairs_are_left_out():
    assert {"nextcloud", "localgov-drupal", "erpnext"} <= set(CATALOGUE)
    assert len(CASES) == len(CATALOGUE) * len(CLOUDS) * len(TIERS) - len(REFUSED) * len(TIERS)
    for app, cloud in sorted(REFUSED):
        with pytest.raises(UserError):
            build_deployment(app, cloud=cloud, tier="trial")


@pytest.mark.parametrize("app,cloud,tier", CASES)
def test_every_plan_document_matches_the_schema(validator, app, cloud, tier):
    doc = document(app, cloud, tier)
    assert errors_of(validator, doc) == []
    assert doc["deployment"]["cloud"] == doc["outputs"]["cloud"] == cloud
    assert doc["deployment"]["tier"] == tier
    assert doc["changeSummary"] == {"create": len(doc["steps"])}
    urns = [s["urn"] for s in doc["steps"]]
    assert urns == sorted(set(urns)), "steps are unique and sorted by URN"
    assert all(s["urn"] == s["newState"]["urn"] for s in doc["steps"])


# --- the schema rejects what a consumer must not receive ------------------------------------


def _step(doc: dict, type_: str = "aws:rds/instance:Instance") -> dict:
    return next(s for s in doc["steps"] if s["newState"]["type"] == type_)


def _drop_dependencies(doc):
    del _step(doc)["newState"]["dependencies"]


def _protect_as_string(doc):
    _step(doc)["newState"]["protect"] = "false"


def _rule_status_ok(doc):
    doc["policy"]["rules"][0]["status"] = "ok"


def _no_plan_format(doc):
    del doc["planFormat"]


def _unknown_key_in_new_state(doc):
    _step(doc)["newState"]["outputs"] = {}


def _op_update(doc):
    doc["steps"][0]["op"] = "update"


def _property_dependencies_not_a_list(doc):
    state = _step(doc)["newState"]
    state["propertyDependencies"]["password"] = state["propertyDependencies"]["password"][0]


def _provider_by_name(doc):
    _step(doc)["newState"]["provider"] = "aws"


def _admin_credentials_without_command(doc):
    del doc["outputs"]["admin_credentials"]["read_command"]


def _usd_without_pounds(doc):
    del doc["cost"]["monthly_total_gbp"]


def _unknown_top_level_key(doc):
    doc["plan_format"] = 2


MUTATIONS = [_drop_dependencies, _protect_as_string, _rule_status_ok, _no_plan_format,
             _unknown_key_in_new_state, _op_update, _property_dependencies_not_a_list, _provider_by_name,
             _admin_credentials_without_command, _usd_without_pounds, _unknown_top_level_key]


@pytest.mark.parametrize("mutate", MUTATIONS, ids=lambda f: f.__name__.strip("_"))
def test_the_schema_rejects_a_broken_document(validator, mutate):
    doc = document("nextcloud", "aws", "production")
    assert validator.is_valid(doc)
    broken = copy.deepcopy(doc)
    mutate(broken)
    assert broken != doc
    assert not validator.is_valid(broken)


# --- the ordering graph ---------------------------------------------------------------------


def _urn_parts(urn: str) -> tuple[str, str, str, str]:
    """(stack, project, qualified type, name) of `urn:pulumi:STACK::PROJECT::QUALIFIED-TYPE::NAME`."""
    stack, project, qualified, name = urn.removeprefix("urn:pulumi:").split("::", 3)
    return stack, project, qualified, name


def _edges(state: dict) -> set[str]:
    found = set(state["dependencies"]) | {u for urns in state["propertyDependencies"].values() for u in urns}
    if state["parent"]:
        found.add(state["parent"])
    if state["provider"]:
        found.add(state["provider"].rsplit("::", 1)[0])  # "<provider urn>::<id>"
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle in `graph` (node → the nodes it waits for), or None."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path, on_path = [start], {start}
        stack = [iter(sorted(graph[start]))]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                done.add(path[-1])
                on_path.discard(path.pop())
                continue
            if nxt in on_path:
                return path[path.index(nxt):] + [nxt]
            if nxt in done or nxt not in graph:
                continue
            path.append(nxt)
            on_path.add(nxt)
            stack.append(iter(sorted(graph[nxt])))
    return None


def test_the_cycle_finder_finds_a_planted_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}, "c": set(), "d": {"root"}}) is None


def graph_problems(doc: dict) -> list[str]:
    """What is wrong with a plan's ordering graph: references to URNs that are neither a step nor
    the root stack, more than one root, steps of another stack, a cycle."""
    stack = doc["deployment"]["stack"]
    steps = {s["urn"]: s["newState"] for s in doc["steps"]}
    graph = {urn: _edges(state) for urn, state in steps.items()}
    problems, roots = [], set()
    for urn, targets in sorted(graph.items()):
        for target in sorted(targets - steps.keys()):
            if _urn_parts(target)[:3] == (stack, PROJECT, ROOT_STACK):
                roots.add(target)
            else:
                problems.append(f"{urn} -> {target}: not a step of this plan")
    if len(roots) != 1:
        problems.append(f"expected one root stack, found {sorted(roots)}")
    problems += [f"{u}: another stack or project" for u in steps if _urn_parts(u)[:2] != (stack, PROJECT)]
    if cycle := _cycle(graph):
        problems.append("cycle: " + " -> ".join(cycle))
    return problems


@pytest.mark.parametrize("app,cloud,tier", CASES)
def test_the_ordering_graph_points_only_at_steps_and_has_no_cycle(app, cloud, tier):
    assert graph_problems(document(app, cloud, tier)) == []


def test_the_graph_check_catches_a_dangling_reference_and_a_cycle():
    doc = document("nextcloud", "azure", "trial")
    assert graph_problems(doc) == []
    first, second = doc["steps"][0]["newState"], doc["steps"][1]["newState"]
    first["dependencies"].append(first["urn"].rsplit("::", 1)[0] + "::gone")
    first["propertyDependencies"]["x"] = [second["urn"]]
    second["dependencies"].append(first["urn"])
    problems = graph_problems(doc)
    assert any("::gone: not a step" in p for p in problems)
    assert any(p.startswith("cycle: ") for p in problems)
