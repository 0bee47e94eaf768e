"""The cast and the small repeated acts of the lifecycle test: one project, told through services.

:class:`Story` holds what the project has become so far (its contributions, milestones,
assets) and does the acts every chapter repeats: a partner signs and registers a
contribution, a quorum signs a release, the ledger's operator sends the claims, a quorum
commits a snapshot's tier columns, a licensee pays. Everything goes through the ledger's
services; the chain is touched directly only for what a party does there by itself
(funding keys, a licensee's payment, a partner's own registration) and to move its clock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine
from sqlmodel import Session

from ledger import contributions, journal, milestones, snapshots, tier_rights
from ledger.context import Ledger
from ledger.db import (
    BackgroundDeposit,
    Contribution,
    ForegroundAsset,
    Milestone,
    Project,
    SnapshotRecord,
    session_scope,
)
from ledger.equity import BPS, Column, Share, Side, Tier, split_revenue
from ledger.projects import agreement_of, partners_of
from tests.contracts.conftest import key
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, Clock, agreement, signer

ETHER = 10**18
FUNDER = key("funder")  # a development fund: deposits the milestone budget itself
LICENSEE = key("licensee")  # a manufacturer that licenses the results
BY_NUMBER = {1: FOREIGN_A, 2: LOCAL_B, 3: FOREIGN_C}  # partners in joining order
#: Milestone amounts in wei: odd, so that every payout has leftover wei to place.
AMOUNTS = {1: 3 * ETHER + 7, 2: 5 * ETHER + 11, 3: 2 * ETHER + 1}
TIERS = ("core", "application", "derivative")


def lifecycle_agreement() -> dict[str, Any]:
    """The Sino-German agreement with core brackets of 1 and 5 ether, so revenue crosses them."""
    brackets = [
        {"cap": str(ETHER), "foreign_bps": 7000},
        {"cap": str(5 * ETHER), "foreign_bps": 6500},
        {"cap": None, "foreign_bps": 6000},
    ]
    tiers = {
        "core": {"territories": ["CN", "DE"], "brackets": brackets},
        "application": {"industries": ["C26", "C28"]},
    }
    return agreement(title="Industrial vision: inline defect detection", tiers=tiers)


def evidence(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Story:
    """One project as it lives: what it holds so far, and the acts its chapters repeat."""

    engine: Engine
    ledger: Ledger
    clock: Clock
    project: Project
    contributions: dict[str, Contribution] = field(default_factory=dict)
    milestones: dict[int, Milestone] = field(default_factory=dict)
    assets: dict[str, ForegroundAsset] = field(default_factory=dict)
    deposit: BackgroundDeposit | None = None

    @property
    def project_id(self) -> int:
        """The project's id in the ledger."""
        assert self.project.id is not None
        return self.project.id

    @property
    def pid(self) -> int:
        """The project's id on chain."""
        assert self.project.chain_project_id is not None
        return self.project.chain_project_id

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session

    # ------------------------------------------------------------------ the record

    def kinds(self) -> list[str]:
        with self.session() as session:
            return [e.kind for e in journal.entries(session, self.project_id)]

    def payload(self, kind: str, index: int = -1) -> dict[str, Any]:
        """The payload of the project's ``index``-th entry of ``kind``."""
        with self.session() as session:
            entries = [e for e in journal.entries(session, self.project_id) if e.kind == kind]
        return dict(json.loads(entries[index].payload))

    # ------------------------------------------------------------------ contributions

    def contribute(
        self,
        label: str,
        account: LocalAccount,
        tier: str,
        kind: str,
        value: int,
        *,
        asset: ForegroundAsset | None = None,
    ) -> Contribution:
        """``account`` signs and registers a contribution, remembered under ``label``."""
        fields: dict[str, Any] = {
            "tier": tier,
            "kind": kind,
            "value": value,
            "evidence_hash": evidence(f"{label}: {kind} in {tier}"),
            "idempotency_key": label,
            "asset_id": None if asset is None else asset.id,
        }
        signature = signer(self.ledger, account).contribution(self.pid, **fields)
        with self.session() as session:
            registered = contributions.register(
                session,
                self.ledger,
                project_id=self.project_id,
                partner=account.address,
                signature=signature,
                **fields,
            )
        assert registered.created
        self.contributions[label] = registered.contribution
        return registered.contribution

    # ------------------------------------------------------------------ milestones

    def milestone_id(self, number: int) -> int:
        """The ledger's id of milestone ``number``."""
        milestone_id = self.milestones[number].id
        assert milestone_id is not None
        return milestone_id

    def milestone(self, number: int) -> Milestone:
        """Milestone ``number`` as stored now."""
        with self.session() as session:
            return milestones.get(session, self.milestone_id(number))

    def snapshot_of(self, number: int) -> SnapshotRecord:
        """The snapshot milestone ``number`` pays now (a superseding one after a replacement)."""
        snapshot_id = self.milestone(number).snapshot_id
        assert snapshot_id is not None
        with self.session() as session:
            return snapshots.get(session, snapshot_id)

    def release(self, number: int, *quorum: LocalAccount) -> Milestone:
        """``quorum`` signs the release of the milestone's payout root; the ledger sends it."""
        root = self.snapshot_of(number).payout_root
        assert root is not None
        signatures = [
            signer(self.ledger, a).release(self.pid, number, bytes.fromhex(root), AMOUNTS[number])
            for a in quorum
        ]
        with self.session() as session:
            return milestones.release(
                session,
                self.ledger,
                milestone_id=self.milestone_id(number),
                signatures=signatures,
            )

    def claim_all(self, number: int) -> dict[int, int]:
        """The operator claims every partner's leaf; what each partner's balance rose by.

        Balances are read right around the claims: the partners send nothing meanwhile, so
        their own gas spending elsewhere in the story does not enter the arithmetic.
        """
        before = {n: self.ledger.chain.balance(a.address) for n, a in BY_NUMBER.items()}
        operator = self.ledger.chain.balance(self.ledger.operator.address)
        for partner_number in BY_NUMBER:
            with self.session() as session:
                milestones.claim(
                    session,
                    self.ledger,
                    milestone_id=self.milestone_id(number),
                    partner_number=partner_number,
                )
        assert self.ledger.chain.balance(self.ledger.operator.address) < operator  # it paid gas
        return {n: self.ledger.chain.balance(a.address) - before[n] for n, a in BY_NUMBER.items()}

    # ------------------------------------------------------------------ tier columns

    def commit_columns(self, snapshot: SnapshotRecord, *quorum: LocalAccount) -> None:
        """``quorum`` signs each tier column of ``snapshot``; the ledger commits them on chain."""
        for tier in TIERS:
            with self.session() as session:
                message = tier_rights.commit_message(
                    session,
                    self.ledger,
                    snapshot_id=snapshot.id,
                    tier=tier,
                )
            signatures = [signer(self.ledger, a).rights_column(**message) for a in quorum]
            with self.session() as session:
                tier_rights.commit(
                    session,
                    self.ledger,
                    snapshot_id=snapshot.id,
                    tier=tier,
                    signatures=signatures,
                )

    # ------------------------------------------------------------------ revenue

    def credits(self) -> dict[str, int]:
        """Each partner's credit in RevenueSharing (what it may withdraw), by address."""
        return {a.address: self.ledger.revenue.credit(a.address) for a in BY_NUMBER.values()}

    def model_split(
        self, snapshot: SnapshotRecord, tier: str, amount: int, before: int
    ) -> dict[str, int]:
        """Table 2's split of a payment, from the stored snapshot's matrix (address -> wei)."""
        matrix = json.loads(snapshot.matrix)
        sides = {int(n): Side(s) for n, s in matrix["sides"].items()}
        shares = tuple(
            Share(int(n), sides[int(n)], rights, profit)
            for n, rights, profit in matrix["columns"][tier]
        )
        with self.session() as session:
            brackets = agreement_of(session, self.project_id).equity_terms().brackets
            numbers = {p.number: p.address for p in partners_of(session, self.project_id)}
        split = split_revenue(Tier(tier), amount, before, Column(Tier(tier), shares), brackets)
        return {numbers[n]: wei for n, wei in split.items()}


def within_a_wei(paid: dict[int, int], amount: int, vector: dict[int, int]) -> bool:
    """Whether each partner got its exact share ``amount × s[p] / 10000`` floored or raised."""
    return all(abs(wei - Fraction(amount * vector[n], BPS)) < 1 for n, wei in paid.items())


def matrix_of(snapshot: SnapshotRecord) -> dict[str, dict[int, int]]:
    """The rights bps of each tier's column, by partner number."""
    columns = json.loads(snapshot.matrix)["columns"]
    return {tier: {int(n): rights for n, rights, _ in shares} for tier, shares in columns.items()}


def profit_of(snapshot: SnapshotRecord) -> dict[int, int]:
    """The application column's profit bps, by partner number."""
    return {
        int(n): profit for n, _, profit in json.loads(snapshot.matrix)["columns"]["application"]
    }


def vector_of(snapshot: SnapshotRecord) -> dict[int, int]:
    return {int(n): bps for n, bps in json.loads(snapshot.payout_vector).items()}


def payouts_of(snapshot: SnapshotRecord) -> dict[int, int]:
    assert snapshot.payouts is not None
    return {int(n): int(wei) for n, wei in json.loads(snapshot.payouts).items()}
