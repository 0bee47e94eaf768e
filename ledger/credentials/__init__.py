"""Verifiable credentials: W3C-shaped JSON signed with Ed25519 over RFC 8785 (JCS).

Pure: no database, chain, web or API imports. See ``docs/credentials.md``.
"""

from ledger.credentials.errors import CredentialInvalid
from ledger.credentials.model import (
    BASE_TYPE,
    CONTEXT_V2,
    ISSUER_PREFIX,
    PROOF_PURPOSE,
    PROOF_TYPE,
    CredentialType,
    Issuer,
    RecognitionAgreement,
    Revocation,
    Subject,
    format_time,
    is_issuer_id,
    is_jurisdiction,
    parse_time,
)
from ledger.credentials.signing import (
    HASH_SIZE,
    SIGNATURE_SIZE,
    canonical_form,
    credential_hash,
    decode_proof_value,
    encode_proof_value,
    issue,
    jcs,
    signing_input,
)
from ledger.credentials.verify import Status, VerificationResult, parse_json, verify

__all__ = [
    "BASE_TYPE",
    "CONTEXT_V2",
    "HASH_SIZE",
    "ISSUER_PREFIX",
    "PROOF_PURPOSE",
    "PROOF_TYPE",
    "SIGNATURE_SIZE",
    "CredentialInvalid",
    "CredentialType",
    "Issuer",
    "RecognitionAgreement",
    "Revocation",
    "Status",
    "Subject",
    "VerificationResult",
    "canonical_form",
    "credential_hash",
    "decode_proof_value",
    "encode_proof_value",
    "format_time",
    "is_issuer_id",
    "is_jurisdiction",
    "issue",
    "jcs",
    "parse_json",
    "parse_time",
    "signing_input",
    "verify",
]
