"""Tier columns committed on chain, and the derivative tier's negotiated split.

Revenue is split by what ``TieredRights`` holds: per tier, the column of the latest
committed snapshot, and for the derivative tier a split every partner signed, if any.

- A snapshot's tier column: ``GET …/snapshots/{id}/columns/{tier}`` returns the
  `Snapshot` struct a quorum of partners signs (built from the stored snapshot, never from
  the caller); ``POST`` the same path with their signatures commits it.
- The negotiated split: ``GET …/split/proposal?bps=1:2000&bps=2:7000&…`` returns the
  `NegotiatedSplit` every partner signs; ``POST …/split`` sets it with their signatures.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlmodel import Session

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.routes.ip_common import (
    Signatures,
    SnapshotIdPath,
    TierName,
    TierPath,
    in_project,
    numbers_of,
    router,
)
from api.schemas import Address, Hash, problems
from ledger import snapshots, tier_rights
from ledger.chain.registry import Tier as ChainTier
from ledger.chain.rights import CommittedColumn, NegotiatedSplit, RightsColumn
from ledger.db import Principal, SnapshotRecord, session_scope
from ledger.errors import NotFound, RuleViolation
from ledger.projects import get_project

#: The most partners a split names.
MAX_PARTNERS = 100


class ColumnOut(BaseModel):
    """A tier's column: partners in ascending address order and their bps."""

    partners: list[Address]
    numbers: list[int | None] = Field(description="Each partner's number in the project.")
    rights_bps: list[int]
    profit_bps: list[int] = Field(description="The application tier's profit bps; else empty.")

    @classmethod
    def of(cls, column: RightsColumn, numbers: dict[str, int]) -> ColumnOut:
        return cls(
            partners=list(column.partners),
            numbers=[numbers.get(a) for a in column.partners],
            rights_bps=list(column.rights_bps),
            profit_bps=list(column.profit_bps),
        )


class ColumnMessageOut(BaseModel):
    """The `Snapshot` struct partners sign to commit a snapshot's tier column (tiered
    rights' domain): `Signer.rights_column(chain_project_id, snapshot_number, tier_code,
    RightsColumn(partners, rights_bps, profit_bps), root, inputs_hash)`."""

    snapshot_id: int = Field(description="The snapshot's ledger id.")
    chain_project_id: int
    snapshot_number: int = Field(description="The snapshot's number: its id on chain.")
    tier: TierName
    tier_code: int = Field(description="The tier's number on chain (0, 1, 2).")
    column: ColumnOut
    root: Hash = Field(description="The snapshot's payout root (zeros if none).")
    inputs_hash: Hash
    column_hash: Hash = Field(description="keccak256 of the ABI-encoded column, as signed.")


class CommitIn(BaseModel):
    """A quorum of partners' signatures over the column's `Snapshot` struct."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"signatures": ["0x" + "1b" * 65, "0x" + "1c" * 65]}]},
    )

    signatures: Signatures


class CommittedColumnOut(BaseModel):
    """A tier's column as the chain holds it now; `snapshot_number` 0 means none yet."""

    tier: TierName
    tier_code: int
    snapshot_number: int
    committed_at: datetime | None
    root: Hash
    inputs_hash: Hash
    column: ColumnOut
    column_hash: Hash
    tx_hash: str | None = Field(default=None, description="The commit's transaction, if one.")

    @classmethod
    def of(
        cls,
        tier: TierName,
        held: CommittedColumn,
        numbers: dict[str, int],
        tx_hash: str | None = None,
    ) -> CommittedColumnOut:
        at = held.committed_at
        return cls(
            tier=tier,
            tier_code=int(ChainTier[tier.upper()]),
            snapshot_number=held.snapshot_id,
            committed_at=datetime.fromtimestamp(at, tz=UTC) if at else None,
            root=held.root.hex(),
            inputs_hash=held.inputs_hash.hex(),
            column=ColumnOut.of(held.column, numbers),
            column_hash=held.column.column_hash().hex(),
            tx_hash=tx_hash,
        )


