"""The Cloud adapters: one home per cloud, nothing else asks which cloud it is."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from councilkit.blueprints.clouds import CLOUD_FACTS, CLOUDS as CLOUD_NAMES, cloud_of_type
from councilkit.stacks.cloud import CLOUDS, Cloud, cloud_of_resource

ROOT = Path(__file__).resolve().parents[1]
# A comparison with, or a table keyed by, a cloud's name.
BRANCH = re.compile(r"""(==|!=)\s*["'](aws|azure)["']|["'](aws|azure)["']\s*(==|!=)|\{\s*["'](aws|azure)["']\s*:""")


def cloud_branches(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if BRANCH.search(line) and not line.strip().startswith("#")]


def test_every_cloud_has_an_adapter_and_its_facts():
    assert set(CLOUDS) == set(CLOUD_NAMES) == {"aws", "azure"}
    for name, cloud in CLOUDS.items():
        assert isinstance(cloud, Cloud) and cloud.name == name and cloud.facts is CLOUD_FACTS[name]


def test_no_cloud_branch_outside_the_adapters():
    found = {}
    for folder in ("cli", "stacks", "blueprints"):
        for path in [*(ROOT / folder).rglob("*.py"), *(ROOT / folder).rglob("*.j2")]:
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(("stacks/aws/", "stacks/azure/")) or rel == "blueprints/clouds.py":
                continue
            if hits := cloud_branches(path.read_text(encoding="utf-8")):
                found[rel] = hits
    assert found == {}


@pytest.mark.parametrize("planted", ['if d.cloud == "aws":', "x = 'azure' != cloud", 'TABLE = {"aws": 1, "azure": 2}'])
def test_the_branch_scan_catches_a_planted_branch(planted):
    assert cloud_branches(f"def f(d):\n    {planted}\n        pass\n")


def test_importing_the_adapters_imports_no_cloud_sdk():
    code = ("import sys; import councilkit.stacks.cloud, councilkit.stacks.cost; "
            "print(sorted(m for m in sys.modules if m.startswith(('pulumi_aws', 'pulumi_azure_native', 'pulumi'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("type_,cloud", [
    ("aws:rds/instance:Instance", "aws"), ("pulumi:providers:aws", "aws"),
    ("azure-native:app:ContainerApp", "azure"), ("pulumi:providers:azure-native", "azure"),
    ("random:index/randomPassword:RandomPassword", None), ("councilkit:aws:Database", None),
])
def test_a_resource_type_says_which_cloud_it_belongs_to(type_, cloud):
    assert cloud_of_type(type_) == cloud
    assert (cloud_of_resource(type_).name if cloud_of_resource(type_) else None) == cloud


def test_deletion_protected_types_are_planned_with_protection_on_in_production(plan_of):
    props = CLOUDS["aws"].protection_props
    _, plan = plan_of("nextcloud", "aws", "production")
    for type_, prop in props.items():
        wire = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), prop)
        assert plan.one(type_).inputs[wire] is True, type_
    assert CLOUDS["azure"].protection_props == {}


def test_every_priced_or_free_type_belongs_to_its_own_cloud():
    for name, cloud in CLOUDS.items():
        pricers, free = cloud.price_rules()
        assert pricers and {cloud_of_type(t) for t in [*pricers, *free]} == {name}


def test_one_off_commands_come_from_the_stacks_own_output(plan_of):
    d, plan = plan_of("nextcloud", "aws", "production")
    *runs, wait = CLOUDS["aws"].one_off_commands(plan.outputs["one_off"], "upgrade", d.region)
    task = plan.outputs["one_off"]["upgrade"]["task_definition"]
    assert len(runs) == len(d.blueprint.upgrade.commands) > 0
    for run in runs:
        assert run.startswith("aws ecs run-task --region eu-west-2 --cluster ") and f"--task-definition {task}" in run
    assert wait.startswith("# after each: aws ecs wait tasks-stopped")
    d, plan = plan_of("nextcloud", "azure", "production")
    assert CLOUDS["azure"].one_off_commands(plan.outputs["one_off"], "upgrade", d.region) == [
        plan.outputs["one_off"]["upgrade"]["start"]]
    assert CLOUDS["azure"].one_off_commands(plan.outputs["one_off"], "install", d.region) == []


def test_go_live_phases_end_with_the_whole_stack():
    from councilkit.blueprints.deployment import build_deployment

    for name, cloud in CLOUDS.items():
        phases = cloud.go_live_phases(build_deployment("nextcloud", cloud=name, tier="trial"))
        assert phases and phases[-1].target_types is None, name


def test_the_cli_names_no_cloud_resource_type():
    """Resource types are the adapters' (and the policy controls') business, not the CLI's."""
    typed = re.compile(r"""["'](aws|azure-native):[a-zA-Z]""")
    found = {p.relative_to(ROOT).as_posix(): typed.findall(p.read_text(encoding="utf-8"))
             for p in (ROOT / "cli").rglob("*.py")}
    assert {k: v for k, v in found.items() if v} == {}
