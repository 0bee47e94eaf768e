"""Mutual-recognition agreements between jurisdictions: what the routes take and answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from api.models.credentials import Jurisdiction
from ledger.credentials import CredentialType
from ledger.db import RecognitionRecord


class RecognitionIn(BaseModel):
    """Two jurisdictions recognise each other's credentials of one type."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"first": "CN", "second": "DE", "credential_type": "DegreeCredential"}]
        },
    )

    first: Jurisdiction
    second: Jurisdiction
    credential_type: CredentialType


class RecognitionOut(BaseModel):
    """A mutual-recognition agreement; ``first`` and ``second`` are stored sorted."""

    id: int
    first: str
    second: str
    credential_type: CredentialType
    created_at: datetime

    @classmethod
    def of(cls, row: RecognitionRecord) -> RecognitionOut:
        assert row.id is not None
        return cls(
            id=row.id,
            first=row.first,
            second=row.second,
            credential_type=CredentialType(row.credential_type),
            created_at=row.created_at,
        )
