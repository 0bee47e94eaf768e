"""Background IP in escrow: what the routes take and answer (never the document's key)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlmodel import Session

from api.models._ip_common import MAX_ID
from api.schemas import Address, Hash, Signature
from ledger.background_reads import owner_of
from ledger.chain.background import DepositTerms
from ledger.db import BackgroundDeposit

#: The largest document a deposit takes, in bytes (before base64).
MAX_DOCUMENT_BYTES = 1024 * 1024
#: The longest base64 text of such a document.
MAX_DOCUMENT_BASE64 = 4 * ((MAX_DOCUMENT_BYTES + 2) // 3)
#: The longest licence terms, as compact JSON.
MAX_TERMS_CHARS = 16 * 1024
#: The deepest nesting of objects and arrays in the terms.
MAX_TERMS_DEPTH = 16


def _depth(value: Any) -> int:
    """How deep objects and arrays nest in a JSON value (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        )
        if children is None:
            continue
        deepest = max(deepest, level)
        if level <= MAX_TERMS_DEPTH:
            stack.extend((child, level + 1) for child in children)
    return deepest


_TERMS_EXAMPLE = {"use": "project research only", "sublicence": False, "royalty_bps": 0}
_OWNER = "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"
_BENEFICIARY = "0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69"


class DepositInputs(BaseModel):
    """What a deposit is: the owner, the document, its terms, who gets the key and when."""

    model_config = ConfigDict(extra="forbid")

    owner: Address = Field(description="The depositing partner's address: the caller's own.")
    document: str = Field(
        min_length=1,
        max_length=MAX_DOCUMENT_BASE64,
        description=f"The document, base64 (RFC 4648 with padding), at most "
        f"{MAX_DOCUMENT_BYTES} bytes before encoding.",
    )
    terms: dict[str, Any] = Field(
        description="The licence terms for project use: a JSON object, at most "
        f"{MAX_TERMS_CHARS} characters as compact JSON, nested at most {MAX_TERMS_DEPTH} "
        "levels; integers up to 2**53.",
    )
    beneficiary: Address = Field(description="Who gets the key on the release milestone.")
    release_milestone: int = Field(
        ge=1, le=MAX_ID, description="The milestone number whose release releases the key."
    )

    @field_validator("document")
    @classmethod
    def _base64(cls, value: str) -> str:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("the document is not base64") from None
        if len(raw) > MAX_DOCUMENT_BYTES:
            raise ValueError(f"the document is larger than {MAX_DOCUMENT_BYTES} bytes")
        return value

    @field_validator("terms")
    @classmethod
    def _terms_size(cls, value: dict[str, Any]) -> dict[str, Any]:
        if _depth(value) > MAX_TERMS_DEPTH:
            raise ValueError(f"the terms nest deeper than {MAX_TERMS_DEPTH} levels")
        if len(json.dumps(value, separators=(",", ":"))) > MAX_TERMS_CHARS:
            raise ValueError(f"the terms are longer than {MAX_TERMS_CHARS} characters as JSON")
        return value

    def document_bytes(self) -> bytes:
        return base64.b64decode(self.document, validate=True)

    def arguments(self, project_id: int) -> dict[str, Any]:
        """The keyword arguments both service calls share."""
        return {
            "project_id": project_id,
            "owner": self.owner,
            "document": self.document_bytes(),
            "terms": self.terms,
            "beneficiary": self.beneficiary,
            "release_milestone": self.release_milestone,
        }


_INPUTS_EXAMPLE = {
    "owner": _OWNER,
    "document": base64.b64encode(b"%PDF-1.7 calibration process").decode(),
    "terms": _TERMS_EXAMPLE,
    "beneficiary": _BENEFICIARY,
    "release_milestone": 1,
}


class PrepareBackgroundDepositIn(DepositInputs):
    """A deposit to prepare: the terms its owner will sign."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_INPUTS_EXAMPLE]})


class BackgroundDepositIn(DepositInputs):
    """A prepared deposit, with the handle the preparation gave and the owner's signature."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    **_INPUTS_EXAMPLE,
                    "title": "Calibration process",
                    "handle": "0x" + "5e" * 60,
                    "signature": "0x" + "1b" * 65,
                }
            ]
        },
    )

    title: str = Field(min_length=1, max_length=200, description="The ledger's label.")
    handle: str = Field(
        pattern=r"^0x[0-9a-fA-F]{2,512}$", description="The `handle` the preparation returned."
    )
    signature: Signature = Field(
        description="The owner's EIP-712 `BackgroundDeposit` signature over the prepared terms."
    )


