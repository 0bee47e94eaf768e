"""End-to-end tests: a real ``ipledger serve`` process, driven only through HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.chain.compiler import Build
from tests.e2e.served import Served, serve


@pytest.fixture
def served(tmp_path: Path, build: Build, build_cache: Path, database_url: str) -> Iterator[Served]:
    """``ipledger serve`` on SQLite and on PostgreSQL, the embedded chain, a fresh home."""
    with serve(
        tmp_path / "home", build_cache / f"{build.key}.json", database_url=database_url
    ) as s:
        yield s
