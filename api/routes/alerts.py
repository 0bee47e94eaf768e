"""Overdue alerts: milestones that passed their due date before they were released."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.models.alerts import AlertOut
from api.routes._milestones_common import CHAIN_PROBLEMS, CursorQuery, LimitQuery
from api.schemas import DEFAULT_LIMIT, Page, decode_cursor, page, problems
from ledger import milestones, milestones_queries, projects
from ledger.db import JournalEntry, Principal, session_scope

router = APIRouter(prefix="/v1", tags=["milestones"])


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
