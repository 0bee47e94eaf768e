"""Input that is not a credential gives ``malformed``, never an exception; model rules raise."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from ledger.credentials import (
    CredentialInvalid,
    CredentialType,
    Issuer,
    RecognitionAgreement,
    Revocation,
    Status,
    Subject,
    encode_proof_value,
    issue,
    parse_json,
)
from tests.ledger.credentials.support import (
    ISSUER,
    KEY,
    OTHER_KEY,
    SUBJECT,
    VALID_FROM,
    check,
    credential,
)

Change = Callable[[dict[str, Any]], None]


def _set(*path: str, value: Any) -> Change:
    def change(vc: dict[str, Any]) -> None:
        target = vc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _drop(*path: str) -> Change:
    def change(vc: dict[str, Any]) -> None:
        target = vc
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


CHANGES: dict[str, Change] = {
    "missing proof": _drop("proof"),
    "missing issuer": _drop("issuer"),
    "missing id": _drop("id"),
    "missing validFrom": _drop("validFrom"),
    "missing subject jurisdiction": _drop("credentialSubject", "jurisdiction"),
    "missing proofValue": _drop("proof", "proofValue"),
    "extra member": _set("evidence", value=[]),
    "extra subject member": _set("credentialSubject", "name", value="Ada"),
    "extra proof member": _set("proof", "nonce", value="1"),
    "wrong proof type": _set("proof", "type", value="Ed25519Signature2020"),
    "wrong proof purpose": _set("proof", "proofPurpose", value="authentication"),
    "proofValue not base64": _set("proof", "proofValue", value="u!!!!"),
    "proofValue without multibase prefix": _set(
        "proof", "proofValue", value=encode_proof_value(b"\x01" * 64)[1:]
    ),
    "proofValue padded": _set("proof", "proofValue", value=encode_proof_value(b"\x01" * 64) + "=="),
    "proofValue short": _set("proof", "proofValue", value=encode_proof_value(b"\x01" * 63)),
    "proofValue not canonical": _set(
        "proof", "proofValue", value=encode_proof_value(b"\x00" * 64)[:-1] + "B"
    ),
    "proofValue a number": _set("proof", "proofValue", value=12),
    "context missing v2": _set("@context", value=["https://example.org/ctx"]),
    "type a string": _set("type", value="DegreeCredential"),
    "type unknown": _set("type", value=["VerifiableCredential", "PilotLicence"]),
    "type without base": _set("type", value=["DegreeCredential", "VerifiableCredential"]),
    "issuer a number": _set("issuer", value=7),
    "issuer not urn": _set("issuer", value="https://tum.example"),
    "validFrom not a time": _set("validFrom", value="1 January 2026"),
    "validFrom with offset": _set("validFrom", value="2026-01-01T00:00:00+01:00"),
    "validFrom impossible date": _set("validFrom", value="2026-02-30T00:00:00Z"),
    "validUntil before validFrom": _set("validUntil", value="2025-01-01T00:00:00Z"),
    "subject a list": _set("credentialSubject", value=[]),
    "subject id empty": _set("credentialSubject", "id", value=" "),
    "jurisdiction lower case": _set("credentialSubject", "jurisdiction", value="de"),
    "details a list": _set("credentialSubject", "details", value=["MSc"]),
    "details hold NaN": _set("credentialSubject", "details", "gpa", value=float("nan")),
    "details hold huge int": _set("credentialSubject", "details", "n", value=2**60),
    "details hold bytes": _set("credentialSubject", "details", "raw", value=b"\x00"),
    "details with int key": _set("credentialSubject", "details", value={1: "one"}),
    "created not a time": _set("proof", "created", value=20251215),
    "verificationMethod a list": _set("proof", "verificationMethod", value=[]),
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_verify_changed_credential_malformed(name: str) -> None:
    vc = credential()
    CHANGES[name](vc)

    result = check(vc)

    assert result.status is Status.MALFORMED, result.detail
    assert result.credential_hash is None


@pytest.mark.parametrize("value", [None, "credential", 42, [], [credential()], b"{}"])
def test_verify_non_object_malformed(value: object) -> None:
    assert check(value).status is Status.MALFORMED


@pytest.mark.parametrize(
    "text",
    ['{"a":1,"a":2}', '{"a":NaN}', '{"a":Infinity}', "{", b"\xff\xfe", ""],
)
def test_parse_json_rejects_what_is_not_strict_json(text: str | bytes) -> None:
    with pytest.raises(CredentialInvalid):
        parse_json(text)


# ------------------------------------------------------------------ issuing and the models


def test_issue_rejects_key_that_is_not_the_issuers() -> None:
    with pytest.raises(CredentialInvalid) as caught:
        issue(OTHER_KEY, ISSUER, SUBJECT, CredentialType.DEGREE, VALID_FROM)

    assert caught.value.field == "issuer_key"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"credential_type": "PilotLicence"}, "credential_type"),
        ({"valid_until": VALID_FROM}, "valid_until"),
        ({"valid_from": datetime(2026, 1, 1)}, "time"),
        ({"valid_from": datetime(2026, 1, 1, 0, 0, 0, 5, tzinfo=UTC)}, "time"),
        ({"subject": Subject("urn:x", {"n": 2**60})}, "credential"),
        ({"subject": Subject("urn:x", {"f": float("inf")})}, "credential"),
    ],
)
def test_issue_rejects_invalid_fields(kwargs: dict[str, Any], field: str) -> None:
    arguments: dict[str, Any] = {
        "issuer_key": KEY,
        "issuer": ISSUER,
        "subject": SUBJECT,
        "credential_type": CredentialType.DEGREE,
        "valid_from": VALID_FROM,
        **kwargs,
    }

    with pytest.raises(CredentialInvalid) as caught:
        issue(**arguments)

    assert caught.value.field == field


def test_issue_copies_details() -> None:
    details: dict[str, Any] = {"courses": ["a"]}
    vc = issue(KEY, ISSUER, Subject("urn:x", details), "DegreeCredential", VALID_FROM)

    details["courses"].append("b")

    assert vc["credentialSubject"]["details"] == {"courses": ["a"]}
    assert check(vc).status is Status.VALID


def test_issue_fresh_id_each_time() -> None:
    first = issue(KEY, ISSUER, SUBJECT, CredentialType.DEGREE, VALID_FROM)
    second = issue(KEY, ISSUER, SUBJECT, CredentialType.DEGREE, VALID_FROM)

    assert first["id"].startswith("urn:uuid:")
    assert first["id"] != second["id"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"id": "tum"}, "id"),
        ({"id": "urn:ipledger:issuer:TUM"}, "id"),
        ({"name": ""}, "name"),
        ({"jurisdiction": "Germany"}, "jurisdiction"),
        ({"public_key": b"\x00" * 31}, "public_key"),
    ],
)
def test_issuer_rejects_invalid_fields(kwargs: dict[str, Any], field: str) -> None:
    arguments = {
        "id": ISSUER.id,
        "name": ISSUER.name,
        "jurisdiction": "DE",
        "public_key": ISSUER.public_key,
        **kwargs,
    }

    with pytest.raises(CredentialInvalid) as caught:
        Issuer(**arguments)

    assert caught.value.field == field


def test_recognition_agreement_symmetric() -> None:
    forth = RecognitionAgreement("FR", "DE", CredentialType.DEGREE)
    back = RecognitionAgreement("DE", "FR", "DegreeCredential")  # type: ignore[arg-type]

    assert forth == back
    assert hash(forth) == hash(back)
    assert forth.covers("DE", "FR", CredentialType.DEGREE)
    assert forth.covers("FR", "DE", CredentialType.DEGREE)
    assert not forth.covers("FR", "DE", CredentialType.TRL_ASSESSOR)


@pytest.mark.parametrize(
    ("a", "b", "kind", "field"),
    [
        ("DE", "DE", "DegreeCredential", "jurisdiction_b"),
        ("de", "FR", "DegreeCredential", "jurisdiction_a"),
        ("DE", "FR", "PilotLicence", "credential_type"),
    ],
)
def test_recognition_agreement_rejects_invalid_fields(
    a: str, b: str, kind: str, field: str
) -> None:
    with pytest.raises(CredentialInvalid) as caught:
        RecognitionAgreement(a, b, kind)  # type: ignore[arg-type]

    assert caught.value.field == field


def test_revocation_reason_fits_bytes32() -> None:
    revocation = Revocation(b"\x01" * 32, ISSUER.id, VALID_FROM, "degree withdrawn")

    assert revocation.reason_bytes32 == b"degree withdrawn".ljust(32, b"\0")
    with pytest.raises(CredentialInvalid):
        Revocation(b"\x01" * 32, ISSUER.id, VALID_FROM, "x" * 33)
    with pytest.raises(CredentialInvalid):
        Revocation(b"\x01" * 31, ISSUER.id, VALID_FROM)
