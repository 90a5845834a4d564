"""A fake site for tests whose subject is not the smoke check (`up` flows, the acceptance runs):
it answers every smoke request of every catalogue blueprint as a working app would, so those
tests keep passing whatever each app's newest version declares. tests/test_smoke_engine.py
tests the engine itself against a real HTTP server."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from councilkit.cli import smoke


def _codes(spec: str) -> set[int]:
    return {c for c in range(100, 600) if smoke.healthy(c, spec)}


@lru_cache(maxsize=1)
def _expected() -> dict[str, tuple[int, str]]:
    """path → (a code every catalogue request at that path accepts, the texts they look for)."""
    from councilkit.blueprints.loader import discover, load_file

    wanted: dict[str, list] = {}
    for versions in discover().values():
        for found in versions.values():
            for request in smoke.requests_for(load_file(found.path)):
                wanted.setdefault(request.path, []).append(request)
    answers = {}
    for path, requests in wanted.items():
        common = set.intersection(*(_codes(r.status) for r in requests)) or _codes(requests[0].status)
        answers[path] = (min(common), "\n".join(sorted({r.contains for r in requests if r.contains})))
    return answers


def working_app(log: list | None = None, tag: str = "probe", local: bool = False):
    """A `smoke.FETCH` replacement: each GET is logged as (tag, url, via) and answered as a
    working app answers it, under any path prefix (`http://127.0.0.1:8080/app/status.php`);
    200 and an empty body for a path no blueprint asks for. `local`: a URL on 127.0.0.1 (a
    test's own HTTP server) is really fetched."""

    def fetch(url: str, via: str = "", timeout: float = 10.0) -> smoke.Reply:
        if log is not None:
            log.append((tag, url, via))
        parts = urlsplit(url)
        if local and parts.hostname == "127.0.0.1":
            return smoke.fetch(url, via, timeout)
        asked = parts.path + (f"?{parts.query}" if parts.query else "")
        known = sorted((p for p in _expected() if asked.endswith(p)), key=len)
        status, text = _expected()[known[-1]] if known else (200, "")
        return smoke.Reply(status, text.encode())

    return fetch


def every_text() -> bytes:
    """A body that carries every text any catalogue smoke request looks for (for a local HTTP
    server standing in for whichever app a test deploys)."""
    return "\n".join(text for _, text in _expected().values() if text).encode()
