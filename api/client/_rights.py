"""The client's calls on tier columns and the negotiated split (see docs/api/ip.md).

The client asks the server what to sign (a column's struct, a split), each partner's
account signs it with :class:`~ledger.client.Signer` over the tiered rights' domain, and
the client sends the signatures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eth_account.signers.local import LocalAccount

from api.client._base import Base
from ledger.chain.rights import NegotiatedSplit, RightsColumn


def _project(project_id: int) -> str:
    return f"/v1/projects/{project_id}"


class RightsApi(Base):
    """Calls on the tier column and negotiated split routes."""

    # ------------------------------------------------------------------ tier columns

    def tier_column_message(self, project_id: int, snapshot_id: int, tier: str) -> dict[str, Any]:
        """What partners sign to commit a snapshot's tier column."""
        path = f"{_project(project_id)}/snapshots/{snapshot_id}/columns/{tier}"
        return self.get(path)  # type: ignore[no-any-return]

    def commit_tier_column(
        self, project_id: int, snapshot_id: int, tier: str, accounts: Sequence[LocalAccount]
    ) -> dict[str, Any]:
        """Commit a snapshot's tier column: each of ``accounts`` (a quorum) signs it."""
        message = column_message(self.tier_column_message(project_id, snapshot_id, tier))
        signatures = [self.signer(a).rights_column(**message) for a in accounts]
        path = f"{_project(project_id)}/snapshots/{snapshot_id}/columns/{tier}"
        return self.post(path, {"signatures": signatures})  # type: ignore[no-any-return]

    def committed_column(self, project_id: int, tier: str) -> dict[str, Any]:
        """The tier's column committed on chain now."""
        return self.get(f"{_project(project_id)}/columns/{tier}")  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ negotiated split

    def split_proposal(self, project_id: int, bps: Mapping[int, int]) -> dict[str, Any]:
        """The derivative split every partner signs: ``bps`` by partner number."""
        pairs = [f"{number}:{share}" for number, share in bps.items()]
        return self.get(f"{_project(project_id)}/split/proposal", bps=pairs)  # type: ignore[no-any-return]

    def negotiate_split(
        self, project_id: int, bps: Mapping[int, int], accounts: Sequence[LocalAccount]
    ) -> dict[str, Any]:
        """Set the derivative split ``bps`` (by partner number): every partner in
        ``accounts`` signs it."""
        proposal = self.split_proposal(project_id, bps)
        split = negotiated_split(proposal)
        pid = proposal["chain_project_id"]
        signatures = [self.signer(a).negotiated_split(pid, split) for a in accounts]
        body = {"bps": {str(n): share for n, share in bps.items()}, "signatures": signatures}
        return self.post(f"{_project(project_id)}/split", body)  # type: ignore[no-any-return]

    def current_split(self, project_id: int) -> dict[str, Any]:
        """The derivative split set on chain now (``nonce`` 0: none)."""
        return self.get(f"{_project(project_id)}/split")  # type: ignore[no-any-return]


# ---------------------------------------------------------------------- what is signed


def column_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """``Signer.rights_column``'s arguments from a column's commit message."""
    column = message["column"]
    return {
        "project_id": message["chain_project_id"],
        "snapshot_id": message["snapshot_number"],
        "tier": message["tier_code"],
        "column": RightsColumn(
            tuple(column["partners"]), tuple(column["rights_bps"]), tuple(column["profit_bps"])
        ),
        "root": bytes.fromhex(message["root"]),
        "inputs_hash": bytes.fromhex(message["inputs_hash"]),
    }


def negotiated_split(proposal: Mapping[str, Any]) -> NegotiatedSplit:
    """The `NegotiatedSplit` of a proposal."""
    return NegotiatedSplit(proposal["nonce"], tuple(proposal["partners"]), tuple(proposal["bps"]))
