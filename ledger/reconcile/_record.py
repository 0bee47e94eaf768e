"""What the record says went on chain: anchored tree heads and committed rights columns."""

from __future__ import annotations

from sqlmodel import col, select

from ledger.chain import history
from ledger.chain.registry import Tier as ChainTier
from ledger.db import TreeHeadRecord
from ledger.reconcile._model import hex_text, tx_text
from ledger.reconcile._scope import Scope

COMMITTED = "rights.committed"


def check_anchors(scope: Scope) -> None:
    """Tree heads the ledger marks anchored against RecordAnchor's ``HeadAnchored`` events,
    by tree size (root, transaction, block), and heads anchored that the ledger lacks."""
    found = scope.found
    rows = {
        row.tree_size: row
        for row in scope.session.exec(
            select(TreeHeadRecord)
            .where(TreeHeadRecord.project_id == scope.project_id)
            .order_by(col(TreeHeadRecord.tree_size))
        ).all()
    }
    anchored = {
        e.event.tree_size: e for e in history.heads_anchored(scope.ledger.anchor, scope.chain_id)
    }
    for size, row in rows.items():
        ref, what = str(size), f"the record's head of size {size}"
        event = anchored.get(size)
        if row.anchored_block is None:
            if event is not None:
                found.compare("anchor", ref, "anchored_tx", None, event.tx_hash, what)
            continue
        if event is None:
            found.ledger_only("anchor", ref, tx_text(row.anchored_tx), what)
            continue
        root = hex_text(event.event.root_hash)
        found.compare("anchor", ref, "root_hash", hex_text(row.root_hash), root, what)
        found.compare("anchor", ref, "anchored_tx", tx_text(row.anchored_tx), event.tx_hash, what)
        found.compare("anchor", ref, "anchored_block", row.anchored_block, event.block_number, what)
    for size in sorted(set(anchored) - set(rows)):
        found.chain_only("anchor", anchored[size].tx_hash, f"the record's head of size {size}")


def check_rights_columns(scope: Scope) -> None:
    """``rights.committed`` journal entries against the columns committed on chain, by
    (snapshot, tier): each tier's current column as ``columnOf`` holds it (its hash
    recomputed from the column), older ones from ``SnapshotCommitted`` events."""
    rights, found = scope.ledger.rights, scope.found
    recorded: dict[tuple[int, str], dict[str, object]] = {}
    for _, payload in scope.payloads(COMMITTED):
        snapshot, tier = payload.get("snapshot"), payload.get("tier")
        recorded.setdefault((snapshot if isinstance(snapshot, int) else -1, str(tier)), payload)
    chain: dict[tuple[int, str], tuple[str | None, str | None]] = {}
    for logged in history.columns_committed(rights, scope.chain_id):
        event = logged.event
        chain[(event.snapshot_id, event.tier.name.lower())] = (
            hex_text(event.column_hash),
            logged.tx_hash,
        )
    for tier in ChainTier:
        current = rights.column(scope.chain_id, tier)
        if current.snapshot_id:
            key = (current.snapshot_id, tier.name.lower())
            tx = chain.get(key, (None, None))[1]
            chain[key] = (hex_text(current.column.column_hash()), tx)
    for key, payload in recorded.items():
        ref = f"{key[0]}/{key[1]}"
        what = f"the {key[1]} column of snapshot {key[0]}"
        held = chain.get(key)
        tx = payload.get("tx")
        if held is None:
            found.ledger_only(
                "rights_column", ref, tx_text(tx if isinstance(tx, str) else None), what
            )
            continue
        column_hash = payload.get("column_hash")
        mine = hex_text(column_hash) if isinstance(column_hash, str) else None
        found.compare("rights_column", ref, "column_hash", mine, held[0], what)
        found.compare(
            "rights_column",
            ref,
            "tx",
            tx_text(tx if isinstance(tx, str) else None),
            held[1],
            what,
        )
    for key in sorted(set(chain) - set(recorded)):
        found.chain_only(
            "rights_column", chain[key][1], f"the {key[1]} column of snapshot {key[0]}"
        )


SPLIT_SET = "rights.split_set"


def check_negotiated_split(scope: Scope) -> None:
    """The newest ``rights.split_set`` journal entry against the derivative split the chain
    holds (``negotiatedSplitOf``): nonce and split hash; a split only one side has."""
    held = scope.ledger.rights.negotiated_split(scope.chain_id)
    entries = scope.payloads(SPLIT_SET)
    chain_hash = hex_text(held.split_hash()) if held.nonce else None
    if not entries:
        if held.nonce:
            scope.found.chain_only("negotiated_split", chain_hash, "a negotiated split")
        return
    _, payload = entries[-1]
    what = "the negotiated derivative split"
    if not held.nonce:
        scope.found.ledger_only("negotiated_split", str(payload.get("nonce")), None, what)
        return
    split_hash = payload.get("split_hash")
    mine = hex_text(split_hash) if isinstance(split_hash, str) else None
    scope.found.compare("negotiated_split", None, "nonce", payload.get("nonce"), held.nonce, what)
    scope.found.compare("negotiated_split", None, "split_hash", mine, chain_hash, what)
