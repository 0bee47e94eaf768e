"""Milestones, their release and claims, funding deposits and overdue alerts.

A project's milestones are addressed by their number within the project (1, 2, 3, …).
A milestone is planned, submitted (its snapshot and payout tree are fixed), released on
chain by a quorum of partners' EIP-712 ``Release`` signatures, and its payouts claimed
(see docs/api/milestones.md).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from eth_account import Account
from fastapi import APIRouter, Path, Query, Response, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Session, col, select

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.schemas import (
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
from ledger import funding, milestones, milestones_queries, projects, snapshots
from ledger.chain.escrow import RELEASE
from ledger.context import Ledger
from ledger.db import FundingDeposit, JournalEntry, Milestone, Principal, session_scope
from ledger.errors import Conflict, RuleViolation
from ledger.permissions import require

router = APIRouter(prefix="/v1", tags=["milestones"])

MilestoneNumber = Annotated[
    int, Path(ge=1, le=2**63 - 1, description="The milestone's number within the project.")
]
DepositId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The deposit's id.")]
LimitQuery = Annotated[int, Query(ge=1, le=200, description="At most this many items.")]
CursorQuery = Annotated[
    str | None, Query(pattern=CURSOR_PATTERN, description="`next_cursor` of the previous page.")
]
State = Literal["planned", "submitted", "released", "disputed", "rejected"]
#: A transaction hash: ``0x`` and 64 hex characters.
TxHash = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$", examples=["0x" + "ab" * 32])]

CHAIN_PROBLEMS = (502, 503)


def _milestone_path(project_id: int, number: int) -> str:
    return f"/v1/projects/{project_id}/milestones/{number}"


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


def _chain_time(seconds: int) -> datetime | None:
    return None if seconds == 0 else datetime.fromtimestamp(seconds, UTC)


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
            overdue_at=_utc(row.overdue_at),
            created_at=row.created_at.astimezone(UTC),
        )


@router.post(
    "/projects/{project_id}/milestones",
    status_code=status.HTTP_201_CREATED,
    response_model=MilestoneOut,
    responses=problems(401, 403, 404, 422, *CHAIN_PROBLEMS),
)
def plan_milestone(
    project_id: ProjectId,
    body: MilestoneIn,
    caller: Annotated[Principal, allowed("milestone.plan")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> MilestoneOut:
    """Plan the project's next milestone: its title, amount in wei, TRL target and due date."""
    actor = f"partner:{caller.address}" if caller.role == "partner" else f"principal:{caller.id}"
    with session_scope(runtime.engine) as session:
        planned = milestones.plan(
            session,
            ledger,
            project_id=project_id,
            title=body.title,
            amount=body.amount,
            trl_target=body.trl_target,
            due_at=body.due_at,
            actor=actor,
        )
        out = MilestoneOut.of(session, planned)
    response.headers["Location"] = _milestone_path(project_id, out.number)
    return out


