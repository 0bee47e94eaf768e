"""Known answers for the fixed credential, and what JCS does and does not care about."""

from __future__ import annotations

import hashlib
import json

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.credentials import (
    HASH_SIZE,
    Status,
    Subject,
    canonical_form,
    credential_hash,
    decode_proof_value,
    jcs,
    parse_json,
    signing_input,
)
from tests.ledger.credentials.support import ISSUER, credential, status

#: proofValue and hash of ``support.credential()`` (seed 00 01 .. 1f); change only on purpose.
PROOF_VALUE = (
    "uL9IEPk3bdslu50pr_LEcylYFpTKoCkQB0KTYfRTU_bRpgfA0OUOEC-A5_D5b-6-gvzwJDSsFJZ3eyMIZ9H6wCQ"
)
HASH = "77cfc7bfeafcfa6bead04fc5e332d3a8aab370ec42919fb561b1b07d750c701b"


def _sorted_compact(value: object) -> bytes:
    """For ASCII-only JSON without floats, JCS is sorted keys and no whitespace."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def test_issue_fixed_seed_gives_known_proof_and_hash() -> None:
    vc = credential()

    assert vc["proof"]["proofValue"] == PROOF_VALUE
    assert credential_hash(vc).hex() == HASH


def test_signing_input_is_hash_of_proof_options_then_hash_of_credential() -> None:
    vc = credential()
    options = {k: v for k, v in vc["proof"].items() if k != "proofValue"}
    unsecured = {k: v for k, v in vc.items() if k != "proof"}
    expected = (
        hashlib.sha256(_sorted_compact(options)).digest()
        + hashlib.sha256(_sorted_compact(unsecured)).digest()
    )

    assert signing_input(vc, vc["proof"]) == expected
    signature = decode_proof_value(vc["proof"]["proofValue"])
    assert signature is not None
    Ed25519PublicKey.from_public_bytes(ISSUER.public_key).verify(signature, expected)


def test_canonical_form_leaves_out_the_proof() -> None:
    vc = credential()

    assert canonical_form(vc) == _sorted_compact({k: v for k, v in vc.items() if k != "proof"})
    assert b"proof" not in canonical_form(vc)


def test_credential_hash_is_sha256_of_jcs_with_proof() -> None:
    vc = credential()

    assert credential_hash(vc) == hashlib.sha256(_sorted_compact(vc)).digest()
    assert len(credential_hash(vc)) == HASH_SIZE


def test_verify_credential_valid_whatever_key_order_and_whitespace() -> None:
    vc = credential()
    reordered = dict(reversed(list(vc.items())))
    text = json.dumps(reordered, indent=7, separators=(" ,\n", " :  "))

    parsed = parse_json(text)

    assert list(parsed) != list(vc)
    assert status(parsed) is Status.VALID
    assert credential_hash(parsed) == credential_hash(vc)


def test_jcs_writes_numbers_as_ecmascript_does() -> None:
    assert rfc8785.dumps(1.0) == b"1"
    assert rfc8785.dumps(-0.0) == b"0"
    assert rfc8785.dumps(1e21) == b"1e+21"
    assert rfc8785.dumps(1e-7) == b"1e-7"
    assert rfc8785.dumps(0.1) == b"0.1"
    assert rfc8785.dumps({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()


def test_verify_credential_valid_when_integer_written_as_float() -> None:
    vc = credential()
    text = jcs(vc).replace(b'"years":2', b'"years":2.0')

    parsed = parse_json(text)

    assert parsed["credentialSubject"]["details"]["years"] == 2.0
    assert status(parsed) is Status.VALID
    assert credential_hash(parsed) == credential_hash(vc)


def test_verify_credential_bad_signature_when_number_changes_value() -> None:
    text = jcs(credential()).replace(b'"years":2', b'"years":2.5')

    assert status(parse_json(text)) is Status.BAD_SIGNATURE


def test_verify_credential_valid_when_string_escaped_differently() -> None:
    vc = credential()
    text = jcs(vc).replace(b'"MSc"', b'"\\u004dSc"')

    assert status(parse_json(text)) is Status.VALID


def test_credential_hash_changes_with_the_proof() -> None:
    vc = credential()
    other = credential()
    other["proof"]["created"] = "2025-12-15T09:30:01Z"

    assert canonical_form(vc) == canonical_form(other)
    assert credential_hash(vc) != credential_hash(other)


def test_credential_hash_stable_across_serialisations() -> None:
    vc = credential(subject=Subject("urn:ipledger:person:zoë", {"ünï": ["ß", 1, None]}))
    once = parse_json(json.dumps(vc, ensure_ascii=True))
    twice = parse_json(json.dumps(once, ensure_ascii=False, indent=2).encode())

    assert credential_hash(once) == credential_hash(twice) == credential_hash(vc)
    assert status(twice) is Status.VALID
