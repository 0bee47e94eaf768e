"""Reading the background book: deposits, and a deposited document for whoever may read it.

Part of :mod:`ledger.background_service` (which re-exports these functions).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from ledger.background_ip import key_commitment, may_read, unseal
from ledger.chain.background import DepositState
from ledger.context import Ledger
from ledger.db import BackgroundDeposit, Partner
from ledger.errors import ChainStateError, NotFound, RuleViolation
from ledger.inputs import address
from ledger.projects import get_project


def get_deposit(session: Session, deposit_id: int) -> BackgroundDeposit:
    """A background deposit by its ledger id (the background book only).

    Raises:
        NotFound: if the background book has no such deposit.
    """
    row = session.get(BackgroundDeposit, deposit_id)
    if row is None:
        raise NotFound(f"no background deposit {deposit_id}", deposit_id=deposit_id)
    return row


def deposits(session: Session, project_id: int) -> list[BackgroundDeposit]:
    """The project's background deposits, oldest first (never a foreground asset)."""
    get_project(session, project_id)
    return list(
        session.exec(
            select(BackgroundDeposit)
            .where(BackgroundDeposit.project_id == project_id)
            .order_by(col(BackgroundDeposit.id))
        ).all()
    )


def owner_of(session: Session, row: BackgroundDeposit) -> str:
    """The address of the partner that owns a deposit."""
    partner = session.get(Partner, row.owner_partner_id)
    assert partner is not None
    return partner.address


def read_document(session: Session, ledger: Ledger, *, deposit_id: int, reader: str) -> bytes:
    """The deposited document, for its owner always, or for the party the chain released it to.

    Whether the key was released, and to whom, is read from the escrow contract, not from
    the ledger's row: a row edited to say "released" opens nothing.

    Raises:
        NotFound: for an unknown deposit, or a ciphertext or key missing from storage.
        RuleViolation: for a ``reader`` that is not an address; if the stored ciphertext
            (``ciphertext``) or key (``key``) was changed.
        Unauthorized: for anyone but the owner and the released-to party (``reader``).
        ChainStateError: if the chain's deposit is not the one the ledger recorded.
    """
    row = get_deposit(session, deposit_id)
    who = address(reader, "reader")
    owner = owner_of(session, row)
    assert row.chain_deposit_id is not None
    on_chain = ledger.background.get(row.chain_deposit_id)
    document_hash = bytes.fromhex(row.document_hash)
    commitment = bytes.fromhex(row.key_commitment)
    recorded = (owner, document_hash, commitment)
    if (on_chain.owner, on_chain.document_hash, on_chain.key_commitment) != recorded:
        raise ChainStateError(
            f"background deposit {row.chain_deposit_id} on chain is not the one recorded",
            deposit_id=deposit_id,
            chain_deposit_id=row.chain_deposit_id,
        )
    released = on_chain.released_to if on_chain.state is DepositState.RELEASED else None
    may_read(reader=who, owner=owner, released_to=released)
    ciphertext = ledger.documents.get(document_hash, name=commitment)
    key = ledger.vault.key_for(document_hash, name=commitment)
    if key_commitment(key) != commitment:
        raise RuleViolation("the vault holds another key than the committed one", field="key")
    return unseal(ciphertext, key, document_hash)
