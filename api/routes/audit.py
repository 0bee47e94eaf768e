"""The record, for auditors: its entries and their proofs (see docs/api/audit.md).

Everything is ``audit.read`` (admins, partners, arbiters of the project) under
``/v1/audit/{project_id}``; ``project_id`` 0 is record 0, the registry's (admins only:
a partner or arbiter belongs to a project). The tree heads, the anchors and the full check
are in :mod:`api.routes.audit_heads`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import LedgerDep, RuntimeDep, allowed
from api.models.audit import ConsistencyOut, EntryOut, InclusionOut, TreeHeadOut
from api.routes._audit_common import RecordId
from api.schemas import (
    AUTH_PROBLEMS,
    CURSOR_PATTERN,
    DEFAULT_LIMIT,
    MAX_ID,
    Page,
    decode_cursor,
    page,
    problems,
)
from ledger import record_queries
from ledger.db import Principal, session_scope

router = APIRouter(prefix="/v1/audit", tags=["audit"])

Seq = Annotated[int, Path(ge=1, le=MAX_ID, description="The entry's sequence number.")]
Size = Annotated[int, Query(ge=1, le=MAX_ID)]


@router.get(
    "/{project_id}/entries",
    response_model=Page[EntryOut],
    responses=problems(*AUTH_PROBLEMS, 404),
)
def entries(
    project_id: RecordId,
    caller: Annotated[Principal, allowed("audit.read")],
    runtime: RuntimeDep,
    from_seq: Annotated[int, Query(ge=1, le=MAX_ID, description="The first entry.")] = 1,
    to_seq: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="The last entry (inclusive).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
) -> Page[EntryOut]:
    """The record's entries from ``from_seq`` to ``to_seq``, in sequence order."""
    after = decode_cursor(cursor)
    with session_scope(runtime.engine) as session:
        rows = record_queries.entries_page(
            session, project_id, from_seq=from_seq, to_seq=to_seq, after=after, limit=limit + 1
        )
        return page([EntryOut.of(r) for r in rows], limit, lambda e: e.seq)


@router.get(
    "/{project_id}/entries/{seq}",
    response_model=InclusionOut,
    responses=problems(*AUTH_PROBLEMS, 404),
)
def entry(
    project_id: RecordId,
    seq: Seq,
    caller: Annotated[Principal, allowed("audit.read")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    tree_size: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="Prove against this size (default: the latest)."),
    ] = None,
) -> InclusionOut:
    """One entry, its leaf hash and its inclusion proof against a signed tree head."""
    with session_scope(runtime.engine) as session:
        proven = record_queries.inclusion(session, ledger, project_id, seq, tree_size)
        return InclusionOut(
            entry=EntryOut.of(proven.entry),
            leaf_index=proven.index,
            tree_size=proven.head.signed.head.tree_size,
            proof=[node.hex() for node in proven.proof],
            head=TreeHeadOut.of(proven.head, ledger),
        )


@router.get(
    "/{project_id}/consistency",
    response_model=ConsistencyOut,
    responses=problems(*AUTH_PROBLEMS, 404),
)
def consistency(
    project_id: RecordId,
    first: Size,
    caller: Annotated[Principal, allowed("audit.read")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    second: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Default: the whole record.")
    ] = None,
) -> ConsistencyOut:
    """The consistency proof between the heads of sizes ``first`` and ``second``."""
    with session_scope(runtime.engine) as session:
        proven = record_queries.consistency(session, ledger, project_id, first, second)
        return ConsistencyOut(
            first=TreeHeadOut.of(proven.first, ledger),
            second=TreeHeadOut.of(proven.second, ledger),
            proof=[node.hex() for node in proven.proof],
        )
