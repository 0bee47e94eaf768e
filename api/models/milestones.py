"""Milestones and their release: what the routes take and answer.

A milestone is planned, submitted (its snapshot and payout tree are fixed), released on
chain by a quorum of partners' EIP-712 ``Release`` signatures, and its payouts claimed
(see docs/api/milestones.md; the claims' models are in :mod:`api.models.claims`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlmodel import Session

from api.schemas import Address, Hash, Signature, Wei
from ledger import snapshots
from ledger.db import Milestone

State = Literal["planned", "submitted", "released", "disputed", "rejected"]


def utc(moment: datetime | None) -> datetime | None:
    """``moment`` in UTC, or ``None``."""
    return None if moment is None else moment.astimezone(UTC)


# ---------------------------------------------------------------------- milestones


class MilestoneIn(BaseModel):
    """The project's next milestone (it gets the next number)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Labelled defect dataset and baseline detector",
                    "amount": "3000000000000000007",
                    "trl_target": 4,
                    "due_at": "2026-12-28T09:00:00Z",
                }
            ]
        },
    )

    title: str = Field(min_length=1, max_length=200)
    amount: Wei = Field(description="What the milestone pays out, in wei (> 0).")
    trl_target: int = Field(ge=1, le=9, description="The technology readiness level aimed at.")
    due_at: AwareDatetime = Field(description="When it is due, with its zone (ISO 8601).")


class MilestoneOut(BaseModel):
    """A milestone as the ledger holds it."""

    id: int = Field(description="The ledger's id (what a dispute on the milestone names).")
    number: int = Field(description="Its number within the project: 1, 2, 3, …")
    title: str
    amount: Wei
    trl_target: int
    due_at: datetime
    state: State
    evidence_hash: str | None = Field(description="The evidence submitted, once submitted.")
    snapshot_id: int | None = Field(description="The snapshot taken at submission.")
    snapshot_number: int | None = Field(description="That snapshot's number in the project.")
    payout_root: str | None = Field(
        description="The Merkle root of the snapshot's payout tree (hex, no `0x`)."
    )
    released_tx: str | None = Field(description="The release's transaction, once released.")
    released_block: int | None
    overdue_at: datetime | None = Field(description="When its overdue alert was raised.")
    created_at: datetime

    @classmethod
    def of(cls, session: Session, row: Milestone) -> MilestoneOut:
        assert row.id is not None
        snapshot = None if row.snapshot_id is None else snapshots.get(session, row.snapshot_id)
        return cls(
            id=row.id,
            number=row.number,
            title=row.title,
            amount=row.amount,
            trl_target=row.trl_target,
            due_at=row.due_at.astimezone(UTC),
            state=row.state,  # type: ignore[arg-type]
            evidence_hash=row.evidence_hash,
            snapshot_id=row.snapshot_id,
            snapshot_number=None if snapshot is None else snapshot.number,
            payout_root=None if snapshot is None else snapshot.payout_root,
            released_tx=row.released_tx,
            released_block=row.released_block,
            overdue_at=utc(row.overdue_at),
            created_at=row.created_at.astimezone(UTC),
        )


class SubmissionIn(BaseModel):
    """The evidence that the milestone is met."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"evidence_hash": "ab" * 32}]}
    )

    evidence_hash: Hash = Field(description="SHA-256 of the evidence (64 hex characters).")


# ---------------------------------------------------------------------- release


class ReleaseMessage(BaseModel):
    """The ``Release`` struct's values (uint256 ``total`` as a decimal string)."""

    projectId: int = Field(description="The project's id on chain.")
    milestoneId: int = Field(description="The milestone's number.")
    root: str = Field(description="The payout root, `0x` hex (bytes32).")
    total: Wei


class TypedDataOut(BaseModel):
    """The EIP-712 typed data to sign (``eth_signTypedData_v4``)."""

    types: dict[str, list[dict[str, str]]]
    primaryType: Literal["Release"]
    domain: dict[str, Any] = Field(description="The MilestoneEscrow contract's domain.")
    message: ReleaseMessage


class ReleaseTermsOut(BaseModel):
    """What the partners sign to release a submitted milestone, and how many must sign."""

    chain_id: int = Field(description="The chain's id (the EIP-712 domain's `chainId`).")
    escrow: Address = Field(description="The MilestoneEscrow contract (`verifyingContract`).")
    chain_project_id: int = Field(description="The project's id on chain (`projectId`).")
    milestone: int = Field(description="The milestone's number (`milestoneId`).")
    payout_root: str = Field(description="The snapshot's payout root (hex, no `0x`; `root`).")
    total: Wei = Field(description="The milestone's amount (`total`).")
    snapshot_id: int
    quorum: int = Field(description="How many partners must sign.")
    arbiter_required: bool = Field(description="Whether an arbiter must sign as well.")
    partners: list[Address] = Field(description="The partners who may sign.")
    typed_data: TypedDataOut


class ReleaseIn(BaseModel):
    """The quorum's ``Release`` signatures (any order)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"signatures": ["0x" + "1b" * 65, "0x" + "1c" * 65]}]},
    )

    signatures: list[Signature] = Field(
        min_length=1, max_length=64, description="Partners' EIP-712 `Release` signatures."
    )
    arbiter_signature: Signature | None = Field(
        default=None, description="An arbiter's `Release` signature, where the agreement asks."
    )
