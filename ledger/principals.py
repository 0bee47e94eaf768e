"""Principals of the API and their API keys: created once, found by key id, revocable.

An API key reads ``ipl_<key_id>_<secret>``: ``key_id`` is 12 hex characters (6 random
bytes), public, unique, and finds the principal's row; ``secret`` is 32 random bytes,
base64url without padding (43 characters). :func:`create_principal` returns the key once;
the ledger keeps only :func:`key_hash` of it, and neither the key nor its hash is written
to the record or to a log.

Why a plain hash and no password KDF: bcrypt, scrypt and Argon2 make each guess of a
*low-entropy* password expensive, and a salt stops one precomputed table from serving
many rows. A secret of 256 uniformly random bits leaves nothing to guess or precompute:
inverting SHA-256 over it is out of reach at any hashing speed, so a slow KDF would only
slow down every request. The hash is still domain-separated and bound to the key id, so
a hash copied to another row does not verify there.

Who may do what is :mod:`ledger.permissions`; these services check only that the acting
principal may manage principals (``principal.create``, ``principal.revoke``). Every
creation and revocation is one entry in the record: a project-scoped principal's in its
project's record, a global one's (admin, issuer) in record 0. See ``docs/auth.md``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from ledger.context import Ledger
from ledger.db import Principal, Project
from ledger.errors import Conflict, NotFound, Unauthenticated
from ledger.permissions import ADMIN, require
from ledger.principal_checks import principal_address, principal_issuer, principal_shape
from ledger.recording import lock_project, record
from ledger.registry_record import lock_registry, record_registry

__all__ = [
    "BOOTSTRAP",
    "CreatedPrincipal",
    "authenticate",
    "bootstrap_admin",
    "create_principal",
    "get_principal",
    "key_hash",
    "list_principals",
    "revoke",
]

#: ``created_by`` of the first admin, made at the console by :func:`bootstrap_admin`.
BOOTSTRAP = "bootstrap"
KEY_PREFIX = "ipl"
KEY_ID_BYTES = 6
SECRET_BYTES = 32
_KEY = re.compile(r"ipl_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
_HASH_CONTEXT = b"ipledger-api-key/1"
#: Compared against when the key id is unknown, so that case costs what a wrong secret does.
_NO_HASH = "0" * 64


@dataclass(frozen=True)
class CreatedPrincipal:
    """A new principal and its API key: the only time the key is shown."""

    principal: Principal
    api_key: str = field(repr=False)


def key_hash(key_id: str, secret: str) -> str:
    """The stored form of an API key's secret: SHA-256, bound to its key id (hex)."""
    material = b"\0".join((_HASH_CONTEXT, key_id.encode(), secret.encode()))
    return hashlib.sha256(material).hexdigest()


def create_principal(
    session: Session,
    ledger: Ledger,
    *,
    name: str,
    role: str,
    project_id: int | None = None,
    address: str | None = None,
    issuer_urn: str | None = None,
    created_by: Principal,
) -> CreatedPrincipal:
    """Create a principal and its API key; an admin creates it.

    Args:
        session: The transaction.
        ledger: The collaborators (the clock, the record's anchor).
        name: Who it is, 1 to 200 characters.
        role: One of :data:`ledger.permissions.ROLES`.
        project_id: Its project: required for partners, funders, arbiters and licensees,
            refused for admins and issuers.
        address: The signing address it acts with: required for partners (a partner of
            the project) and arbiters (an arbiter of the project's current agreement),
            optional for funders and licensees, refused for admins and issuers.
        issuer_urn: For an issuer, optionally the registered issuer it speaks for.
        created_by: The admin creating it (authenticated in this transaction).

    Returns:
        The stored principal and its API key, which is not kept anywhere.

    Raises:
        Unauthorized: unless ``created_by`` may take ``principal.create``.
        RuleViolation: naming the first invalid argument (``name``, ``role``,
            ``project_id``, ``address``, ``issuer_urn``).
        NotFound: for an unknown project.
    """
    require(created_by, "principal.create", project_id=project_id)
    return _create(
        session,
        ledger,
        name=name,
        role=role,
        project_id=project_id,
        address=address,
        issuer_urn=issuer_urn,
        created_by=str(created_by.id),
    )


def bootstrap_admin(session: Session, ledger: Ledger, name: str) -> CreatedPrincipal:
    """Create the first admin, from the console, while no admin that is not revoked exists.

    Raises:
        Conflict: if an admin exists (``field="role"``, with its ``principal_id``).
        RuleViolation: for an invalid ``name``.
    """
    lock_registry(session)
    admin = session.exec(
        select(Principal)
        .where(Principal.role == ADMIN)
        .where(col(Principal.revoked_at).is_(None))
        .order_by(col(Principal.id))
    ).first()
    if admin is not None:
        raise Conflict(
            f"admin {admin.id} exists; bootstrap creates only the first admin",
            field="role",
            principal_id=admin.id,
        )
    return _create(session, ledger, name=name, role=ADMIN, created_by=BOOTSTRAP)


