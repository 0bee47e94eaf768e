"""The background book: deposit rows against the BackgroundEscrow contract."""

from __future__ import annotations

import hashlib

from sqlmodel import col, select

from ledger.chain import history
from ledger.chain.background import DepositState
from ledger.db import BackgroundDeposit, Partner
from ledger.reconcile._model import address_text
from ledger.reconcile._scope import Scope

#: The ledger's name of each state a deposit has on chain.
STATES = {
    DepositState.DEPOSITED: "held",
    DepositState.RELEASED: "released",
    DepositState.WITHDRAWN: "withdrawn",
}
ZERO_ADDRESS = "0x" + "00" * 20


def check_background(scope: Scope) -> None:
    """Each deposit row against ``depositOf``; ``BackgroundDeposited`` events of the project
    that no row names."""
    gateway, found = scope.ledger.background, scope.found
    rows = scope.session.exec(
        select(BackgroundDeposit)
        .where(BackgroundDeposit.project_id == scope.project_id)
        .order_by(col(BackgroundDeposit.id))
    ).all()
    for row in rows:
        ref, what = str(row.id), f"background deposit {row.id}"
        if row.chain_deposit_id is None:
            found.ledger_only("background_deposit", ref, row.document_hash, what)
            continue
        held = gateway.get(row.chain_deposit_id)
        if held.state is DepositState.NONE:
            found.ledger_only("background_deposit", ref, row.chain_deposit_id, what)
            continue
        owner = scope.session.get(Partner, row.owner_partner_id)
        terms_hash = hashlib.sha256(row.terms.encode("utf-8")).hexdigest()
        released = held.released_to if held.released_to != ZERO_ADDRESS else None
        compare = found.compare
        compare("background_deposit", ref, "project", scope.chain_id, held.project_id, what)
        compare(
            "background_deposit",
            ref,
            "owner",
            None if owner is None else address_text(owner.address),
            held.owner,
            what,
        )
        compare(
            "background_deposit", ref, "document_hash", row.document_hash, held.document_hash, what
        )
        compare(
            "background_deposit",
            ref,
            "key_commitment",
            row.key_commitment,
            held.key_commitment,
            what,
        )
        compare("background_deposit", ref, "terms_hash", terms_hash, held.terms_hash, what)
        compare("background_deposit", ref, "state", row.state, STATES.get(held.state), what)
        compare(
            "background_deposit",
            ref,
            "released_to",
            address_text(row.released_to),
            released,
            what,
        )
    named = {row.chain_deposit_id for row in rows}
    for logged in history.background_deposited(gateway, scope.chain_id):
        event = logged.event
        if event.deposit_id not in named:
            what = f"background deposit {event.deposit_id} by {event.owner}"
            found.chain_only("background_deposit", event.deposit_id, what)