class DepositTermsOut(BaseModel):
    """The `BackgroundDeposit` struct the owner signs (escrow's domain)."""

    project_id: int = Field(description="The project's id on chain.")
    owner: Address
    document_hash: Hash = Field(description="sha256 of the document.")
    key_commitment: Hash = Field(description='sha256("ipledger/key/v1" || key).')
    terms_hash: Hash = Field(description="sha256 of the terms as RFC 8785 JSON.")
    beneficiary: Address
    release_milestone: int

    @classmethod
    def of(cls, terms: DepositTerms) -> DepositTermsOut:
        return cls(
            project_id=terms.project_id,
            owner=terms.owner,
            document_hash=terms.document_hash.hex(),
            key_commitment=terms.key_commitment.hex(),
            terms_hash=terms.terms_hash.hex(),
            beneficiary=terms.beneficiary,
            release_milestone=terms.release_milestone,
        )


class PreparedDepositOut(BaseModel):
    """What the owner signs, and the handle to send back with the signature."""

    terms: DepositTermsOut
    handle: str = Field(description="The document key wrapped by the ledger's vault: opaque.")


DepositState = Literal["held", "released", "withdrawn"]


class BackgroundDepositOut(BaseModel):
    """A background deposit's metadata: never the document or its key."""

    id: int
    project_id: int
    owner: Address
    title: str
    document_hash: Hash
    key_commitment: Hash
    terms: dict[str, Any]
    terms_hash: Hash
    beneficiary: Address | None = Field(description="Who gets the key on the milestone.")
    release_milestone: int | None
    chain_deposit_id: int | None = Field(description="The deposit's id in the escrow contract.")
    state: DepositState
    released_to: Address | None = Field(description="Who the chain released the key to.")
    tx_hash: str | None = Field(description="The deposit's transaction.")
    created_at: datetime

    @classmethod
    def of(
        cls, session: Session, row: BackgroundDeposit, entry: dict[str, Any]
    ) -> BackgroundDepositOut:
        assert row.id is not None
        return cls(
            id=row.id,
            project_id=row.project_id,
            owner=owner_of(session, row),
            title=row.title,
            document_hash=row.document_hash,
            key_commitment=row.key_commitment,
            terms=json.loads(row.terms),
            terms_hash=hashlib.sha256(row.terms.encode("utf-8")).hexdigest(),
            beneficiary=entry.get("beneficiary"),
            release_milestone=entry.get("release_milestone"),
            chain_deposit_id=row.chain_deposit_id,
            state=row.state,  # type: ignore[arg-type]
            released_to=row.released_to,
            tx_hash=entry.get("tx"),
            created_at=row.created_at,
        )


class BackgroundReleaseIn(BaseModel):
    """Release a deposit's key: empty on its milestone, or an arbiter's ruling."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {},
                {"recipient": _BENEFICIARY, "arbiter_signature": "0x" + "1b" * 65},
            ]
        },
    )

    recipient: Address | None = Field(default=None, description="For a ruling: who gets the key.")
    arbiter_signature: Signature | None = Field(
        default=None,
        description="For a ruling: an arbiter's EIP-712 `BackgroundRelease(depositId, "
        "recipient)` signature, `depositId` being the id on chain.",
    )


class WithdrawIn(BaseModel):
    """The owner's withdrawal of its unreleased deposit, once the project is terminated."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"signature": "0x" + "1b" * 65}]}
    )

    signature: Signature = Field(
        description="The owner's EIP-712 `BackgroundWithdrawal(depositId)` signature."
    )


class DocumentOut(BaseModel):
    """A deposited document, opened for its owner or the party its key was released to."""

    deposit_id: int
    document_hash: Hash
    size: int = Field(description="The document's length in bytes.")
    document: str = Field(description="The document, base64.")
