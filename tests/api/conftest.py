"""API tests: a runtime on a fresh data folder, served through FastAPI's TestClient."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from ledger.chain.compiler import Build
from ledger.context import Ledger
from ledger.db import Project
from ledger.runtime import Runtime, open_runtime
from ledger.settings import Settings
from tests.api.world import World, open_world
from tests.ledger.services.conftest import Clock


@pytest.fixture
def seeded_settings(
    make_settings: Callable[..., Settings], build: Build, build_cache: Path
) -> Callable[..., Settings]:
    """Settings whose build cache already holds the session's build (no recompiling)."""

    def make(**overrides: Any) -> Settings:
        settings = make_settings(**overrides)
        settings.build_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(build_cache / f"{build.key}.json", settings.build_dir)
        return settings

    return make


@pytest.fixture
def runtime(seeded_settings: Callable[..., Settings]) -> Iterator[Runtime]:
    """Embedded chain and SQLite in a fresh data folder."""
    opened = open_runtime(seeded_settings())
    yield opened
    opened.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        yield c


# The service tests' chain, ledger and project fixtures serve the API's world too.
from tests.ledger.services.conftest import (  # noqa: E402
    clock,
    deployed,
    engine,
    ledger,
    make_project,
)


@pytest.fixture
def world(
    make_settings: Callable[..., Settings],
    engine: Engine,
    ledger: Ledger,
    build: Build,
    clock: Clock,
    make_project: Callable[..., Project],
) -> Iterator[World]:
    """The app over the test's ledger, a project and a principal of every role (on SQLite
    and PostgreSQL); see ``tests/api/world.py``."""
    yield from open_world(
        settings=make_settings(),
        engine=engine,
        ledger=ledger,
        build=build,
        clock=clock,
        make_project=make_project,
    )


__all__ = ["clock", "deployed", "engine", "ledger", "make_project"]
