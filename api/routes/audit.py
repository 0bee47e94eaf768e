"""The record, for auditors: entries, proofs, tree heads, anchors, the full check.

Everything is ``audit.read`` (admins, partners, arbiters of the project) under
``/v1/audit/{project_id}``; ``project_id`` 0 is record 0, the registry's (admins only:
a partner or arbiter belongs to a project). See docs/api/audit.md.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api.deps import LedgerDep, RuntimeDep, allowed
from api.schemas import (
    AUTH_PROBLEMS,
    CURSOR_PATTERN,
    DEFAULT_LIMIT,
    Hash,
    Page,
    decode_cursor,
    page,
    problems,
)
from ledger import journal, record_queries
from ledger.audit import AuditReport
from ledger.context import Ledger
from ledger.db import JournalEntry, Principal, session_scope
from ledger.record import leaf_hash

router = APIRouter(prefix="/v1/audit", tags=["audit"])

#: ``{project_id}`` of the audit routes: a project, or 0 for the registry's record.
RecordId = Annotated[
    int,
    Path(ge=0, le=2**63 - 1, description="The project's id; 0 for record 0, the registry's."),
]
Seq = Annotated[int, Path(ge=1, le=2**63 - 1, description="The entry's sequence number.")]
Size = Annotated[int, Query(ge=1, le=2**63 - 1)]
SAFE_INTEGER = 2**53


# ---------------------------------------------------------------------- answers


class EntryOut(BaseModel):
    """One entry of the record, with everything its hash covers.

    ``entry_hash`` is SHA-256 of the RFC 8785 form of ``{actor, kind, payload (the text
    payload_jcs), prev_hash, project_id, recorded_at, seq, signature, version:
    "ipledger-journal/1"}``; the entry's leaf in the tree is ``leaf_hash`` =
    SHA-256(0x00 || the 32 bytes of entry_hash).
    """

    project_id: int = Field(description="The record: the project's id, 0 for the registry.")
    seq: int
    kind: str = Field(examples=["dispute.opened"])
    payload: Any = Field(description="The change, decoded (null if it is not JSON).")
    payload_jcs: str = Field(description="The payload exactly as stored and hashed (RFC 8785).")
    actor: str
    signature: str | None
    recorded_at: str = Field(
        description="UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`: the text the hash covers."
    )
    prev_hash: Hash
    entry_hash: Hash
    leaf_hash: Hash

    @classmethod
    def of(cls, row: JournalEntry) -> EntryOut:
        try:
            payload = json.loads(row.payload)
        except ValueError:
            payload = None
        return cls(
            project_id=row.project_id,
            seq=row.seq,
            kind=row.kind,
            payload=payload,
            payload_jcs=row.payload,
            actor=row.actor,
            signature=row.signature,
            recorded_at=journal.timestamp(row.recorded_at),
            prev_hash=row.prev_hash,
            entry_hash=row.entry_hash,
            leaf_hash=leaf_hash(bytes.fromhex(row.entry_hash)).hex(),
        )


class TreeHeadOut(BaseModel):
    """A signed tree head: the record's first ``tree_size`` entries, their root, a time.

    The Ed25519 ``signature`` is over ``encoded`` (70 bytes: the label
    ``ipledger/tree-head/v1\\0``, the size and the time as big-endian uint64, the root);
    ``public_key`` checks it.
    """

    tree_size: int
    root_hash: Hash
    timestamp_ms: int = Field(description="Milliseconds since the Unix epoch (UTC).")
    timestamp: datetime
    signature: str = Field(pattern=r"^[0-9a-f]{128}$", description="Ed25519, hex.")
    encoded: str = Field(description="The 70 signed bytes, hex.")
    public_key: str = Field(description="The ledger's Ed25519 record key, 32 raw bytes in hex.")
    published: bool = Field(
        description="Stored by the ledger (listed by `heads`, checked by `verify`); false for "
        "a head signed for this answer."
    )
    anchored_block: int | None = Field(description="The block that anchored it on chain.")
    anchored_tx: str | None = Field(description="The anchoring transaction's hash.")

    @classmethod
    def of(cls, head: record_queries.Head, ledger: Ledger) -> TreeHeadOut:
        signed = head.signed
        return cls(
            tree_size=signed.head.tree_size,
            root_hash=signed.head.root_hash.hex(),
            timestamp_ms=signed.head.timestamp_ms,
            timestamp=datetime.fromtimestamp(signed.head.timestamp_ms / 1000, tz=UTC),
            signature=signed.signature.hex(),
            encoded=signed.head.encode().hex(),
            public_key=record_queries.public_key(ledger).hex(),
            published=head.published,
            anchored_block=head.anchored_block,
            anchored_tx=head.anchored_tx,
        )


class InclusionOut(BaseModel):
    """An entry and the proof (RFC 9162 2.1.3) that it is leaf ``leaf_index`` of ``head``."""

    entry: EntryOut
    leaf_index: int = Field(description="0-based: `seq - 1` in an intact record.")
    tree_size: int
    proof: list[Hash] = Field(description="Sibling hashes, leaf level first.")
    head: TreeHeadOut


class ConsistencyOut(BaseModel):
    """Two heads and the proof (RFC 9162 2.1.4) that the first's tree is a prefix of the
    second's."""

    first: TreeHeadOut
    second: TreeHeadOut
    proof: list[Hash]


