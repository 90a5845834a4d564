"""stacks/aws/firewall.py: the security groups, read from offline plans (the rules live only in
the Firewall component, which has no pure helpers). Internet → load balancer → tasks → data."""

from __future__ import annotations

import re

from pathlib import Path

import pytest

from councilkit.stacks.spec import NETWORK_CIDR

from helpers import planned

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
EVERYWHERE = ["0.0.0.0/0"]
FIXTURES = Path(__file__).parent / "fixtures" / "blueprints"


def groups(app: str, tier: str = "production", **answers) -> dict[str, dict]:
    """role (edge, tasks, database, cache, files) → the group's inputs, with each source group
    reference replaced by the role it points at."""
    _, plan = planned(app, "aws", tier, **answers)
    found = {sg.name.rsplit("-", 1)[-1]: sg for sg in plan.of_type(SECURITY_GROUP)}
    role_of_id = {f"{sg.name}-id": role for role, sg in found.items()}
    out = {}
    for role, sg in found.items():
        inputs = dict(sg.inputs)
        inputs["ingress"] = [
            {**rule, "securityGroups": [role_of_id[g] for g in rule["securityGroups"]]} if "securityGroups" in rule else rule
            for rule in inputs.get("ingress", [])
        ]
        out[role] = inputs
    return out


def ports(rules: list[dict]) -> list[tuple[int, int]]:
    return [(r["fromPort"], r["toPort"]) for r in rules]


@pytest.fixture(scope="module")
def nextcloud():
    return groups("nextcloud", "production")


def test_nextcloud_has_one_group_per_layer(nextcloud):
    assert sorted(nextcloud) == ["cache", "database", "edge", "files", "tasks"]


def test_the_load_balancer_admits_only_https_and_http_from_the_internet(nextcloud):
    ingress = nextcloud["edge"]["ingress"]
    assert ports(ingress) == [(443, 443), (80, 80)]
    assert all(r["protocol"] == "tcp" and r["cidrBlocks"] == EVERYWHERE for r in ingress)
    assert [r["description"] for r in ingress] == ["HTTPS", "HTTP, answered only with a redirect to HTTPS"]


def test_the_load_balancer_sends_only_to_the_app_port_inside_the_network(nextcloud):
    d, _ = planned("nextcloud", "aws", "production")
    [egress] = nextcloud["edge"]["egress"]
    assert (egress["protocol"], egress["fromPort"], egress["toPort"]) == ("tcp", d.blueprint.web.port, d.blueprint.web.port)
    assert egress["cidrBlocks"] == [NETWORK_CIDR]


def test_the_tasks_admit_only_the_load_balancer_on_the_app_port(nextcloud):
    d, _ = planned("nextcloud", "aws", "production")
    [rule] = nextcloud["tasks"]["ingress"]
    assert ports([rule]) == [(d.blueprint.web.port, d.blueprint.web.port)]
    assert rule["securityGroups"] == ["edge"] and "cidrBlocks" not in rule
    assert rule["description"] == "from the load balancer"


EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


def task_egress(app: str, tier: str = "production", **answers) -> list[tuple[int, str]]:
    """(port, destination) of the tasks' outbound rules: a CIDR or the role of the group."""
    _, plan = planned(app, "aws", tier, **answers)
    role_of_id = {f"{sg.name}-id": sg.name.rsplit("-", 1)[-1] for sg in plan.of_type(SECURITY_GROUP)}
    out = []
    for rule in plan.of_type(EGRESS_RULE):
        assert role_of_id[rule.inputs["securityGroupId"]] == "tasks"
        assert rule.inputs["ipProtocol"] == "tcp" and rule.inputs["fromPort"] == rule.inputs["toPort"]
        to = rule.inputs.get("cidrIpv4") or role_of_id[rule.inputs["referencedSecurityGroupId"]]
        out.append((rule.inputs["fromPort"], to))
    return sorted(out)


