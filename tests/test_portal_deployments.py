"""The portal's deployments page (issue 15): councilkit's stacks in the state backend as `reap`
reads them (cli/reap.py list_stacks), with days left for trials; and, without the pulumi CLI or a
passphrase, the same one-line reason the command line gives, on the page instead of a crash."""

from __future__ import annotations

import datetime as dt

import pytest
from starlette.testclient import TestClient

from councilkit.cli import reap
from councilkit.cli.portal.access import COOKIE, Access
from councilkit.cli.portal.app import Portal, create_app
from councilkit.cli.portal.deployments import backend_stacks, rows
from test_portal import TOKEN, WorkerInThisProcess
from test_reap import WORKSPACE, FakeWorkspace

TODAY = dt.date(2026, 11, 25)  # tests/conftest.py pins COUNCILKIT_TODAY to this day


def client_for(stacks):
    portal = Portal(access=Access(TOKEN), planner=WorkerInThisProcess([]), stacks=stacks)
    client = TestClient(create_app(portal), base_url="http://127.0.0.1:8150")
    client.cookies.set(COOKIE, TOKEN)
    return client


def test_rows_are_councilkits_stacks_with_days_left():
    found = {r.stack: r for r in rows(reap.list_stacks(FakeWorkspace(WORKSPACE)), TODAY)}
    assert "d-hand-made" not in found and "e-broken" not in found, "only stacks councilkit deployed"
    assert found["b-nextcloud-trial"].left == "30 days" and found["b-nextcloud-trial"].expires == "2026-12-25"
    assert found["a-nextcloud-trial"].left == "expired 24 days ago"
    assert found["g-drupal-trial"].left == "expires today"
    assert found["c-nextcloud-production"].expires == "never" and found["c-nextcloud-production"].left == ""
    assert found["c-nextcloud-production"].resources == "120"


def test_the_page_lists_them(monkeypatch):
    with client_for(lambda: ("s3://council-state", reap.list_stacks(FakeWorkspace(WORKSPACE)))) as client:
        html = client.get("/deployments").text
    assert "s3://council-state" in html
    assert "<td class=\"govuk-table__cell\">b-nextcloud-trial</td>" in html and "30 days" in html
    assert "Microsoft Azure" in html and "d-hand-made" not in html


def test_without_the_pulumi_cli_the_page_says_why(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with client_for(backend_stacks) as client:
        r = client.get("/deployments")
    assert r.status_code == 200
    assert "The state backend cannot be read from here:" in r.text and "pulumi" in r.text


def test_backend_stacks_reads_the_backend_as_reap_does(monkeypatch):
    from councilkit.cli import automation

    monkeypatch.setattr(automation.shutil, "which", lambda name: "/opt/pulumi/bin/pulumi")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    seen = {}
    monkeypatch.setattr(reap, "backend_workspace", lambda url, work: seen.setdefault("url", url) and FakeWorkspace(WORKSPACE))
    url, infos = backend_stacks("s3://council-state")
    assert url == seen["url"] == "s3://council-state"
    assert [i.name for i in infos] == sorted(WORKSPACE)
