"""Committing a snapshot's tier columns to ``TieredRights``, signed by a quorum of partners.

The chain keeps, per project and tier, the latest committed column (partners in ascending
address order, rights bps, and for the application tier profit bps) and checks Table 2 on
it: core within the agreement's band for the foreign side, application rights equal to
within one bp, derivative at least the local lead. Revenue is split by what is committed
there (``ledger.revenue_book``), so a released milestone's snapshot is committed tier by
tier once a quorum of partners signed it:

    message = tier_rights.commit_message(session, ledger, snapshot_id=..., tier="core")
    signatures = [Signer(account, domains).rights_column(**message) for account in quorum]
    tier_rights.commit(session, ledger, snapshot_id=..., tier="core", signatures=signatures)

Each column is built from the stored snapshot's matrix, never from the caller: partners
sign exactly what the ledger computed. A snapshot number can be committed once per tier
and only above the tier's last one (the chain's ``TieredRightsStaleSnapshot``).

The derivative tier's revenue may instead follow a split every partner negotiated and
signed (:func:`split_proposal`, :func:`set_negotiated_split`; ``Signer.negotiated_split``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session

from ledger import projects, snapshots
from ledger.chain.escrow import ZERO_ROOT
from ledger.chain.registry import Tier as ChainTier
from ledger.chain.rights import NEGOTIATED_SPLIT, SNAPSHOT, NegotiatedSplit, RightsColumn
from ledger.context import Ledger
from ledger.db import Project, SnapshotRecord
from ledger.equity import Tier
from ledger.errors import RuleViolation
from ledger.recording import lock_project, record
from ledger.signatures import partner_signatures


def column_of(session: Session, snapshot: SnapshotRecord, tier: str) -> RightsColumn:
    """A tier's column of a stored snapshot, keyed by the partners' signing addresses.

    Raises:
        RuleViolation: for an unknown tier.
    """
    name = _tier(tier)
    addresses = {p.number: p.address for p in projects.partners_of(session, snapshot.project_id)}
    shares = json.loads(snapshot.matrix)["columns"][name.value]
    rights = {addresses[int(pid)]: int(bps) for pid, bps, _ in shares}
    if name is not Tier.APPLICATION:  # only the application tier splits profit apart
        return RightsColumn.of(rights)
    return RightsColumn.of(rights, {addresses[int(pid)]: int(p) for pid, _, p in shares})


def commit_message(
    session: Session, ledger: Ledger, *, snapshot_id: int, tier: str
) -> dict[str, Any]:
    """The ``Snapshot`` struct partners sign to commit one tier of a snapshot.

    The keys are those of :meth:`ledger.client.Signer.rights_column`.
    """
    snapshot = snapshots.get(session, snapshot_id)
    project = projects.get_project(session, snapshot.project_id)
    return _message(session, project, snapshot, tier)


def commit(
    session: Session,
    ledger: Ledger,
    *,
    snapshot_id: int,
    tier: str,
    signatures: Sequence[str],
) -> str:
    """Commit a tier's column of a stored snapshot on chain; returns the transaction hash.

    Raises:
        RuleViolation: for an unknown tier.
        Unauthorized: for a signer who is not a partner, a partner twice, or fewer
            signers than the agreement's quorum.
        ContractReverted: ``TieredRights*`` when the chain refuses the column (a stale
            snapshot number, a broken tier rule).
    """
    snapshot = snapshots.get(session, snapshot_id)
    project = lock_project(session, snapshot.project_id)
    message = _message(session, project, snapshot, tier)
    column = message["column"]
    fields = ledger.rights.snapshot_message(
        message["project_id"],
        message["snapshot_id"],
        message["tier"],
        column,
        message["root"],
        message["inputs_hash"],
    )
    members = {p.address for p in projects.partners_of(session, snapshot.project_id)}
    signed = partner_signatures(
        ledger.rights.domain,
        "Snapshot",
        fields,
        signatures,
        SNAPSHOT,
        members,
        act="column",
        quorum=projects.agreement_of(session, snapshot.project_id).quorum.partners,
    )
    receipt = ledger.rights.commit_snapshot(
        message["project_id"],
        message["snapshot_id"],
        message["tier"],
        column,
        message["root"],
        message["inputs_hash"],
        signed.ordered(),
    )
    record(
        session,
        ledger,
        project,
        "rights.committed",
        {
            "column_hash": column.column_hash().hex(),
            "partners": list(column.partners),
            "profit_bps": list(column.profit_bps),
            "rights_bps": list(column.rights_bps),
            "signers": signed.addresses(),
            "snapshot": snapshot.number,
            "tier": _tier(tier).value,
            "tx": receipt.tx_hash,
        },
        actor="ledger",
        signature=",".join(signatures),
    )
    return receipt.tx_hash


def split_proposal(
    session: Session, ledger: Ledger, *, project_id: int, bps: Mapping[int, int]
) -> NegotiatedSplit:
    """The derivative split every partner signs: ``bps`` by partner number, next nonce.

    Raises:
        NotFound: for an unknown project.
        RuleViolation: unless ``bps`` names every partner once with integer bps summing to
            exactly 10000.
    """
    project = projects.get_project(session, project_id)
    return _split(session, ledger, project, bps)


def set_negotiated_split(
    session: Session,
    ledger: Ledger,
    *,
    project_id: int,
    bps: Mapping[int, int],
    signatures: Sequence[str],
) -> str:
    """Set the derivative tier's negotiated revenue split; returns the transaction hash.

    Once set, derivative revenue follows it instead of the derivative rights column.

    Raises:
        RuleViolation: as :func:`split_proposal`.
        Unauthorized: for a signer who is not a partner, a partner twice or one missing.
        ContractReverted: ``TieredRightsStaleSplit`` when another split was set meanwhile.
    """
    project = lock_project(session, project_id)
    split = _split(session, ledger, project, bps)
    assert project.chain_project_id is not None
    message = {
        "projectId": project.chain_project_id,
        "nonce": split.nonce,
        "splitHash": split.split_hash(),
    }
    members = {p.address for p in projects.partners_of(session, project_id)}
    signed = partner_signatures(
        ledger.rights.domain,
        "NegotiatedSplit",
        message,
        signatures,
        NEGOTIATED_SPLIT,
        members,
        act="split",
        everyone=True,
    )
    receipt = ledger.rights.set_negotiated_split(project.chain_project_id, split, signed.ordered())
    record(
        session,
        ledger,
        project,
        "rights.split_set",
        {
            "bps": list(split.bps),
            "nonce": split.nonce,
            "partners": list(split.partners),
            "split_hash": split.split_hash().hex(),
            "tx": receipt.tx_hash,
        },
        actor="parties",
        signature=",".join(signatures),
    )
    return receipt.tx_hash


def _split(
    session: Session, ledger: Ledger, project: Project, bps: Mapping[int, int]
) -> NegotiatedSplit:
    assert project.id is not None and project.chain_project_id is not None
    members = {p.number: p.address for p in projects.partners_of(session, project.id)}
    if not isinstance(bps, Mapping) or set(bps) != set(members):
        raise RuleViolation(
            f"a split names every partner once: partners {sorted(members)}",
            field="bps",
            partners=sorted(members),
        )
    if any(
        not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 10_000 for v in bps.values()
    ):
        raise RuleViolation(
            "each partner's share is an integer of bps from 0 to 10000", field="bps"
        )
    if sum(bps.values()) != 10_000:
        raise RuleViolation(
            f"the shares sum to {sum(bps.values())} bps, not 10000",
            field="bps",
            total=sum(bps.values()),
        )
    order = sorted(members, key=lambda n: int(members[n], 16))
    current = ledger.rights.negotiated_split(project.chain_project_id)
    return NegotiatedSplit(
        current.nonce + 1, tuple(members[n] for n in order), tuple(bps[n] for n in order)
    )


def _message(
    session: Session, project: Project, snapshot: SnapshotRecord, tier: str
) -> dict[str, Any]:
    assert project.chain_project_id is not None
    return {
        "project_id": project.chain_project_id,
        "snapshot_id": snapshot.number,
        "tier": ChainTier[_tier(tier).name],
        "column": column_of(session, snapshot, tier),
        "root": bytes.fromhex(snapshot.payout_root) if snapshot.payout_root else ZERO_ROOT,
        "inputs_hash": bytes.fromhex(snapshot.inputs_hash),
    }


def _tier(value: str) -> Tier:
    try:
        return Tier(value)
    except ValueError:
        raise RuleViolation(
            f"tier must be one of {', '.join(t.value for t in Tier)}, got {value!r}",
            field="tier",
        ) from None
