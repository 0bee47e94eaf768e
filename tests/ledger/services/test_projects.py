"""Projects: created in the ledger and on chain, joined by signature, amended by all."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlmodel import func, select

from ledger import journal, projects
from ledger.chain.registry import Side
from ledger.context import Ledger
from ledger.db import AgreementVersion, JournalEntry, Project, session_scope
from ledger.errors import Conflict, NotFound, RuleViolation, Unauthorized
from tests.contracts.conftest import key
from tests.ledger.services.conftest import (
    ARBITER,
    FOREIGN_A,
    FOREIGN_C,
    LOCAL_B,
    PARTIES,
    agreement,
    signer,
)


def count(engine: Engine, table: type) -> int:
    with session_scope(engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def test_create_project_configures_the_registry(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    assert project.chain_project_id is not None
    terms = ledger.registry.agreement(project.chain_project_id)
    assert bytes(terms[0]).hex() == project.agreement_hash
    assert terms[1] == ledger.operator.address  # the ledger signer anchors the record
    assert terms[3:7] == (6000, 7000, 5100, 2)
    assert ledger.registry.partner_count(project.chain_project_id) == 3
    with session_scope(engine) as session:
        numbers = [(p.number, p.address, p.side) for p in projects.partners_of(session, project.id)]
        kinds = [e.kind for e in journal.entries(session, project.id)]
    assert numbers == [
        (1, FOREIGN_A.address, "foreign"),
        (2, LOCAL_B.address, "local"),
        (3, FOREIGN_C.address, "foreign"),
    ]
    for number, address, _ in numbers:
        assert ledger.registry.partner(project.chain_project_id, address)[0] == number
    assert kinds == ["project.created"] + ["partner.joined"] * 3


def test_invalid_agreement_stores_nothing(engine: Engine, ledger: Ledger) -> None:
    with pytest.raises(RuleViolation) as caught, session_scope(engine) as session:
        projects.create_project(
            session, ledger, agreement=agreement(tiers={"core": {"band": {"lo": 9000, "hi": 1}}})
        )
    assert caught.value.fields["field"] == "tiers.core.band"
    assert count(engine, Project) == count(engine, JournalEntry) == 0


def test_join_needs_the_partners_own_signature(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project(joiners=())
    forged = signer(ledger, key("mallory")).join(
        project.chain_project_id, project.agreement_hash, Side.FOREIGN
    )
    with pytest.raises(Unauthorized, match="signature is not"), session_scope(engine) as session:
        projects.join(
            session, ledger, project_id=project.id, address=FOREIGN_A.address, signature=forged
        )
    assert ledger.registry.partner_count(project.chain_project_id) == 0
    outsider = key("outsider")
    own = signer(ledger, outsider).join(
        project.chain_project_id, project.agreement_hash, Side.LOCAL
    )
    with pytest.raises(RuleViolation, match="not a party"), session_scope(engine) as session:
        projects.join(
            session, ledger, project_id=project.id, address=outsider.address, signature=own
        )
    with pytest.raises(NotFound), session_scope(engine) as session:
        projects.join(session, ledger, project_id=999, address=outsider.address, signature=own)
    with pytest.raises(Unauthorized, match="65 bytes"), session_scope(engine) as session:
        projects.join(
            session, ledger, project_id=project.id, address=FOREIGN_A.address, signature="0x00"
        )


def test_join_twice_is_a_conflict(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project(joiners=(LOCAL_B,))
    again = signer(ledger, LOCAL_B).join(
        project.chain_project_id, project.agreement_hash, Side.LOCAL
    )
    with pytest.raises(Conflict, match="already joined"), session_scope(engine) as session:
        projects.join(
            session, ledger, project_id=project.id, address=LOCAL_B.address, signature=again
        )


def test_amendment_adds_a_version_signed_by_every_partner(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    with session_scope(engine) as session:
        current = projects.agreement_of(session, project.id)
    changes = {"valuation": {"tacit_training": 2000}}
    from ledger.agreements import amend

    spec = amend(current, changes)
    signatures = [
        signer(ledger, a).amendment(project.chain_project_id, 2, spec.document_hash())
        for a in PARTIES
    ]
    with pytest.raises(Unauthorized, match="missing"), session_scope(engine) as session:
        projects.amend(
            session,
            ledger,
            project_id=project.id,
            changes=changes,
            reason="training",
            signatures=signatures[:2],
        )
    stranger = signer(ledger, ARBITER).amendment(project.chain_project_id, 2, spec.document_hash())
    with pytest.raises(Unauthorized, match="not a partner"), session_scope(engine) as session:
        projects.amend(
            session,
            ledger,
            project_id=project.id,
            changes=changes,
            reason="training",
            signatures=[*signatures, stranger],
        )
    assert count(engine, AgreementVersion) == 1
    with session_scope(engine) as session:
        row = projects.amend(
            session,
            ledger,
            project_id=project.id,
            changes=changes,
            reason="training",
            signatures=signatures,
        )
    assert row.version == 2
    with session_scope(engine) as session:
        assert projects.agreement_of(session, project.id, 1) == current
        assert projects.agreement_of(session, project.id).valuation["tacit_training"] == 2000
        assert [v.version for v in projects.versions_of(session, project.id)] == [1, 2]
        assert journal.entries(session, project.id)[-1].kind == "agreement.amended"
    with pytest.raises(RuleViolation, match="fixed on chain"), session_scope(engine) as session:
        projects.amend(
            session,
            ledger,
            project_id=project.id,
            changes={"quorum": {"partners": 3}},
            reason="x",
            signatures=signatures,
        )