class SplitOut(BaseModel):
    """A derivative split: the `NegotiatedSplit` struct every partner signs (tiered rights'
    domain), `Signer.negotiated_split(chain_project_id, NegotiatedSplit(nonce, partners,
    bps))`; `nonce` 0 means no split was set."""

    chain_project_id: int
    nonce: int = Field(description="The split's number: one above the last one set.")
    partners: list[Address] = Field(description="In ascending address order, as hashed.")
    numbers: list[int | None] = Field(description="Each partner's number in the project.")
    bps: list[int]
    split_hash: Hash
    tx_hash: str | None = Field(default=None, description="The transaction that set it, if one.")

    @classmethod
    def of(
        cls, pid: int, split: NegotiatedSplit, numbers: dict[str, int], tx_hash: str | None = None
    ) -> SplitOut:
        return cls(
            chain_project_id=pid,
            nonce=split.nonce,
            partners=list(split.partners),
            numbers=[numbers.get(a) for a in split.partners],
            bps=list(split.bps),
            split_hash=split.split_hash().hex(),
            tx_hash=tx_hash,
        )


class SplitIn(BaseModel):
    """A derivative split by partner number, and every partner's signature over it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "bps": {"1": 2000, "2": 7000, "3": 1000},
                    "signatures": ["0x" + "1b" * 65, "0x" + "1c" * 65, "0x" + "1d" * 65],
                }
            ]
        },
    )

    bps: dict[
        Annotated[int, Field(ge=1, le=MAX_PARTNERS)], Annotated[int, Field(ge=0, le=10_000)]
    ] = Field(
        min_length=1,
        max_length=MAX_PARTNERS,
        description="Partner number -> bps; every partner once, summing to 10000.",
    )
    signatures: Signatures


def snapshot_in_project(
    session: Session, project_id: int, snapshot_id: int, tier: TierName
) -> SnapshotRecord:
    """The project's snapshot, which has a column for ``tier``, else NotFound.

    A snapshot has a column only for the tiers that had contributions when it was taken.
    """
    row = snapshots.get(session, snapshot_id)
    in_project(row, project_id, "snapshot", "snapshot_id", snapshot_id)
    if tier not in json.loads(row.matrix)["columns"]:
        raise NotFound(
            f"snapshot {snapshot_id} has no {tier} column: no {tier} contribution counted",
            snapshot_id=snapshot_id,
            tier=tier,
        )
    return row


def parse_bps(items: list[str]) -> dict[int, int]:
    """``["1:2000", "2:8000"]`` as ``{1: 2000, 2: 8000}``.

    Raises:
        RuleViolation: ``field="bps"`` for a partner named twice.
    """
    parsed: dict[int, int] = {}
    for item in items:
        number, _, bps = item.partition(":")
        if int(number) in parsed:
            raise RuleViolation(f"partner {int(number)} is named twice", field="bps")
        parsed[int(number)] = int(bps)
    return parsed


@router.get(
    "/projects/{project_id}/snapshots/{snapshot_id}/columns/{tier}",
    response_model=ColumnMessageOut,
    responses=problems(401, 403, 404, 422),
)
def column_message(
    project_id: ProjectId,
    snapshot_id: SnapshotIdPath,
    tier: TierPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> ColumnMessageOut:
    """What partners sign to commit one tier's column of a stored snapshot."""
    with session_scope(runtime.engine) as session:
        snapshot_in_project(session, project_id, snapshot_id, tier)
        message = tier_rights.commit_message(session, ledger, snapshot_id=snapshot_id, tier=tier)
        column: RightsColumn = message["column"]
        return ColumnMessageOut(
            snapshot_id=snapshot_id,
            chain_project_id=message["project_id"],
            snapshot_number=message["snapshot_id"],
            tier=tier,
            tier_code=int(message["tier"]),
            column=ColumnOut.of(column, numbers_of(session, project_id)),
            root=message["root"].hex(),
            inputs_hash=message["inputs_hash"].hex(),
            column_hash=column.column_hash().hex(),
        )


