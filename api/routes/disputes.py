"""Disputes on milestones and snapshots, decided on chain (see docs/api/disputes.md).

Opening and ruling are the partner's and the arbiter's own transactions: a ``prepare``
route returns the unsigned transaction and the call it makes, the caller signs it with its
key and posts the raw bytes, which the ledger relays only if they are exactly that call.
The caller's API key alone is not enough: the transaction's signer must be the caller's
own address. A settlement carries every partner's EIP-712 ``Settlement`` signature.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.schemas import (
    AUTH_PROBLEMS,
    CURSOR_PATTERN,
    DEFAULT_LIMIT,
    Address,
    Hash,
    Page,
    RawTransaction,
    Signature,
    Wei,
    decode_cursor,
    page,
    problems,
)
from ledger import disputes, inputs, milestones, projects, snapshots
from ledger.chain.disputes import Subject as ChainSubject
from ledger.chain.escrow import SETTLEMENT
from ledger.chain.gateway import transaction_sender
from ledger.context import Ledger
from ledger.db import Dispute, Principal, session_scope
from ledger.dispute_queries import dispute_in, dispute_page
from ledger.errors import LedgerError, RuleViolation
from ledger.permissions import require, require_not_party

router = APIRouter(prefix="/v1", tags=["disputes"])

DisputeIdPath = Annotated[int, Path(ge=1, le=2**63 - 1, description="The dispute's id.")]
Subject = Literal["milestone", "snapshot"]
Outcome = Literal["uphold", "reject", "replace"]
Status = Literal["open", "settled", "ruled", "lapsed"]
#: The contributions a ``replace`` stops counting.
Excluded = Annotated[
    list[Annotated[int, Field(ge=1, le=2**63 - 1)]],
    Field(max_length=1000, description="Contribution ids a `replace` stops counting."),
]
EXAMPLE_EVIDENCE = "9f2c" * 16
CHAIN_PROBLEMS = (502, 503)


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
    subject_id: int = Field(ge=1, le=2**63 - 1, description="The milestone's or snapshot's id.")
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
    subject_id: int = Field(ge=1, le=2**63 - 1)
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


# ---------------------------------------------------------------------- routes


@router.post(
    "/projects/{project_id}/disputes/prepare",
    response_model=PreparedOut,
    responses=problems(401, 403, 404, 409, 422, *CHAIN_PROBLEMS),
)
def prepare_opening(
    project_id: ProjectId,
    body: OpeningPrepareIn,
    caller: Annotated[Principal, allowed("dispute.open")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> PreparedOut:
    """The unsigned ``open`` transaction the opener signs with its own key."""
    opener = inputs.address(body.opener, "opener")
    require(caller, "dispute.open", project_id=project_id, acting_as=opener)
    with _status_named(), session_scope(runtime.engine) as session:
        unsigned = disputes.prepare_opening(
            session,
            ledger,
            project_id=project_id,
            subject=body.subject,
            subject_id=body.subject_id,
            opener=opener,
            evidence_hash=body.evidence_hash,
        )
        project = projects.get_project(session, project_id)
        args = {
            "projectId": project.chain_project_id,
            "subject": int(ChainSubject[body.subject.upper()]),
            "subjectId": _subject_number(session, body.subject, body.subject_id),
            "evidenceHash": "0x" + body.evidence_hash.lower(),
        }
        return PreparedOut(
            signer=opener,
            transaction=UnsignedTransactionOut.of(unsigned),
            call=CallOut(contract="DisputeResolution", function="open", args=args),
        )


@router.post(
    "/projects/{project_id}/disputes",
    status_code=201,
    response_model=DisputeOut,
    responses=problems(401, 403, 404, 409, 422, *CHAIN_PROBLEMS),
)
def open_dispute(
    project_id: ProjectId,
    body: OpeningIn,
    caller: Annotated[Principal, allowed("dispute.open")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> DisputeOut:
    """Open a dispute: relay the opener's signed ``open`` transaction if it is exactly the
    prepared call, and record it."""
    require(caller, "dispute.open", project_id=project_id, acting_as=_signer(body.transaction))
    with _status_named(), session_scope(runtime.engine) as session:
        row = disputes.open_dispute(
            session,
            ledger,
            project_id=project_id,
            subject=body.subject,
            subject_id=body.subject_id,
            reason=body.reason,
            evidence_hash=body.evidence_hash,
            transaction=body.transaction,
        )
        out = DisputeOut.of(row)
    response.headers["Location"] = f"/v1/projects/{project_id}/disputes/{out.id}"
    return out


@router.get(
    "/projects/{project_id}/disputes",
    response_model=Page[DisputeOut],
    responses=problems(*AUTH_PROBLEMS, 404),
)
def list_disputes(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    status: Annotated[Status | None, Query(description="Only disputes in this status.")] = None,
    subject: Annotated[Subject | None, Query(description="Only disputes on this.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
) -> Page[DisputeOut]:
    """The project's milestone and snapshot disputes, oldest first."""
    after = decode_cursor(cursor)
    with _status_named(), session_scope(runtime.engine) as session:
        projects.get_project(session, project_id)
        rows = dispute_page(
            session, project_id, after=after, limit=limit + 1, status=status, subject=subject
        )
        return page([DisputeOut.of(r) for r in rows], limit, lambda d: d.id)


