"""The reliability suite runs on the service tests' ledger (eth-tester chain, both databases)."""

from __future__ import annotations

from tests.ledger.services.conftest import (  # noqa: F401
    clock,
    deployed,
    engine,
    ledger,
    make_project,
)
