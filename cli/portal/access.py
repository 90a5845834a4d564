"""Who may use the portal: whoever holds the access token `councilkit serve` printed.

The portal can start deployments with the council's cloud credentials, so it is guarded like a
local admin tool (the model of Jupyter's token): it binds 127.0.0.1 unless told otherwise; every
request carries the token (once in the link, then in an HttpOnly, SameSite=Strict cookie);
the Host header must be the address it serves (DNS rebinding: a web page on another name cannot
reach it); every form carries a CSRF token derived from the access token, and a POST must also
come from the portal's own origin. Responses forbid framing, sniffing and outside scripts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

COOKIE = "councilkit_portal"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
SECURITY_HEADERS = {
    # Only the portal's own styles and scripts; inline SVG diagrams are markup, not script.
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    # same-origin, not no-referrer: under no-referrer browsers send `Origin: null` with a form POST,
    # and the same-origin check below needs the real origin.
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Access:
    token: str
    hosts: tuple[str, ...] = field(default=LOCAL_HOSTS)
    """Host names the portal answers to (the bind address, and localhost names when local)."""

    @property
    def csrf(self) -> str:
        """One CSRF token for the process, derived from the access token (forms carry it)."""
        return hmac.new(self.token.encode(), b"councilkit-portal-csrf", hashlib.sha256).hexdigest()

    def csrf_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(str(given), self.csrf)

    def _host_ok(self, request: Request) -> bool:
        host = request.headers.get("host", "")
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        return name in self.hosts

    def _same_origin(self, request: Request) -> bool:
        origin = request.headers.get("origin") or request.headers.get("referer") or ""
        return bool(origin) and urlsplit(origin).netloc == request.headers.get("host", "")

    def check(self, request: Request) -> Response | None:
        """None to let the request through; else the response that refuses (or sets the cookie)."""
        if not self._host_ok(request):
            return PlainTextResponse("This portal answers only at the address `councilkit serve` printed.", 400)
        if request.url.path.startswith("/static/"):
            return None
        given = request.query_params.get("token")
        if given is not None:
            if not hmac.compare_digest(given, self.token):
                return PlainTextResponse("Wrong access token: open the link `councilkit serve` printed.", 403)
            rest = {k: v for k, v in request.query_params.multi_items() if k != "token"}
            target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict", path="/")
            return response
        if not hmac.compare_digest(request.cookies.get(COOKIE, ""), self.token):
            return PlainTextResponse("Open the link `councilkit serve` printed (it carries the access token).", 403)
        if request.method not in ("GET", "HEAD") and not self._same_origin(request):
            return PlainTextResponse("A form may be sent only from the portal's own pages.", 403)
        return None