@router.get(
    "/projects/{project_id}/disputes/{dispute_id}",
    response_model=DisputeOut,
    responses=problems(*AUTH_PROBLEMS, 404),
)
def get_dispute(
    project_id: ProjectId,
    dispute_id: DisputeIdPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> DisputeOut:
    """One dispute of the project."""
    with _status_named(), session_scope(runtime.engine) as session:
        return DisputeOut.of(dispute_in(session, project_id, dispute_id))


@router.post(
    "/projects/{project_id}/disputes/{dispute_id}/propose",
    response_model=ProposalOut,
    responses=problems(401, 403, 404, 409, 422),
)
def propose(
    project_id: ProjectId,
    dispute_id: DisputeIdPath,
    body: ProposalIn,
    caller: Annotated[Principal, allowed("dispute.settle")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> ProposalOut:
    """What an outcome would do, and the ``Settlement`` every partner signs for it; stores
    nothing."""
    with _status_named(), session_scope(runtime.engine) as session:
        dispute_in(session, project_id, dispute_id)
        proposal = disputes.propose(
            session, ledger, dispute_id=dispute_id, outcome=body.outcome, excluded=body.excluded
        )
        return ProposalOut.of(proposal, ledger)


@router.post(
    "/projects/{project_id}/disputes/{dispute_id}/settle",
    response_model=DisputeOut,
    responses=problems(401, 403, 404, 409, 422, *CHAIN_PROBLEMS),
)
def settle(
    project_id: ProjectId,
    dispute_id: DisputeIdPath,
    body: SettlementIn,
    caller: Annotated[Principal, allowed("dispute.settle")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> DisputeOut:
    """Settle by mediation: every partner signed the outcome's ``Settlement``."""
    with _status_named(), session_scope(runtime.engine) as session:
        dispute_in(session, project_id, dispute_id)
        row = disputes.settle(
            session,
            ledger,
            dispute_id=dispute_id,
            outcome=body.outcome,
            excluded=body.excluded,
            signatures=body.signatures,
        )
        return DisputeOut.of(row)


@router.post(
    "/projects/{project_id}/disputes/{dispute_id}/rule/prepare",
    response_model=PreparedRulingOut,
    responses=problems(401, 403, 404, 409, 422, *CHAIN_PROBLEMS),
)
def prepare_ruling(
    project_id: ProjectId,
    dispute_id: DisputeIdPath,
    body: RulingPrepareIn,
    caller: Annotated[Principal, allowed("dispute.rule")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> PreparedRulingOut:
    """The unsigned ``rule`` transaction the arbiter signs with its own key."""
    arbiter = inputs.address(body.arbiter, "arbiter")
    require(caller, "dispute.rule", project_id=project_id, acting_as=arbiter)
    with _status_named(), session_scope(runtime.engine) as session:
        row = dispute_in(session, project_id, dispute_id)
        require_not_party(caller, row.opened_by)
        proposal, unsigned = disputes.prepare_ruling(
            session,
            ledger,
            dispute_id=dispute_id,
            outcome=body.outcome,
            excluded=body.excluded,
            fee=body.fee,
            arbiter=arbiter,
        )
        args = {
            "disputeId": proposal.chain_dispute_id,
            "outcome": proposal.settlement_message()["outcome"],
            "newRoot": "0x" + proposal.new_root,
            "newTotal": str(proposal.new_total),
            "fee": str(body.fee),
        }
        return PreparedRulingOut(
            signer=arbiter,
            transaction=UnsignedTransactionOut.of(unsigned),
            call=CallOut(contract="DisputeResolution", function="rule", args=args),
            proposal=ProposalOut.of(proposal, ledger),
        )


@router.post(
    "/projects/{project_id}/disputes/{dispute_id}/rule",
    response_model=DisputeOut,
    responses=problems(401, 403, 404, 409, 422, *CHAIN_PROBLEMS),
)
def rule(
    project_id: ProjectId,
    dispute_id: DisputeIdPath,
    body: RulingIn,
    caller: Annotated[Principal, allowed("dispute.rule")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> DisputeOut:
    """Rule: relay the arbiter's signed ``rule`` transaction if it is exactly this ruling's
    call, and record it."""
    require(caller, "dispute.rule", project_id=project_id, acting_as=_signer(body.transaction))
    with _status_named(), session_scope(runtime.engine) as session:
        row = dispute_in(session, project_id, dispute_id)
        require_not_party(caller, row.opened_by)
        ruled = disputes.rule(
            session,
            ledger,
            dispute_id=dispute_id,
            outcome=body.outcome,
            excluded=body.excluded,
            fee=body.fee,
            transaction=body.transaction,
        )
        return DisputeOut.of(ruled)


@router.post(
    "/projects/{project_id}/disputes/{dispute_id}/lapse",
    response_model=DisputeOut,
    responses=problems(401, 403, 404, 409, 422, *CHAIN_PROBLEMS),
)
def lapse(
    project_id: ProjectId,
    dispute_id: DisputeIdPath,
    caller: Annotated[Principal, allowed("dispute.lapse")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> DisputeOut:
    """After the arbitration deadline, end the dispute with the agreement's lapse outcome."""
    with _status_named(), session_scope(runtime.engine) as session:
        dispute_in(session, project_id, dispute_id)
        return DisputeOut.of(disputes.lapse(session, ledger, dispute_id=dispute_id))


# ---------------------------------------------------------------------- internal


@contextmanager
def _status_named() -> Iterator[None]:
    """Name whose ``status`` an error reports (``dispute_status``, ``project_status``).

    A problem's ``status`` member is its HTTP status (RFC 9457); the dispute services report
    a closed dispute's, or a terminated project's, status in a field of that name.
    """
    try:
        yield
    except LedgerError as exc:
        if "status" in exc.fields:
            owner = "project" if exc.fields.get("field") == "project" else "dispute"
            exc.fields[f"{owner}_status"] = exc.fields.pop("status")
        raise


def _signer(transaction: str) -> str:
    """Who signed a raw transaction (the identity a relayed call is taken as)."""
    try:
        raw = bytes.fromhex(transaction.removeprefix("0x"))
    except ValueError:
        raise RuleViolation(
            "transaction must be a signed transaction in hex", field="transaction"
        ) from None
    return transaction_sender(raw)


def _subject_number(session: Session, subject: str, subject_id: int) -> int:
    """The number the chain knows a milestone or snapshot by."""
    if subject == "milestone":
        return milestones.get(session, subject_id).number
    return snapshots.get(session, subject_id).number
