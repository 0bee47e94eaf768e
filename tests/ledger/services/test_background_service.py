"""Background IP escrow: deposits sealed off chain, keys released only as the chain says."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
import rfc8785
from eth_utils import keccak
from sqlalchemy import Engine

from ledger import background_service as background
from ledger.background_ip import key_commitment
from ledger.chain.background import DepositState, DepositTerms
from ledger.context import Ledger
from ledger.db import BackgroundDeposit, JournalEntry, Project, session_scope
from ledger.errors import (
    ChainStateError,
    Conflict,
    ContractReverted,
    NotFound,
    RuleViolation,
    Unauthorized,
)
from tests.ledger.services.conftest import ARBITER, FOREIGN_A, FOREIGN_C, LOCAL_B, signer
from tests.ledger.services.ip_support import (
    QUORUM,
    STRANGER,
    count,
    journal_kinds,
    last_payload,
    release_milestone,
)

DOCUMENT = b"%PDF-1.7 machine-vision calibration process, trade secret of Vision Works" * 30
TERMS = {"use": "project research only", "sublicence": False, "royalty_bps": 0}


def inputs(project: Project, **overrides: Any) -> dict[str, Any]:
    """LOCAL_B deposits DOCUMENT for FOREIGN_A, released at milestone 1."""
    values: dict[str, Any] = {
        "project_id": project.id,
        "owner": LOCAL_B.address,
        "document": DOCUMENT,
        "terms": TERMS,
        "beneficiary": FOREIGN_A.address,
        "release_milestone": 1,
    }
    values.update(overrides)
    return values


def deposit(
    engine: Engine,
    ledger: Ledger,
    project: Project,
    *,
    title: str = "Calibration",
    **overrides: Any,
) -> BackgroundDeposit:
    """Prepare, sign as the owner, deposit."""
    values = inputs(project, **overrides)
    owner = {a.address: a for a in (FOREIGN_A, LOCAL_B, FOREIGN_C)}[values["owner"]]
    with session_scope(engine) as session:
        prepared = background.prepare_deposit(session, ledger, **values)
    signature = signer(ledger, owner).background_deposit(prepared.terms)
    with session_scope(engine) as session:
        return background.deposit(
            session, ledger, title=title, handle=prepared.handle, signature=signature, **values
        )


def read(engine: Engine, ledger: Ledger, deposit_id: int, reader: str) -> bytes:
    with session_scope(engine) as session:
        return background.read_document(session, ledger, deposit_id=deposit_id, reader=reader)


def release(engine: Engine, ledger: Ledger, deposit_id: int, **ruling: str) -> BackgroundDeposit:
    with session_scope(engine) as session:
        return background.release(session, ledger, deposit_id=deposit_id, **ruling)


@pytest.fixture
def project(make_project: Callable[..., Project]) -> Project:
    return make_project()


def test_deposit_lets_the_owner_read_its_document(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    row = deposit(engine, ledger, project)
    assert (row.state, row.released_to, row.title) == ("held", None, "Calibration")
    assert row.chain_deposit_id is not None
    on_chain = ledger.background.get(row.chain_deposit_id)
    assert on_chain.state is DepositState.DEPOSITED
    assert (on_chain.owner, on_chain.beneficiary, on_chain.release_milestone) == (
        LOCAL_B.address,
        FOREIGN_A.address,
        1,
    )
    assert on_chain.document_hash == hashlib.sha256(DOCUMENT).digest()
    assert on_chain.key_commitment.hex() == row.key_commitment
    assert on_chain.terms_hash == hashlib.sha256(rfc8785.dumps(TERMS)).digest()

    assert read(engine, ledger, row.id, LOCAL_B.address) == DOCUMENT
    stored = ledger.documents.path(on_chain.key_commitment).read_bytes()
    assert DOCUMENT[:64] not in stored
    key = ledger.vault.key_for(on_chain.document_hash, name=on_chain.key_commitment)
    assert key_commitment(key) == on_chain.key_commitment
    with session_scope(engine) as session:
        entry = session.get(JournalEntry, count(engine, JournalEntry))
        assert entry is not None and entry.kind == "background.deposited"
        assert key.hex() not in entry.payload and DOCUMENT[:32].decode() not in entry.payload
    payload = last_payload(engine, project)
    assert payload["terms"] == TERMS and payload["owner"] == LOCAL_B.address
    assert payload["chain_deposit_id"] == row.chain_deposit_id
    with session_scope(engine) as session:
        assert [d.id for d in background.deposits(session, project.id)] == [row.id]


def test_read_document_refuses_everyone_but_the_owner_before_release(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    row = deposit(engine, ledger, project)
    for reader in (STRANGER.address, FOREIGN_A.address, FOREIGN_C.address, ARBITER.address):
        with pytest.raises(Unauthorized) as caught:
            read(engine, ledger, row.id, reader)
        assert caught.value.fields["field"] == "reader"
    with pytest.raises(RuleViolation) as bad:
        read(engine, ledger, row.id, "not an address")
    assert bad.value.fields["field"] == "reader"
    with pytest.raises(NotFound):
        read(engine, ledger, 999, LOCAL_B.address)


def test_beneficiary_reads_only_after_the_chain_released_the_milestone(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    row = deposit(engine, ledger, project)
    before = journal_kinds(engine, project)
    with pytest.raises(ContractReverted) as caught:
        release(engine, ledger, row.id)
    assert caught.value.error == "BackgroundEscrowMilestoneNotReleased"
    assert journal_kinds(engine, project) == before
    with session_scope(engine) as session:
        assert background.get_deposit(session, row.id).state == "held"

    release_milestone(ledger, project, 1)
    released = release(engine, ledger, row.id)
    assert (released.state, released.released_to) == ("released", FOREIGN_A.address)
    assert read(engine, ledger, row.id, FOREIGN_A.address) == DOCUMENT
    assert read(engine, ledger, row.id, LOCAL_B.address) == DOCUMENT  # the owner, still
    with pytest.raises(Unauthorized):
        read(engine, ledger, row.id, FOREIGN_C.address)
    payload = last_payload(engine, project)
    assert (payload["by"], payload["recipient"], payload["arbiter"]) == (
        "milestone",
        FOREIGN_A.address,
        None,
    )
    assert payload["tx"] is not None
    with pytest.raises(Conflict):
        release(engine, ledger, row.id)


def test_release_made_on_chain_by_anyone_is_honoured_and_recorded(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    row = deposit(engine, ledger, project)
    release_milestone(ledger, project, 1)
    assert row.chain_deposit_id is not None
    ledger.background.release_on_milestone(row.chain_deposit_id)  # not through the ledger
    assert read(engine, ledger, row.id, FOREIGN_A.address) == DOCUMENT  # the chain says so
    recorded = release(engine, ledger, row.id)
    assert (recorded.state, recorded.released_to) == ("released", FOREIGN_A.address)
    assert last_payload(engine, project)["by"] == "observed"


def test_a_row_edited_to_released_opens_nothing(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    row = deposit(engine, ledger, project)
    with session_scope(engine) as session:
        edited = background.get_deposit(session, row.id)
        edited.state, edited.released_to = "released", FOREIGN_A.address
        session.add(edited)
    with pytest.raises(Unauthorized):
        read(engine, ledger, row.id, FOREIGN_A.address)


def test_release_by_an_arbiters_ruling(engine: Engine, ledger: Ledger, project: Project) -> None:
    row = deposit(engine, ledger, project)
    assert row.chain_deposit_id is not None
    ruling = signer(ledger, ARBITER).background_release(row.chain_deposit_id, FOREIGN_C.address)
    forged = signer(ledger, FOREIGN_A).background_release(row.chain_deposit_id, FOREIGN_C.address)
    with pytest.raises(Unauthorized) as caught:
        release(engine, ledger, row.id, recipient=FOREIGN_C.address, arbiter_signature=forged)
    assert caught.value.fields["field"] == "arbiter_signature"
    with pytest.raises(Unauthorized):  # signed for another recipient
        release(engine, ledger, row.id, recipient=FOREIGN_A.address, arbiter_signature=ruling)
    with pytest.raises(RuleViolation) as missing:
        release(engine, ledger, row.id, recipient=FOREIGN_C.address)
    assert missing.value.fields["field"] == "arbiter_signature"
    with pytest.raises(RuleViolation) as no_recipient:
        release(engine, ledger, row.id, arbiter_signature=ruling)
    assert no_recipient.value.fields["field"] == "recipient"
    assert ledger.background.get(row.chain_deposit_id).state is DepositState.DEPOSITED

    released = release(
        engine, ledger, row.id, recipient=FOREIGN_C.address, arbiter_signature=ruling
    )
    assert released.released_to == FOREIGN_C.address
    payload = last_payload(engine, project)
    assert (payload["by"], payload["arbiter"]) == ("ruling", ARBITER.address)
    assert read(engine, ledger, row.id, FOREIGN_C.address) == DOCUMENT
    with pytest.raises(Unauthorized):  # the named beneficiary was not the one ruled for
        read(engine, ledger, row.id, FOREIGN_A.address)


def test_tampered_ciphertext_or_key_is_detected(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    row = deposit(engine, ledger, project)
    path = ledger.documents.path(bytes.fromhex(row.key_commitment))
    original = path.read_bytes()
    changed = bytearray(original)
    changed[40] ^= 0x01
    path.write_bytes(bytes(changed))
    with pytest.raises(RuleViolation) as caught:
        read(engine, ledger, row.id, LOCAL_B.address)
    assert caught.value.fields["field"] == "ciphertext"

    path.write_bytes(original)
    document_hash = bytes.fromhex(row.document_hash)
    commitment = bytes.fromhex(row.key_commitment)
    ledger.vault.store(document_hash, bytes(32), name=commitment)  # another key, same slot
    with pytest.raises(RuleViolation) as swapped:
        read(engine, ledger, row.id, LOCAL_B.address)
    assert swapped.value.fields["field"] == "key"

    path.unlink()
    with pytest.raises(NotFound):
        read(engine, ledger, row.id, LOCAL_B.address)


def test_a_row_that_is_not_the_chains_deposit_is_refused(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    row = deposit(engine, ledger, project)
    with session_scope(engine) as session:
        edited = background.get_deposit(session, row.id)
        edited.document_hash = hashlib.sha256(b"another document").hexdigest()
        session.add(edited)
    with pytest.raises(ChainStateError):
        read(engine, ledger, row.id, LOCAL_B.address)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"owner": STRANGER.address}, "owner"),
        ({"owner": "0x1234"}, "owner"),
        ({"document": b""}, "document"),
        ({"terms": {"fee": 2**60}}, "terms"),
        ({"terms": ["not", "an", "object"]}, "terms"),
        ({"beneficiary": "0x" + "00" * 20}, "beneficiary"),
        ({"release_milestone": 0}, "release_milestone"),
        ({"release_milestone": True}, "release_milestone"),
    ],
)
def test_prepare_deposit_names_the_bad_input(
    engine: Engine, ledger: Ledger, project: Project, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(RuleViolation) as caught, session_scope(engine) as session:
        background.prepare_deposit(session, ledger, **inputs(project, **overrides))
    assert caught.value.fields["field"] == field


def test_deposit_needs_the_owners_signature_over_the_prepared_terms(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    values = inputs(project)
    with session_scope(engine) as session:
        prepared = background.prepare_deposit(session, ledger, **values)
    own = signer(ledger, LOCAL_B).background_deposit(prepared.terms)
    other = signer(ledger, FOREIGN_A).background_deposit(prepared.terms)
    with session_scope(engine) as session:
        elsewhere = background.prepare_deposit(
            session, ledger, **inputs(project, document=b"another document")
        )

    def attempt(**changes: Any) -> None:
        arguments = {"title": "Calibration", "handle": prepared.handle, "signature": own}
        arguments.update(values)
        arguments.update(changes)
        with session_scope(engine) as session:
            background.deposit(session, ledger, **arguments)

    with pytest.raises(Unauthorized):
        attempt(signature=other)
    with pytest.raises(Unauthorized):  # the owner signed another beneficiary
        attempt(beneficiary=FOREIGN_C.address)
    with pytest.raises(RuleViolation) as wrong_handle:
        attempt(handle=elsewhere.handle)
    assert wrong_handle.value.fields["field"] == "handle"
    with pytest.raises(RuleViolation) as no_title:
        attempt(title="  ")
    assert no_title.value.fields["field"] == "title"
    assert count(engine, BackgroundDeposit) == 0
    assert not ledger.documents.root.exists() or not list(ledger.documents.root.iterdir())
    assert ledger.background.get(1).state is DepositState.NONE

    attempt()
    with pytest.raises(Conflict) as again:
        attempt()
    assert again.value.fields["field"] == "document"
    with pytest.raises(Conflict), session_scope(engine) as session:
        background.prepare_deposit(session, ledger, **values)


def test_a_deposit_the_chain_refuses_records_nothing_and_leaves_inert_files(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    assert project.chain_project_id is not None
    document_hash = hashlib.sha256(DOCUMENT).digest()
    terms = DepositTerms(  # the owner deposited the document directly on chain before
        project.chain_project_id,
        LOCAL_B.address,
        document_hash,
        keccak(b"some other key"),
        keccak(b"terms"),
        FOREIGN_A.address,
        1,
    )
    ledger.background.deposit(terms, ledger.background.deposit_signature(LOCAL_B, terms))
    before = journal_kinds(engine, project)
    with pytest.raises(ContractReverted) as caught:
        deposit(engine, ledger, project)
    assert caught.value.error == "BackgroundEscrowDuplicate"
    assert count(engine, BackgroundDeposit) == 0
    assert journal_kinds(engine, project) == before
    leftovers = list(ledger.documents.root.iterdir())
    assert len(leftovers) == 1 and DOCUMENT[:64] not in leftovers[0].read_bytes()


def test_withdraw_only_after_termination_and_by_the_owner(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    row = deposit(engine, ledger, project)
    assert row.chain_deposit_id is not None and project.chain_project_id is not None
    own = signer(ledger, LOCAL_B).background_withdrawal(row.chain_deposit_id)
    other = signer(ledger, FOREIGN_A).background_withdrawal(row.chain_deposit_id)

    def withdraw(signature: str) -> BackgroundDeposit:
        with session_scope(engine) as session:
            return background.withdraw(session, ledger, deposit_id=row.id, signature=signature)

    with pytest.raises(RuleViolation) as active:
        withdraw(own)
    assert active.value.fields["field"] == "project"
    ledger.registry.terminate(project.chain_project_id, keccak(b"wound up"), QUORUM)
    with pytest.raises(Unauthorized):
        withdraw(other)
    withdrawn = withdraw(own)
    assert withdrawn.state == "withdrawn"
    assert ledger.background.get(row.chain_deposit_id).state is DepositState.WITHDRAWN
    assert journal_kinds(engine, project)[-1] == "background.withdrawn"
    assert read(engine, ledger, row.id, LOCAL_B.address) == DOCUMENT
    with pytest.raises(Conflict):
        withdraw(own)
    with pytest.raises(Conflict):
        release(engine, ledger, row.id)
