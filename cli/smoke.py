"""The smoke check: the blueprint's requests, asked of the deployed site from outside, each judged.

A health check says a process answers; the blueprint's `smoke` list (blueprints/model.py
`SmokeRequest`) says the app works for a person: each GET must answer one of its codes and, when
it names one, carry its text. The requests run in order, each retried until it passes or the
deadline passes (after that, each later request is asked once, so every request has a result).
A blueprint released before `smoke` existed is checked with its web health check instead.

Where the requests go is the cloud adapter's `SmokeTarget` (the site, and the load balancer's own
address while DNS does not point at it yet); `up` (cli/golive.py), `councilkit check` and the
acceptance suite all judge through this module, so a pass means the same everywhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable
from urllib.parse import urlsplit

from councilkit.blueprints.model import SmokeRequest

BODY_LIMIT = 256 * 1024
"""Bytes of a body read and searched: a login page or a status document is far smaller, and a
site that streams something huge does not hold the check (or its memory) up."""
EXCERPT = 120
"""Characters of a body quoted when the text is missing: enough to recognise an error page."""

HEALTH_WHY = "the web container answers its health check"
"""What the fallback request proves (blueprint versions released before `smoke`)."""


def healthy(code: int, spec: str) -> bool:
    """Whether `code` is one of the codes of `spec` ("200", "200-399", "200,302"): the ALB
    matcher syntax of a health check's healthy_codes, which a smoke request's `status` shares."""
    for part in spec.split(","):
        low, _, high = part.partition("-")
        if int(low) <= code <= int(high or low):
            return True
    return False


def requests_for(blueprint) -> list[SmokeRequest]:
    """The blueprint's smoke requests, or its web health check when it declares none."""
    if blueprint.smoke:
        return list(blueprint.smoke)
    return [health_request(blueprint)]


def health_request(blueprint) -> SmokeRequest:
    hc = blueprint.web.health_check
    return SmokeRequest(path=hc.path, status=hc.healthy_codes, why=HEALTH_WHY)


def site_of(url: str) -> str:
    """`https://host[:port]` of a URL: where a request's path is appended."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# --- one request ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    """At most BODY_LIMIT bytes of the body."""
    charset: str = "utf-8"

    def text(self) -> str:
        """The body as text, leniently: a wrong or unknown charset still gives something to search."""
        try:
            return self.body.decode(self.charset or "utf-8", errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


def fetch(url: str, via: str = "", timeout: float = 10.0) -> Reply:
    """One GET of `url`, answered by `via` when given: the connection goes to `via` while the
    Host header, the TLS server name and the certificate check stay the domain's, so the load
    balancer serves its listener's certificate and the app sees its own Host (apps that answer
    only their domain, `host_header`, would refuse anything else). No redirects are followed: a
    redirect is an answer the status codes judge. The body is read up to BODY_LIMIT."""
    import urllib3

    parts = urlsplit(url)
    host = parts.hostname or ""
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connect = via or host
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(connect, port=parts.port or 443, timeout=timeout, retries=False,
                                           server_hostname=host, assert_hostname=host)
    else:
        pool = urllib3.HTTPConnectionPool(connect, port=parts.port or 80, timeout=timeout, retries=False)
    with pool:
        response = pool.request("GET", path, headers={"Host": parts.netloc.rpartition("@")[2]},
                                redirect=False, preload_content=False)
        try:
            body = response.read(BODY_LIMIT)
        finally:
            response.release_conn()
        return Reply(response.status, body, _charset(response.headers.get("Content-Type", "")))


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip('"\'')
    return "utf-8"


# --- judged --------------------------------------------------------------------------------------

PASSED, WRONG_STATUS, TEXT_MISSING, NO_ANSWER = "passed", "wrong status", "text missing", "no answer"


@dataclass(frozen=True)
class Result:
    """One request's outcome: `failure` is "" when it passed, else what failed, with `detail`
    saying it in words (the code, the missing text and the start of what came back, or the
    connection error)."""

    request: SmokeRequest
    url: str
    status: int | None
    failure: str
    detail: str
    attempts: int = 1
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failure

    def line(self) -> str:
        """✓/✗, the code, the URL and what the request proves; on failure, what failed."""
        mark = "✓" if self.passed else "✗"
        code = str(self.status) if self.status is not None else "---"
        tail = "" if self.passed else f": {self.detail}"
        return f"{mark} {code} {self.url} — {self.request.why}{tail}"

    def as_json(self) -> dict[str, Any]:
        return {"url": self.url, "path": self.request.path, "expected": self.request.status,
                "contains": self.request.contains, "why": self.request.why, "passed": self.passed,
                "status": self.status, "failure": self.failure or None, "detail": self.detail,
                "attempts": self.attempts, "seconds": round(self.seconds, 1)}


def excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return repr(flat[:EXCERPT] + ("…" if len(flat) > EXCERPT else ""))


def judge(request: SmokeRequest, reply: Reply) -> tuple[str, str]:
    """(failure, detail) of one answer: the status first, then the text."""
    if not healthy(reply.status, request.status):
        return WRONG_STATUS, f"HTTP {reply.status}, expected {request.status}"
    if request.contains is not None:
        text = reply.text()
        if request.contains not in text:
            return TEXT_MISSING, (f"HTTP {reply.status} without {request.contains!r}; "
                                  f"the body began {excerpt(text)}" if text.strip() else
                                  f"HTTP {reply.status} without {request.contains!r}; the body was empty")
    return "", f"HTTP {reply.status}"


def ask(request: SmokeRequest, url: str, via: str = "") -> Result:
    """One attempt: the answer judged, or the reason there was none."""
    try:
        reply = FETCH(url, via)
    except Exception as exc:  # noqa: BLE001 — any failure to connect or read is "not answering"
        return Result(request, url, None, NO_ANSWER, f"{type(exc).__name__}: {exc}")
    failure, detail = judge(request, reply)
    return Result(request, url, reply.status, failure, detail)


FETCH: Callable[..., Reply] = fetch
"""The one network call (tests replace it with a fake site)."""

WALL = SimpleNamespace(now=time.monotonic, sleep=time.sleep)


def run(requests: list[SmokeRequest], site: str, *, via: str = "", within: float = 0.0, every: float = 10.0,
        clock: Any = None, waiting: Callable[[Result, float], None] | None = None) -> list[Result]:
    """Each request in order, retried every `every` seconds until it passes or `within` seconds
    from the start have passed; past the deadline each later request is asked once. `site` is
    `https://domain` (a path prefix is kept: `http://127.0.0.1:8080/app`). `waiting(result,
    seconds)` is told of each retry."""
    clock = clock or WALL
    start = clock.now()
    deadline = start + within
    results = []
    for request in requests:
        url = site.rstrip("/") + request.path
        began, attempts = clock.now(), 0
        while True:
            attempts += 1
            result = ask(request, url, via)
            left = deadline - clock.now()
            if result.passed or left <= 0:
                break
            pause = min(every, left)
            if waiting is not None:
                waiting(result, pause)
            clock.sleep(pause)
        results.append(Result(result.request, url, result.status, result.failure, result.detail,
                              attempts, clock.now() - began))
    return results


def first_failure(results: list[Result]) -> Result | None:
    return next((r for r in results if not r.passed), None)
