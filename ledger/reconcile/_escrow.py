"""Milestones and their claims: the ledger's rows and journal against the milestone escrow."""

from __future__ import annotations

from sqlmodel import select

from ledger.chain import history
from ledger.chain.escrow import ZERO_ROOT, MilestoneStatus
from ledger.db import FundingDeposit, SnapshotRecord
from ledger.milestones import list_milestones
from ledger.reconcile._model import address_text, hex_text, tx_text
from ledger.reconcile._scope import Scope

#: The escrow statuses each ledger state allows. ``disputed``: the dispute may have been
#: opened before or after the release. States not listed are not compared.
ALLOWED = {
    "planned": {MilestoneStatus.PLANNED},
    "submitted": {MilestoneStatus.PLANNED},
    "released": {MilestoneStatus.RELEASED, MilestoneStatus.SWEPT},
    "disputed": {MilestoneStatus.PLANNED, MilestoneStatus.RELEASED},
    "rejected": {MilestoneStatus.REJECTED},
}

CLAIMED = "payout.claimed"


def check_milestones(scope: Scope) -> None:
    """Each milestone's state, payout root and total against ``milestoneOf``; its release
    transaction against ``MilestoneReleased``; releases of milestones the ledger lacks."""
    escrow, found = scope.ledger.escrow, scope.found
    releases = {
        e.event.milestone_id: e for e in history.milestones_released(escrow, scope.chain_id)
    }
    rows = list_milestones(scope.session, scope.project_id)
    for row in rows:
        ref, what = str(row.number), f"milestone {row.number}"
        held = escrow.milestone(scope.chain_id, row.number)
        allowed = ALLOWED.get(row.state)
        if allowed is not None and held.status not in allowed:
            found.compare("milestone", ref, "state", row.state, held.status.name.lower(), what)
        snapshot = (
            None if row.snapshot_id is None else scope.session.get(SnapshotRecord, row.snapshot_id)
        )
        if held.root != ZERO_ROOT and snapshot is not None:
            root = hex_text(held.root)
            found.compare("milestone", ref, "payout_root", snapshot.payout_root, root, what)
            found.compare("milestone", ref, "amount", row.amount, held.total, what)
            found.compare("milestone", ref, "snapshot_amount", snapshot.amount, held.total, what)
        elif held.root != ZERO_ROOT:
            found.compare("milestone", ref, "payout_root", None, hex_text(held.root), what)
        release = releases.get(row.number)
        found.compare(
            "milestone",
            ref,
            "released_tx",
            tx_text(row.released_tx),
            None if release is None else release.tx_hash,
            what,
        )
        found.compare(
            "milestone",
            ref,
            "released_block",
            row.released_block,
            None if release is None else release.block_number,
            what,
        )
    numbers = {row.number for row in rows}
    for number in sorted(set(releases) - numbers):
        found.chain_only("milestone", number, f"the release of milestone {number}")


def check_claims(scope: Scope) -> None:
    """The journal's ``payout.claimed`` entries against the escrow's ``Claimed`` events, by
    milestone number and partner number (leaf index + 1)."""
    found = scope.found
    recorded: dict[tuple[int, int], dict[str, object]] = {}
    for _, payload in scope.payloads(CLAIMED):
        key = (_number(payload.get("milestone")), _number(payload.get("partner")))
        recorded.setdefault(key, payload)
    paid = {
        (e.event.milestone_id, e.event.index + 1): e
        for e in history.claims(scope.ledger.escrow, scope.chain_id)
    }
    for key, payload in recorded.items():
        ref = f"{key[0]}/{key[1]}"
        what = f"the claim of partner {key[1]} in milestone {key[0]}"
        event = paid.get(key)
        if event is None:
            found.ledger_only("claim", ref, tx_text(_str(payload.get("tx"))), what)
            continue
        account = address_text(_str(payload.get("account")))
        found.compare("claim", ref, "account", account, event.event.account, what)
        found.compare("claim", ref, "amount", payload.get("amount"), event.event.amount, what)
        found.compare("claim", ref, "tx", tx_text(_str(payload.get("tx"))), event.tx_hash, what)
    for key in sorted(set(paid) - set(recorded)):
        what = f"the claim of partner {key[1]} in milestone {key[0]}"
        found.chain_only("claim", paid[key].tx_hash, what)


def _number(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def check_funding(scope: Scope) -> None:
    """The ``funding_deposit`` rows against the escrow's ``Deposited`` events, by transaction
    and log index: funder and amount, and deposits only one side knows."""
    found = scope.found
    events = {
        (e.tx_hash, e.event.log_index): e
        for e in history.deposits(scope.ledger.escrow, scope.chain_id)
    }
    rows = scope.session.exec(
        select(FundingDeposit).where(FundingDeposit.project_id == scope.project_id)
    ).all()
    for row in rows:
        key, what = (tx_text(row.tx_hash), row.log_index), f"deposit {row.id}"
        event = events.pop(key, None)
        if event is None:
            found.ledger_only("deposit", str(row.id), row.tx_hash, what)
            continue
        found.compare(
            "deposit", str(row.id), "funder", address_text(row.funder), event.event.funder, what
        )
        found.compare("deposit", str(row.id), "amount", row.amount, event.event.amount, what)
    for (tx_hash, _), event in sorted(events.items()):
        found.chain_only("deposit", tx_hash, f"a deposit of {event.event.amount} wei")
