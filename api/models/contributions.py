"""Contributions, their attestations and the disputes on one: what the routes take and answer.

A contribution is signed by its partner (EIP-712 ``Contribution``), an attestation by
another partner or an arbiter (``Attestation``), a dispute by its opener
(``DisputeOpening``); a settlement by both parties, a ruling by an arbiter.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema
from sqlmodel import Session

from api.schemas import MAX_ID, Address, Hash, Signature
from ledger import contributions
from ledger.db import Attestation, Contribution, Dispute, Partner

Tier = Literal["core", "application", "derivative"]
Kind = Literal[
    "funding",
    "labor_hours",
    "equipment",
    "data",
    "code",
    "background_ip_license",
    "tacit_knowhow_transfer",
    "tacit_training",
    "tacit_consulting",
]
Status = Literal["accepted", "disputed", "rejected"]
Outcome = Literal["uphold", "reject"]
DisputeStatus = Literal["open", "settled", "ruled", "lapsed"]


def _uint256(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("a value is a decimal string")
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 78:
        raise ValueError("a value is a string of 1 to 78 decimal digits")
    number = int(text)
    if not 1 <= number < 2**256:
        raise ValueError("a value is at least 1 and below 2**256")
    return number


#: A contribution's declared value: a decimal string in JSON (it may exceed 2**53).
Value = Annotated[
    int,
    BeforeValidator(_uint256),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{1,78}$", "examples": ["120"]}),
]
IdempotencyKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        pattern=r"^[\x20-\x7e]+$",
        description="The partner's own key for this contribution (signed): 1 to 128 "
        "printable ASCII characters, unique per partner.",
    ),
]

EVIDENCE = "5f" * 32
SIGNATURE = "0x" + "1b" * 65


# ---------------------------------------------------------------------- bodies


class ContributionIn(BaseModel):
    """A contribution as its partner signed it (EIP-712 ``Contribution``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "partner": "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF",
                    "tier": "core",
                    "kind": "code",
                    "value": "120",
                    "evidence_hash": EVIDENCE,
                    "idempotency_key": "vision-ws3-2026-11",
                    "asset_id": None,
                    "signature": SIGNATURE,
                }
            ]
        },
    )

    partner: Address = Field(description="The contributing partner's signing address.")
    tier: Tier
    kind: Kind
    value: Value = Field(description="The declared value in the kind's unit.")
    evidence_hash: Hash = Field(description="sha256 of the evidence.")
    idempotency_key: IdempotencyKey
    asset_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The foreground asset it builds, if any."
    )
    signature: Signature = Field(description="The partner's `Contribution` signature.")


class AttestationIn(BaseModel):
    """A countersignature (EIP-712 ``Attestation`` over the contribution's `body_hash`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"attester": "0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69", "signature": SIGNATURE}
            ]
        },
    )

    attester: Address = Field(description="Another partner's or an arbiter's address.")
    signature: Signature


class DisputeIn(BaseModel):
    """A dispute on a contribution, signed by its opener (EIP-712 ``DisputeOpening``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "by": "0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69",
                    "reason": "the code was written before the project started",
                    "evidence_hash": EVIDENCE,
                    "signature": SIGNATURE,
                }
            ]
        },
    )

    by: Address = Field(description="The opener: another partner of the project.")
    reason: str = Field(
        min_length=1,
        max_length=4000,
        description="Why; its sha256 (UTF-8) is the `reasonHash` the opener signs.",
    )
    evidence_hash: Hash = Field(description="sha256 of the opener's evidence.")
    signature: Signature


class ContributionSettlementIn(BaseModel):
    """The contributor's and the opener's ``ContributionSettlement`` signatures."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"outcome": "uphold", "signatures": [SIGNATURE, "0x" + "1c" * 65]}]
        },
    )

    outcome: Outcome = Field(description="`uphold` keeps the contribution, `reject` ends it.")
    signatures: list[Signature] = Field(min_length=1, max_length=2)


class ContributionRulingIn(BaseModel):
    """An arbiter's ``ContributionRuling`` signature."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"outcome": "reject", "signature": SIGNATURE}]},
    )

    outcome: Outcome
    signature: Signature


# ---------------------------------------------------------------------- answers


