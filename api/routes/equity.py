"""Routes of the equity resources (see docs/api/equity.md).

The equity matrix as the stored snapshots hold it: the latest one, a milestone's, the
history with what superseded what, one by id, and one partner's shares across them. Every
share is an integer number of bps; each column's rights (and the application tier's
profit), the tier weights and the payout vector sum to 10000. Payouts are wei (strings).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import ProjectId, RuntimeDep, allowed
from api.models.equity import PartnerEquityOut, SnapshotOut, SnapshotSummaryOut
from api.schemas import CURSOR_PATTERN, DEFAULT_LIMIT, MAX_ID, Page, decode_cursor, page, problems
from ledger import equity_views
from ledger.db import Principal, session_scope

router = APIRouter(prefix="/v1", tags=["equity"])

SnapshotIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The snapshot's id.")]
MilestonePath = Annotated[
    int, Path(ge=1, le=2**31 - 1, description="The milestone's number in the project (1, 2, …).")
]
PartnerPath = Annotated[
    str,
    Path(
        pattern=r"^(0x[0-9a-fA-F]{40}|[1-9][0-9]{0,8})$",
        description="The partner's signing address, or its number in the project.",
    ),
]


@router.get(
    "/projects/{project_id}/equity",
    response_model=SnapshotOut,
    responses=problems(401, 403, 404, 422),
)
def current_equity(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> SnapshotOut:
    """The equity matrix of the project's latest snapshot (404 before the first)."""
    with session_scope(runtime.engine) as session:
        return SnapshotOut.of(equity_views.current(session, project_id))


@router.get(
    "/projects/{project_id}/equity/milestones/{number}",
    response_model=SnapshotOut,
    responses=problems(401, 403, 404, 422),
)
def milestone_equity(
    project_id: ProjectId,
    number: MilestonePath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> SnapshotOut:
    """A milestone's current snapshot (a superseding one replaces the first)."""
    with session_scope(runtime.engine) as session:
        return SnapshotOut.of(equity_views.of_milestone(session, project_id, number))


@router.get(
    "/projects/{project_id}/equity/snapshots",
    response_model=Page[SnapshotSummaryOut],
    responses=problems(401, 403, 404, 422),
)
def equity_history(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
) -> Page[SnapshotSummaryOut]:
    """The project's snapshots, oldest first, with what superseded what."""
    with session_scope(runtime.engine) as session:
        rows = equity_views.history_page(
            session, project_id, after_id=decode_cursor(cursor), limit=limit + 1
        )
        items = [SnapshotSummaryOut.of(row) for row in rows]
    return page(items, limit, lambda s: s.id)


@router.get(
    "/projects/{project_id}/equity/snapshots/{snapshot_id}",
    response_model=SnapshotOut,
    responses=problems(401, 403, 404, 422),
)
def snapshot(
    project_id: ProjectId,
    snapshot_id: SnapshotIdPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> SnapshotOut:
    """One of the project's snapshots by id."""
    with session_scope(runtime.engine) as session:
        return SnapshotOut.of(equity_views.of_snapshot(session, project_id, snapshot_id))


@router.get(
    "/projects/{project_id}/equity/partners/{partner}",
    response_model=PartnerEquityOut,
    responses=problems(401, 403, 404, 422),
)
def partner_equity(
    project_id: ProjectId,
    partner: PartnerPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> PartnerEquityOut:
    """A partner's rights, profit and payout shares now and at each milestone, and its wei."""
    who: str | int = partner if partner.startswith("0x") else int(partner)
    with session_scope(runtime.engine) as session:
        return PartnerEquityOut.of(equity_views.partner_equity(session, project_id, who))
