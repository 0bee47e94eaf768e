"""verify(): each status from the fixed credential, and the order in which checks decide."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.credentials import (
    CredentialInvalid,
    CredentialType,
    Issuer,
    RecognitionAgreement,
    Status,
    credential_hash,
    decode_proof_value,
    encode_proof_value,
    jcs,
    parse_json,
)
from tests.ledger.credentials.support import (
    CREDENTIAL_ID,
    ISSUER,
    OTHER_ISSUER,
    OTHER_KEY,
    VALID_FROM,
    VALID_UNTIL,
    check,
    credential,
    public_bytes,
    status,
)

SECOND = timedelta(seconds=1)
DEGREE_DE_FR = RecognitionAgreement("DE", "FR", CredentialType.DEGREE)
TRL_DE_FR = RecognitionAgreement("DE", "FR", CredentialType.TRL_ASSESSOR)


def test_verify_credential_valid() -> None:
    result = check(credential())

    assert result.status is Status.VALID
    assert result.valid
    assert result.credential_id == CREDENTIAL_ID
    assert result.issuer == ISSUER.id
    assert result.credential_type is CredentialType.DEGREE
    assert result.home_jurisdiction == "DE"
    assert result.credential_hash == credential_hash(credential())


def test_verify_credential_bad_signature_when_one_detail_byte_changed() -> None:
    text = jcs(credential())
    changed = text.replace(b'"degree":"MSc"', b'"degree":"MSd"')
    assert sum(a != b for a, b in zip(text, changed, strict=True)) == 1

    assert status(parse_json(changed)) is Status.BAD_SIGNATURE


def test_verify_credential_bad_signature_when_one_signature_byte_changed() -> None:
    tampered = credential()
    signature = bytearray(decode_proof_value(tampered["proof"]["proofValue"]) or b"")
    signature[10] ^= 0x01
    tampered["proof"]["proofValue"] = encode_proof_value(bytes(signature))

    assert status(tampered) is Status.BAD_SIGNATURE


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("validUntil",), "2099-01-01T00:00:00Z"),
        (("validFrom",), "2020-01-01T00:00:00Z"),
        (("credentialSubject", "id"), "urn:ipledger:person:eve"),
        (("type",), ["VerifiableCredential", "TRLAssessorCredential"]),
        (("id",), "urn:uuid:another"),
        (("proof", "created"), "2026-02-01T00:00:00Z"),
    ],
)
def test_verify_credential_bad_signature_when_signed_member_changed(
    path: tuple[str, ...], value: object
) -> None:
    tampered = credential()
    target = tampered
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value

    assert status(tampered) is Status.BAD_SIGNATURE


def test_verify_credential_bad_signature_when_proof_names_another_key() -> None:
    tampered = credential()
    tampered["proof"]["verificationMethod"] = ISSUER.id + "#other"

    assert status(tampered) is Status.BAD_SIGNATURE


def test_verify_credential_bad_signature_when_signed_with_another_key() -> None:
    assert status(credential(key=OTHER_KEY, issuer=_with_key(OTHER_KEY))) is Status.BAD_SIGNATURE


def _with_key(key: Ed25519PrivateKey) -> Issuer:
    """The test issuer, but holding another key (so issue() accepts it)."""
    return Issuer(ISSUER.id, ISSUER.name, ISSUER.jurisdiction, public_bytes(key))


def test_verify_credential_revoked_by_hash() -> None:
    vc = credential()

    result = check(vc, revoked={credential_hash(vc)})

    assert result.status is Status.REVOKED


def test_verify_credential_revoked_by_id() -> None:
    assert status(credential(), revoked={CREDENTIAL_ID}) is Status.REVOKED


def test_verify_credential_not_revoked_by_other_hash() -> None:
    assert status(credential(), revoked={b"\x00" * 32, "urn:uuid:other"}) is Status.VALID


def test_verify_credential_expired_at_valid_until() -> None:
    vc = credential()

    assert status(vc, at=VALID_UNTIL - SECOND) is Status.VALID
    assert status(vc, at=VALID_UNTIL) is Status.EXPIRED
    assert status(vc, at=VALID_UNTIL + timedelta(days=400)) is Status.EXPIRED


def test_verify_credential_not_yet_valid_before_valid_from() -> None:
    vc = credential()

    assert status(vc, at=VALID_FROM - SECOND) is Status.NOT_YET_VALID
    assert status(vc, at=VALID_FROM) is Status.VALID


def test_verify_credential_without_valid_until_never_expires() -> None:
    vc = credential(valid_until=None)

    assert "validUntil" not in vc
    assert status(vc, at=datetime(2999, 1, 1, tzinfo=UTC)) is Status.VALID


def test_verify_credential_compares_times_across_time_zones() -> None:
    vc = credential()
    berlin = timezone(timedelta(hours=1))

    assert status(vc, at=VALID_FROM.astimezone(berlin)) is Status.VALID
    assert status(vc, at=datetime(2026, 1, 1, 0, 59, 59, tzinfo=berlin)) is Status.NOT_YET_VALID


def test_verify_credential_unknown_issuer() -> None:
    result = check(credential(), issuers={OTHER_ISSUER.id: OTHER_ISSUER})

    assert result.status is Status.UNKNOWN_ISSUER
    assert result.issuer == ISSUER.id


def test_verify_credential_unknown_issuer_when_issuer_registered_elsewhere() -> None:
    moved = Issuer(ISSUER.id, ISSUER.name, "AT", ISSUER.public_key)

    assert status(credential(), issuers={ISSUER.id: moved}) is Status.UNKNOWN_ISSUER


def test_verify_credential_not_recognised_without_agreement() -> None:
    result = check(credential(), jurisdiction="FR")

    assert result.status is Status.NOT_RECOGNISED
    assert result.jurisdiction == "FR"
    assert result.home_jurisdiction == "DE"


def test_verify_credential_recognised_after_agreement_registered() -> None:
    vc = credential()
    agreements: list[RecognitionAgreement] = []
    assert status(vc, jurisdiction="FR", recognitions=agreements) is Status.NOT_RECOGNISED

    agreements.append(DEGREE_DE_FR)

    assert status(vc, jurisdiction="FR", recognitions=agreements) is Status.VALID


def test_verify_credential_recognised_by_agreement_in_either_direction() -> None:
    reverse = RecognitionAgreement("FR", "DE", CredentialType.DEGREE)

    assert status(credential(), jurisdiction="FR", recognitions=[reverse]) is Status.VALID


def test_verify_credential_not_recognised_by_agreement_for_another_type() -> None:
    assert status(credential(), jurisdiction="FR", recognitions=[TRL_DE_FR]) is (
        Status.NOT_RECOGNISED
    )
    trl = credential(credential_type=CredentialType.TRL_ASSESSOR)
    assert status(trl, jurisdiction="FR", recognitions=[TRL_DE_FR]) is Status.VALID


def test_verify_credential_not_recognised_by_agreement_with_third_jurisdiction() -> None:
    agreement = RecognitionAgreement("DE", "IT", CredentialType.DEGREE)

    assert status(credential(), jurisdiction="FR", recognitions=[agreement]) is (
        Status.NOT_RECOGNISED
    )


def test_verify_credential_recognised_in_home_jurisdiction_without_agreement() -> None:
    assert status(credential(), jurisdiction="DE") is Status.VALID


# ------------------------------------------------------------------ order of the checks


def test_verify_order_malformed_before_unknown_issuer() -> None:
    vc = credential()
    del vc["proof"]

    assert status(vc, issuers={}) is Status.MALFORMED


def test_verify_order_unknown_issuer_before_bad_signature() -> None:
    vc = credential()
    vc["credentialSubject"]["details"]["degree"] = "PhD"

    assert status(vc) is Status.BAD_SIGNATURE
    assert status(vc, issuers={}) is Status.UNKNOWN_ISSUER


def test_verify_order_bad_signature_before_revoked() -> None:
    vc = credential()
    vc["credentialSubject"]["details"]["degree"] = "PhD"

    assert status(vc, revoked={CREDENTIAL_ID}) is Status.BAD_SIGNATURE


def test_verify_order_revoked_before_dates() -> None:
    vc = credential()

    assert status(vc, revoked={CREDENTIAL_ID}, at=VALID_UNTIL) is Status.REVOKED
    assert status(vc, revoked={CREDENTIAL_ID}, at=VALID_FROM - SECOND) is Status.REVOKED


def test_verify_order_dates_before_recognition() -> None:
    vc = credential()

    assert status(vc, jurisdiction="FR", at=VALID_UNTIL) is Status.EXPIRED
    assert status(vc, jurisdiction="FR", at=VALID_FROM - SECOND) is Status.NOT_YET_VALID


def test_verify_does_not_change_the_credential() -> None:
    vc = credential()
    before = copy.deepcopy(vc)

    check(vc, jurisdiction="FR", recognitions=[DEGREE_DE_FR])

    assert vc == before


# ------------------------------------------------------------------ the caller's own mistakes


def test_verify_rejects_naive_time() -> None:
    with pytest.raises(CredentialInvalid) as caught:
        check(credential(), at=datetime(2027, 1, 1))

    assert caught.value.field == "at"


@pytest.mark.parametrize("jurisdiction", ["de", "DEU", "", "D1"])
def test_verify_rejects_jurisdiction_not_alpha_2(jurisdiction: str) -> None:
    with pytest.raises(CredentialInvalid) as caught:
        check(credential(), jurisdiction=jurisdiction)

    assert caught.value.field == "jurisdiction"