class AttestationOut(BaseModel):
    """A countersignature of a contribution."""

    id: int
    contribution_id: int
    attester: Address
    role: Literal["partner", "arbiter"] = Field(description="What the attester is in the project.")
    signature: str
    recorded_at: datetime

    @classmethod
    def of(cls, row: Attestation) -> AttestationOut:
        assert row.id is not None
        return cls(
            id=row.id,
            contribution_id=row.contribution_id,
            attester=row.attester,
            role=row.role,  # type: ignore[arg-type]
            signature=row.signature,
            recorded_at=row.recorded_at,
        )


class ContributionDisputeOut(BaseModel):
    """A dispute on a contribution, open or decided."""

    id: int
    project_id: int
    contribution_id: int
    opened_by: Address
    reason: str
    reason_hash: str = Field(description="sha256 of the reason (UTF-8), as signed.")
    evidence_hash: str
    status: DisputeStatus
    outcome: Outcome | None = Field(description="Set once decided.")
    deadline_at: datetime = Field(description="An arbiter may rule until then; then it lapses.")
    opened_at: datetime
    closed_at: datetime | None
    signers: list[Address] = Field(
        description="Who signed the decision: both parties, the arbiter, or none (lapsed)."
    )

    @classmethod
    def of(cls, row: Dispute) -> ContributionDisputeOut:
        assert row.id is not None
        resolution = json.loads(row.resolution) if row.resolution else {}
        return cls(
            id=row.id,
            project_id=row.project_id,
            contribution_id=row.subject_id,
            opened_by=row.opened_by,
            reason=row.reason,
            reason_hash=hashlib.sha256(row.reason.encode("utf-8")).hexdigest(),
            evidence_hash=row.evidence_hash,
            status=row.status,  # type: ignore[arg-type]
            outcome=row.outcome,  # type: ignore[arg-type]
            deadline_at=row.deadline_at,
            opened_at=row.opened_at,
            closed_at=row.closed_at,
            signers=resolution.get("signers", []),
        )


class ContributionOut(BaseModel):
    """A stored contribution."""

    id: int
    project_id: int
    partner: Address
    partner_number: int = Field(description="The partner's number in the project (1, 2, …).")
    tier: Tier
    kind: Kind
    value: Value
    evidence_hash: str
    asset_id: int | None
    idempotency_key: str
    body_hash: str = Field(
        description="sha256 of the signed fields (RFC 8785 JSON): what an attester signs."
    )
    signature: str
    status: Status = Field(description="`disputed` and `rejected` count in no snapshot.")
    recorded_at: datetime
    recorded_us: int = Field(description="The same instant in microseconds since the epoch.")
    journal_seq: int = Field(description="The record entry that registered it.")

    @classmethod
    def fields_of(cls, row: Contribution, partner: str) -> dict[str, Any]:
        assert row.id is not None
        return {
            "id": row.id,
            "project_id": row.project_id,
            "partner": partner,
            "partner_number": row.partner_number,
            "tier": row.tier,
            "kind": row.kind,
            "value": row.value,
            "evidence_hash": row.evidence_hash,
            "asset_id": row.asset_id,
            "idempotency_key": row.idempotency_key,
            "body_hash": row.body_hash,
            "signature": row.signature,
            "status": row.status,
            "recorded_at": row.recorded_at,
            "recorded_us": row.recorded_us,
            "journal_seq": row.journal_seq,
        }

    @classmethod
    def of(cls, session: Session, row: Contribution) -> ContributionOut:
        return cls(**cls.fields_of(row, _address_of(session, row)))


class ContributionDetailOut(ContributionOut):
    """A contribution with its countersignatures and its disputes, oldest first."""

    attestations: list[AttestationOut]
    disputes: list[ContributionDisputeOut]

    @classmethod
    def of(cls, session: Session, row: Contribution) -> ContributionDetailOut:
        assert row.id is not None
        return cls(
            **cls.fields_of(row, _address_of(session, row)),
            attestations=[
                AttestationOut.of(a) for a in contributions.attestations_of(session, row.id)
            ],
            disputes=[
                ContributionDisputeOut.of(d) for d in contributions.disputes_of(session, row.id)
            ],
        )


def _address_of(session: Session, row: Contribution) -> str:
    partner = session.get(Partner, row.partner_id)
    assert partner is not None
    return partner.address
