"""The record, for auditors: its signed tree heads, their anchors on chain, and the full
check (see docs/api/audit.md).

Everything is ``audit.read`` under ``/v1/audit/{project_id}``, as in
:mod:`api.routes.audit`; ``project_id`` 0 is record 0, the registry's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import LedgerDep, RuntimeDep, allowed
from api.models.audit import AnchorOut, TreeHeadOut, VerifyOut
from api.routes._audit_common import RecordId
from api.schemas import (
    AUTH_PROBLEMS,
    CURSOR_PATTERN,
    DEFAULT_LIMIT,
    Page,
    decode_cursor,
    page,
    problems,
)
from ledger import record_queries
from ledger.db import Principal, session_scope

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get(
    "/{project_id}/head",
    response_model=TreeHeadOut,
    responses=problems(*AUTH_PROBLEMS, 404),
)
def head(
    project_id: RecordId,
    caller: Annotated[Principal, allowed("audit.read")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> TreeHeadOut:
    """The signed tree head of the whole record as it stands."""
    with session_scope(runtime.engine) as session:
        return TreeHeadOut.of(record_queries.head(session, ledger, project_id), ledger)


@router.get(
    "/{project_id}/heads",
    response_model=Page[TreeHeadOut],
    responses=problems(*AUTH_PROBLEMS, 404),
)
def heads(
    project_id: RecordId,
    caller: Annotated[Principal, allowed("audit.read")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    limit: Annotated[int, Query(ge=1, le=200)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
) -> Page[TreeHeadOut]:
    """The tree heads the ledger published, smallest first."""
    after = decode_cursor(cursor)
    with session_scope(runtime.engine) as session:
        rows = record_queries.head_rows(session, project_id, after=after, limit=limit + 1)
        items = [TreeHeadOut.of(record_queries.stored_head(r), ledger) for r in rows]
        return page(items, limit, lambda h: h.tree_size)


@router.get(
    "/{project_id}/anchors",
    response_model=Page[AnchorOut],
    responses=problems(*AUTH_PROBLEMS, 404, 502, 503),
)
def anchors(
    project_id: RecordId,
    caller: Annotated[Principal, allowed("audit.read")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    limit: Annotated[int, Query(ge=1, le=200)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
) -> Page[AnchorOut]:
    """The tree heads anchored on chain, oldest first (none for record 0)."""
    start = decode_cursor(cursor)
    with session_scope(runtime.engine) as session:
        held = record_queries.anchors_page(
            session, ledger, project_id, after=start, limit=limit + 1
        )
        items = [
            AnchorOut(
                index=a.index,
                tree_size=a.tree_size,
                root_hash=a.root_hash.hex(),
                anchored_at=datetime.fromtimestamp(a.anchored_at, tz=UTC),
                block_number=a.block_number,
                tx_hash=a.tx_hash,
            )
            for a in held
        ]
        return page(items, limit, lambda a: a.index + 1)


@router.get(
    "/{project_id}/verify",
    response_model=VerifyOut,
    responses=problems(*AUTH_PROBLEMS, 404, 502, 503),
)
def verify(
    project_id: RecordId,
    caller: Annotated[Principal, allowed("audit.read")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> VerifyOut:
    """Check the record, its heads, the snapshots and the chain from raw data; each problem
    where it is seen."""
    with session_scope(runtime.engine) as session:
        return VerifyOut.of(record_queries.verify(session, ledger, project_id))
