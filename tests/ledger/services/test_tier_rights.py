"""Committing a snapshot's tier columns on chain, signed by a quorum of partners."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from ledger import journal, licensing, milestones, snapshots, tier_rights
from ledger.chain.registry import Tier as ChainTier
from ledger.chain.rights import NegotiatedSplit
from ledger.context import Ledger
from ledger.db import Project, session_scope
from ledger.errors import ContractReverted, RuleViolation, Unauthorized
from ledger.reconcile import reconcile
from tests.contracts.conftest import key
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, signer
from tests.ledger.services.dispute_support import Case, submitted_case
from tests.ledger.services.ip_support import LICENSEE, fund, ip_agreement, register_on_chain


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


# ---------------------------------------------------------------------- negotiated split


def split_signatures(
    engine: Engine, ledger: Ledger, project: Project, bps: dict[int, int], *accounts
) -> list[str]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        split = tier_rights.split_proposal(session, ledger, project_id=project.id, bps=bps)
    return [signer(ledger, a).negotiated_split(project.chain_project_id, split) for a in accounts]


def set_split(engine: Engine, ledger: Ledger, project: Project, bps: dict, sigs: list[str]) -> str:  # type: ignore[type-arg]
    with session_scope(engine) as session:
        return tier_rights.set_negotiated_split(
            session, ledger, project_id=project.id, bps=bps, signatures=sigs
        )


def test_derivative_revenue_follows_the_split_every_partner_signed(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project(ip_agreement())
    fund(ledger, LOCAL_B, LICENSEE)
    bps = {1: 2000, 2: 7000, 3: 1000}
    set_split(
        engine,
        ledger,
        project,
        bps,
        split_signatures(engine, ledger, project, bps, FOREIGN_A, LOCAL_B, FOREIGN_C),
    )
    held = ledger.rights.negotiated_split(project.chain_project_id)
    assert held.nonce == 1
    by_address = dict(zip(held.partners, held.bps, strict=True))
    assert by_address == {FOREIGN_A.address: 2000, LOCAL_B.address: 7000, FOREIGN_C.address: 1000}
    content_hash, tx_hash = register_on_chain(
        ledger, project, LOCAL_B, ChainTier.DERIVATIVE, b"app"
    )
    with session_scope(engine) as session:
        asset = licensing.register_asset(
            session,
            ledger,
            project_id=project.id,
            tier="derivative",
            title="Inspection app",
            content_hash=content_hash,
            tx_hash=tx_hash,
        )
    receipt = ledger.revenue.deposit_revenue(asset.chain_asset_id, 10_001, sender=LICENSEE)
    with session_scope(engine) as session:
        payment = licensing.record_revenue(
            session, ledger, asset_id=asset.id, tx_hash=receipt.tx_hash, amount=10_001
        )
    split = {a: int(w) for a, w in json.loads(payment.split).items()}
    assert sum(split.values()) == 10_001
    # 10_001 × 2000 / 10_000 = 2000.2 → 2000; × 7000 → 7000.7 → 7000; × 1000 → 1000.1 → 1000;
    # the one wei left goes to the largest remainder (partner 2's .7)
    assert split == {FOREIGN_A.address: 2000, LOCAL_B.address: 7001, FOREIGN_C.address: 1000}
    with session_scope(engine) as session:
        kinds = [e.kind for e in journal.entries(session, project.id)]
        assert reconcile(session, ledger, project_id=project.id) == []
    assert "rights.split_set" in kinds
    # a second split set straight on chain, never recorded: reconciliation names it
    newer = NegotiatedSplit(2, held.partners, (0, 5000, 5000))
    sigs = ledger.rights.sign_negotiated_split(
        sorted((FOREIGN_A, LOCAL_B, FOREIGN_C), key=lambda a: int(a.address, 16)),
        project.chain_project_id,
        newer,
    )
    ledger.rights.set_negotiated_split(project.chain_project_id, newer, sigs)
    with session_scope(engine) as session:
        found = reconcile(session, ledger, project_id=project.id)
    assert [(d.subject, d.field) for d in found] == [
        ("negotiated_split", "nonce"),
        ("negotiated_split", "split_hash"),
    ]


def test_a_split_needs_every_partner_and_exactly_10000_bps(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    bps = {1: 5000, 2: 5000, 3: 0}
    for wrong, message in [
        ({1: 5000, 2: 4999, 3: 0}, "sum to 9999"),
        ({1: 5000, 2: 5000}, "every partner once"),
        ({1: 5000, 2: 5000, 3: 0, 4: 0}, "every partner once"),
        ({1: 5000, 2: 5000, 3: -0.0}, "integer"),
    ]:
        with pytest.raises(RuleViolation, match=message), session_scope(engine) as session:
            tier_rights.split_proposal(session, ledger, project_id=project.id, bps=wrong)
    two = split_signatures(engine, ledger, project, bps, FOREIGN_A, LOCAL_B)
    with pytest.raises(Unauthorized, match="missing"):
        set_split(engine, ledger, project, bps, two)
    with pytest.raises(Unauthorized, match="twice"):
        set_split(engine, ledger, project, bps, two + two[:1])
    stranger = split_signatures(engine, ledger, project, bps, FOREIGN_A, LOCAL_B, key("mallory"))
    with pytest.raises(Unauthorized, match="not a partner"):
        set_split(engine, ledger, project, bps, stranger)
    # every partner signed another split
    other = split_signatures(
        engine, ledger, project, {1: 0, 2: 5000, 3: 5000}, FOREIGN_A, LOCAL_B, FOREIGN_C
    )
    with pytest.raises(Unauthorized, match="not a partner"):
        set_split(engine, ledger, project, bps, other)
    assert ledger.rights.negotiated_split(project.chain_project_id).nonce == 0
