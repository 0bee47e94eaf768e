"""The credentials service: issuers, stored credentials, revocations and recognition, with the
chain's registry as the second witness, on each database backend."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from ledger import credential_service as service
from ledger import journal
from ledger.context import Ledger
from ledger.credentials import CredentialType, Status, Subject, credential_hash, jcs
from ledger.db import CredentialRecord, IssuerRecord, JournalEntry, session_scope
from ledger.errors import Conflict, ContractReverted, NotFound, RuleViolation, Unauthorized
from ledger.registry_record import REGISTRY_LOCK, REGISTRY_RECORD, lock_registry
from tests.ledger.credentials.support import (
    ISSUER,
    KEY,
    OTHER_ISSUER,
    OTHER_KEY,
    SUBJECT,
    credential,
)
from tests.ledger.services.conftest import T0, Clock
from tests.ledger.services.credential_support import (
    ENS_CHAIN,
    REASON,
    STRANGER,
    TUM_CHAIN,
    anchor_signature,
    check,
    count,
    reason32,
    register,
    register_both,
    revocation_signature,
    store,
)


def kinds(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return [e.kind for e in journal.entries(session, REGISTRY_RECORD)]


def fields_of(exc: pytest.ExceptionInfo[Any]) -> str:
    return str(exc.value.fields["field"])


# ---------------------------------------------------------------------- the issue's vectors


def test_credential_verified_then_one_byte_changed_then_revoked(
    engine: Engine, ledger: Ledger
) -> None:
    register(engine, ledger)
    degree = credential()
    row = store(engine, ledger, degree)
    digest = credential_hash(degree)
    assert row.credential_hash == digest.hex() and row.anchored_tx is not None

    result = check(engine, ledger, degree)
    assert result.status is Status.VALID
    assert result.anchored_by == TUM_CHAIN.address and result.discrepancies == ()

    written = jcs(degree)
    at = written.index(b'"MSc"') + 3
    changed = written[:at] + b"d" + written[at + 1 :]
    assert len(changed) == len(written)
    assert sum(a != b for a, b in zip(written, changed, strict=True)) == 1
    assert check(engine, ledger, changed.decode()).status is Status.BAD_SIGNATURE

    with session_scope(engine) as session:
        revoked = service.revoke(
            session,
            ledger,
            credential_id=row.credential_id,
            reason=REASON,
            signature=revocation_signature(ledger, degree),
        )
    assert revoked.revoked_at is not None and revoked.revoked_tx is not None
    result = check(engine, ledger, degree)
    assert result.status is Status.REVOKED and result.discrepancies == ()
    chain = ledger.credentials.status(digest)
    assert chain.revoked and chain.revocation_reason == reason32()
    assert kinds(engine) == ["issuer.registered", "credential.stored", "credential.revoked"]
    with session_scope(engine) as session:
        entries = journal.entries(session, REGISTRY_RECORD)
        assert journal.verify(session, REGISTRY_RECORD).ok
    assert entries[2].actor == f"issuer:{ISSUER.id}"
    assert json.loads(entries[2].payload)["tx"] == revoked.revoked_tx


def test_register_issuer_stores_it_and_registers_its_address(
    engine: Engine, ledger: Ledger
) -> None:
    assert ledger.credentials.issuer_jurisdiction(TUM_CHAIN.address) is None
    register(engine, ledger, address=TUM_CHAIN.address.lower())
    with session_scope(engine) as session:
        row = service.get_issuer(session, ISSUER.id)
        (entry,) = journal.entries(session, REGISTRY_RECORD)
    assert (row.jurisdiction, row.address) == ("DE", TUM_CHAIN.address)
    assert bytes.fromhex(row.public_key) == ISSUER.public_key
    assert ledger.credentials.issuer_jurisdiction(TUM_CHAIN.address) == "DE"
    assert entry.kind == "issuer.registered" and entry.actor == "admin"
    assert json.loads(entry.payload)["address"] == TUM_CHAIN.address


def test_issue_and_store_signs_with_the_issuers_keys(engine: Engine, ledger: Ledger) -> None:
    register(engine, ledger)
    with session_scope(engine) as session:
        row = service.issue_and_store(
            session,
            ledger,
            urn=ISSUER.id,
            issuer_key=KEY,
            anchor_account=TUM_CHAIN,
            subject=SUBJECT,
            credential_type=CredentialType.TRL_ASSESSOR,
            valid_from=T0 - timedelta(days=1),
            credential_id="urn:uuid:assessor-1",
        )
    assert row.type == "TRLAssessorCredential" and row.subject == SUBJECT.id
    assert check(engine, ledger, row.document).status is Status.VALID
    with pytest.raises(RuleViolation) as caught, session_scope(engine) as session:
        service.issue_and_store(
            session,
            ledger,
            urn=ISSUER.id,
            issuer_key=OTHER_KEY,
            anchor_account=TUM_CHAIN,
            subject=SUBJECT,
            credential_type=CredentialType.DEGREE,
            valid_from=T0 - timedelta(days=1),
        )
    assert fields_of(caught) == "issuer_key"
    with pytest.raises(NotFound) as missing, session_scope(engine) as session:
        service.issue_and_store(
            session,
            ledger,
            urn=OTHER_ISSUER.id,
            issuer_key=OTHER_KEY,
            anchor_account=ENS_CHAIN,
            subject=SUBJECT,
            credential_type=CredentialType.DEGREE,
            valid_from=T0,
        )
    assert fields_of(missing) == "urn"


# ---------------------------------------------------------------------- statuses


def test_unknown_issuer_is_neither_valid_nor_stored(engine: Engine, ledger: Ledger) -> None:
    register(engine, ledger)
    foreign = credential(key=OTHER_KEY, issuer=OTHER_ISSUER)
    result = check(engine, ledger, foreign)
    assert result.status is Status.UNKNOWN_ISSUER and result.issuer == OTHER_ISSUER.id
    with pytest.raises(RuleViolation) as caught:
        store(engine, ledger, foreign, ENS_CHAIN)
    assert fields_of(caught) == "credential.issuer"
    assert caught.value.fields["status"] == "unknown_issuer"
    assert count(engine, CredentialRecord) == 0 and kinds(engine) == ["issuer.registered"]
    assert ledger.credentials.status(credential_hash(foreign)).issuer is None


def test_expired_credential(engine: Engine, ledger: Ledger, clock: Clock) -> None:
    register(engine, ledger)
    with session_scope(engine) as session:
        row = service.issue_and_store(
            session,
            ledger,
            urn=ISSUER.id,
            issuer_key=KEY,
            anchor_account=TUM_CHAIN,
            subject=SUBJECT,
            credential_type=CredentialType.DEGREE,
            valid_from=T0 - timedelta(days=1),
            valid_until=T0 + timedelta(days=1),
        )
    assert check(engine, ledger, row.document).status is Status.VALID
    clock.advance(days=2)
    assert check(engine, ledger, row.document).status is Status.EXPIRED
    before = T0 - timedelta(hours=1)
    assert check(engine, ledger, row.document, at=before).status is Status.VALID


def test_credential_not_valid_now_is_refused(engine: Engine, ledger: Ledger) -> None:
    register(engine, ledger)
    lapsed = credential(valid_until=datetime(2026, 6, 1, tzinfo=UTC))
    with pytest.raises(RuleViolation) as caught:
        store(engine, ledger, lapsed)
    assert fields_of(caught) == "credential.validUntil"
    with pytest.raises(RuleViolation) as early, session_scope(engine) as session:
        service.issue_and_store(
            session,
            ledger,
            urn=ISSUER.id,
            issuer_key=KEY,
            anchor_account=TUM_CHAIN,
            subject=SUBJECT,
            credential_type=CredentialType.DEGREE,
            valid_from=T0 + timedelta(days=30),
        )
    assert fields_of(early) == "credential.validFrom"
    assert count(engine, CredentialRecord) == 0


def test_recognition_makes_a_credential_count_abroad(engine: Engine, ledger: Ledger) -> None:
    register(engine, ledger)
    degree = credential()
    store(engine, ledger, degree)
    result = check(engine, ledger, degree, jurisdiction="FR")
    assert (result.status, result.jurisdiction) == (Status.NOT_RECOGNISED, "FR")
    assert check(engine, ledger, degree, jurisdiction="DE").status is Status.VALID

    with session_scope(engine) as session:
        row = service.recognise(
            session, ledger, first="FR", second="DE", credential_type="DegreeCredential"
        )
    assert (row.first, row.second) == ("DE", "FR")
    assert check(engine, ledger, degree, jurisdiction="FR").status is Status.VALID
    assert check(engine, ledger, degree, jurisdiction="IT").status is Status.NOT_RECOGNISED

    with session_scope(engine) as session:
        other = service.issue_and_store(
            session,
            ledger,
            urn=ISSUER.id,
            issuer_key=KEY,
            anchor_account=TUM_CHAIN,
            subject=SUBJECT,
            credential_type=CredentialType.PROFESSIONAL_QUALIFICATION,
            valid_from=T0 - timedelta(days=1),
        )
    result = check(engine, ledger, other.document, jurisdiction="FR")
    assert result.status is Status.NOT_RECOGNISED  # the agreement covers degrees only
    with pytest.raises(Conflict) as twice, session_scope(engine) as session:
        service.recognise(
            session, ledger, first="DE", second="FR", credential_type=CredentialType.DEGREE
        )
    assert fields_of(twice) == "credential_type"
    with session_scope(engine) as session:
        assert service.recognitions_of(session) == service.recognitions_of(
            session, CredentialType.DEGREE
        )
    assert kinds(engine).count("recognition.registered") == 1


@pytest.mark.parametrize(
    ("first", "second", "credential_type", "field"),
    [
        ("de", "FR", "DegreeCredential", "first"),
        ("DE", "FRA", "DegreeCredential", "second"),
        ("DE", "DE", "DegreeCredential", "second"),
        ("DE", "FR", "Diploma", "credential_type"),
    ],
)
def test_recognise_names_the_bad_argument(
    engine: Engine, ledger: Ledger, first: str, second: str, credential_type: str, field: str
) -> None:
    with pytest.raises(RuleViolation) as caught, session_scope(engine) as session:
        service.recognise(
            session, ledger, first=first, second=second, credential_type=credential_type
        )
    assert fields_of(caught) == field
    assert kinds(engine) == []


# ---------------------------------------------------------------------- revocation


def test_revocation_by_a_stranger_is_refused(engine: Engine, ledger: Ledger) -> None:
    register_both(engine, ledger)
    degree = credential()
    store(engine, ledger, degree)
    forged = [
        revocation_signature(ledger, degree, STRANGER),
        revocation_signature(ledger, degree, ENS_CHAIN),  # another registered issuer
        revocation_signature(ledger, degree, reason="another reason"),  # not what it signed
        "0x1234",
        "not hex",
    ]
    for signature in forged:
        with pytest.raises(Unauthorized) as caught, session_scope(engine) as session:
            service.revoke(
                session, ledger, credential_id=degree["id"], reason=REASON, signature=signature
            )
        assert fields_of(caught) == "signature"
    with session_scope(engine) as session:
        assert service.get_credential(session, degree["id"]).revoked_at is None
    assert not ledger.credentials.status(credential_hash(degree)).revoked
    assert check(engine, ledger, degree).status is Status.VALID
    assert kinds(engine) == ["issuer.registered"] * 2 + ["credential.stored"]


@pytest.mark.parametrize("reason", ["", "  ", "x" * 33, "nul\0inside"])
def test_revocation_needs_a_reason_that_fits_the_chain(
    engine: Engine, ledger: Ledger, reason: str
) -> None:
    register(engine, ledger)
    degree = credential()
    store(engine, ledger, degree)
    with pytest.raises(RuleViolation) as caught, session_scope(engine) as session:
        service.revoke(
            session,
            ledger,
            credential_id=degree["id"],
            reason=reason,
            signature=revocation_signature(ledger, degree),
        )
    assert fields_of(caught) == "reason"


def test_revoke_unknown_or_twice(engine: Engine, ledger: Ledger) -> None:
    register(engine, ledger)
    degree = credential()
    signature = revocation_signature(ledger, degree)

    def revoke() -> None:
        with session_scope(engine) as session:
            service.revoke(
                session, ledger, credential_id=degree["id"], reason=REASON, signature=signature
            )

    with pytest.raises(NotFound) as missing:
        revoke()
    assert fields_of(missing) == "credential_id"
    store(engine, ledger, degree)
    revoke()
    with pytest.raises(Conflict) as twice:
        revoke()
    assert fields_of(twice) == "credential_id"
    with pytest.raises(Conflict) as again:
        store(engine, ledger, degree)  # a revoked credential is never stored again
    assert (fields_of(again), again.value.fields["status"]) == ("credential.id", "revoked")
    assert kinds(engine).count("credential.revoked") == 1


# ---------------------------------------------------------------------- ledger and chain disagree


def test_revoked_on_chain_only_shows_revoked_and_is_not_repaired(
    engine: Engine, ledger: Ledger
) -> None:
    register(engine, ledger)
    degree = credential()
    store(engine, ledger, degree)
    digest = credential_hash(degree)
    signature = ledger.credentials.revocation_signature(TUM_CHAIN, digest, reason32())
    ledger.credentials.revoke(TUM_CHAIN.address, digest, reason32(), signature)

    result = check(engine, ledger, degree)
    assert result.status is Status.REVOKED
    assert [d.kind for d in result.discrepancies] == ["revoked_on_chain_only"]
    with pytest.raises(ContractReverted) as caught, session_scope(engine) as session:
        service.revoke(
            session,
            ledger,
            credential_id=degree["id"],
            reason=REASON,
            signature="0x" + signature.hex(),
        )
    assert caught.value.error == "CredentialRegistryAlreadyRevoked"
    with session_scope(engine) as session:
        assert service.get_credential(session, degree["id"]).revoked_at is None
    assert "credential.revoked" not in kinds(engine)


def test_revoked_in_the_ledger_only_stays_revoked(engine: Engine, ledger: Ledger) -> None:
    register(engine, ledger)
    degree = credential()
    store(engine, ledger, degree)
    before_revocation = ledger.chain.snapshot()
    with session_scope(engine) as session:
        service.revoke(
            session,
            ledger,
            credential_id=degree["id"],
            reason=REASON,
            signature=revocation_signature(ledger, degree),
        )
    ledger.chain.revert(before_revocation)
    result = check(engine, ledger, degree)
    assert result.status is Status.REVOKED
    assert [d.kind for d in result.discrepancies] == ["revoked_in_ledger_only"]


def test_stored_but_not_anchored_is_unknown(engine: Engine, ledger: Ledger) -> None:
    register(engine, ledger)
    before_anchor = ledger.chain.snapshot()
    degree = credential()
    store(engine, ledger, degree)
    ledger.chain.revert(before_anchor)
    result = check(engine, ledger, degree)
    assert result.status is Status.UNKNOWN_ISSUER and result.anchored_by is None
    assert [d.kind for d in result.discrepancies] == ["not_anchored"]


def test_anchored_by_its_issuer_but_not_stored_is_valid_and_reported(
    engine: Engine, ledger: Ledger
) -> None:
    register(engine, ledger)
    degree = credential()
    digest = credential_hash(degree)
    signature = ledger.credentials.anchor_signature(TUM_CHAIN, digest)
    ledger.credentials.anchor(TUM_CHAIN.address, digest, signature)
    result = check(engine, ledger, degree)
    assert result.status is Status.VALID
    assert [d.kind for d in result.discrepancies] == ["not_stored"]
    with pytest.raises(Conflict) as caught:
        store(engine, ledger, degree)
    assert fields_of(caught) == "credential"
    assert count(engine, CredentialRecord) == 0


def test_anchored_by_another_address_is_unknown(engine: Engine, ledger: Ledger) -> None:
    register_both(engine, ledger)
    degree = credential()
    digest = credential_hash(degree)
    ledger.credentials.anchor(
        ENS_CHAIN.address, digest, ledger.credentials.anchor_signature(ENS_CHAIN, digest)
    )
    result = check(engine, ledger, degree)
    assert result.status is Status.UNKNOWN_ISSUER and result.anchored_by == ENS_CHAIN.address
    assert [d.kind for d in result.discrepancies] == ["anchored_by_other"]
    ledger.credentials.revoke(
        ENS_CHAIN.address,
        digest,
        reason32(),
        ledger.credentials.revocation_signature(ENS_CHAIN, digest, reason32()),
    )
    result = check(engine, ledger, degree)  # another address cannot revoke it either
    assert result.status is Status.UNKNOWN_ISSUER
    assert [d.kind for d in result.discrepancies] == ["anchored_by_other"]


# ---------------------------------------------------------------------- bad input, named


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"urn": "tu-munich"}, "urn"),
        ({"urn": "urn:ipledger:issuer:TUM"}, "urn"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"jurisdiction": "de"}, "jurisdiction"),
        ({"jurisdiction": "DEU"}, "jurisdiction"),
        ({"public_key": "00" * 31}, "public_key"),
        ({"public_key": "not hex"}, "public_key"),
        ({"address": "0x1234"}, "address"),
        ({"address": "0x" + "00" * 20}, "address"),
    ],
)
def test_register_issuer_names_the_bad_argument(
    engine: Engine, ledger: Ledger, override: dict[str, str], field: str
) -> None:
    with pytest.raises(RuleViolation) as caught:
        register(engine, ledger, **override)
    assert fields_of(caught) == field
    assert count(engine, IssuerRecord) == count(engine, JournalEntry) == 0
    assert ledger.credentials.issuer_jurisdiction(TUM_CHAIN.address) is None


def test_register_issuer_twice(engine: Engine, ledger: Ledger) -> None:
    register(engine, ledger)
    with pytest.raises(Conflict) as same_urn:
        register(engine, ledger, address=ENS_CHAIN.address)
    assert fields_of(same_urn) == "urn"
    with pytest.raises(Conflict) as same_address:
        register(engine, ledger, urn="urn:ipledger:issuer:tum-again")
    assert fields_of(same_address) == "address"
    ledger.credentials.register_issuer(ENS_CHAIN.address, "FR", bytes(32))  # behind its back
    with pytest.raises(ContractReverted) as caught:
        register(engine, ledger, OTHER_ISSUER)
    assert caught.value.error == "CredentialRegistryIssuerExists"
    assert count(engine, IssuerRecord) == count(engine, JournalEntry) == 1


def tampered(change: str) -> Any:
    degree = credential()
    if change == "details":
        degree["credentialSubject"]["details"]["degree"] = "PhD"
    elif change == "proof":
        del degree["proof"]
    return degree


@pytest.mark.parametrize(
    ("value", "error", "field"),
    [
        ("{not json", RuleViolation, "credential"),
        ("[1, 2]", RuleViolation, "credential"),
        ('{"id": 1, "id": 2}', RuleViolation, "credential"),
        (tampered("proof"), RuleViolation, "credential"),
        (tampered("details"), Unauthorized, "credential.proof"),
    ],
)
def test_store_refuses_a_bad_credential(
    engine: Engine, ledger: Ledger, value: Any, error: type[Exception], field: str
) -> None:
    register(engine, ledger)
    with pytest.raises(error) as caught, session_scope(engine) as session:
        service.store_issued(
            session,
            ledger,
            credential=value,
            anchor_signature=anchor_signature(ledger, credential()),
        )
    assert fields_of(caught) == field
    assert count(engine, CredentialRecord) == 0 and kinds(engine) == ["issuer.registered"]


@pytest.mark.parametrize("signature", ["stranger", "other issuer", "0x00", "zz", b"\x01" * 65])
def test_store_needs_the_issuers_anchor_signature(
    engine: Engine, ledger: Ledger, signature: Any
) -> None:
    register_both(engine, ledger)
    degree = credential()
    given = {
        "stranger": anchor_signature(ledger, degree, STRANGER),
        "other issuer": anchor_signature(ledger, degree, ENS_CHAIN),
    }.get(signature, signature)
    with pytest.raises(Unauthorized) as caught, session_scope(engine) as session:
        service.store_issued(session, ledger, credential=degree, anchor_signature=given)
    assert fields_of(caught) == "anchor_signature"
    assert count(engine, CredentialRecord) == 0
    assert ledger.credentials.status(credential_hash(degree)).issuer is None


def test_store_twice_or_too_long_values(engine: Engine, ledger: Ledger) -> None:
    register(engine, ledger)
    store(engine, ledger, credential())
    with pytest.raises(Conflict) as twice:
        store(engine, ledger, credential())
    assert fields_of(twice) == "credential.id"
    cases = [
        ("credential.id", {"credential_id": "urn:uuid:" + "a" * 100}),
        ("credential.credentialSubject.id", {"subject": Subject("urn:x:" + "p" * 200)}),
    ]
    for field, override in cases:
        values: dict[str, Any] = {
            "subject": SUBJECT,
            "credential_id": "urn:uuid:short",
            **override,
        }
        with pytest.raises(RuleViolation) as caught, session_scope(engine) as session:
            service.issue_and_store(
                session,
                ledger,
                urn=ISSUER.id,
                issuer_key=KEY,
                anchor_account=TUM_CHAIN,
                credential_type=CredentialType.DEGREE,
                valid_from=T0 - timedelta(days=1),
                **values,
            )
        assert fields_of(caught) == field
    assert count(engine, CredentialRecord) == 1


def test_verify_stored_answers_bad_text_and_names_bad_arguments(
    engine: Engine, ledger: Ledger
) -> None:
    register(engine, ledger)
    result = check(engine, ledger, '{"id": 1, "id": 2}')
    assert result.status is Status.MALFORMED and "duplicate" in result.detail
    assert check(engine, ledger, "{not json").status is Status.MALFORMED
    assert check(engine, ledger, {"issuer": {"nested": 1}}).status is Status.MALFORMED
    with pytest.raises(RuleViolation) as naive:
        check(engine, ledger, credential(), at=datetime(2027, 1, 1))
    assert fields_of(naive) == "at"
    with pytest.raises(RuleViolation) as where:
        check(engine, ledger, credential(), jurisdiction="fr")
    assert fields_of(where) == "jurisdiction"


# ---------------------------------------------------------------------- record 0


def test_registry_lock_holds_off_other_writers_until_the_end(engine: Engine) -> None:
    def other_can_write() -> bool:
        if engine.dialect.name == "postgresql":
            with engine.connect() as other:
                query = text("SELECT pg_try_advisory_xact_lock(:key)")
                return bool(other.execute(query, {"key": REGISTRY_LOCK}).scalar())
        other = sqlite3.connect(str(engine.url.database), timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.rollback()
            return True
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            return False
        finally:
            other.close()

    assert other_can_write()
    with session_scope(engine) as session:
        lock_registry(session)
        lock_registry(session)  # again in the same transaction: harmless
        assert not other_can_write()
    assert other_can_write()
