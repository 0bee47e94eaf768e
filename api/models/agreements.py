"""The versions of a project's agreement and their amendments: what the routes take and
answer (see docs/api/projects.md)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.models.projects import EXAMPLE_AGREEMENT, AgreementDocument
from api.schemas import Hash, Signature
from ledger.db import AgreementVersion

#: The most signatures an amendment may carry (one per partner).
MAX_SIGNATURES = 256


class AgreementOut(BaseModel):
    """One version of a project's agreement."""

    project_id: int
    version: int = Field(description="1 at creation, one more with each amendment.")
    document_hash: Hash = Field(description="sha256 of the document's RFC 8785 canonical JSON.")
    document: dict[str, Any] = Field(
        description="The document with every default filled in; amounts as decimal strings."
    )
    reason: str = Field(description="`created` for version 1, else the amendment's reason.")
    signatures: list[Signature] = Field(
        description="The partners' `Amendment` signatures that adopted it (none for version 1)."
    )
    created_at: datetime

    @classmethod
    def of(cls, row: AgreementVersion) -> AgreementOut:
        return cls(
            project_id=row.project_id,
            version=row.version,
            document_hash=row.document_hash,
            document=json.loads(row.document),
            reason=row.reason,
            signatures=[] if row.signatures is None else json.loads(row.signatures),
            created_at=row.created_at,
        )


class AmendmentIn(BaseModel):
    """A new version of the agreement, signed by every partner."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "version": 2,
                    "agreement": {**EXAMPLE_AGREEMENT, "valuation": {"tacit_training": 2000}},
                    "reason": "Training counts double from the second year",
                    "signatures": ["0x" + "1b" * 65, "0x" + "1c" * 65, "0x" + "1b" * 65],
                }
            ]
        },
    )

    version: int = Field(
        ge=2,
        le=2**31 - 1,
        description="The version this becomes: the current one plus 1 (what every partner signs).",
    )
    agreement: AgreementDocument
    reason: str = Field(min_length=1, max_length=2000, description="Why the agreement changes.")
    signatures: list[Signature] = Field(
        min_length=1,
        max_length=MAX_SIGNATURES,
        description="Every partner's EIP-712 `Amendment` signature (ledger domain), any order.",
    )
