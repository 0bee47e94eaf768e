"""Contract tests run on every chain backend (see the ``chain`` fixture)."""

from __future__ import annotations

import pytest

from ledger.chain.compiler import Build
from ledger.chain.gateway import Chain
from ledger.chain.record_anchor import RecordAnchorGateway


@pytest.fixture
def anchor(chain: Chain, build: Build) -> RecordAnchorGateway:
    """A freshly deployed RecordAnchor owned by the chain's operator."""
    bound, _ = chain.deploy(build["RecordAnchor"], chain.operator.address)
    return RecordAnchorGateway(chain, bound)