def authenticate(session: Session, api_key: str) -> Principal:
    """The principal an API key belongs to, unless the key is malformed, unknown, wrong or
    revoked.

    Raises:
        Unauthenticated: with the same message whatever the cause.
    """
    match = _KEY.fullmatch(api_key) if isinstance(api_key, str) else None
    if match is None:
        raise Unauthenticated()
    key_id, secret = match.groups()
    row = session.exec(select(Principal).where(Principal.key_id == key_id)).first()
    expected = _NO_HASH if row is None else row.key_hash
    matches = hmac.compare_digest(expected, key_hash(key_id, secret))
    if row is None or not matches or row.revoked_at is not None:
        raise Unauthenticated()
    return row


def revoke(session: Session, ledger: Ledger, *, principal_id: int, by: Principal) -> Principal:
    """Revoke a principal's API key, for good; revoking it again changes nothing.

    An admin revokes any principal; every principal may revoke itself (a leaked key).

    Returns:
        The principal, with ``revoked_at`` of its first revocation.

    Raises:
        NotFound: for an unknown principal.
        Unauthorized: unless ``by`` is the principal itself or may take ``principal.revoke``.
    """
    target = get_principal(session, principal_id)
    if by.id != target.id:
        require(by, "principal.revoke", project_id=target.project_id)
    project = _lock(session, target.project_id)
    session.refresh(target)
    if target.revoked_at is not None:
        return target
    target.revoked_at = ledger.clock()
    target.revoked_by = str(by.id)
    session.add(target)
    payload = {**_payload(target), "revoked_by": target.revoked_by}
    _record(session, ledger, project, "principal.revoked", payload, actor=f"principal:{by.id}")
    return target


def get_principal(session: Session, principal_id: int) -> Principal:
    """The principal with that id.

    Raises:
        NotFound: naming ``principal_id``.
    """
    row = session.get(Principal, principal_id)
    if row is None:
        raise NotFound(
            f"no principal {principal_id}", field="principal_id", principal_id=principal_id
        )
    return row


def list_principals(session: Session, project_id: int | None = None) -> list[Principal]:
    """Every principal by id, revoked ones included, or only those of one project."""
    query = select(Principal).order_by(col(Principal.id))
    if project_id is not None:
        query = query.where(Principal.project_id == project_id)
    return list(session.exec(query).all())


def _create(
    session: Session,
    ledger: Ledger,
    *,
    name: str,
    role: str,
    project_id: int | None = None,
    address: str | None = None,
    issuer_urn: str | None = None,
    created_by: str,
) -> CreatedPrincipal:
    name = principal_shape(name, role, project_id, address, issuer_urn)
    project = _lock(session, project_id)
    checked_address = principal_address(session, role, project_id, address)
    checked_urn = principal_issuer(session, issuer_urn)
    key_id = _fresh_key_id(session)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    row = Principal(
        name=name,
        role=role,
        project_id=project_id,
        address=checked_address,
        issuer_urn=checked_urn,
        key_id=key_id,
        key_hash=key_hash(key_id, secret),
        created_at=ledger.clock(),
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    actor = BOOTSTRAP if created_by == BOOTSTRAP else f"principal:{created_by}"
    payload = {**_payload(row), "created_by": created_by}
    _record(session, ledger, project, "principal.created", payload, actor=actor)
    return CreatedPrincipal(row, f"{KEY_PREFIX}_{key_id}_{secret}")


def _lock(session: Session, project_id: int | None) -> Project | None:
    """Lock the record the principal's acts go to: its project's, or record 0."""
    if project_id is None:
        lock_registry(session)
        return None
    # principals of a terminated project are still managed (an arbiter audits it)
    return lock_project(session, project_id, live=False)


def _record(
    session: Session,
    ledger: Ledger,
    project: Project | None,
    kind: str,
    payload: dict[str, Any],
    *,
    actor: str,
) -> None:
    if project is None:
        record_registry(session, ledger, kind, payload, actor=actor)
    else:
        record(session, ledger, project, kind, payload, actor=actor)


def _payload(row: Principal) -> dict[str, Any]:
    """What the record says of a principal: never its key's secret or hash."""
    return {
        "address": row.address,
        "id": row.id,
        "issuer_urn": row.issuer_urn,
        "key_id": row.key_id,
        "name": row.name,
        "project": row.project_id,
        "role": row.role,
    }


def _fresh_key_id(session: Session) -> str:
    """A key id no principal has (48 random bits: a clash is rare, and retried)."""
    while True:
        key_id = secrets.token_hex(KEY_ID_BYTES)
        taken = session.exec(select(Principal.id).where(Principal.key_id == key_id)).first()
        if taken is None:
            return key_id
