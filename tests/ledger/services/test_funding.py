"""Funders' deposits: relayed or sent by the funder, recorded from the chain's events once."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from ledger import funding, journal
from ledger.context import Ledger
from ledger.db import FundingDeposit, Project, session_scope
from ledger.errors import ChainError, NotFound, RuleViolation
from ledger.reconcile import reconcile
from tests.contracts.conftest import key
from tests.ledger.services.conftest import signer

FUNDER = key("funder")
ETHER = 10**18


@pytest.fixture
def project(make_project: Callable[..., Project], ledger: Ledger) -> Project:
    ledger.chain.send_value(FUNDER.address, 10 * ETHER)
    return make_project()


def prepared(engine: Engine, ledger: Ledger, project: Project, amount: int) -> str:
    with session_scope(engine) as session:
        unsigned = funding.prepare_deposit(
            session, ledger, project_id=project.id, funder=FUNDER.address, amount=amount
        )
    return signer(ledger, FUNDER).transaction(unsigned)


def entries(engine: Engine, project: Project) -> list[journal.JournalEntry]:
    with session_scope(engine) as session:
        return [e for e in journal.entries(session, project.id) if e.kind == "funding.deposited"]


def test_a_relayed_deposit_is_credited_to_the_funder_and_recorded_once(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    transaction = prepared(engine, ledger, project, 3 * ETHER)
    with session_scope(engine) as session:
        (row,) = funding.deposit(
            session, ledger, project_id=project.id, amount=3 * ETHER, transaction=transaction
        )
    assert (row.funder, row.amount) == (FUNDER.address, 3 * ETHER)
    pid = project.chain_project_id
    assert ledger.escrow.deposit_of(pid, FUNDER.address) == 3 * ETHER
    assert ledger.escrow.available(pid) == 3 * ETHER
    (entry,) = entries(engine, project)
    assert json.loads(entry.payload)["amount"] == str(3 * ETHER)
    assert entry.actor == f"funder:{FUNDER.address}"
    # the same transaction recorded again by its hash: the stored row, nothing new
    with session_scope(engine) as session:
        again = funding.record_deposit(session, ledger, project_id=project.id, tx_hash=row.tx_hash)
    assert [r.id for r in again] == [row.id]
    assert len(entries(engine, project)) == 1
    with session_scope(engine) as session:
        assert reconcile(session, ledger, project_id=project.id) == []


def test_a_deposit_the_funder_sent_itself_is_recorded_from_its_hash(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    receipt = ledger.escrow.deposit(project.chain_project_id, ETHER, sender=FUNDER)
    with session_scope(engine) as session:
        (row,) = funding.record_deposit(
            session, ledger, project_id=project.id, tx_hash=receipt.tx_hash
        )
    assert (row.amount, row.block_number) == (ETHER, receipt.block_number)
    with session_scope(engine) as session:
        assert [r.id for r in funding.deposits(session, project.id)] == [row.id]


def test_deposits_refused_record_nothing(
    engine: Engine, ledger: Ledger, project: Project, make_project: Callable[..., Project]
) -> None:
    with pytest.raises(RuleViolation, match="amount"), session_scope(engine) as session:
        funding.prepare_deposit(
            session, ledger, project_id=project.id, funder=FUNDER.address, amount=0
        )
    transaction = prepared(engine, ledger, project, ETHER)
    # signed for one ether, presented as two
    with pytest.raises(RuleViolation) as caught, session_scope(engine) as session:
        funding.deposit(
            session, ledger, project_id=project.id, amount=2 * ETHER, transaction=transaction
        )
    assert caught.value.fields["part"] == "value"
    # a transaction that deposited into another project
    other = make_project()
    receipt = ledger.escrow.deposit(other.chain_project_id, ETHER, sender=FUNDER)
    with pytest.raises(RuleViolation, match="deposited nothing"), session_scope(engine) as session:
        funding.record_deposit(session, ledger, project_id=project.id, tx_hash=receipt.tx_hash)
    with pytest.raises(NotFound), session_scope(engine) as session:
        funding.record_deposit(session, ledger, project_id=project.id, tx_hash="0x" + "ab" * 32)
    assert entries(engine, project) == []
    assert ledger.escrow.available(project.chain_project_id) == 0
    # more than the funder holds: the simulation fails before anything is sent
    huge = prepared(engine, ledger, project, 100 * ETHER)
    with pytest.raises(ChainError), session_scope(engine) as session:
        funding.deposit(
            session, ledger, project_id=project.id, amount=100 * ETHER, transaction=huge
        )
    assert entries(engine, project) == []
    assert ledger.escrow.available(project.chain_project_id) == 0


def test_a_deposit_never_recorded_or_edited_is_a_reconciliation_finding(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    receipt = ledger.escrow.deposit(project.chain_project_id, ETHER, sender=FUNDER)
    with session_scope(engine) as session:
        (finding,) = reconcile(session, ledger, project_id=project.id)
    assert (finding.subject, finding.field, finding.chain) == (
        "deposit",
        "presence",
        receipt.tx_hash,
    )
    with session_scope(engine) as session:
        (row,) = funding.record_deposit(
            session, ledger, project_id=project.id, tx_hash=receipt.tx_hash
        )
    with session_scope(engine) as session:
        stored = session.get(FundingDeposit, row.id)
        stored.amount = ETHER + 1
        session.add(stored)
    with session_scope(engine) as session:
        (finding,) = reconcile(session, ledger, project_id=project.id)
    assert (finding.subject, finding.field, finding.ledger, finding.chain) == (
        "deposit",
        "amount",
        str(ETHER + 1),
        str(ETHER),
    )
