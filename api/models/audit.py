"""The record, for auditors: what the audit routes answer (entries, proofs, signed tree
heads, anchors, the full check)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from api.schemas import Hash
from ledger import journal, record_queries
from ledger.audit import AuditReport
from ledger.context import Ledger
from ledger.db import JournalEntry
from ledger.record import leaf_hash

SAFE_INTEGER = 2**53


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


class ContributionProblemOut(BaseModel):
    """A contribution row that differs from the journal entry that registered it."""

    contribution_id: int
    field: str
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
    contributions: list[ContributionProblemOut] = Field(
        description="Contribution rows that differ from their `contribution.registered` entry."
    )
    problems: list[str] = Field(
        description="Record, head, snapshot, contribution and chain problems, one line each."
    )

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
            contributions=[
                ContributionProblemOut(
                    contribution_id=m.contribution_id, field=m.field, detail=m.detail
                )
                for m in report.contributions
            ],
            problems=report.problems(),
        )


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
