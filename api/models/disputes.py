"""Disputes on milestones and snapshots: what the routes take and answer.

Opening and ruling are the partner's and the arbiter's own transactions, so a ``prepare``
route answers the unsigned transaction and the call it makes; a settlement carries every
partner's EIP-712 ``Settlement`` signature.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import MAX_ID, Address, Hash, RawTransaction, Signature, Wei
from ledger import disputes
from ledger.chain.escrow import SETTLEMENT
from ledger.context import Ledger
from ledger.db import Dispute

Subject = Literal["milestone", "snapshot"]
Outcome = Literal["uphold", "reject", "replace"]
Status = Literal["open", "settled", "ruled", "lapsed"]
#: The contributions a ``replace`` stops counting.
Excluded = Annotated[
    list[Annotated[int, Field(ge=1, le=MAX_ID)]],
    Field(max_length=1000, description="Contribution ids a `replace` stops counting."),
]
EXAMPLE_EVIDENCE = "9f2c" * 16


# ---------------------------------------------------------------------- answers


class UnsignedTransactionOut(BaseModel):
    """A type-2 transaction for the caller to sign with its own key, fields as eth-account
    takes them (wei as decimal strings)."""

    type: int = Field(examples=[2])
    chainId: int
    to: Address = Field(description="The `DisputeResolution` contract.")
    data: str = Field(description="The call data, `0x` hex.")
    value: Wei
    nonce: int = Field(description="The signer's next nonce.")
    gas: int
    maxPriorityFeePerGas: Wei
    maxFeePerGas: Wei

    @classmethod
    def of(cls, unsigned: dict[str, Any]) -> UnsignedTransactionOut:
        return cls.model_validate(unsigned)


class CallOut(BaseModel):
    """The contract call the transaction makes, decoded, so the signer sees what it signs."""

    contract: str = Field(examples=["DisputeResolution"])
    function: str = Field(examples=["open"])
    args: dict[str, Any] = Field(
        description="The call's arguments by name: integers as numbers, except wei (strings), "
        "bytes32 as `0x` hex."
    )


class SettlementOut(BaseModel):
    """The EIP-712 ``Settlement`` every partner signs to settle this way."""

    domain: dict[str, Any] = Field(description="`DisputeResolution`'s domain.")
    primary_type: Literal["Settlement"] = "Settlement"
    types: list[dict[str, str]] = Field(description="The struct's fields, in order.")
    message: dict[str, Any] = Field(
        description="`disputeId`, `outcome` (1 uphold, 2 reject, 3 replace), `newRoot` "
        "(`0x` hex) and `newTotal` (wei, a decimal string)."
    )


class ProposalOut(BaseModel):
    """What an outcome would do; nothing is stored."""

    dispute_id: int
    chain_dispute_id: int
    outcome: Outcome
    excluded: list[int]
    new_root: Hash = Field(
        description="The superseding snapshot's payout root; zeros unless `replace`."
    )
    new_total: Wei = Field(description="The milestone's amount for `replace`; 0 otherwise.")
    payouts: dict[str, Wei] | None = Field(
        description="For `replace`: each partner's payout (partner number to wei)."
    )
    settlement: SettlementOut

    @classmethod
    def of(cls, proposal: disputes.Proposal, ledger: Ledger) -> ProposalOut:
        message = proposal.settlement_message()
        return cls(
            dispute_id=proposal.dispute_id,
            chain_dispute_id=proposal.chain_dispute_id,
            outcome=proposal.outcome,  # type: ignore[arg-type]
            excluded=list(proposal.excluded),
            new_root=proposal.new_root,
            new_total=proposal.new_total,
            payouts=None
            if proposal.payouts is None
            else {str(k): v for k, v in sorted(proposal.payouts.items())},
            settlement=SettlementOut(
                domain=ledger.disputes.domain.as_dict(),
                types=SETTLEMENT,
                message={
                    "disputeId": message["disputeId"],
                    "outcome": message["outcome"],
                    "newRoot": "0x" + message["newRoot"].hex(),
                    "newTotal": str(message["newTotal"]),
                },
            ),
        )


class PreparedOut(BaseModel):
    """A transaction for ``signer`` to sign, and the call it makes."""

    signer: Address = Field(description="Who must sign it: the relayed call is refused otherwise.")
    transaction: UnsignedTransactionOut
    call: CallOut


class PreparedRulingOut(PreparedOut):
    """The arbiter's ``rule`` transaction, and the proposal it carries."""

    proposal: ProposalOut