@router.post(
    "/projects/{project_id}/snapshots/{snapshot_id}/columns/{tier}",
    response_model=CommittedColumnOut,
    responses=problems(401, 403, 404, 409, 422, 502, 503),
)
def commit_column(
    project_id: ProjectId,
    snapshot_id: SnapshotIdPath,
    tier: TierPath,
    body: CommitIn,
    caller: Annotated[Principal, allowed("rights.commit")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> CommittedColumnOut:
    """Commit a snapshot's tier column on chain with a quorum of partners' signatures; a
    snapshot number at or below the tier's last one is refused by the chain (409)."""
    with session_scope(runtime.engine) as session:
        snapshot_in_project(session, project_id, snapshot_id, tier)
        tx_hash = tier_rights.commit(
            session, ledger, snapshot_id=snapshot_id, tier=tier, signatures=body.signatures
        )
        project = get_project(session, project_id)
        assert project.chain_project_id is not None
        held = ledger.rights.column(project.chain_project_id, ChainTier[tier.upper()])
        return CommittedColumnOut.of(tier, held, numbers_of(session, project_id), tx_hash)


@router.get(
    "/projects/{project_id}/columns/{tier}",
    response_model=CommittedColumnOut,
    responses=problems(401, 403, 404, 422, 502, 503),
)
def committed_column(
    project_id: ProjectId,
    tier: TierPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> CommittedColumnOut:
    """The tier's column committed on chain now (what its revenue is split by)."""
    with session_scope(runtime.engine) as session:
        project = get_project(session, project_id)
        assert project.chain_project_id is not None
        held = ledger.rights.column(project.chain_project_id, ChainTier[tier.upper()])
        return CommittedColumnOut.of(tier, held, numbers_of(session, project_id))


@router.get(
    "/projects/{project_id}/split/proposal",
    response_model=SplitOut,
    responses=problems(401, 403, 404, 422, 502, 503),
)
def split_proposal(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    bps: Annotated[
        list[Annotated[str, StringConstraints(pattern=r"^[0-9]{1,3}:[0-9]{1,5}$")]],
        Query(
            min_length=1,
            max_length=MAX_PARTNERS,
            description="`number:bps` for every partner, e.g. `bps=1:2000&bps=2:8000`.",
        ),
    ],
) -> SplitOut:
    """The derivative split every partner signs: the given bps, with the next nonce."""
    with session_scope(runtime.engine) as session:
        project = get_project(session, project_id)
        assert project.chain_project_id is not None
        split = tier_rights.split_proposal(
            session, ledger, project_id=project_id, bps=parse_bps(bps)
        )
        return SplitOut.of(project.chain_project_id, split, numbers_of(session, project_id))


@router.post(
    "/projects/{project_id}/split",
    response_model=SplitOut,
    responses=problems(401, 403, 404, 409, 422, 502, 503),
)
def negotiate_split(
    project_id: ProjectId,
    body: SplitIn,
    caller: Annotated[Principal, allowed("split.negotiate")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> SplitOut:
    """Set the derivative tier's revenue split with every partner's signature; derivative
    revenue follows it from then on, instead of the derivative column."""
    with session_scope(runtime.engine) as session:
        project = get_project(session, project_id)
        assert project.chain_project_id is not None
        tx_hash = tier_rights.set_negotiated_split(
            session, ledger, project_id=project_id, bps=body.bps, signatures=body.signatures
        )
        held = ledger.rights.negotiated_split(project.chain_project_id)
        return SplitOut.of(project.chain_project_id, held, numbers_of(session, project_id), tx_hash)


@router.get(
    "/projects/{project_id}/split",
    response_model=SplitOut,
    responses=problems(401, 403, 404, 422, 502, 503),
)
def current_split(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> SplitOut:
    """The derivative split set on chain now; `nonce` 0 while none was."""
    with session_scope(runtime.engine) as session:
        project = get_project(session, project_id)
        assert project.chain_project_id is not None
        held = ledger.rights.negotiated_split(project.chain_project_id)
        return SplitOut.of(project.chain_project_id, held, numbers_of(session, project_id))
