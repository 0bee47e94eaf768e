"""Verifying a credential against what the ledger stores and what the chain knows.

:func:`verify_stored` runs :func:`ledger.credentials.verify` with the stored issuers,
revocations and recognition agreements, then asks ``CredentialRegistry`` what it knows of
the credential's hash. The chain can only make the answer stricter:

- revoked on chain by the credential's issuer: ``revoked``, whatever the ledger holds;
- not anchored on chain by the credential's issuer (never anchored, or anchored by another
  registered address): ``unknown_issuer``, since nothing shows that the issuer published it.

Both come after the signature check (a changed byte stays ``bad_signature``) and the
chain's revocation stands in the order of the ledger's (before the dates). Where the
ledger and the chain disagree, the result lists a :class:`Discrepancy`; nothing is
repaired here or anywhere else automatically. See ``docs/credentials.md``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from ledger.context import Ledger
from ledger.credential_store import issuer_of, named_issuer, recognitions_of, revoked_keys
from ledger.credentials import (
    CredentialInvalid,
    CredentialType,
    Status,
    VerificationResult,
    parse_json,
    verify,
)
from ledger.db import CredentialRecord, IssuerRecord

#: Statuses that the signature vouched for: the chain may still turn them into another.
_SIGNED = frozenset({Status.NOT_YET_VALID, Status.EXPIRED, Status.NOT_RECOGNISED, Status.VALID})


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """The ledger and the chain disagree about one credential.

    Attributes:
        kind: ``not_anchored`` (stored, the chain knows nothing), ``not_stored`` (anchored
            by its issuer, not stored), ``anchored_by_other`` (anchored by an address that
            is not the issuer's), ``revoked_on_chain_only``, ``revoked_in_ledger_only``.
        detail: One sentence for people.
    """

    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class StoredVerification(VerificationResult):
    """A :class:`~ledger.credentials.VerificationResult` with what the chain said.

    Attributes:
        anchored_by: The address that anchored the credential's hash on chain, or None.
        discrepancies: Where the ledger and the chain disagree (empty when they agree).
    """

    anchored_by: str | None = None
    discrepancies: tuple[Discrepancy, ...] = ()


def verify_stored(
    session: Session,
    ledger: Ledger,
    *,
    credential: Mapping[str, Any] | str,
    jurisdiction: str | None = None,
    at: datetime | None = None,
) -> StoredVerification:
    """Verify a credential against the stored issuers, revocations, agreements and the chain.

    Args:
        session: A database session (only read).
        ledger: The collaborators.
        credential: The credential, parsed or as JSON text; text that is not JSON is
            answered ``malformed``, like any other bad credential.
        jurisdiction: Where it is to count (ISO 3166-1 alpha-2), or None to skip that check.
        at: The moment of the check, timezone-aware; the ledger's clock by default.

    Returns:
        The status (the first check that failed, or ``valid``), the chain's anchoring
        address and any discrepancy between the ledger and the chain.

    Raises:
        CredentialInvalid: for the caller's own arguments (``at``, ``jurisdiction``).
    """
    moment = ledger.clock() if at is None else at
    value: object = credential
    unreadable = None
    if isinstance(credential, str):
        try:
            value = parse_json(credential)
        except CredentialInvalid as exc:
            value, unreadable = None, exc.message  # verify() answers "malformed" for None
    issuer_row = named_issuer(session, value)
    issuers = {} if issuer_row is None else {issuer_row.urn: issuer_of(issuer_row)}
    kind = _named_type(value)

    def check(revoked: frozenset[bytes | str]) -> VerificationResult:
        return verify(
            value,
            issuers=issuers,
            revoked=revoked,
            recognitions=[] if kind is None else recognitions_of(session, kind),
            jurisdiction=jurisdiction,
            at=moment,
        )

    in_ledger = revoked_keys(session, value)
    result = check(in_ledger)
    digest = result.credential_hash
    if digest is None:
        return _stored(
            result if unreadable is None else dataclasses.replace(result, detail=unreadable)
        )
    chain = ledger.credentials.status(digest)
    row = session.exec(
        select(CredentialRecord).where(CredentialRecord.credential_hash == digest.hex())
    ).first()
    ours = (
        chain.issuer is not None
        and issuer_row is not None
        and chain.issuer.lower() == issuer_row.address.lower()
    )
    found = _discrepancies(row, chain.issuer, chain.revoked, ours, issuer_row)
    if result.status in _SIGNED and ours and chain.revoked:
        result = check(in_ledger | {digest})
    elif result.status in _SIGNED and not ours:
        who = "nobody" if chain.issuer is None else chain.issuer
        result = dataclasses.replace(
            result,
            status=Status.UNKNOWN_ISSUER,
            detail=f"the registry holds no anchor of this credential by {result.issuer} "
            f"(anchored by {who})",
        )
    return _stored(result, anchored_by=chain.issuer, discrepancies=tuple(found))


def _named_type(credential: object) -> str | None:
    types = credential.get("type") if isinstance(credential, Mapping) else None
    if isinstance(types, list) and len(types) == 2 and isinstance(types[1], str):
        return types[1] if types[1] in set(CredentialType) else None
    return None


def _discrepancies(
    row: CredentialRecord | None,
    chain_issuer: str | None,
    chain_revoked: bool,
    ours: bool,
    issuer_row: IssuerRecord | None,
) -> list[Discrepancy]:
    found: list[Discrepancy] = []
    ledger_revoked = row is not None and row.revoked_at is not None
    if row is not None and chain_issuer is None:
        found.append(Discrepancy("not_anchored", "stored in the ledger, unknown to the chain"))
    if chain_issuer is not None and not ours and issuer_row is not None:
        found.append(
            Discrepancy(
                "anchored_by_other",
                f"anchored by {chain_issuer}, the issuer signs as {issuer_row.address}",
            )
        )
    if row is None and ours:
        found.append(Discrepancy("not_stored", "anchored by its issuer, not stored in the ledger"))
    if ours and chain_revoked and not ledger_revoked:
        found.append(Discrepancy("revoked_on_chain_only", "revoked on chain, not in the ledger"))
    if ledger_revoked and not (ours and chain_revoked):
        found.append(Discrepancy("revoked_in_ledger_only", "revoked in the ledger, not on chain"))
    return found


def _stored(result: VerificationResult, **extra: Any) -> StoredVerification:
    values = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
    return StoredVerification(**values, **extra)
