"""Helpers for the IP book tests: rights columns and milestones made directly on chain.

The milestone services that commit columns and release milestones are not the subject
here, so these helpers do it through the gateways with the partners' keys, as a quorum
would. The project has small core brackets (1000 and 5000 wei) so payments straddle them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from sqlalchemy import Engine
from sqlmodel import func, select

from ledger import journal
from ledger.chain.gateway import Receipt
from ledger.chain.registry import Tier
from ledger.chain.rights import RightsColumn
from ledger.context import Ledger
from ledger.db import Project, session_scope
from tests.contracts.conftest import key
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, agreement

ETHER = 10**18
QUORUM = (FOREIGN_A, LOCAL_B)
LICENSEE = key("licensee")
STRANGER = key("stranger")
ROOT = keccak(b"snapshot root")
INPUTS = keccak(b"snapshot inputs")

#: Core rights (foreign 6500 in the band), application rights and profit, derivative rights.
CORE = {FOREIGN_A: 4000, LOCAL_B: 3500, FOREIGN_C: 2500}
APPLICATION = {FOREIGN_A: 3334, LOCAL_B: 3333, FOREIGN_C: 3333}
APPLICATION_PROFIT = {FOREIGN_A: 5000, LOCAL_B: 3000, FOREIGN_C: 2000}


def ip_agreement(**overrides: Any) -> dict[str, Any]:
    """The services' Sino-German agreement with brackets of 1000 and 5000 wei."""
    brackets = [
        {"cap": "1000", "foreign_bps": 7000},
        {"cap": "5000", "foreign_bps": 6500},
        {"cap": None, "foreign_bps": 6000},
    ]
    tiers = {
        "core": {"territories": ["CN", "DE"], "brackets": brackets},
        "application": {"industries": ["C26", "C28"]},
    }
    return agreement(tiers=tiers, **overrides)


def fund(ledger: Ledger, *accounts: LocalAccount) -> None:
    """Give accounts ether for their own transactions."""
    for account in accounts:
        ledger.chain.send_value(account.address, ETHER)


def commit_column(
    ledger: Ledger,
    project: Project,
    tier: Tier,
    rights: dict[LocalAccount, int],
    profit: dict[LocalAccount, int] | None = None,
    snapshot_id: int = 1,
) -> Receipt:
    """Commit a tier's column signed by the quorum."""
    assert project.chain_project_id is not None
    column = RightsColumn.of(
        {a.address: bps for a, bps in rights.items()},
        None if profit is None else {a.address: bps for a, bps in profit.items()},
    )
    pid = project.chain_project_id
    signatures = ledger.rights.sign_snapshot(QUORUM, pid, snapshot_id, tier, column, ROOT, INPUTS)
    return ledger.rights.commit_snapshot(pid, snapshot_id, tier, column, ROOT, INPUTS, signatures)


def release_milestone(ledger: Ledger, project: Project, number: int) -> None:
    """Fund the escrow and release milestone ``number`` with the quorum's signatures."""
    assert project.chain_project_id is not None
    ledger.escrow.deposit(project.chain_project_id, ETHER, sender=ledger.operator)
    ledger.escrow.release(project.chain_project_id, number, keccak(b"payout root"), ETHER, QUORUM)


def register_on_chain(
    ledger: Ledger, project: Project, partner: LocalAccount, tier: Tier, content: bytes
) -> tuple[str, str]:
    """The partner registers an asset itself; returns (content hash, transaction hash)."""
    assert project.chain_project_id is not None
    digest = hashlib.sha256(content).digest()
    receipt = ledger.foreground.register_asset_tx(
        project.chain_project_id, tier, digest, partner=partner
    )
    return digest.hex(), receipt.tx_hash


def count(engine: Engine, table: type) -> int:
    with session_scope(engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def journal_kinds(engine: Engine, project: Project) -> list[str]:
    """The kinds of the project's journal entries, in order."""
    assert project.id is not None
    with session_scope(engine) as session:
        return [entry.kind for entry in journal.entries(session, project.id)]


def last_payload(engine: Engine, project: Project) -> dict[str, Any]:
    """The payload of the project's latest journal entry."""
    assert project.id is not None
    with session_scope(engine) as session:
        return dict(json.loads(journal.entries(session, project.id)[-1].payload))
