"""`councilkit check`: the blueprint's smoke check on demand, against a real HTTP server on
127.0.0.1 that answers each case (pass, wrong status, text missing, connection refused); the
exit codes (0 all pass, 1 one fails, 2 bad input), one line per request, and `--json` written
atomically. A stack folder's address comes from its deployed outputs through the cloud adapter,
as at the end of `up` (the Automation API replaced with a recorder, as in test_lifecycle.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from councilkit.cli import automation, golive
from councilkit.cli.newstack import new_stack
from councilkit.stacks.cloud import CLOUDS, SmokeTarget
from councilkit.stacks.outputs import DnsRecord

from helpers import run_main

DOMAIN = "intranet.borsetshire.gov.uk"
ANSWERS = dict(cloud="aws", tier="trial", council="Borsetshire County Council", domain=DOMAIN,
               contact="it@borsetshire.gov.uk")
LOGIN_PAGE = b'<form name="loginform" id="loginform"><input type="text" name="log" id="user_login" class="input" />'
REST_INDEX = b'{"name":"Intranet","description":"","namespaces":["oembed\\/1.0","wp\\/v2"],"routes":{}}'


class WordPress(BaseHTTPRequestHandler):
    """Answers as an installed WordPress 1.0.1 would, unless a test changes `routes`."""

    routes: dict = {}
    seen: list = []

    def do_GET(self):  # noqa: N802 — http.server's name
        WordPress.seen.append((self.path, self.headers["Host"]))
        status, body = WordPress.routes.get(self.path, (404, b"<h1>Not Found</h1>"))
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    WordPress.routes = {"/wp-login.php": (200, LOGIN_PAGE), "/?rest_route=/": (200, REST_INDEX)}
    WordPress.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), WordPress)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", server.server_address[1]
    server.shutdown()
    server.server_close()


def check(capsys, *args):
    return run_main(["check", *args], capsys)


# --- --url: no backend ----------------------------------------------------------------------------


def test_every_request_passing_exits_0_with_one_line_each(site, capsys):
    base, _ = site
    code, out, err = check(capsys, "--url", base, "--blueprint", "wordpress@1.0.1")
    assert code == 0, err
    assert out.splitlines() == [
        f"✓ 200 {base}/wp-login.php — the log-in page is served, so PHP runs and WordPress is installed and "
        "reads its database",
        f"✓ 200 {base}/?rest_route=/ — the site itself answers with its REST API index, not only the log-in page"]
    assert "wordpress@1.0.1: 2 of 2 smoke request(s) passed" in err


def test_a_wrong_status_exits_1_and_says_the_code(site, capsys):
    base, _ = site
    WordPress.routes["/wp-login.php"] = (500, b"<h1>Error establishing a database connection</h1>")
    code, out, err = check(capsys, "--url", base, "--blueprint", "wordpress@1.0.1")
    assert code == 1
    first, second = out.splitlines()
    assert first == (f"✗ 500 {base}/wp-login.php — the log-in page is served, so PHP runs and WordPress is "
                     "installed and reads its database: HTTP 500, expected 200")
    assert second.startswith("✓ 200 "), "the next request is still asked"
    assert "wordpress@1.0.1: 1 of 2 smoke request(s) passed" in err


def test_missing_text_exits_1_and_quotes_what_came_back(site, capsys):
    base, _ = site
    WordPress.routes["/?rest_route=/"] = (200, b"<html><body>Maintenance: back soon</body></html>")
    code, out, _ = check(capsys, "--url", base, "--blueprint", "wordpress@1.0.1")
    assert code == 1
    assert out.splitlines()[1] == (
        f"✗ 200 {base}/?rest_route=/ — the site itself answers with its REST API index, not only the log-in page: "
        "HTTP 200 without '\"namespaces\":['; the body began '<html><body>Maintenance: back soon</body></html>'")


def test_connection_refused_exits_1_and_says_why_there_was_no_answer(capsys):
    code, out, _ = check(capsys, "--url", "http://127.0.0.1:1", "--blueprint", "wordpress@1.0.1")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 2 and all(line.startswith("✗ --- http://127.0.0.1:1/") for line in lines)
    assert "NewConnectionError" in lines[0] and "refused" in lines[0].lower()


def test_a_blueprint_without_smoke_is_checked_with_its_health_path(site, capsys):
    base, _ = site
    WordPress.routes["/wp-login.php"] = (302, b"")  # uninstalled WordPress: a redirect to install.php
    code, out, _ = check(capsys, "--url", base, "--blueprint", "wordpress@1.0.0")
    assert code == 0
    assert out.splitlines() == [f"✓ 302 {base}/wp-login.php — the web container answers its health check"]


def test_json_is_written_atomically_with_every_result(site, capsys, tmp_path, monkeypatch):
    base, _ = site
    WordPress.routes["/?rest_route=/"] = (503, b"")
    from councilkit.cli import safe_io

    written = []
    real = safe_io.write_atomically
    monkeypatch.setattr(safe_io, "write_atomically", lambda p, text, what=None: written.append((p, what)) or real(p, text, what))
    target = tmp_path / "smoke.json"
    code, _, err = check(capsys, "--url", base, "--blueprint", "wordpress@1.0.1", "--json", str(target))
    assert code == 1
    assert written == [(target, "--json")]
    doc = json.loads(target.read_text())
    assert (doc["blueprint"], doc["passed"]) == ("wordpress@1.0.1", False)
    assert [(r["path"], r["status"], r["passed"], r["failure"]) for r in doc["requests"]] == [
        ("/wp-login.php", 200, True, None), ("/?rest_route=/", 503, False, "wrong status")]
    assert doc["requests"][1]["detail"] == "HTTP 503, expected 200" and doc["requests"][1]["url"] == f"{base}/?rest_route=/"
    assert f"results written to {target}" in err
    assert [p.name for p in tmp_path.iterdir()] == ["smoke.json"], "no temporary file left"


def test_wait_retries_a_failing_request_until_it_passes(site, capsys, monkeypatch):
    base, _ = site
    answers = [(503, b""), (503, b""), (200, LOGIN_PAGE)]
    WordPress.routes["/wp-login.php"] = answers[0]
    from councilkit.cli import smoke

    slept = []

    def sleep(seconds):
        slept.append(seconds)
        WordPress.routes["/wp-login.php"] = answers[len(slept)]

    monkeypatch.setattr(smoke, "WALL", type("Clock", (), {"now": staticmethod(lambda: float(len(slept) * 5)),
                                                          "sleep": staticmethod(sleep)})())
    code, out, err = check(capsys, "--url", base, "--blueprint", "wordpress@1.0.1", "--wait", "60")
    assert code == 0, out + err
    assert slept == [5.0, 5.0] and [p for p, _ in WordPress.seen].count("/wp-login.php") == 3


# --- bad input: one line, exit 2 -------------------------------------------------------------------


@pytest.mark.parametrize("args,message", [
    ((), "error: check: give a STACK_DIR, or --blueprint ID[@VERSION] with --url"),
    (("--blueprint", "wordpress"), "error: --blueprint: give --url too (without a stack there is no address to check)"),
    (("--url", "ftp://x", "--blueprint", "wordpress"), "error: --url: 'ftp://x' is not an http:// or https:// address"),
    (("--url", "http://127.0.0.1:1", "--blueprint", "nope"), "error: unknown app 'nope'"),
])
def test_bad_input_is_one_error_line_and_exit_2(capsys, args, message):
    code, out, err = check(capsys, *args)
    assert (code, out) == (2, "")
    assert err.startswith(message) and err.count("\n") == 1, err


def test_no_stack_folder_is_exit_2(capsys, tmp_path):
    code, _, err = check(capsys, str(tmp_path / "missing"))
    assert code == 2
    assert err == f"error: {tmp_path / 'missing'}: no such folder; expected a stack folder written by `councilkit new`\n"


def test_json_into_a_missing_folder_is_exit_2_and_nothing_half_written(site, capsys, tmp_path):
    base, _ = site
    code, _, err = check(capsys, "--url", base, "--blueprint", "wordpress", "--json", str(tmp_path / "no" / "x.json"))
    assert code == 2 and err.startswith("error: --json: folder ") and not (tmp_path / "no").exists()


def test_without_the_pulumi_cli_a_stack_folder_is_the_usual_one_line(tmp_path):
    folder = new_stack("wordpress@1.0.1", **ANSWERS, folder=str(tmp_path / "wp")).path
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ARM_", "AZURE_", "PULUMI_"))}
    result = subprocess.run([sys.executable, "-c", "from councilkit.cli.main import main; main()", "check", str(folder)],
                            capture_output=True, text=True, env={**env, "PATH": str(empty), "HOME": str(tmp_path),
                                                                 "PULUMI_CONFIG_PASSPHRASE": "x"}, timeout=120)
    assert result.returncode == 2
    assert result.stderr == ("error: the pulumi CLI is not installed (no `pulumi` on PATH); install it "
                             "(see https://www.pulumi.com/docs/install/) and run this again\n")


# --- a stack folder ------------------------------------------------------------------------------------


def test_a_stack_folder_with_url_checks_its_locked_blueprint_without_the_backend(site, capsys, tmp_path, monkeypatch):
    base, _ = site
    folder = new_stack("wordpress@1.0.0", **ANSWERS, folder=str(tmp_path / "wp")).path
    monkeypatch.setattr(automation.shutil, "which", lambda name: None)  # no pulumi: not needed
    code, out, err = check(capsys, str(folder), "--url", base)
    assert code == 0, err
    assert out.splitlines() == [f"✓ 200 {base}/wp-login.php — the web container answers its health check"]


class FakeStack:
    outputs_read = 0

    def __init__(self, name, work_dir=None, opts=None, **kwargs):
        self.name = name

    def outputs(self):
        from pulumi.automation import OutputValue

        FakeStack.outputs_read += 1
        return {"url": OutputValue(f"https://{DOMAIN}", False),
                "load_balancer_dns": OutputValue("ck-wp-alb-1.eu-west-2.elb.amazonaws.com", False)}


def test_a_deployed_stack_is_checked_where_its_outputs_say_through_the_load_balancer(site, capsys, tmp_path, monkeypatch):
    """The adapter's target from the stack's outputs (the ALB's name), reached through it with
    the domain as Host while DNS does not point there; the local server stands in for the ALB."""
    import pulumi.automation as auto

    _, port = site
    folder = new_stack("wordpress@1.0.1", **ANSWERS, folder=str(tmp_path / "wp")).path
    monkeypatch.setattr(auto, "select_stack", FakeStack)
    monkeypatch.setattr(automation.shutil, "which", lambda name: "/opt/pulumi/bin/pulumi")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    asked = []
    real = type(CLOUDS["aws"]).smoke_target

    def smoke_target(self, live, values):
        asked.append(dict(values))
        target = real(self, live, values)
        assert target.via == "ck-wp-alb-1.eu-west-2.elb.amazonaws.com" and target.url == f"https://{DOMAIN}/wp-login.php"
        # The same target over plain HTTP to the local server: it stands in for the load balancer.
        return SmokeTarget(url=f"http://{DOMAIN}:{port}/wp-login.php", healthy_codes=target.healthy_codes,
                           via="127.0.0.1", record=DnsRecord("CNAME", DOMAIN, target.via),
                           within_seconds=target.within_seconds, every_seconds=target.every_seconds)

    monkeypatch.setattr(type(CLOUDS["aws"]), "smoke_target", smoke_target)
    monkeypatch.setattr(golive, "RESOLVE", lambda host: set())
    code, out, err = check(capsys, str(folder))
    assert code == 0, err
    assert asked[0]["load_balancer_dns"] == "ck-wp-alb-1.eu-west-2.elb.amazonaws.com" and FakeStack.outputs_read == 1
    assert (f"DNS for {DOMAIN} does not point at 127.0.0.1 yet: create CNAME {DOMAIN} -> "
            "ck-wp-alb-1.eu-west-2.elb.amazonaws.com") in err
    assert [line.partition(" — ")[0] for line in out.splitlines()] == [
        f"✓ 200 http://{DOMAIN}:{port}/wp-login.php", f"✓ 200 http://{DOMAIN}:{port}/?rest_route=/"]
    assert WordPress.seen == [("/wp-login.php", f"{DOMAIN}:{port}"), ("/?rest_route=/", f"{DOMAIN}:{port}")]


def test_check_is_listed_and_its_help_imports_no_cloud_sdk():
    code = ("import sys; from councilkit.cli.main import main\n"
            "try:\n    main(['check', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'azure', 'pulumi')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Usage: councilkit check [OPTIONS] [STACK_DIR]" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"
    listed = subprocess.run([sys.executable, "-c", "from councilkit.cli.main import main; main(['--help'])"],
                            capture_output=True, text=True, timeout=60)
    assert "check" in listed.stdout and "smoke check" in listed.stdout
