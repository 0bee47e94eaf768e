"""The equity matrix as the stored snapshots hold it: what the equity routes answer.

Every share is an integer number of bps; each column's rights (and the application tier's
profit), the tier weights and the payout vector sum to 10000. Payouts are wei (strings).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas import Address, Wei
from ledger import equity_views

Tier = Literal["core", "application", "derivative"]
Side = Literal["foreign", "local"]


class SnapshotSummaryOut(BaseModel):
    """A snapshot in the project's history."""

    id: int
    number: int = Field(description="Its place in the project's chain of snapshots (1, 2, …).")
    milestone: int | None = Field(description="The number of the milestone it was taken for.")
    reason: str
    cutoff: datetime = Field(description="Contributions recorded at or before it count.")
    cutoff_us: int = Field(description="The cutoff in microseconds since the epoch.")
    agreement_version: int
    inputs_hash: str = Field(description="sha256 of the snapshot's canonical inputs.")
    previous_hash: str | None = Field(description="The inputs' hash of the snapshot before.")
    supersedes: int | None = Field(description="The id of the snapshot this one replaced.")
    superseded_by: int | None = Field(description="The id of the snapshot that replaced it.")
    last_contribution_id: int = Field(description="The highest contribution id it looked at.")
    amount: Wei | None = Field(description="The milestone's amount in wei, if any.")
    payout_root: str | None = Field(description="The root of the payout tree, with an amount.")
    created_at: datetime

    @classmethod
    def fields_of(cls, summary: equity_views.Summary) -> dict[str, object]:
        row = summary.row
        return {
            "id": row.id,
            "number": row.number,
            "milestone": summary.milestone,
            "reason": row.reason,
            "cutoff": summary.cutoff,
            "cutoff_us": row.cutoff_us,
            "agreement_version": row.agreement_version,
            "inputs_hash": row.inputs_hash,
            "previous_hash": row.previous_hash,
            "supersedes": row.supersedes_id,
            "superseded_by": summary.superseded_by,
            "last_contribution_id": row.last_contribution_id,
            "amount": row.amount,
            "payout_root": row.payout_root,
            "created_at": row.created_at,
        }

    @classmethod
    def of(cls, summary: equity_views.Summary) -> SnapshotSummaryOut:
        return cls.model_validate(cls.fields_of(summary))


class ShareOut(BaseModel):
    """One partner's entry in a tier's column."""

    partner_number: int
    address: Address
    side: Side
    rights_bps: int
    profit_bps: int | None = Field(description="The application tier's profit share, else null.")


class TierOut(BaseModel):
    """A tier's column: its rights (and profit) shares sum to 10000 bps each."""

    tier: Tier
    weight_bps: int = Field(description="The tier's weight in the payout vector.")
    shares: list[ShareOut]


class EquityPayoutOut(BaseModel):
    """A partner's entry of the payout vector."""

    partner_number: int
    address: Address
    payout_address: Address
    bps: int
    wei: Wei | None = Field(description="Its payout of the milestone's amount, if any.")


class SnapshotOut(SnapshotSummaryOut):
    """A whole snapshot: the matrix by tier and the payout vector."""

    tiers: list[TierOut] = Field(description="The tiers that have a column, in tier order.")
    payout_vector: list[EquityPayoutOut] = Field(description="Every partner by number; 10000 bps.")
    left_out: list[int] = Field(description="Contribution ids it did not count (disputed).")

    @classmethod
    def of(cls, view: equity_views.SnapshotView) -> SnapshotOut:  # type: ignore[override]
        return cls.model_validate(
            {
                **cls.fields_of(view),
                "tiers": [
                    {
                        "tier": column.tier,
                        "weight_bps": column.weight_bps,
                        "shares": [vars(share) for share in column.shares],
                    }
                    for column in view.columns
                ],
                "payout_vector": [vars(p) for p in view.payouts],
                "left_out": view.left_out,
            }
        )


class PartnerSharesOut(BaseModel):
    """One partner's part of one snapshot."""

    snapshot_id: int
    snapshot_number: int
    milestone: int | None
    cutoff: datetime
    rights_bps: dict[str, int] = Field(
        description="Rights by tier, for the tiers that have a column (0 where it has none)."
    )
    profit_bps: int | None = Field(
        description="Its application profit share, if that tier has a column."
    )
    payout_bps: int
    payout_wei: Wei | None = Field(description="Its payout of the snapshot's amount, if any.")

    @classmethod
    def of(cls, shares: equity_views.PartnerShares) -> PartnerSharesOut:
        row = shares.snapshot.row
        assert row.id is not None
        return cls(
            snapshot_id=row.id,
            snapshot_number=row.number,
            milestone=shares.snapshot.milestone,
            cutoff=shares.snapshot.cutoff,
            rights_bps=shares.rights_bps,
            profit_bps=shares.profit_bps,
            payout_bps=shares.payout_bps,
            payout_wei=shares.payout_wei,
        )


class MilestoneSharesOut(BaseModel):
    """One partner's part of a milestone, through the milestone's current snapshot."""

    milestone: int
    state: str
    amount: Wei
    shares: PartnerSharesOut


class PartnerEquityOut(BaseModel):
    """A partner's shares now and at each milestone that has a snapshot."""

    partner_number: int
    address: Address
    name: str
    side: Side
    current: PartnerSharesOut | None = Field(description="In the latest snapshot, if any.")
    milestones: list[MilestoneSharesOut]
    payout_total_wei: Wei = Field(description="Its payouts of the milestones not rejected.")

    @classmethod
    def of(cls, view: equity_views.PartnerEquity) -> PartnerEquityOut:
        return cls(
            partner_number=view.partner.number,
            address=view.partner.address,
            name=view.partner.name,
            side=view.partner.side,  # type: ignore[arg-type]
            current=None if view.current is None else PartnerSharesOut.of(view.current),
            milestones=[
                MilestoneSharesOut(
                    milestone=m.number,
                    state=m.state,
                    amount=m.amount,
                    shares=PartnerSharesOut.of(m.shares),
                )
                for m in view.milestones
            ],
            payout_total_wei=view.payout_total_wei,
        )
