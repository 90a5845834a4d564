"""The portal's pages: the catalogue, an app's plan (cost, controls, architecture, assurance pack)
and the first step of a trial. Server-rendered (Starlette + Jinja2, GOV.UK Frontend styles), so
every page works without JavaScript; forms are plain GET (choices) or POST with a CSRF token.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from councilkit.blueprints.clouds import facts
from councilkit.blueprints.deployment import TIERS
from councilkit.blueprints.errors import UserError

from .access import SECURITY_HEADERS, Access
from .catalogue import AppCard, CostTable, cards
from .planner import Choice, Planner
from .trial import preflight

HERE = Path(__file__).resolve().parent


@dataclass
class Portal:
    access: Access
    planner: Any
    """Planner (cli/portal/planner.py), or in tests anything with `page(choice)` and `cost(...)`."""
    costs: CostTable = field(init=False)
    stacks: Any = None
    """() → (backend URL, councilkit stacks): cli/portal/deployments.backend_stacks, or a fake in tests."""
    apps: list[AppCard] = field(default_factory=cards)

    def __post_init__(self) -> None:
        from .deployments import backend_stacks

        self.costs = CostTable(price=self.planner.cost)
        self.stacks = self.stacks or backend_stacks


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.globals["cloud_title"] = lambda name: facts(name).title
    return env


ENV = _env()


def page(request: Request, template: str, status: int = 200, **values) -> HTMLResponse:
    portal: Portal = request.app.state.portal
    html = ENV.get_template(template).render(csrf=portal.access.csrf, path=request.url.path, **values)
    return HTMLResponse(html, status_code=status)


def _card(portal: Portal, app_id: str) -> AppCard | None:
    return next((c for c in portal.apps if c.id == app_id), None)


async def catalogue(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    portal.costs.start(portal.apps)
    rows = [{"card": c, "costs": {(cloud, tier): portal.costs.get(c.id, cloud, tier)
                                  for cloud in c.clouds for tier in TIERS}} for c in portal.apps]
    return page(request, "catalogue.html.j2", rows=rows, tiers=TIERS, title="Catalogue")


def _choice(request: Request, card: AppCard) -> tuple[Choice | None, list[str]]:
    q = request.query_params
    if "cloud" not in q:
        return None, []
    errors = []
    cloud, tier = q.get("cloud", ""), q.get("tier", "")
    if cloud not in card.clouds:
        errors.append(f"Choose a cloud: {card.blueprint.app.name} runs on {', '.join(card.clouds)}")
    if tier not in TIERS:
        errors.append("Choose a tier: trial or production")
    council = (q.get("council") or "").strip() or None
    domain = (q.get("domain") or "").strip() or None
    return (None if errors else Choice(card.id, cloud, tier, council, domain)), errors


def _plan(request: Request, choice: Choice) -> tuple[dict | None, list[str]]:
    portal: Portal = request.app.state.portal
    try:
        return portal.planner.page(choice), []
    except UserError as exc:
        return None, [str(exc)]


async def app_page(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    portal: Portal = request.app.state.portal
    card = _card(portal, request.path_params["app"])
    if card is None:
        return page(request, "error.html.j2", 404, title="Not found", message="There is no such app in the catalogue.")
    choice, errors = _choice(request, card)
    planned = None
    if choice is not None:
        planned, errors = await run_in_threadpool(_plan, request, choice)
    return page(request, "app.html.j2", card=card, choice=choice, planned=planned, errors=errors,
                query=dict(request.query_params), tiers=TIERS, title=card.blueprint.app.name)


async def report_zip(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    portal: Portal = request.app.state.portal
    card = _card(portal, request.path_params["app"])
    choice, errors = _choice(request, card) if card else (None, ["no such app"])
    if choice is None:
        return page(request, "error.html.j2", 400, title="Choose first", message="; ".join(errors) or "Choose a cloud and tier.")
    planned, errors = await run_in_threadpool(_plan, request, choice)
    if planned is None:
        return page(request, "error.html.j2", 400, title="Cannot plan", message="; ".join(errors))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in sorted(planned["files"].items()):
            z.writestr(name, text)
    name = f"assurance-{planned['stack']}.zip"
    return Response(buffer.getvalue(), media_type="application/zip",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


async def start_trial(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    card = _card(portal, request.path_params["app"])
    form = await request.form()
    if not portal.access.csrf_ok(form.get("csrf")):
        return page(request, "error.html.j2", 403, title="Form expired",
                    message="This form was not sent from the portal's page; go back, reload it and try again.")
    if card is None or form.get("cloud") not in (card.clouds if card else ()):
        return page(request, "error.html.j2", 400, title="Choose first", message="Choose an app and a cloud.")
    checks = preflight(str(form.get("cloud")))
    return page(request, "trial.html.j2", card=card, cloud=form.get("cloud"), checks=checks,
                ready=all(c.ok for c in checks), title=f"Start a trial of {card.blueprint.app.name}")


async def deployments(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    from .deployments import page_data

    portal: Portal = request.app.state.portal
    data = await run_in_threadpool(page_data, portal.stacks)
    return page(request, "deployments.html.j2", title="Deployments", **data)


class Guard(BaseHTTPMiddleware):
    """Every request passes Access.check; every response carries the security headers."""

    async def dispatch(self, request: Request, call_next):
        refused = request.app.state.portal.access.check(request)
        response = refused if refused is not None else await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def create_app(portal: Portal) -> Starlette:
    routes = [
        Route("/", catalogue),
        Route("/apps/{app}", app_page),
        Route("/apps/{app}/report.zip", report_zip),
        Route("/apps/{app}/trial", start_trial, methods=["POST"]),
        Route("/deployments", deployments),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(Guard)])
    app.state.portal = portal
    return app


def default_portal(access: Access) -> Portal:
    return Portal(access=access, planner=Planner())