class ResolutionOut(BaseModel):
    """How a dispute ended, as the ledger recorded it."""

    excluded: list[int]
    new_root: Hash
    tx: str | None = Field(default=None, description="The deciding transaction's hash.")
    signers: list[str] | None = Field(default=None, description="A settlement's signers.")
    fee: Wei | None = Field(default=None, description="A ruling's arbiter fee.")


class DisputeOut(BaseModel):
    """A dispute on a milestone or a snapshot."""

    id: int
    project_id: int
    subject: Subject
    subject_id: int = Field(description="The milestone's or the snapshot's id.")
    opened_by: Address
    reason: str
    evidence_hash: Hash
    status: Status
    outcome: Outcome | None
    chain_dispute_id: int | None
    deadline_at: datetime = Field(description="The end of arbitration; `lapse` after it.")
    opened_at: datetime
    closed_at: datetime | None
    resolution: ResolutionOut | None

    @classmethod
    def of(cls, row: Dispute) -> DisputeOut:
        assert row.id is not None
        resolution = None
        if row.resolution is not None:
            resolution = ResolutionOut.model_validate(json.loads(row.resolution))
        return cls(
            id=row.id,
            project_id=row.project_id,
            subject=row.subject,  # type: ignore[arg-type]
            subject_id=row.subject_id,
            opened_by=row.opened_by,
            reason=row.reason,
            evidence_hash=row.evidence_hash,
            status=row.status,  # type: ignore[arg-type]
            outcome=row.outcome,  # type: ignore[arg-type]
            chain_dispute_id=row.chain_dispute_id,
            deadline_at=row.deadline_at,
            opened_at=row.opened_at,
            closed_at=row.closed_at,
            resolution=resolution,
        )


# ---------------------------------------------------------------------- requests


class OpeningPrepareIn(BaseModel):
    """The ``open`` transaction partner ``opener`` will sign."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "subject": "milestone",
                    "subject_id": 1,
                    "opener": "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF",
                    "evidence_hash": EXAMPLE_EVIDENCE,
                }
            ]
        },
    )

    subject: Subject
    subject_id: int = Field(ge=1, le=MAX_ID, description="The milestone's or snapshot's id.")
    opener: Address = Field(description="The partner opening it: the caller's own address.")
    evidence_hash: Hash = Field(description="SHA-256 of the evidence, kept off chain.")


class OpeningIn(BaseModel):
    """A dispute to open: the partner's signed ``open`` transaction and its reason."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "subject": "milestone",
                    "subject_id": 1,
                    "reason": "the payout counts code written before the project began",
                    "evidence_hash": EXAMPLE_EVIDENCE,
                    "transaction": "0x02f8b1…",
                }
            ]
        },
    )

    subject: Subject
    subject_id: int = Field(ge=1, le=MAX_ID)
    reason: str = Field(min_length=1, max_length=4000)
    evidence_hash: Hash
    transaction: RawTransaction = Field(
        description="The prepared `open` transaction, signed by the opener (`0x` hex)."
    )


class ProposalIn(BaseModel):
    """An outcome to compute."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"outcome": "replace", "excluded": [3]}]},
    )

    outcome: Outcome
    excluded: Excluded = []


class SettlementIn(BaseModel):
    """A settlement: the outcome and every partner's ``Settlement`` signature over it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"outcome": "uphold", "excluded": [], "signatures": ["0x" + "1b" * 65] * 3}
            ]
        },
    )

    outcome: Outcome
    excluded: Excluded = []
    signatures: list[Signature] = Field(
        min_length=1, max_length=100, description="One per partner, in any order."
    )


class RulingPrepareIn(BaseModel):
    """The ``rule`` transaction arbiter ``arbiter`` will sign."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "outcome": "reject",
                    "excluded": [],
                    "fee": "50000000000000000",
                    "arbiter": "0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69",
                }
            ]
        },
    )

    outcome: Outcome
    excluded: Excluded = []
    fee: Wei = Field(default=0, description="The arbiter's fee, from the project's pool.")
    arbiter: Address = Field(description="The ruling arbiter: the caller's own address.")


class RulingIn(BaseModel):
    """A ruling: the arbiter's signed ``rule`` transaction and what it rules."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "outcome": "reject",
                    "excluded": [],
                    "fee": "50000000000000000",
                    "transaction": "0x02f8d2…",
                }
            ]
        },
    )

    outcome: Outcome
    excluded: Excluded = []
    fee: Wei = 0
    transaction: RawTransaction