@router.get(
    "/projects/{project_id}/milestones",
    response_model=Page[MilestoneOut],
    responses=problems(401, 403, 404, 422),
)
def list_milestones(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    state: Annotated[State | None, Query(description="Only milestones in this state.")] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[MilestoneOut]:
    """The project's milestones in number order, a page at a time."""
    after = decode_cursor(cursor)
    with session_scope(runtime.engine) as session:
        projects.get_project(session, project_id)
        rows = milestones_queries.milestones_after(
            session, project_id, after=after, limit=limit + 1, state=state
        )
        return page([MilestoneOut.of(session, r) for r in rows], limit, lambda m: m.id)


@router.get(
    "/projects/{project_id}/milestones/{number}",
    response_model=MilestoneOut,
    responses=problems(401, 403, 404, 422),
)
def get_milestone(
    project_id: ProjectId,
    number: MilestoneNumber,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> MilestoneOut:
    """One milestone of the project, by its number."""
    with session_scope(runtime.engine) as session:
        row = milestones_queries.by_number(session, project_id, number)
        return MilestoneOut.of(session, row)


class SubmissionIn(BaseModel):
    """The evidence that the milestone is met."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"evidence_hash": "ab" * 32}]}
    )

    evidence_hash: Hash = Field(description="SHA-256 of the evidence (64 hex characters).")


@router.post(
    "/projects/{project_id}/milestones/{number}/submission",
    response_model=MilestoneOut,
    responses=problems(401, 403, 404, 409, 422, *CHAIN_PROBLEMS),
)
def submit_milestone(
    project_id: ProjectId,
    number: MilestoneNumber,
    body: SubmissionIn,
    caller: Annotated[Principal, allowed("milestone.submit")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> MilestoneOut:
    """Submit a planned milestone with its evidence: the snapshot and payout tree are taken
    now, and contributions recorded later count for the next milestone."""
    with session_scope(runtime.engine) as session:
        row = milestones_queries.by_number(session, project_id, number)
        assert row.id is not None
        submitted = milestones.submit(
            session,
            ledger,
            milestone_id=row.id,
            evidence_hash=body.evidence_hash,
            actor=f"partner:{caller.address}",
        )
        return MilestoneOut.of(session, submitted)


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


def _release_terms(session: Session, ledger: Ledger, row: Milestone) -> ReleaseTermsOut:
    if row.snapshot_id is None:
        raise RuleViolation(
            f"milestone {row.number} is {row.state}: it has no payout root until it is submitted",
            field="state",
            state=row.state,
        )
    project = projects.get_project(session, row.project_id)
    snapshot = snapshots.get(session, row.snapshot_id)
    assert project.chain_project_id is not None and snapshot.payout_root is not None
    spec = projects.agreement_of(session, row.project_id)
    domain = ledger.escrow.domain
    return ReleaseTermsOut(
        chain_id=domain.chain_id,
        escrow=ledger.escrow.address,
        chain_project_id=project.chain_project_id,
        milestone=row.number,
        payout_root=snapshot.payout_root,
        total=row.amount,
        snapshot_id=row.snapshot_id,
        quorum=spec.quorum.partners,
        arbiter_required=bool(spec.quorum.arbiter),
        partners=[p.address for p in projects.partners_of(session, row.project_id)],
        typed_data=TypedDataOut(
            types={
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"},
                ],
                "Release": RELEASE,
            },
            primaryType="Release",
            domain=domain.as_dict(),
            message=ReleaseMessage(
                projectId=project.chain_project_id,
                milestoneId=row.number,
                root="0x" + snapshot.payout_root,
                total=row.amount,
            ),
        ),
    )


@router.get(
    "/projects/{project_id}/milestones/{number}/release",
    response_model=ReleaseTermsOut,
    responses=problems(401, 403, 404, 422),
)
def release_terms(
    project_id: ProjectId,
    number: MilestoneNumber,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> ReleaseTermsOut:
    """The ``Release`` message of a submitted milestone, as EIP-712 typed data and as its
    fields, with the quorum that must sign it."""
    with session_scope(runtime.engine) as session:
        row = milestones_queries.by_number(session, project_id, number)
        return _release_terms(session, ledger, row)


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


@router.post(
    "/projects/{project_id}/milestones/{number}/release",
    response_model=MilestoneOut,
    responses=problems(401, 403, 404, 409, 422, *CHAIN_PROBLEMS),
)
def release_milestone(
    project_id: ProjectId,
    number: MilestoneNumber,
    body: ReleaseIn,
    caller: Annotated[Principal, allowed("milestone.release")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> MilestoneOut:
    """Release a submitted milestone on chain with a quorum of partner signatures.

    A milestone released already (by an earlier or a simultaneous request) is a 409.
    """
    try:
        with session_scope(runtime.engine) as session:
            row = milestones_queries.by_number(session, project_id, number)
            assert row.id is not None
            released = milestones.release(
                session,
                ledger,
                milestone_id=row.id,
                signatures=list(body.signatures),
                arbiter_signature=body.arbiter_signature,
            )
            return MilestoneOut.of(session, released)
    except RuleViolation as exc:
        if exc.fields.get("field") == "state" and exc.fields.get("state") == "released":
            raise Conflict(f"milestone {number} is released already", **exc.fields) from None
        raise


# ---------------------------------------------------------------------- claims


class PayoutOut(BaseModel):
    """One partner's payout of the milestone, and whether it has been claimed."""

    partner_number: int
    account: Address = Field(description="The partner's payout address: where the funds go.")
    amount: Wei
    claimed: bool = Field(description="Claimed on chain (by the ledger or by anyone else).")
    tx_hash: str | None = Field(description="The claim's transaction, as the ledger recorded it.")
    claimed_at: datetime | None = Field(description="When the ledger recorded the claim.")


class ClaimsOut(BaseModel):
    """The payouts of a submitted or released milestone (none while it is planned)."""

    milestone: int
    state: State
    payout_root: str | None
    total: Wei
    claimed_total: Wei = Field(description="What the escrow has paid out of this milestone.")
    claims_open_at: datetime | None = Field(
        description="When claims open (the dispute window's end); set once released."
    )
    claim_deadline: datetime | None = Field(description="When claims close; set once released.")
    items: list[PayoutOut]


@router.get(
    "/projects/{project_id}/milestones/{number}/claims",
    response_model=ClaimsOut,
    responses=problems(401, 403, 404, 422, *CHAIN_PROBLEMS),
)
def list_claims(
    project_id: ProjectId,
    number: MilestoneNumber,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> ClaimsOut:
    """Each partner's payout of the milestone, claimed or not, with the claim's transaction."""
    with session_scope(runtime.engine) as session:
        row = milestones_queries.by_number(session, project_id, number)
        payouts = milestones_queries.payouts_of(session, row)
        snapshot = None if row.snapshot_id is None else snapshots.get(session, row.snapshot_id)
        project = projects.get_project(session, project_id)
        assert project.chain_project_id is not None
        chain_id = project.chain_project_id
        released = row.released_tx is not None
        held = ledger.escrow.milestone(chain_id, row.number) if released else None
        items = [
            PayoutOut(
                partner_number=p.partner_number,
                account=p.account,
                amount=p.amount,
                claimed=p.tx_hash is not None
                or (released and ledger.escrow.is_claimed(chain_id, row.number, p.index)),
                tx_hash=p.tx_hash,
                claimed_at=_utc(p.claimed_at),
            )
            for p in payouts
        ]
        return ClaimsOut(
            milestone=row.number,
            state=row.state,  # type: ignore[arg-type]
            payout_root=None if snapshot is None else snapshot.payout_root,
            total=row.amount,
            claimed_total=0 if held is None else held.claimed,
            claims_open_at=None if held is None else _chain_time(held.claims_open_at),
            claim_deadline=None if held is None else _chain_time(held.claim_deadline),
            items=items,
        )


class ClaimIn(BaseModel):
    """Whose payout to claim; the escrow pays it to that partner's payout address."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"partner_number": 1}]}
    )

    partner_number: int = Field(ge=1, le=10_000, description="The partner's number (1, 2, …).")


class ClaimOut(BaseModel):
    """A payout claimed: the escrow paid ``amount`` to ``account``."""

    milestone: int
    partner_number: int
    account: Address
    amount: Wei
    tx_hash: str = Field(description="The claim's transaction.")


@router.post(
    "/projects/{project_id}/milestones/{number}/claims",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimOut,
    responses=problems(401, 403, 404, 409, 422, *CHAIN_PROBLEMS),
)
def claim_payout(
    project_id: ProjectId,
    number: MilestoneNumber,
    body: ClaimIn,
    caller: Annotated[Principal, allowed("milestone.claim")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> ClaimOut:
    """Claim a partner's payout of a released milestone once the dispute window is over.

    The ledger's operator sends the claim; the escrow pays the partner's own payout address.
    A payout claimed already is a 409 and pays nothing.
    """
    with session_scope(runtime.engine) as session:
        row = milestones_queries.by_number(session, project_id, number)
        assert row.id is not None
        payout = next(
            (
                p
                for p in milestones_queries.payouts_of(session, row)
                if p.partner_number == body.partner_number
            ),
            None,
        )
        if payout is not None and row.released_tx is not None:
            project = projects.get_project(session, project_id)
            assert project.chain_project_id is not None
            if payout.tx_hash is not None or ledger.escrow.is_claimed(
                project.chain_project_id, row.number, payout.index
            ):
                raise Conflict(
                    f"partner {body.partner_number}'s payout of milestone {number} is "
                    "claimed already",
                    field="partner_number",
                    tx_hash=payout.tx_hash,
                )
        tx_hash = milestones.claim(
            session, ledger, milestone_id=row.id, partner_number=body.partner_number
        )
        assert payout is not None  # the service refuses a partner without a payout
        out = ClaimOut(
            milestone=row.number,
            partner_number=body.partner_number,
            account=payout.account,
            amount=payout.amount,
            tx_hash=tx_hash,
        )
    response.headers["Location"] = f"{_milestone_path(project_id, number)}/claims"
    return out


# ---------------------------------------------------------------------- funding


class PrepareDepositIn(BaseModel):
    """How much to deposit, in wei."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"amount": "10000000000000000019"}]}
    )

    amount: Wei


class UnsignedTransactionOut(BaseModel):
    """An EIP-1559 transaction for the funder to sign as it is (wei and fees as strings)."""

    type: int = Field(description="2 (EIP-1559).")
    chainId: int
    to: Address = Field(description="The MilestoneEscrow contract.")
    data: str = Field(description="The `deposit(projectId)` call, `0x` hex.")
    value: Wei
    nonce: int = Field(description="The funder's next nonce.")
    gas: int
    maxPriorityFeePerGas: Wei
    maxFeePerGas: Wei


def _funder_address(caller: Principal) -> str:
    if caller.address is None:
        raise RuleViolation(
            f"funder principal {caller.id} has no address: a deposit is credited to the "
            "account that signs it, so the funder's principal must name that address",
            field="address",
            principal_id=caller.id,
        )
    return caller.address


@router.post(
    "/projects/{project_id}/funding/deposits/prepare",
    response_model=UnsignedTransactionOut,
    responses=problems(401, 403, 404, 422, *CHAIN_PROBLEMS),
)
def prepare_deposit(
    project_id: ProjectId,
    body: PrepareDepositIn,
    caller: Annotated[Principal, allowed("funding.deposit")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> UnsignedTransactionOut:
    """The unsigned ETH ``deposit`` of ``amount`` wei from the funder's own address."""
    funder = _funder_address(caller)
    with session_scope(runtime.engine) as session:
        unsigned = funding.prepare_deposit(
            session, ledger, project_id=project_id, funder=funder, amount=body.amount
        )
    return UnsignedTransactionOut.model_validate(unsigned)


class DepositIn(BaseModel):
    """Either a signed ``deposit`` to relay (``amount`` and ``transaction``), or the hash of a
    deposit the funder sent itself (``tx_hash``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"amount": "10000000000000000019", "transaction": "0x02f8…"},
                {"tx_hash": "0x" + "ab" * 32},
            ]
        },
    )

    amount: Wei | None = Field(default=None, description="The amount the transaction deposits.")
    transaction: RawTransaction | None = Field(
        default=None, description="The prepared transaction, signed by the funder."
    )
    tx_hash: TxHash | None = Field(default=None, description="A mined deposit's transaction.")

    @model_validator(mode="after")
    def _one_way(self) -> DepositIn:
        relayed = self.amount is not None and self.transaction is not None and not self.tx_hash
        recorded = self.tx_hash is not None and self.amount is None and self.transaction is None
        if not (relayed or recorded):
            raise ValueError("give either amount and transaction, or tx_hash alone")
        return self


class DepositOut(BaseModel):
    """A deposit into the project's escrow, as the chain's ``Deposited`` event says."""

    id: int
    funder: Address = Field(description="The account credited (the transaction's sender).")
    amount: Wei
    tx_hash: str
    log_index: int
    block_number: int
    created_at: datetime

    @classmethod
    def of(cls, row: FundingDeposit) -> DepositOut:
        assert row.id is not None
        return cls(
            id=row.id,
            funder=row.funder,
            amount=row.amount,
            tx_hash=row.tx_hash,
            log_index=row.log_index,
            block_number=row.block_number,
            created_at=row.created_at.astimezone(UTC),
        )


def _signer_of(transaction: str) -> str | None:
    """The sender of a signed transaction, or ``None`` if it cannot be read (the service
    then refuses it)."""
    try:
        return str(Account.recover_transaction(transaction))
    except Exception:  # any unreadable bytes: the service names the problem
        return None


@router.post(
    "/projects/{project_id}/funding/deposits",
    status_code=status.HTTP_201_CREATED,
    response_model=list[DepositOut],
    responses={
        200: {"description": "The transaction was recorded before: the deposits stored then."},
        **problems(401, 403, 404, 409, 422, *CHAIN_PROBLEMS),
    },
)
def record_deposit(
    project_id: ProjectId,
    body: DepositIn,
    caller: Annotated[Principal, allowed("funding.deposit")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> list[DepositOut]:
    """Relay the funder's signed ``deposit`` (only if it is exactly the prepared call, from
    the funder's own address), or record a deposit transaction the funder sent itself.

    The deposits are recorded from the receipt's events, never from the request. A
    transaction recorded already answers 200 with the deposits stored then.
    """
    if body.transaction is not None:
        _funder_address(caller)
        signer = _signer_of(body.transaction)
        if signer is not None:  # it must be the funder's own deposit
            require(caller, "funding.deposit", project_id=project_id, acting_as=signer)
    with session_scope(runtime.engine) as session:
        if body.transaction is not None:
            assert body.amount is not None
            rows = funding.deposit(
                session,
                ledger,
                project_id=project_id,
                amount=body.amount,
                transaction=body.transaction,
            )
            known: set[int] = set()
        else:
            assert body.tx_hash is not None
            known = set(
                session.exec(
                    select(FundingDeposit.id).where(
                        col(FundingDeposit.tx_hash) == body.tx_hash.lower()
                    )
                ).all()
            )
            rows = funding.record_deposit(
                session, ledger, project_id=project_id, tx_hash=body.tx_hash
            )
        out = [DepositOut.of(r) for r in rows]
    if all(d.id in known for d in out):
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/v1/projects/{project_id}/funding/deposits/{out[0].id}"
    return out


@router.get(
    "/projects/{project_id}/funding/deposits",
    response_model=Page[DepositOut],
    responses=problems(401, 403, 404, 422),
)
def list_deposits(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    funder: Annotated[Address | None, Query(description="Only this funder's deposits.")] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[DepositOut]:
    """The project's recorded deposits, oldest first, a page at a time."""
    after = decode_cursor(cursor)
    with session_scope(runtime.engine) as session:
        projects.get_project(session, project_id)
        rows = milestones_queries.deposits_after(
            session, project_id, after=after, limit=limit + 1, funder=funder
        )
        return page([DepositOut.of(r) for r in rows], limit, lambda d: d.id)


@router.get(
    "/projects/{project_id}/funding/deposits/{deposit_id}",
    response_model=DepositOut,
    responses=problems(401, 403, 404, 422),
)
def get_deposit(
    project_id: ProjectId,
    deposit_id: DepositId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> DepositOut:
    """One recorded deposit of the project."""
    with session_scope(runtime.engine) as session:
        return DepositOut.of(milestones_queries.deposit_of(session, project_id, deposit_id))


# ---------------------------------------------------------------------- alerts


class AlertOut(BaseModel):
    """An overdue alert: a milestone passed its due date before it was released."""

    id: int = Field(description="The alert's id (its journal entry's).")
    seq: int = Field(description="Its entry's sequence number in the project's record.")
    kind: Literal["overdue"]
    milestone: int = Field(description="The milestone's number.")
    due_at: datetime
    state: str = Field(description="The milestone's state when the alert was raised.")
    milestone_state: State = Field(description="The milestone's state now.")
    notified: list[Address] = Field(description="The partners and arbiters notified.")
    raised_at: datetime


@router.get(
    "/projects/{project_id}/alerts",
    response_model=Page[AlertOut],
    responses=problems(401, 403, 404, 422, *CHAIN_PROBLEMS),
)
def list_alerts(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("alert.read")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[AlertOut]:
    """The project's overdue alerts, oldest first.

    Reading first raises the alerts now due (each milestone's once, in the record), so
    the list is current; reading again records nothing more.
    """
    after = decode_cursor(cursor)
    with session_scope(runtime.engine) as session:
        project = projects.get_project(session, project_id)
        if project.status == "active" and milestones_queries.overdue_unalerted(
            session, project_id, ledger.clock()
        ):
            milestones.raise_overdue_alerts(session, ledger, project_id=project_id)
        rows = milestones_queries.alerts_after(session, project_id, after=after, limit=limit + 1)
        states = {m.number: m.state for m in milestones.list_milestones(session, project_id)}
        return page([_alert(r, states) for r in rows], limit, lambda a: a.id)


def _alert(entry: JournalEntry, states: dict[int, str]) -> AlertOut:
    assert entry.id is not None
    payload = json.loads(entry.payload)
    number = int(payload["milestone"])
    return AlertOut(
        id=entry.id,
        seq=entry.seq,
        kind="overdue",
        milestone=number,
        due_at=datetime.fromisoformat(payload["due_at"]).astimezone(UTC),
        state=str(payload["state"]),
        milestone_state=states[number],  # type: ignore[arg-type]
        notified=list(payload["notified"]),
        raised_at=entry.recorded_at.astimezone(UTC),
    )