class AnchorOut(BaseModel):
    """A tree head the chain holds (``RecordAnchor``)."""

    index: int = Field(description="Its position among the project's anchors, from 0.")
    tree_size: int
    root_hash: Hash
    anchored_at: datetime = Field(description="The anchoring block's time.")
    block_number: int
    tx_hash: str | None = Field(description="The anchoring transaction, as the ledger kept it.")


class RecordProblemOut(BaseModel):
    """Something wrong with the record, at a sequence number."""

    seq: int
    kind: str = Field(
        description="`edited`, `deleted`, `chain_broken`, `rewritten` or `truncated`."
    )
    detail: str


class SnapshotProblemOut(BaseModel):
    """A stored snapshot field that differs from its recomputation."""

    number: int
    field: str
    stored: Any
    recomputed: Any


class ChainProblemOut(BaseModel):
    """Something the ledger and the chain disagree about (`docs/reconciliation.md`)."""

    subject: str
    ref: str | None
    field: str
    ledger: str | None
    chain: str | None
    detail: str


class VerifyOut(BaseModel):
    """The full check of a record, from raw data (``ledger.audit.verify``)."""

    project_id: int
    ok: bool
    size: int = Field(description="Entries in the record.")
    root: Hash = Field(description="The root over all of them (their stored hashes).")
    anchored_sizes: list[int] = Field(description="Sizes anchored on chain.")
    record: list[RecordProblemOut]
    heads: list[str] = Field(description="Published heads whose signature fails.")
    snapshots: list[SnapshotProblemOut]
    chain: list[ChainProblemOut]
    problems: list[str] = Field(description="Record, head and snapshot problems, one line each.")

    @classmethod
    def of(cls, report: AuditReport) -> VerifyOut:
        return cls(
            project_id=report.project_id,
            ok=report.ok,
            size=report.record.size,
            root=report.record.root,
            anchored_sizes=report.anchored_sizes,
            record=[
                RecordProblemOut(seq=p.seq, kind=p.kind, detail=p.detail)
                for p in report.record.problems
            ],
            heads=report.heads,
            snapshots=[
                SnapshotProblemOut(
                    number=m.number,
                    field=m.field,
                    stored=_exact(m.stored),
                    recomputed=_exact(m.recomputed),
                )
                for m in report.snapshots
            ],
            chain=[
                ChainProblemOut(
                    subject=d.subject,
                    ref=d.ref,
                    field=d.field,
                    ledger=d.ledger,
                    chain=d.chain,
                    detail=d.detail,
                )
                for d in report.chain
            ],
            problems=report.problems(),
        )


# ---------------------------------------------------------------------- routes


@router.get(
    "/{project_id}/entries",
    response_model=Page[EntryOut],
    responses=problems(*AUTH_PROBLEMS, 404),
)
def entries(
    project_id: RecordId,
    caller: Annotated[Principal, allowed("audit.read")],
    runtime: RuntimeDep,
    from_seq: Annotated[int, Query(ge=1, le=2**63 - 1, description="The first entry.")] = 1,
    to_seq: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="The last entry (inclusive).")
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
        Query(ge=1, le=2**63 - 1, description="Prove against this size (default: the latest)."),
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
        int | None, Query(ge=1, le=2**63 - 1, description="Default: the whole record.")
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


def _exact(value: Any) -> Any:
    """A value for JSON: integers beyond 2**53 as decimal strings, so none loses precision."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) >= SAFE_INTEGER:
        return str(value)
    if isinstance(value, dict):
        return {str(k): _exact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_exact(v) for v in value]
    return value
