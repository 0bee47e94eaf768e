"""The FastAPI application factory. Nothing is opened at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from api import errors
from api.routes import health, principals
from ledger import __version__
from ledger.runtime import Runtime, open_runtime
from ledger.settings import Settings, get_settings


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    """Build the app.

    Args:
        settings: the configuration; read from the environment when omitted.
        runtime: an already open runtime (its owner closes it); when omitted the
            app opens one from ``settings`` at start-up and closes it at shutdown.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if runtime is not None:
            app.state.runtime = runtime
            yield
            return
        opened = await to_thread.run_sync(open_runtime, settings or get_settings())
        app.state.runtime = opened
        try:
            yield
        finally:
            await to_thread.run_sync(opened.close)

    app = FastAPI(
        title="ipledger",
        version=__version__,
        summary="IP co-governance ledger for cross-border R&D consortia.",
        lifespan=lifespan,
    )
    errors.install(app)
    app.include_router(health.router)
    app.include_router(principals.router)
    return app
