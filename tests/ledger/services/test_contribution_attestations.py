"""Countersignatures of a contribution by another partner or an arbiter of the project."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from ledger import contributions
from ledger.context import Ledger
from ledger.db import Attestation, JournalEntry, Project, session_scope
from ledger.errors import Conflict, NotFound, RuleViolation, Unauthorized
from tests.contracts.conftest import key
from tests.ledger.services.conftest import ARBITER, FOREIGN_A, FOREIGN_C, LOCAL_B
from tests.ledger.services.contribution_support import attest, count, last_entry, register


def test_attest_by_another_partner_and_by_an_arbiter(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    row, _ = register(engine, ledger, project, FOREIGN_A)
    by_partner = attest(engine, ledger, project, row, LOCAL_B)
    assert (by_partner.attester, by_partner.role) == (LOCAL_B.address, "partner")
    entry = last_entry(engine, project)
    assert (entry.kind, entry.actor, entry.signature) == (
        "contribution.attested",
        f"partner:{LOCAL_B.address}",
        by_partner.signature,
    )
    assert json.loads(entry.payload)["body_hash"] == row.body_hash
    by_arbiter = attest(engine, ledger, project, row, ARBITER)
    assert by_arbiter.role == "arbiter"
    assert last_entry(engine, project).actor == f"arbiter:{ARBITER.address}"
    with session_scope(engine) as session:
        listed = contributions.attestations_of(session, row.id or 0)
    assert [(a.attester, a.role) for a in listed] == [
        (LOCAL_B.address, "partner"),
        (ARBITER.address, "arbiter"),
    ]


def test_attest_refusals_store_nothing(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    row, _ = register(engine, ledger, project, FOREIGN_A)
    attest(engine, ledger, project, row, LOCAL_B)
    entries = count(engine, JournalEntry)
    with pytest.raises(RuleViolation, match="its own contribution") as caught:
        attest(engine, ledger, project, row, FOREIGN_A)
    assert caught.value.fields["field"] == "attester"
    with pytest.raises(Unauthorized, match="neither a partner nor an arbiter") as caught:
        attest(engine, ledger, project, row, key("stranger"))
    assert caught.value.fields["field"] == "attester"
    with pytest.raises(Conflict, match="already attested") as caught:
        attest(engine, ledger, project, row, LOCAL_B)
    assert caught.value.fields["field"] == "attester"
    with pytest.raises(Unauthorized, match="signature is not"):
        attest(engine, ledger, project, row, FOREIGN_C, body_hash="00" * 32)
    with pytest.raises(Unauthorized), session_scope(engine) as session:
        contributions.attest(
            session, ledger, contribution_id=row.id, attester=LOCAL_B.address, signature=None
        )
    with pytest.raises(NotFound), session_scope(engine) as session:
        contributions.attest(
            session, ledger, contribution_id=999, attester=LOCAL_B.address, signature="0x00"
        )
    with pytest.raises(RuleViolation) as caught, session_scope(engine) as session:
        contributions.attest(
            session, ledger, contribution_id=row.id, attester="0xabc", signature="0x00"
        )
    assert caught.value.fields["field"] == "attester"
    assert count(engine, Attestation) == 1
    assert count(engine, JournalEntry) == entries
