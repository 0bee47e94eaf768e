"""The demo's state while it runs: everyone's client and key, and what the project holds.

Each party holds its own API key (a :class:`~api.client.Client`) and its own chain account,
and signs inside its client; the demo never opens the server's database or chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_account.signers.local import LocalAccount
from rich.console import Console

from api.client import Client
from api.demo.cast import Cast
from api.demo.engine import Engine
from api.demo.results import DemoResult
from ledger.equity import Snapshot, Tier
from ledger.simulation.scenario import Scenario


@dataclass
class Story:
    """One run of the demo."""

    console: Console
    scenario: Scenario
    cast: Cast
    admin: Client
    engine: Engine
    result: DemoResult
    project_id: int = 0
    clients: dict[str, Client] = field(default_factory=dict)
    milestone_ids: dict[int, int] = field(default_factory=dict)
    committed: dict[Tier, Snapshot] = field(default_factory=dict)
    assets: dict[int, dict[str, Any]] = field(default_factory=dict)
    negotiated: dict[int, int] | None = None

    # ------------------------------------------------------------------ partners

    @property
    def keys(self) -> list[str]:
        """The partners' keys in the scenario's order (their numbers are 1, 2, …)."""
        return [p.key for p in self.scenario.partners]

    def number(self, key: str) -> int:
        return self.scenario.partner_id(key)

    @property
    def names(self) -> dict[int, str]:
        """Each partner's key by number: the short name the tables use."""
        return {self.number(k): k for k in self.keys}

    def account(self, key: str) -> LocalAccount:
        return self.cast.partners[key]

    def accounts(self, keys: list[str]) -> list[LocalAccount]:
        return [self.cast.partners[k] for k in keys]

    def partner(self, key: str) -> Client:
        """Partner ``key``'s own client."""
        return self.clients[key]

    @property
    def quorum(self) -> list[str]:
        """The first partners, as many as a release or a column commit needs."""
        return self.keys[: self.scenario.agreement.quorum.partners]

    def quorum_from(self, start: int) -> list[str]:
        """A quorum of partners starting at the ``start``-th (cyclic), so each signs in turn."""
        size = self.scenario.agreement.quorum.partners
        keys = self.keys
        return [keys[(start + i) % len(keys)] for i in range(size)]

    @property
    def arbiter_signs(self) -> LocalAccount | None:
        """The arbiter's account where the agreement's quorum needs its signature."""
        return self.cast.arbiter if self.scenario.agreement.quorum.arbiter else None
