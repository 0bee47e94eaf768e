"""Principals: who may call the ledger's API, with which role, and their API keys' hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from ledger.db.types import UTCDateTime


class Principal(SQLModel, table=True):
    """A principal of the API: one API key, one role, global or in one project.

    ``key_id`` is the public part of the API key (it finds the row); ``key_hash`` is the
    hash of its secret part, the secret itself is never stored. ``address`` is the signing
    key the principal acts with (partners, arbiters, funders, licensees), ``issuer_urn``
    the issuer an issuer principal speaks for. ``created_by`` and ``revoked_by`` are a
    principal's id as text, or ``bootstrap`` for the first admin. A revoked principal stays
    (its acts on the record name it); only ``revoked_at`` and ``revoked_by`` ever change.
    """

    __tablename__ = "principal"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    project_id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger, ForeignKey("project.id"), nullable=True, index=True),
    )
    address: str | None = Field(default=None, max_length=42)
    issuer_urn: str | None = Field(
        default=None, sa_column=Column(String(100), ForeignKey("issuer.urn"), nullable=True)
    )
    key_id: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    created_by: str = Field(max_length=32)
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    revoked_by: str | None = Field(default=None, max_length=32)


class IdempotencyRecord(SQLModel, table=True):
    """The first response to a creating request sent with an ``Idempotency-Key``.

    One row per (principal, key). ``fingerprint`` is the SHA-256 of the request's method,
    path, query and body: a retry with the same key must match it. ``status`` is ``NULL``
    while the first request runs; then the response's status, content type, ``Location``
    and body are kept, so a retry gets exactly the same answer.
    """

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("principal_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    principal_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("principal.id"), nullable=False)
    )
    key: str = Field(max_length=255)
    fingerprint: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: int | None = Field(default=None)
    content_type: str | None = Field(default=None, max_length=100)
    location: str | None = Field(default=None, max_length=500)
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
