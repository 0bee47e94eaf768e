"""Milestones and their release.

A project's milestones are addressed by their number within the project (1, 2, 3, …).
A milestone is planned, submitted (its snapshot and payout tree are fixed), released on
chain by a quorum of partners' EIP-712 ``Release`` signatures, and its payouts claimed
(see docs/api/milestones.md). The claims are in :mod:`api.routes.claims`, funding
deposits in :mod:`api.routes.funding`, overdue alerts in :mod:`api.routes.alerts`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlmodel import Session

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.models.milestones import (
    MilestoneIn,
    MilestoneOut,
    ReleaseIn,
    ReleaseMessage,
    ReleaseTermsOut,
    State,
    SubmissionIn,
    TypedDataOut,
)
from api.routes._milestones_common import (
    CHAIN_PROBLEMS,
    CursorQuery,
    LimitQuery,
    MilestoneNumber,
    milestone_path,
)
from api.schemas import DEFAULT_LIMIT, Page, decode_cursor, page, problems
from ledger import milestones, milestones_queries, projects, snapshots
from ledger.chain.escrow import RELEASE
from ledger.context import Ledger
from ledger.db import Milestone, Principal, session_scope
from ledger.errors import Conflict, RuleViolation

router = APIRouter(prefix="/v1", tags=["milestones"])


# ---------------------------------------------------------------------- milestones


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
    response.headers["Location"] = milestone_path(project_id, out.number)
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