def test_the_tasks_call_out_only_on_https_and_mail_and_reach_data_only_in_its_own_group(nextcloud):
    # Checkov CKV_AWS_382 (egress open to 0.0.0.0/0 on every port) no longer applies: HTTPS and
    # mail submission go anywhere, each data port only to its own group.
    assert "egress" not in nextcloud["tasks"]
    assert task_egress("nextcloud") == [
        (443, "0.0.0.0/0"), (465, "0.0.0.0/0"), (587, "0.0.0.0/0"),
        (2049, "files"), (5432, "database"), (6379, "cache"),
    ]


def test_an_app_without_data_services_opens_only_https_and_mail():
    assert task_egress("queue-app", "trial", blueprint_dirs=(FIXTURES,))[:3] == [
        (443, "0.0.0.0/0"), (465, "0.0.0.0/0"), (587, "0.0.0.0/0")]


def test_every_description_uses_only_the_characters_ec2_accepts():
    # terraform-provider-aws validSecurityGroupRuleDescription (from the EC2 API's IpRange):
    # A-Za-z0-9, space and ._-:/()#,@[]+=&;{}!$* , up to 255. An apostrophe failed every preview.
    allowed = re.compile(r"^[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{0,255}$")
    for app in ("nextcloud", "erpnext"):
        _, plan = planned(app, "aws", "production")
        texts = [sg.inputs.get("description", "") for sg in plan.of_type(SECURITY_GROUP)]
        texts += [r.get("description", "") for sg in plan.of_type(SECURITY_GROUP)
                  for r in sg.inputs.get("ingress", []) + sg.inputs.get("egress", [])]
        texts += [r.inputs.get("description", "") for r in plan.of_type(EGRESS_RULE)]
        assert len(texts) > 10
        bad = [t for t in texts if not allowed.match(t)]
        assert not bad, bad
    assert not allowed.match("between the app's own services")  # the defect the review found


@pytest.mark.parametrize("role,port", [("database", 5432), ("cache", 6379), ("files", 2049)])
def test_each_data_service_admits_only_the_tasks_on_its_own_port(nextcloud, role, port):
    group = nextcloud[role]
    [rule] = group["ingress"]
    assert (rule["protocol"], rule["fromPort"], rule["toPort"]) == ("tcp", port, port)
    assert rule["securityGroups"] == ["tasks"] and "cidrBlocks" not in rule
    assert rule["description"] == "from the app tasks"
    assert group["description"] == f"{role.capitalize()}: only the app tasks, port {port}"
    assert group["egress"] == []


def test_only_the_load_balancer_is_open_to_the_internet(nextcloud):
    open_to_all = {role for role, g in nextcloud.items() for r in g["ingress"] if "0.0.0.0/0" in r.get("cidrBlocks", [])}
    assert open_to_all == {"edge"}


def test_a_tier_without_a_cache_gets_no_cache_group():
    d, _ = planned("nextcloud", "aws", "trial")
    assert not d.caches
    assert sorted(groups("nextcloud", "trial")) == ["database", "edge", "files", "tasks"]


def test_a_mariadb_database_is_reached_on_3306():
    [rule] = groups("localgov-drupal", "trial")["database"]["ingress"]
    assert (rule["fromPort"], rule["toPort"]) == (3306, 3306)


def test_an_app_without_cache_or_shared_files_gets_no_group_for_them():
    d, _ = planned("camunda", "aws", "trial")
    assert not d.caches and not d.blueprint.files
    assert sorted(groups("camunda", "trial")) == ["database", "edge", "tasks"]


def test_internal_services_are_reachable_between_the_apps_own_tasks_on_their_ports_only():
    tasks = groups("queue-app", "trial", blueprint_dirs=(FIXTURES,))["tasks"]
    internal = [r for r in tasks["ingress"] if r.get("self")]
    assert ports(internal) == [(8000, 8000), (9000, 9000)]
    assert all(r["protocol"] == "tcp" and r["description"] == "between the app services" for r in internal)
    assert not any(r.get("cidrBlocks") for r in internal)
