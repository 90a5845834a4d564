"""The smoke check: the web container's health check, asked at the app's public URL.

The same path and healthy codes the load balancer uses (blueprints/model.py `HealthCheck`),
but sent to the trial's domain, so apps that answer only their own Host (Nextcloud) get a real
answer. Redirects are not followed: a 302 is healthy for the apps whose blueprint says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable


def healthy_codes(spec: str) -> set[int]:
    """"200,302" or "200-299" (the ALB matcher syntax the blueprint schema allows) → codes."""
    codes: set[int] = set()
    for part in spec.split(","):
        low, _, high = part.partition("-")
        codes.update(range(int(low), int(high or low) + 1))
    return codes


@dataclass
class Answer:
    url: str
    status: int
    seconds: float
    attempts: int


class NotHealthy(Exception):
    pass


def wait_healthy(url: str, spec: str, timeout: float, every: float,
                 sleep: Callable[[float], None] = time.sleep) -> Answer:
    import urllib3

    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=10, read=30), retries=False)
    codes = healthy_codes(spec)
    start = time.monotonic()
    attempts, last = 0, "no answer"
    while True:
        attempts += 1
        try:
            status = http.request("GET", url, redirect=False, preload_content=True).status
            if status in codes:
                return Answer(url, status, time.monotonic() - start, attempts)
            last = f"HTTP {status}"
        except urllib3.exceptions.HTTPError as exc:
            last = type(exc).__name__
        waited = time.monotonic() - start
        if waited + every > timeout:
            raise NotHealthy(f"GET {url}: {last} (healthy: {spec}) after {attempts} tries in {waited:.0f} s")
        sleep(every)
