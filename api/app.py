"""The FastAPI application factory. Nothing is opened at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from anyio import to_thread
from fastapi import FastAPI
from fastapi.routing import APIRoute

from api import audit_view, errors
from api.body_guard import BodyGuardMiddleware
from api.deps import action_of
from api.errors import PROBLEM_JSON
from api.idempotency import IdempotencyMiddleware
from api.routes import ROUTERS
from ledger import __version__
from ledger.context import Ledger
from ledger.permissions import PERMISSIONS, ROLES
from ledger.recording import anchor_all_pending
from ledger.runtime import Runtime, open_runtime
from ledger.settings import Settings, get_settings

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    retry_anchors: bool | None = None,
) -> FastAPI:
    """Build the app.

    Args:
        settings: the configuration; read from the environment when omitted.
        runtime: an already open runtime (its owner closes it); when omitted the
            app opens one from ``settings`` at start-up and closes it at shutdown.
        retry_anchors: run the task that anchors heads a failed anchor left behind (at
            start-up, then every ``anchor_retry_seconds``); by default only when the app
            opens its own runtime (``ipledger serve`` asks for it).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = runtime or await to_thread.run_sync(open_runtime, settings or get_settings())
        app.state.runtime = opened
        try:
            async with anyio.create_task_group() as tasks:
                if retry_anchors if retry_anchors is not None else runtime is None:
                    ledger = getattr(app.state, "ledger", None) or Ledger.of(opened)
                    app.state.ledger = ledger
                    # a head left unanchored by a crash is anchored before the first request
                    await to_thread.run_sync(_anchor_round, ledger, opened)
                    tasks.start_soon(_anchor_pending_heads, ledger, opened)
                yield
                tasks.cancel_scope.cancel()
        finally:
            if runtime is None:
                await to_thread.run_sync(opened.close)

    app = FastAPI(
        title="ipledger",
        version=__version__,
        summary="IP co-governance ledger for cross-border R&D consortia.",
        lifespan=lifespan,
    )
    errors.install(app)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(BodyGuardMiddleware)  # the outermost: bounds what the others read
    _describe_actions()
    for router in ROUTERS:
        app.include_router(router)
    audit_view.mount(app)
    _serve_problems_as_problem_json(app)
    return app


async def _anchor_pending_heads(ledger: Ledger, runtime: Runtime) -> None:
    """Anchor the heads a failed anchor left behind, every ``anchor_retry_seconds``."""
    while True:
        await anyio.sleep(runtime.settings.anchor_retry_seconds)
        await to_thread.run_sync(_anchor_round, ledger, runtime)


def _anchor_round(ledger: Ledger, runtime: Runtime) -> None:
    try:
        anchor_all_pending(runtime.engine, ledger)
    except Exception:  # the database is away: the next round tries again
        log.warning("anchoring pending heads failed; retrying later", exc_info=True)


def _serve_problems_as_problem_json(app: FastAPI) -> None:
    """Document every error answer as ``application/problem+json``, as it is sent."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        for item in document.get("paths", {}).values():
            for operation in item.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if status[:1] in {"4", "5"} and "application/json" in content:
                        content[PROBLEM_JSON] = content.pop("application/json")
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def api_routes() -> list[APIRoute]:
    """Every route of the API (the routers' own, with their full paths)."""
    return [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]


def _describe_actions() -> None:
    """Name each route's action and the roles it allows in its OpenAPI operation."""
    for route in api_routes():
        if route.openapi_extra and "x-action" in route.openapi_extra:
            continue  # described by an app made earlier in this process
        action = action_of(route.dependant)
        if action is None:
            continue
        roles = [role for role in ROLES if role in PERMISSIONS[action]]
        route.openapi_extra = {**(route.openapi_extra or {}), "x-action": action, "x-roles": roles}
        route.description = (
            f"{route.description}\n\nAction `{action}`: {', '.join(roles)}."
        ).strip()
