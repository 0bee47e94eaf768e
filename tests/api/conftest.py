"""API tests: a runtime on a fresh data folder, served through FastAPI's TestClient."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.chain.compiler import Build
from ledger.runtime import Runtime, open_runtime
from ledger.settings import Settings


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
