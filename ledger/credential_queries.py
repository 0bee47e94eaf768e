"""Read-only lists of issuers, stored credentials and recognition agreements.

Each list is in id order and starts after an id (``after``), so a caller pages through it
with the last id it saw. Reads never lock. The acts themselves live in
:mod:`ledger.credential_service`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from sqlmodel import Session, col, or_, select

from ledger.db import CredentialRecord, IssuerRecord, RecognitionRecord
from ledger.errors import NotFound

#: A stored credential's state in the ledger: ``active`` (not revoked) or ``revoked``.
CredentialState = Literal["active", "revoked"]


def list_issuers(session: Session, *, after: int = 0, limit: int = 50) -> list[IssuerRecord]:
    """Up to ``limit`` issuers with an id above ``after``, in id order."""
    query = (
        select(IssuerRecord)
        .where(col(IssuerRecord.id) > after)
        .order_by(col(IssuerRecord.id))
        .limit(limit)
    )
    return list(session.exec(query).all())


def list_credentials(
    session: Session,
    *,
    after: int = 0,
    limit: int = 50,
    holder: str | None = None,
    issuer: str | None = None,
    state: CredentialState | None = None,
    credential_type: str | None = None,
) -> list[CredentialRecord]:
    """Up to ``limit`` stored credentials with an id above ``after``, in id order.

    Args:
        session: A database session (only read).
        after: Only credentials with a larger id.
        limit: At most this many.
        holder: Only those whose subject (``credentialSubject.id``) is this.
        issuer: Only those of the issuer with this URN (none for an unknown URN).
        state: Only ``active`` or only ``revoked`` ones.
        credential_type: Only those of this type (``DegreeCredential``, …).
    """
    query = select(CredentialRecord).where(col(CredentialRecord.id) > after)
    if holder is not None:
        query = query.where(CredentialRecord.subject == holder)
    if issuer is not None:
        query = query.join(IssuerRecord, col(IssuerRecord.id) == col(CredentialRecord.issuer_id))
        query = query.where(IssuerRecord.urn == issuer)
    if state == "active":
        query = query.where(col(CredentialRecord.revoked_at).is_(None))
    elif state == "revoked":
        query = query.where(col(CredentialRecord.revoked_at).is_not(None))
    if credential_type is not None:
        query = query.where(CredentialRecord.type == credential_type)
    query = query.order_by(col(CredentialRecord.id)).limit(limit)
    return list(session.exec(query).all())


def issuer_urns(session: Session, issuer_ids: Iterable[int]) -> dict[int, str]:
    """The URN of each issuer id given (ids the ledger does not know are left out)."""
    wanted = set(issuer_ids)
    if not wanted:
        return {}
    rows = session.exec(
        select(IssuerRecord.id, IssuerRecord.urn).where(col(IssuerRecord.id).in_(wanted))
    ).all()
    return {row_id: urn for row_id, urn in rows if row_id is not None}


def list_recognitions(
    session: Session,
    *,
    after: int = 0,
    limit: int = 50,
    jurisdiction: str | None = None,
    credential_type: str | None = None,
) -> list[RecognitionRecord]:
    """Up to ``limit`` recognition agreements with an id above ``after``, in id order.

    Args:
        session: A database session (only read).
        after: Only agreements with a larger id.
        limit: At most this many.
        jurisdiction: Only agreements that join this jurisdiction (on either side).
        credential_type: Only agreements for this credential type.
    """
    query = select(RecognitionRecord).where(col(RecognitionRecord.id) > after)
    if jurisdiction is not None:
        query = query.where(
            or_(RecognitionRecord.first == jurisdiction, RecognitionRecord.second == jurisdiction)
        )
    if credential_type is not None:
        query = query.where(RecognitionRecord.credential_type == credential_type)
    query = query.order_by(col(RecognitionRecord.id)).limit(limit)
    return list(session.exec(query).all())


def get_recognition(session: Session, recognition_id: int) -> RecognitionRecord:
    """The recognition agreement with that id.

    Raises:
        NotFound: naming ``recognition_id``.
    """
    row = session.get(RecognitionRecord, recognition_id)
    if row is None:
        raise NotFound(
            f"no recognition agreement {recognition_id}",
            field="recognition_id",
            recognition_id=recognition_id,
        )
    return row
