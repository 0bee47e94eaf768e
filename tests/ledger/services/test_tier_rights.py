"""Committing a snapshot's tier columns on chain, signed by a quorum of partners."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from ledger import journal, milestones, snapshots, tier_rights
from ledger.chain.registry import Tier as ChainTier
from ledger.context import Ledger
from ledger.db import Project, session_scope
from ledger.errors import ContractReverted, RuleViolation, Unauthorized
from tests.contracts.conftest import key
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, signer
from tests.ledger.services.dispute_support import Case, submitted_case


@pytest.fixture
def case(engine: Engine, ledger: Ledger, make_project: Callable[..., Project]) -> Case:
    return submitted_case(engine, ledger, make_project())


def snapshot_id(engine: Engine, case: Case) -> int:
    with session_scope(engine) as session:
        found = milestones.get(session, case.milestone.id).snapshot_id
    assert found is not None
    return found


def signatures(engine: Engine, ledger: Ledger, sid: int, tier: str, *accounts) -> list[str]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        message = tier_rights.commit_message(session, ledger, snapshot_id=sid, tier=tier)
    return [signer(ledger, a).rights_column(**message) for a in accounts]


def commit(engine: Engine, ledger: Ledger, sid: int, tier: str, sigs: list[str]) -> str:
    with session_scope(engine) as session:
        return tier_rights.commit(session, ledger, snapshot_id=sid, tier=tier, signatures=sigs)


def test_each_tier_column_of_the_snapshot_is_committed_as_the_matrix_says(
    engine: Engine, ledger: Ledger, case: Case
) -> None:
    sid = snapshot_id(engine, case)
    pid = case.project.chain_project_id
    with session_scope(engine) as session:
        stored = snapshots.get(session, sid)
        matrix = json.loads(stored.matrix)["columns"]
    by_number = {1: FOREIGN_A.address, 2: LOCAL_B.address, 3: FOREIGN_C.address}
    for tier in ("core", "application"):
        commit(engine, ledger, sid, tier, signatures(engine, ledger, sid, tier, FOREIGN_A, LOCAL_B))
        held = ledger.rights.column(pid, ChainTier[tier.upper()])
        assert held.snapshot_id == stored.number
        assert held.inputs_hash.hex() == stored.inputs_hash
        assert held.root.hex() == stored.payout_root
        expected = {by_number[pid_]: rights for pid_, rights, _ in matrix[tier]}
        assert dict(zip(held.column.partners, held.column.rights_bps, strict=True)) == expected
        assert sum(held.column.rights_bps) == 10_000
    application = ledger.rights.column(pid, ChainTier.APPLICATION).column
    assert sum(application.profit_bps) == 10_000
    assert ledger.rights.column(pid, ChainTier.CORE).column.profit_bps == ()
    with session_scope(engine) as session:
        entries = [
            e for e in journal.entries(session, case.project.id) if e.kind == "rights.committed"
        ]
    assert [json.loads(e.payload)["tier"] for e in entries] == ["core", "application"]


def test_a_column_needs_a_quorum_of_partners_and_a_newer_snapshot(
    engine: Engine, ledger: Ledger, case: Case
) -> None:
    sid = snapshot_id(engine, case)
    with session_scope(engine) as session:
        size = len(journal.entries(session, case.project.id))
    one = signatures(engine, ledger, sid, "core", FOREIGN_A)
    with pytest.raises(Unauthorized, match="needs 2 partner signatures"):
        commit(engine, ledger, sid, "core", one)
    with pytest.raises(Unauthorized, match="twice"):
        commit(engine, ledger, sid, "core", one + one)
    stranger = signatures(engine, ledger, sid, "core", FOREIGN_A, key("mallory"))
    with pytest.raises(Unauthorized, match="not a partner"):
        commit(engine, ledger, sid, "core", stranger)
    # signed for the application column, sent for the core one
    other = signatures(engine, ledger, sid, "application", FOREIGN_A, LOCAL_B)
    with pytest.raises(Unauthorized, match="not a partner"):
        commit(engine, ledger, sid, "core", other)
    with pytest.raises(RuleViolation, match="tier must be one of"):
        commit(engine, ledger, sid, "Core", one)
    with session_scope(engine) as session:
        assert len(journal.entries(session, case.project.id)) == size
    good = signatures(engine, ledger, sid, "core", FOREIGN_A, LOCAL_B)
    commit(engine, ledger, sid, "core", good)
    with pytest.raises(ContractReverted) as caught:
        commit(engine, ledger, sid, "core", good)
    assert caught.value.fields["error"] == "TieredRightsStaleSnapshot"
    with session_scope(engine) as session:
        assert len(journal.entries(session, case.project.id)) == size + 1
