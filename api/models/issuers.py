"""Trusted issuers: what the routes take and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.models.credentials import Jurisdiction
from api.schemas import Address
from ledger.db import IssuerRecord

ISSUER_URN_PATTERN = r"^urn:ipledger:issuer:[a-z0-9][a-z0-9-]{0,62}$"

#: An issuer's id, ``urn:ipledger:issuer:<slug>``.
IssuerUrn = Annotated[
    str,
    Field(pattern=ISSUER_URN_PATTERN, max_length=100, examples=["urn:ipledger:issuer:tu-munich"]),
]


class IssuerIn(BaseModel):
    """An issuer to trust: its URN, name, jurisdiction and its two public keys."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "urn": "urn:ipledger:issuer:tu-munich",
                    "name": "TU Munich",
                    "jurisdiction": "DE",
                    "public_key": "03a107bff3ce10be1d70dd18e74bc099"
                    "67e4d6309ba50d5f1ddc8664125531b8",
                    "address": "0x3a87ef2174e3FD2C39495F576C0212eCAE48B6D5",
                }
            ]
        },
    )

    urn: IssuerUrn
    name: str = Field(min_length=1, max_length=200)
    jurisdiction: Jurisdiction
    public_key: str = Field(
        pattern=r"^(0x)?[0-9a-fA-F]{64}$",
        description="The raw 32-byte Ed25519 public key that checks its credentials' proofs, hex.",
    )
    address: Address = Field(
        description="The secp256k1 address that signs its anchors and revocations."
    )


class IssuerOut(BaseModel):
    """A trusted issuer."""

    urn: str
    name: str
    jurisdiction: str = Field(description="Every credential it issues comes from here.")
    public_key: str = Field(description="Its Ed25519 public key, 64 hex characters.")
    address: str = Field(description="Its chain address (checksummed), registered on chain.")
    created_at: datetime

    @classmethod
    def of(cls, row: IssuerRecord) -> IssuerOut:
        return cls(
            urn=row.urn,
            name=row.name,
            jurisdiction=row.jurisdiction,
            public_key=row.public_key,
            address=row.address,
            created_at=row.created_at,
        )
