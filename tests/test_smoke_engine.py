"""The smoke engine (cli/smoke.py) against a real HTTP server on 127.0.0.1: each request's status
and text judged, what came back quoted, retries until the deadline, the body read up to its cap
and decoded leniently; and `up`'s use of it (cli/golive.py): the failing request and its `why`
named, and a first deploy whose install step has not run checked with the health path."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from rich.console import Console

from councilkit.blueprints.deployment import build_deployment
from councilkit.blueprints.errors import UserError
from councilkit.blueprints.loader import resolve
from councilkit.blueprints.model import SmokeRequest
from councilkit.cli import golive, smoke
from councilkit.stacks.cloud import GoLive, Phase, SmokeTarget
from councilkit.stacks.outputs import DnsRecord

DOMAIN = "intranet.borsetshire.gov.uk"
LOGIN = SmokeRequest(path="/wp-login.php", status="200", contains='id="user_login"', why="the log-in page is served")
INDEX = SmokeRequest(path="/?rest_route=/", status="200", contains='"namespaces":[', why="the site answers")


class App(BaseHTTPRequestHandler):
    """path (with query) → (status, body bytes, content type); a list is answered in turn, the
    last one for ever after. Every request is logged with its Host."""

    routes: dict = {}
    seen: list = []

    def do_GET(self):  # noqa: N802 — http.server's name
        App.seen.append((self.path, self.headers["Host"]))
        answer = App.routes.get(self.path, (404, b"not found", "text/plain"))
        if isinstance(answer, list):
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        status, body, content_type = answer
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if status in (301, 302):
            self.send_header("Location", "/wp-admin/install.php")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    App.routes, App.seen = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), App)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", server.server_address[1]
    server.shutdown()
    server.server_close()


class Clock:
    def __init__(self):
        self.t, self.sleeps = 0.0, []

    def now(self):
        return self.t

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.t += seconds


LOGIN_PAGE = (b'<!DOCTYPE html><html><head><title>Log In</title></head><body class="login">'
              b'<form name="loginform" id="loginform" method="post"><p><label for="user_login">Username or Email '
              b'Address</label><input type="text" name="log" id="user_login" class="input" value="" size="20" /></p>')


# --- one request, judged --------------------------------------------------------------------------


def test_each_request_passes_on_its_status_and_text(site):
    base, _ = site
    App.routes["/wp-login.php"] = (200, LOGIN_PAGE, "text/html; charset=UTF-8")
    App.routes["/?rest_route=/"] = (200, b'{"name":"Intranet","namespaces":["oembed\\/1.0","wp\\/v2"]}', "application/json")
    results = smoke.run([LOGIN, INDEX], base)
    assert [(r.url, r.status, r.passed, r.failure) for r in results] == [
        (f"{base}/wp-login.php", 200, True, ""), (f"{base}/?rest_route=/", 200, True, "")]
    assert results[0].line() == f"✓ 200 {base}/wp-login.php — the log-in page is served"
    assert [p for p, _ in App.seen] == ["/wp-login.php", "/?rest_route=/"], "in order, the query kept"


def test_a_wrong_status_says_the_code_and_what_was_expected(site):
    base, _ = site
    App.routes["/wp-login.php"] = (503, b"Service Unavailable", "text/plain")
    [r] = smoke.run([LOGIN], base)
    assert (r.passed, r.status, r.failure, r.detail) == (False, 503, smoke.WRONG_STATUS, "HTTP 503, expected 200")
    assert r.line() == f"✗ 503 {base}/wp-login.php — the log-in page is served: HTTP 503, expected 200"


def test_missing_text_quotes_the_start_of_what_came_back(site):
    base, _ = site
    page = b"<html><body><h1>Error establishing a database connection</h1>" + b"x" * 500 + b"</body></html>"
    App.routes["/wp-login.php"] = (200, page, "text/html")
    [r] = smoke.run([LOGIN], base)
    assert (r.passed, r.failure) == (False, smoke.TEXT_MISSING)
    assert r.detail.startswith("HTTP 200 without 'id=\"user_login\"'; the body began "
                               "'<html><body><h1>Error establishing a database connection</h1>xxx")
    assert r.detail.endswith("…'") and len(r.detail) < 250, "a short excerpt, not the page"


def test_an_empty_body_is_said_to_be_empty(site):
    base, _ = site
    App.routes["/wp-login.php"] = (200, b"", "text/html")
    [r] = smoke.run([LOGIN], base)
    assert r.detail == "HTTP 200 without 'id=\"user_login\"'; the body was empty"


def test_nothing_listening_is_a_connection_error_not_a_code():
    [r] = smoke.run([LOGIN], "http://127.0.0.1:1")
    assert (r.passed, r.status, r.failure) == (False, None, smoke.NO_ANSWER)
    assert r.detail.startswith("NewConnectionError: ") and "refused" in r.detail.lower()
    assert r.line().startswith("✗ --- http://127.0.0.1:1/wp-login.php — the log-in page is served: NewConnectionError")


def test_a_redirect_is_judged_by_the_codes_not_followed(site):
    base, _ = site
    App.routes["/wp-login.php"] = (302, b"", "text/html")
    [r] = smoke.run([LOGIN], base)
    assert (r.status, r.failure) == (302, smoke.WRONG_STATUS)
    [r] = smoke.run([SmokeRequest(path="/wp-login.php", status="200,302", why="PHP answers")], base)
    assert r.passed and [p for p, _ in App.seen] == ["/wp-login.php", "/wp-login.php"], "install.php never asked"


def test_the_body_is_read_up_to_its_cap_only(site):
    base, _ = site
    App.routes["/big"] = (200, b"a" * smoke.BODY_LIMIT + b'id="user_login"', "text/html")
    App.routes["/near"] = (200, b"a" * (smoke.BODY_LIMIT - 20) + b'id="user_login"', "text/html")
    far, near = (SmokeRequest(path=p, contains='id="user_login"', why="it answers") for p in ("/big", "/near"))
    assert [r.failure for r in smoke.run([far, near], base)] == [smoke.TEXT_MISSING, ""]


def test_bodies_are_decoded_leniently(site):
    base, _ = site
    App.routes["/latin"] = (200, "Café — <b>installed</b>".encode("latin-1", "replace"), "text/html; charset=ISO-8859-1")
    App.routes["/broken"] = (200, b"\xff\xfe\xfa installed", "text/html; charset=utf-8")
    App.routes["/unknown"] = (200, b"installed", "text/html; charset=no-such-charset")
    requests = [SmokeRequest(path=p, contains="installed", why="it answers") for p in ("/latin", "/broken", "/unknown")]
    assert [r.passed for r in smoke.run(requests, base)] == [True, True, True]


def test_the_connection_goes_to_via_with_the_domain_as_host(site):
    _, port = site
    App.routes["/wp-login.php"] = (200, LOGIN_PAGE, "text/html")
    [r] = smoke.run([LOGIN], f"http://{DOMAIN}:{port}", via="127.0.0.1")
    assert r.passed and r.url == f"http://{DOMAIN}:{port}/wp-login.php"
    assert App.seen == [("/wp-login.php", f"{DOMAIN}:{port}")]


def test_a_site_prefix_is_kept():
    answered = []
    smoke_fetch = smoke.FETCH
    try:
        smoke.FETCH = lambda url, via="": answered.append(url) or smoke.Reply(200, b'id="user_login"')
        [r] = smoke.run([LOGIN], "http://127.0.0.1:8080/wordpress/")
    finally:
        smoke.FETCH = smoke_fetch
    assert answered == ["http://127.0.0.1:8080/wordpress/wp-login.php"] and r.passed


# --- retries and the deadline ---------------------------------------------------------------------


def test_a_failing_request_is_retried_until_it_passes(site):
    base, _ = site
    App.routes["/wp-login.php"] = [(502, b"", "text/plain"), (200, b"<p>Updating</p>", "text/html"),
                                   (200, LOGIN_PAGE, "text/html")]
    clock, told = Clock(), []
    [r] = smoke.run([LOGIN], base, within=60, every=10, clock=clock, waiting=lambda res, s: told.append((res.detail, s)))
    assert (r.passed, r.attempts, r.seconds) == (True, 3, 20.0)
    assert clock.sleeps == [10, 10]
    assert told[0] == ("HTTP 502, expected 200", 10)
    assert told[1][0].startswith("HTTP 200 without 'id=\"user_login\"'; the body began '<p>Updating</p>'")


def test_past_the_deadline_each_later_request_is_asked_once(site):
    base, _ = site
    App.routes["/wp-login.php"] = (503, b"", "text/plain")
    App.routes["/?rest_route=/"] = (500, b"", "text/plain")
    clock = Clock()
    first, second = smoke.run([LOGIN, INDEX], base, within=25, every=10, clock=clock)
    assert (first.attempts, second.attempts) == (4, 1)
    assert clock.sleeps == [10, 10, 5], "the last pause ends at the deadline"
    assert smoke.first_failure([first, second]) is first


def test_without_a_wait_every_request_is_asked_exactly_once(site):
    base, _ = site
    clock = Clock()
    results = smoke.run([LOGIN, INDEX], base, clock=clock)
    assert [r.attempts for r in results] == [1, 1] and clock.sleeps == []


# --- which requests ---------------------------------------------------------------------------------


def test_a_blueprint_without_smoke_is_checked_with_its_web_health_check():
    old = resolve("nextcloud@1.0.0")[0]
    assert not old.smoke
    hc = old.web.health_check
    assert [(r.path, r.status, r.contains, r.why) for r in smoke.requests_for(old)] == [
        (hc.path, hc.healthy_codes, None, smoke.HEALTH_WHY)]
    wp = resolve("wordpress@1.0.1")[0]
    assert smoke.requests_for(wp) == list(wp.smoke)


@pytest.mark.parametrize("code,spec,ok", [(200, "200", True), (204, "200-299", True), (302, "200,302", True),
                                          (301, "200,302", False), (400, "200-399", False)])
def test_status_codes_read_like_an_alb_matcher(code, spec, ok):
    assert smoke.healthy(code, spec) is ok


# --- at the end of `up` (cli/golive.py) -----------------------------------------------------------


class LocalCloud:
    """An adapter whose app is the local server, reached through 127.0.0.1 while DNS lags."""

    def __init__(self, port):
        self.port, self.diagnosed = port, 0

    def smoke_target(self, live, values):
        return SmokeTarget(url=f"http://{DOMAIN}:{self.port}/wp-login.php", healthy_codes="200,302", via="127.0.0.1",
                           record=DnsRecord("CNAME", DOMAIN, "ck-alb-1.eu-west-2.elb.amazonaws.com"),
                           within_seconds=20, every_seconds=10)

    def diagnose(self, live, values):
        self.diagnosed += 1
        return ["ECS service wordpress-web: 1 of 1 tasks running"]

    def after_phase(self, phase, live):
        return None

    def live_notes(self, live):
        return []


def live_for(tmp_path, ref="wordpress@1.0.1"):
    d = build_deployment(ref, cloud="aws", tier="trial", council="Borsetshire County Council", domain=DOMAIN)
    return GoLive(d, tmp_path, Console(file=io.StringIO(), width=300), lambda: [])


@pytest.fixture
def no_dns(monkeypatch):
    monkeypatch.setattr(golive, "RESOLVE", lambda host: set())
    monkeypatch.setattr(golive, "CLOCK", Clock())


def test_up_checks_every_smoke_request_through_the_load_balancer(site, tmp_path, no_dns):
    _, port = site
    App.routes["/wp-login.php"] = (200, LOGIN_PAGE, "text/html")
    App.routes["/?rest_route=/"] = (200, b'{"namespaces":["wp\\/v2"]}', "application/json")
    live = live_for(tmp_path)
    golive.smoke(LocalCloud(port), live, {})
    text = live.console.file.getvalue()
    assert f"checking through 127.0.0.1 with Host {DOMAIN} meanwhile" in text
    assert f"✓ 200 http://{DOMAIN}:{port}/wp-login.php — the log-in page is served" in text
    assert f"✓ 200 http://{DOMAIN}:{port}/?rest_route=/ — the site itself answers" in text
    assert App.seen == [("/wp-login.php", f"{DOMAIN}:{port}"), ("/?rest_route=/", f"{DOMAIN}:{port}")]


def test_up_names_the_failing_request_and_what_it_proves_after_the_diagnosis(site, tmp_path, no_dns):
    _, port = site
    App.routes["/wp-login.php"] = (200, LOGIN_PAGE, "text/html")
    App.routes["/?rest_route=/"] = (404, b"<h1>Not Found</h1>", "text/html")
    live, cloud = live_for(tmp_path), LocalCloud(port)
    with pytest.raises(UserError) as failed:
        golive.smoke(cloud, live, {})
    assert str(failed.value) == (
        f"http://{DOMAIN}:{port}/?rest_route=/ did not answer 200 with '\"namespaces\":[' within 20 s "
        "(last: HTTP 404, expected 200); this request checks that the site itself answers with its REST API "
        "index, not only the log-in page; what is failing is above")
    assert cloud.diagnosed == 1
    text = live.console.file.getvalue()
    assert "what is failing:" in text and "ECS service wordpress-web: 1 of 1 tasks running" in text
    assert f"✗ 404 http://{DOMAIN}:{port}/?rest_route=/ — the site itself answers" in text
    assert [p for p, _ in App.seen].count("/wp-login.php") == 1, "a passed request is not asked again"


def test_a_first_deploy_whose_install_step_has_not_run_gets_the_health_check_and_is_told_to_check_later(
        site, tmp_path, no_dns):
    _, port = site
    App.routes["/wp-login.php"] = (302, b"", "text/html")  # uninstalled WordPress redirects to install.php
    live = live_for(tmp_path)
    golive.smoke(LocalCloud(port), live, {}, install_due=True)
    text = live.console.file.getvalue()
    assert (f"the blueprint's smoke check needs its install step: run the install steps printed below, then "
            f"`councilkit check {tmp_path}`") in text
    assert f"✓ 302 http://{DOMAIN}:{port}/wp-login.php — the web container answers its health check" in text
    assert [p for p, _ in App.seen] == ["/wp-login.php"]


def test_run_phases_passes_on_whether_the_install_step_is_due(tmp_path, monkeypatch):
    asked = []
    monkeypatch.setattr(golive, "smoke", lambda cloud, live, values, install_due=False: asked.append(install_due))
    cloud = SimpleNamespace(after_phase=lambda phase, live: None, live_notes=lambda live: [])
    live = live_for(tmp_path)
    for due in (True, False):
        golive.run_phases(cloud, [Phase("app", "the app", smoke=True)], live, None,
                          lambda phase, urns: SimpleNamespace(outputs={}), wait_seconds=0, install_due=due)
    assert asked == [True, False]

