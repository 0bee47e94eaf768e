"""Disputes on milestones and snapshots: how they end (see docs/api/disputes.md).

Med-Arb: the partners settle (every partner's EIP-712 ``Settlement`` signature over an
outcome ``propose`` computes), else an arbiter rules with its own ``rule`` transaction
(prepared, signed with its key, relayed only if it is exactly that call and its signer is
the caller's own address), else the dispute lapses after the arbitration deadline.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.models.disputes import (
    CallOut,
    DisputeOut,
    PreparedRulingOut,
    ProposalIn,
    ProposalOut,
    RulingIn,
    RulingPrepareIn,
    SettlementIn,
    UnsignedTransactionOut,
)
from api.routes._disputes_common import CHAIN_PROBLEMS, DisputeIdPath, signer_of, status_named
from api.schemas import problems
from ledger import disputes, inputs
from ledger.db import Principal, session_scope
from ledger.dispute_queries import dispute_in
from ledger.permissions import require, require_not_party

router = APIRouter(prefix="/v1", tags=["disputes"])


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
    with status_named(), session_scope(runtime.engine) as session:
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
    with status_named(), session_scope(runtime.engine) as session:
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
    with status_named(), session_scope(runtime.engine) as session:
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
    require(caller, "dispute.rule", project_id=project_id, acting_as=signer_of(body.transaction))
    with status_named(), session_scope(runtime.engine) as session:
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
    with status_named(), session_scope(runtime.engine) as session:
        dispute_in(session, project_id, dispute_id)
        return DisputeOut.of(disputes.lapse(session, ledger, dispute_id=dispute_id))
