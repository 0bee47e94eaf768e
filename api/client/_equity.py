"""The client's calls on the equity resources (see docs/api/equity.md)."""

from __future__ import annotations

from typing import Any

from api.client._base import Base


class EquityApi(Base):
    """Calls on the equity routes (shares in bps, payouts in wei as strings)."""

    def equity(self, project_id: int) -> dict[str, Any]:
        """The project's latest snapshot: the matrix by tier and the payout vector."""
        return self.get(f"/v1/projects/{project_id}/equity")  # type: ignore[no-any-return]

    def milestone_equity(self, project_id: int, number: int) -> dict[str, Any]:
        """The current snapshot of the project's milestone ``number``."""
        return self.get(f"/v1/projects/{project_id}/equity/milestones/{number}")  # type: ignore[no-any-return]

    def equity_history(self, project_id: int, **params: Any) -> dict[str, Any]:
        """One page of the project's snapshots, oldest first (``limit``, ``cursor``)."""
        return self.get(f"/v1/projects/{project_id}/equity/snapshots", **params)  # type: ignore[no-any-return]

    def snapshot(self, project_id: int, snapshot_id: int) -> dict[str, Any]:
        """One of the project's snapshots by id."""
        return self.get(f"/v1/projects/{project_id}/equity/snapshots/{snapshot_id}")  # type: ignore[no-any-return]

    def partner_equity(self, project_id: int, partner: str | int) -> dict[str, Any]:
        """A partner's shares (by its address or number) now and at each milestone."""
        return self.get(f"/v1/projects/{project_id}/equity/partners/{partner}")  # type: ignore[no-any-return]
