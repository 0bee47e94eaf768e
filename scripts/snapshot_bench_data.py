"""The seeded project of ``python scripts/bench.py snapshots``: agreement, partners, contributions.

The project is written straight into its tables (``project``, ``agreement_version``,
``partner``, ``milestone``, ``contribution``): joining 1,000 partners through the registry
on chain is not what the benchmark measures. The agreement is a real one, validated by
:func:`ledger.agreements.parse_agreement` and stored in its canonical form, so every
:func:`~ledger.snapshots.take` parses it as it would in production.

Contributions come in two parts drawn from separate generators: :func:`draws` gives the
fields a snapshot reads (partner, tier, kind, value, time), so the pure engine can be fed
exactly the same contributions without the database; :func:`rows` adds what a stored
contribution also carries (hashes, key, signature: random bytes of the right shape, which
no snapshot reads).
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from eth_utils import to_checksum_address
from sqlalchemy import Engine, insert

from ledger.agreements import AgreementSpec, parse_agreement
from ledger.db import AgreementVersion, Contribution, Milestone, Partner, Project
from ledger.db.engine import session_scope
from ledger.equity import Kind, Tier
from ledger.snapshots import micros_of

PARTNERS = 1_000
BATCH = 10_000
HOST = "CN"
#: Jurisdictions of the foreign partners, in turn.
FOREIGN = ("DE", "FR", "NL", "FI", "US", "JP", "SG", "GB")
KINDS_OF_PARTY = ("university", "enterprise", "research_institute", "investor", "individual")
#: Valuation schedule, per mille of the kind's unit (funding in currency units, hours…).
VALUATION = {
    "funding": 1_000,
    "labor_hours": 300_000,
    "equipment": 800,
    "data": 2_000,
    "code": 5_000,
    "background_ip_license": 1_000,
    "tacit_knowhow_transfer": 500_000,
    "tacit_training": 250_000,
    "tacit_consulting": 400_000,
}
#: How often each tier and kind occurs, and the range of a kind's values.
TIER_FREQUENCY = {Tier.CORE: 40, Tier.APPLICATION: 35, Tier.DERIVATIVE: 25}
KIND_VALUES: dict[Kind, tuple[int, int, int]] = {  # frequency, lowest, highest value
    Kind.FUNDING: (8, 1_000, 5_000_000),
    Kind.LABOR_HOURS: (30, 1, 400),
    Kind.EQUIPMENT: (4, 500, 2_000_000),
    Kind.DATA: (12, 1, 10_000),
    Kind.CODE: (25, 10, 50_000),
    Kind.BACKGROUND_IP_LICENSE: (2, 10_000, 1_000_000),
    Kind.TACIT_KNOWHOW_TRANSFER: (6, 1, 200),
    Kind.TACIT_TRAINING: (8, 1, 200),
    Kind.TACIT_CONSULTING: (5, 1, 200),
}
#: A milestone pays 1,000,000 tokens of 18 decimals (beyond 2**63: stored as decimal text).
AMOUNT = 1_000_000 * 10**18

#: (partner number, tier, kind, value, recorded_us): what a snapshot reads of a contribution.
Draw = tuple[int, str, str, int, int]


def address(label: str) -> str:
    return to_checksum_address(hashlib.sha256(label.encode()).digest()[:20])


def agreement(partners: int = PARTNERS) -> AgreementSpec:
    """A Sino-Foreign agreement: host CN, odd partner numbers foreign, even ones local."""
    parties = []
    for number in range(1, partners + 1):
        foreign = number % 2 == 1
        parties.append(
            {
                "name": f"Partner {number}",
                "kind": KINDS_OF_PARTY[number % len(KINDS_OF_PARTY)],
                "jurisdiction": FOREIGN[(number // 2) % len(FOREIGN)] if foreign else HOST,
                "address": address(f"bench-partner-{number}"),
            }
        )
    return parse_agreement(
        {
            "title": "Benchmark consortium",
            "host_jurisdiction": HOST,
            "parties": parties,
            "arbiters": [{"name": "Arbiter", "address": address("bench-arbiter")}],
            "tiers": {
                "core": {"territories": ["CN", "DE", "FR"]},
                "application": {"industries": ["C26", "C28", "J62"]},
            },
            "valuation": VALUATION,
            "quorum": {"partners": 2},
        }
    )


@dataclass(frozen=True)
class Seeded:
    """Row ids of the stored project: the project, partners and milestones by number."""

    project_id: int
    partner_ids: dict[int, int]
    milestone_ids: dict[int, int]


def create_project(engine: Engine, spec: AgreementSpec, due: datetime) -> Seeded:
    """Store the project, its agreement, its partners and two milestones (numbers 1 and 2)."""
    with session_scope(engine) as session:
        project = Project(
            name=spec.title,
            host_jurisdiction=spec.host_jurisdiction,
            token=spec.token,
            agreement_hash=spec.document_hash(),
        )
        session.add(project)
        session.flush()
        assert project.id is not None
        session.add(
            AgreementVersion(
                project_id=project.id,
                version=1,
                document=spec.canonical(),
                document_hash=spec.document_hash(),
                reason="created",
            )
        )
        members = [
            Partner(
                project_id=project.id,
                number=number,
                name=party.name,
                kind=party.kind,
                jurisdiction=party.jurisdiction,
                side=spec.side_of(party.jurisdiction).value,
                address=party.address,
                payout_address=party.address,
            )
            for number, party in enumerate(spec.parties, start=1)
        ]
        session.add_all(members)
        milestones = [
            Milestone(
                project_id=project.id,
                number=number,
                title=f"Milestone {number}",
                amount=AMOUNT,
                trl_target=3 + number,
                due_at=due,
            )
            for number in (1, 2)
        ]
        session.add_all(milestones)
        session.flush()
        return Seeded(
            project.id,
            {m.number: m.id for m in members if m.id is not None},
            {m.number: m.id for m in milestones if m.id is not None},
        )


def draws(
    seed: int, count: int, first: datetime, last: datetime, partners: int = PARTNERS
) -> Iterator[list[Draw]]:
    """Batches of seeded contributions, recorded evenly between ``first`` and ``last``.

    Partners contribute unevenly (a Pareto activity per partner), tiers and kinds with the
    frequencies above, values uniform in each kind's range.
    """
    rng = random.Random(seed)
    numbers = list(range(1, partners + 1))
    activity = list(itertools.accumulate(rng.paretovariate(1.5) for _ in numbers))
    tiers, tier_weights = [t.value for t in TIER_FREQUENCY], list(TIER_FREQUENCY.values())
    kinds = [k.value for k in KIND_VALUES]
    kind_weights = [frequency for frequency, _, _ in KIND_VALUES.values()]
    ranges = {k.value: (low, high) for k, (_, low, high) in KIND_VALUES.items()}
    start, span = micros_of(first), micros_of(last) - micros_of(first)
    for offset in range(0, count, BATCH):
        size = min(BATCH, count - offset)
        who = rng.choices(numbers, cum_weights=activity, k=size)
        tier = rng.choices(tiers, weights=tier_weights, k=size)
        kind = rng.choices(kinds, weights=kind_weights, k=size)
        yield [
            (
                who[i],
                tier[i],
                kind[i],
                rng.randint(*ranges[kind[i]]),
                start + (offset + i + 1) * span // (count + 1),
            )
            for i in range(size)
        ]


def rows(
    batch: list[Draw], noise: random.Random, project_id: int, partner_ids: dict[int, int]
) -> list[dict[str, Any]]:
    """The stored form of a batch of draws: accepted contributions as the service writes them."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return [
        {
            "project_id": project_id,
            "partner_id": partner_ids[number],
            "partner_number": number,
            "tier": tier,
            "kind": kind,
            "value": value,
            "evidence_hash": noise.randbytes(32).hex(),
            "asset_id": None,
            "idempotency_key": f"{noise.getrandbits(128):032x}",
            "body_hash": noise.randbytes(32).hex(),
            "signature": "0x" + noise.randbytes(65).hex(),
            "status": "accepted",
            "recorded_us": us,
            "recorded_at": epoch + timedelta(microseconds=us),
            "journal_seq": 0,
        }
        for number, tier, kind, value, us in batch
    ]


def insert_contributions(
    engine: Engine,
    project_id: int,
    partner_ids: dict[int, int],
    batches: Iterator[list[Draw]],
    noise: random.Random,
) -> int:
    """Insert every batch (one executemany each) in one transaction; the rows inserted."""
    inserted = 0
    table = Contribution.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        for batch in batches:
            connection.execute(insert(table), rows(batch, noise, project_id, partner_ids))
            inserted += len(batch)
    return inserted
