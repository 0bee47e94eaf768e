"""The payouts of a milestone and their claims.

Once a milestone is released and its dispute window is over, each partner's payout is
claimed from the escrow, which pays the partner's own payout address (see
docs/api/milestones.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Response, status

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.models.claims import ClaimIn, ClaimOut, ClaimsOut, PayoutOut
from api.models.milestones import utc
from api.routes._milestones_common import CHAIN_PROBLEMS, MilestoneNumber, milestone_path
from api.schemas import problems
from ledger import milestones, milestones_queries, projects, snapshots
from ledger.db import Principal, session_scope
from ledger.errors import Conflict

router = APIRouter(prefix="/v1", tags=["milestones"])


def _chain_time(seconds: int) -> datetime | None:
    return None if seconds == 0 else datetime.fromtimestamp(seconds, UTC)


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
                claimed_at=utc(p.claimed_at),
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
    response.headers["Location"] = f"{milestone_path(project_id, number)}/claims"
    return out
