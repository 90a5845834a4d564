"""Reading a public price list over HTTPS (urllib3, already pinned): JSON or one clear error."""

from __future__ import annotations

import json
from typing import Any

from . import FetchFailed

TIMEOUT_SECONDS = 60


def pool():
    """The connection pool `prices update` uses (tests replace it with recorded responses)."""
    import urllib3

    return urllib3.PoolManager(timeout=urllib3.Timeout(connect=10, read=TIMEOUT_SECONDS),
                               retries=urllib3.Retry(total=2, backoff_factor=1))


def get_json(http, url: str) -> Any:
    """The JSON document at `url`; no network, an HTTP error or a body that is not JSON is a
    FetchFailed naming the URL (one `error:` line, exit 2, nothing written)."""
    import urllib3

    try:
        response = http.request("GET", url, headers={"Accept": "application/json"})
    except urllib3.exceptions.HTTPError as exc:
        reason = getattr(exc, "reason", None) or exc
        raise FetchFailed(f"cannot reach {url.split('?')[0]}: {type(reason).__name__}; no price file written") from None
    if response.status != 200:
        raise FetchFailed(f"{url.split('?')[0]} answered HTTP {response.status}; no price file written")
    try:
        return json.loads(response.data)
    except ValueError:
        raise FetchFailed(f"{url.split('?')[0]} did not answer JSON; no price file written") from None
