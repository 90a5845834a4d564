"""What the portal shows about the catalogue: each app's publiccode facts, its clouds, and the
monthly cost of each cloud and tier, worked out once per process by the warm planner (the plan
cache makes the next process's start cheap too)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

from councilkit.blueprints.deployment import TIERS, clouds_for
from councilkit.blueprints.loader import discover, load_file
from councilkit.blueprints.model import Blueprint


@dataclass(frozen=True)
class AppCard:
    blueprint: Blueprint
    clouds: tuple[str, ...]
    versions: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.blueprint.id


def cards() -> list[AppCard]:
    """Every app's newest blueprint, with the clouds that can host it."""
    out = []
    for app_id, versions in discover().items():
        newest = list(versions)[-1]
        bp = load_file(versions[newest].path)
        out.append(AppCard(bp, clouds_for(bp), tuple(versions)))
    return out


@dataclass
class CostTable:
    """Monthly costs per (app, cloud, tier), filled in by one background thread so the catalogue
    answers at once and shows each figure as soon as it is known."""

    price: Callable[[str, str, str], str]
    """(app, cloud, tier) → the monthly figure: the warm planner's `cost` (cli/portal/planner.py)."""
    figures: dict[tuple[str, str, str], str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def get(self, app: str, cloud: str, tier: str) -> str | None:
        with self._lock:
            return self.figures.get((app, cloud, tier))

    def fill(self, apps: list[AppCard]) -> None:
        for card in apps:
            for cloud in card.clouds:
                for tier in TIERS:
                    try:
                        figure = self.price(card.id, cloud, tier)
                    except Exception as exc:  # noqa: BLE001: one app that cannot plan must not stop the rest
                        figure = f"not planned ({type(exc).__name__})"
                    with self._lock:
                        self.figures[(card.id, cloud, tier)] = figure

    def start(self, apps: list[AppCard]) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self.fill, args=(apps,), name="councilkit-costs", daemon=True)
            self._thread.start()
