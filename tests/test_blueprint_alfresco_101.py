"""Alfresco 1.0.1 (issue 12 leftover, issue 13 smoke): the proxy names the site, not the edge.

The Host the proxy receives differs by cloud: Azure production's Front Door sends the web app's
default FQDN (stacks/azure/edge.py origin_host_header, Microsoft's Front Door -> Container Apps
Private Link pattern) with the council's domain only in X-Forwarded-Host; the AWS ALB passes the
client's Host and adds X-Forwarded-For/-Proto/-Port only (Elastic Load Balancing User Guide,
"HTTP headers and Application Load Balancers"). Tomcat takes the server name from Host (the base
image's RemoteIpValve has portHeader X-Forwarded-Port and no hostHeader: Alfresco/alfresco-docker-
base-tomcat Dockerfile). So the proxy must send the domain itself. Sources in full: the header of
blueprints/alfresco/1.0.1.yaml.

The proxy's start-up script is taken from the planned container on each cloud and run with `sh`
(nginx replaced by `true`): the nginx configuration it writes is what nginx would load.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from helpers import TIERS, container_definitions, planned
from councilkit.blueprints.lock import read_lock
from councilkit.blueprints.loader import BUILTIN_DIR, load_file
from councilkit.cli.newstack import new_stack

CLOUDS = ("aws", "azure")
NEWEST = "alfresco@1.0.1"
DOMAIN = "docs.borsetshire.gov.uk"
ANSWERS = dict(council="Borsetshire County Council", domain=DOMAIN, contact="it@borsetshire.gov.uk")
READY = "/alfresco/api/-default-/public/alfresco/versions/1/probes/-ready-"


def _bp(version: str):
    return load_file(BUILTIN_DIR / "alfresco" / f"{version}.yaml")


def _planned_proxy(cloud: str, tier: str) -> tuple[list[str], dict]:
    """(argv, plain env) of the planned proxy container."""
    d, plan = planned("alfresco", cloud, tier, domain=DOMAIN)
    assert d.blueprint.ref == NEWEST
    if cloud == "aws":
        task = next(t for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.name.endswith("-proxy"))
        (c,) = container_definitions(task)
        argv = (c.get("entryPoint") or []) + (c.get("command") or [])
        return argv, {e["name"]: e["value"] for e in c["environment"]}
    app = next(a for a in plan.of_type("azure-native:app:ContainerApp") if a.name.endswith("-proxy"))
    (c,) = app.inputs["template"]["containers"]
    argv = (c.get("command") or []) + (c.get("args") or [])
    return argv, {e["name"]: e["value"] for e in c["env"] if "value" in e}


def _nginx_conf(tmp_path, argv: list[str], env: dict) -> str:
    assert argv[:2] == ["/bin/sh", "-c"]
    script = argv[2]
    target = tmp_path / "default.conf"
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 10.20.0.2\n")
    for old, new in (("/etc/nginx/conf.d/default.conf", str(target)), ("/etc/resolv.conf", str(resolv)),
                     ("exec nginx -g 'daemon off;'", "true")):
        assert old in script, old
        script = script.replace(old, new)
    result = subprocess.run(["sh", "-c", script], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", **env}, timeout=30)
    assert result.returncode == 0, result.stderr
    return target.read_text()


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("tier", TIERS)
def test_the_planned_proxy_sends_the_sites_domain_as_host_whatever_the_edge_sent(tmp_path, cloud, tier):
    argv, env = _planned_proxy(cloud, tier)
    assert env["SITE_DOMAIN"] == DOMAIN
    conf = _nginx_conf(tmp_path, argv, env)
    headers = dict(re.findall(r"^\s*proxy_set_header (\S+) (.+);$", conf, re.M))
    assert headers["Host"] == DOMAIN
    assert headers["X-Forwarded-Host"] == DOMAIN
    # Tomcat's RemoteIpValve reads the port from X-Forwarded-Port: the public one, never a client's.
    assert headers["X-Forwarded-Port"] == "443"
    assert headers["X-Forwarded-Proto"] == "$councilkit_proto"
    assert "$host" not in conf and "$http_x_forwarded_host" not in conf


def test_1_0_0_passed_the_edges_host_through():
    script = next(c for c in _bp("1.0.0").containers if c.name == "proxy").command[2]
    assert "proxy_set_header Host \\$host;" in script


def test_share_and_the_repository_keep_the_public_url_for_csrf_and_links():
    containers = {c.name: c for c in _bp("1.0.1").containers}
    share, repo = containers["share"].env, containers["repository"].env["JAVA_OPTS"]
    # substituter.sh applies the CSRF policy only when both are set (alfresco-community-share).
    assert (share["CSRF_FILTER_ORIGIN"], share["CSRF_FILTER_REFERER"]) == ("${url}", "${url}/share/.*")
    for option in ("-Dalfresco.host=${domain}", "-Dshare.host=${domain}", "-Dalfresco.port=443",
                   '-Dcsrf.filter.origin="${url}"'):
        assert option in repo


def test_1_0_1_changes_only_the_proxy_and_adds_smoke():
    old, new = _bp("1.0.0"), _bp("1.0.1")
    changed = {c.name for c, o in zip(new.containers, old.containers) if c != o}
    assert changed == {"proxy"}
    assert [c.image for c in new.containers] == [c.image for c in old.containers]
    assert (new.database, new.files, new.secrets, new.install, new.upgrade, new.tiers) == \
        (old.database, old.files, old.secrets, old.install, old.upgrade, old.tiers)
    assert old.smoke == []


def test_smoke_checks_the_repository_probe_and_the_share_login_form():
    smoke = [(s.path, s.status, s.contains) for s in _bp("1.0.1").smoke]
    assert smoke == [(READY, "200", "readyProbe: Success"), ("/share/page/", "200", "/share/page/dologin")]
    # The proxy serves both paths: the probe goes to the repository, /share/page/ to Share.
    web = _bp("1.0.1").web
    assert web.health_check.path == READY


@pytest.mark.parametrize("path", [READY, "/share/page/"])
def test_no_deny_rule_of_the_proxy_blocks_a_smoke_path(tmp_path, path):
    argv, env = _planned_proxy("aws", "trial")
    conf = _nginx_conf(tmp_path, argv, env)
    rules = re.findall(r'location ~ "([^"]+)" \{ return 403; \}', conf)
    assert len(rules) == 6
    assert not any(re.search(rule, path) for rule in rules)


def test_upgrade_from_1_0_0_reaches_1_0_1(cli, tmp_path):
    folder = new_stack("alfresco@1.0.0", cloud="azure", tier="production", **ANSWERS,
                       folder=str(tmp_path / "docs")).path
    result = cli("upgrade", str(folder), "--yes")
    assert result.returncode == 0, result.stderr
    assert "alfresco@1.0.0 -> alfresco@1.0.1" in result.stdout
    lock = read_lock(folder)
    assert lock.ref == NEWEST
    assert lock.blueprint.web.env["SITE_DOMAIN"] == "${domain}"
