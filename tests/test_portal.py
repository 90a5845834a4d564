"""The portal (`councilkit serve`, issue 15) through its HTTP interface: the access token on every
page, the Host check against DNS rebinding, CSRF and same-origin on every form, security headers,
and the pages a council uses: the catalogue, an app's plan with its cost and controls, the
assurance pack download and the trial's preflight. Plans are real (made once in this process's
main thread, as the portal's worker would); the web layer runs in Starlette's test client."""

from __future__ import annotations

import io
import zipfile

import pytest
from starlette.testclient import TestClient

from councilkit.cli.portal.access import COOKIE, Access
from councilkit.cli.portal.app import Portal, create_app
from councilkit.cli.portal.planner import Choice, plan_page

TOKEN = "t0ken-for-tests-only"


class WorkerInThisProcess:
    """The warm planner, without its process: answers from plans made up front in the main
    thread (Pulumi's mocks cannot run in the server's threads)."""

    def __init__(self, choices):
        self.pages = {c: plan_page(c) for c in choices}
        self.asked = []

    def page(self, choice):
        self.asked.append(choice)
        if choice not in self.pages:
            from councilkit.blueprints.deployment import build_deployment

            build_deployment(choice.app, cloud=choice.cloud, tier=choice.tier, council=choice.council,
                             domain=choice.domain)  # a bad answer raises its UserError, as the worker would
            raise AssertionError(f"no plan prepared for {choice}")
        return self.pages[choice]

    def cost(self, app, cloud, tier):
        return f"£{len(app) + len(cloud) + len(tier)}.00"


NEXTCLOUD_AZURE = Choice("nextcloud", "azure", "trial")


@pytest.fixture(scope="module")
def worker():
    return WorkerInThisProcess([NEXTCLOUD_AZURE])


@pytest.fixture
def client(worker):
    portal = Portal(access=Access(TOKEN), planner=worker)
    with TestClient(create_app(portal), base_url="http://127.0.0.1:8150") as c:
        yield c


def signed_in(client):
    r = client.get(f"/?token={TOKEN}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert f"{COOKIE}={TOKEN}" in r.headers["set-cookie"]
    assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=strict" in r.headers["set-cookie"]
    client.cookies.set(COOKIE, TOKEN)
    return client


def test_every_page_needs_the_token(client):
    assert client.get("/").status_code == 403
    assert client.get("/apps/nextcloud").status_code == 403
    assert client.get("/?token=guess").status_code == 403
    client.cookies.set(COOKIE, "guess")
    assert client.get("/").status_code == 403


def test_another_host_name_is_refused_against_dns_rebinding(client):
    signed_in(client)
    assert client.get("/", headers={"host": "evil.example:8150"}).status_code == 400
    assert client.get("/", headers={"host": "localhost:8150"}).status_code == 200


def test_responses_carry_the_security_headers(client):
    r = signed_in(client).get("/")
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["referrer-policy"] == "same-origin" and r.headers["x-content-type-options"] == "nosniff"
    refused = client.get("/", headers={"host": "evil.example"})
    assert refused.headers["x-frame-options"] == "DENY", "refusals carry them too"


def test_the_catalogue_lists_every_app_with_its_facts_and_costs(client):
    from councilkit.blueprints.loader import discover

    html = signed_in(client).get("/").text
    for app_id in discover():
        assert f'href="/apps/{app_id}"' in html
    assert "AGPL-3.0-or-later" in html and "Nextcloud GmbH and community" in html
    assert "Microsoft Azure" in html and "Amazon Web Services" in html
    assert "£" in html or "working it out" in html


def test_an_app_page_shows_the_plan_cost_and_controls(client, worker):
    html = signed_in(client).get("/apps/nextcloud?cloud=azure&tier=trial").text
    ctx = worker.pages[NEXTCLOUD_AZURE]["context"]
    assert f'<dd class="govuk-summary-list__value" id="monthly-cost">{ctx["cost"]["total_text"]}' in html
    assert f"{ctx['policy']['passed']} passed, {ctx['policy']['failed']} failed" in html
    assert "<svg" in html and 'style="max-width' not in html, "the diagram inline, without an inline style"
    assert "Download the assurance pack" in html and 'name="csrf"' in html
    assert "uksouth" in html


def test_a_bad_answer_is_an_error_summary_not_a_crash(client):
    html = signed_in(client).get("/apps/nextcloud?cloud=azure&tier=trial&domain=not+a+domain").text
    assert "There is a problem" in html and "domain: &#39;not a domain&#39; is not valid" in html
    html = client.get("/apps/nextcloud?cloud=gcp&tier=trial").text
    assert "Choose a cloud: Nextcloud runs on" in html
    assert client.get("/apps/no-such-app").status_code == 404


def test_the_assurance_pack_downloads_as_a_zip(client, worker):
    r = signed_in(client).get("/apps/nextcloud/report.zip?cloud=azure&tier=trial")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert 'filename="assurance-example-council-nextcloud-trial.zip"' in r.headers["content-disposition"]
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert sorted(names) == sorted(worker.pages[NEXTCLOUD_AZURE]["files"])


def test_starting_a_trial_needs_the_csrf_token_and_the_portals_own_origin(client, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    signed_in(client)
    origin = {"origin": "http://127.0.0.1:8150"}
    assert client.post("/apps/nextcloud/trial", data={"cloud": "azure"}, headers=origin).status_code == 403
    assert client.post("/apps/nextcloud/trial", data={"cloud": "azure", "csrf": "x"}, headers=origin).status_code == 403
    csrf = Access(TOKEN).csrf
    foreign = client.post("/apps/nextcloud/trial", data={"cloud": "azure", "csrf": csrf},
                          headers={"origin": "http://evil.example"})
    assert foreign.status_code == 403
    ok = client.post("/apps/nextcloud/trial", data={"cloud": "azure", "csrf": csrf}, headers=origin)
    assert ok.status_code == 200
    assert "This machine cannot deploy a trial yet. Nothing has been created in the cloud." in ok.text
    assert ok.text.count("Missing</strong>") >= 2 and "pulumi" in ok.text


def test_serve_refuses_another_address_without_allow_remote(cli):
    result = cli("serve", "--host", "0.0.0.0")
    assert result.returncode == 2
    assert result.stderr.startswith("error: --host '0.0.0.0' would let other machines reach the portal")
    assert result.stderr.count("\n") == 1


def test_the_shipped_stylesheet_has_no_gov_uk_font_or_crown():
    """GOV.UK Frontend's GDS Transport font is for GOV.UK services only; with $govuk-font-family set
    without it, the Sass leaves out the @font-face (govuk-frontend dist/govuk/settings/
    _typography-font.scss: $govuk-include-default-font-face). The portal ships neither it nor the crown."""
    from pathlib import Path

    from councilkit.cli.portal import app

    css = (Path(app.__file__).parent / "static" / "govuk" / "govuk-frontend.css").read_text(encoding="utf-8")
    assert "GDS Transport" not in css and "@font-face" not in css
    assert "system-ui" in css
    assert not list((Path(app.__file__).parent / "static").rglob("*.woff*"))
    assert "govuk-header__logo" not in (Path(app.__file__).parent / "templates" / "base.html.j2").read_text()
