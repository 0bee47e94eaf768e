"""The pure equity engine's answer for the same contributions, and its comparison with the API's.

The demo keeps its own list of the contributions it registered and computes every snapshot
with :func:`ledger.equity.compute_history` (no database, no chain, no server), then checks
that the API's snapshot has the same columns, tier weights and payout vector in bps and the
same payouts in wei, and that each revenue payment splits as
:func:`ledger.equity.split_revenue` splits it over the engine's column. Any difference is a
:class:`~api.demo.errors.DemoError` naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.demo.cast import Planned
from api.demo.errors import DemoError
from ledger.equity import (
    Contribution,
    Recalculation,
    Snapshot,
    Tier,
    compute_history,
    split_revenue,
)
from ledger.simulation.scenario import Scenario


class Engine:
    """The engine's view of the project: the contributions counted, and the snapshots so far."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.terms = scenario.equity_terms()
        self.partners = scenario.engine_partners()
        self.names = {scenario.partner_id(p.key): p.name for p in scenario.partners}
        self.counted: dict[str, Contribution] = {}
        self.steps: list[Recalculation] = []
        self.snapshots: list[Snapshot] = []

    @property
    def latest(self) -> Snapshot:
        """The last snapshot computed."""
        return self.snapshots[-1]

    def add(self, planned: Planned, milestone: int) -> None:
        """Count a registered contribution from milestone ``milestone``'s cutoff on."""
        self.counted[planned.label] = Contribution(
            partner_id=self.scenario.partner_id(planned.partner),
            tier=planned.tier,
            kind=planned.kind,
            value=planned.value,
            recorded_at=milestone,
        )

    def exclude(self, label: str) -> None:
        """Leave a contribution out from now on (a settlement rejected it)."""
        del self.counted[label]

    def snapshot(self, milestone: int) -> Snapshot:
        """The next snapshot of the history, at milestone ``milestone``'s cutoff."""
        contributions = tuple(self.counted.values())
        self.steps.append(Recalculation(milestone, self.terms, self.partners, contributions))
        self.snapshots = compute_history(self.steps)
        return self.snapshots[-1]

    # ------------------------------------------------------------------ checks

    def check_snapshot(self, served: Mapping[str, Any], expected: Snapshot, what: str) -> None:
        """The API's snapshot equals the engine's, bps for bps and wei for wei.

        Raises:
            DemoError: naming the first difference.
        """
        columns = {
            t["tier"]: {s["partner_number"]: s["rights_bps"] for s in t["shares"]}
            for t in served["tiers"]
        }
        theirs = {tier.value: column.rights() for tier, column in expected.columns.items()}
        _same(f"{what}: rights bps by tier", columns, theirs)
        profit = {
            t["tier"]: {s["partner_number"]: s["profit_bps"] for s in t["shares"]}
            for t in served["tiers"]
            if t["tier"] == Tier.APPLICATION
        }
        expected_profit = {
            tier.value: {s.partner_id: s.profit for s in column.shares}
            for tier, column in expected.columns.items()
            if tier is Tier.APPLICATION
        }
        _same(f"{what}: application profit bps", profit, expected_profit)
        weights = {t["tier"]: t["weight_bps"] for t in served["tiers"]}
        _same(f"{what}: tier weights", weights, {t.value: w for t, w in expected.weights.items()})
        vector = {p["partner_number"]: p["bps"] for p in served["payout_vector"]}
        _same(f"{what}: payout vector", vector, dict(expected.payout_vector))
        paid = {p["partner_number"]: int(p["wei"]) for p in served["payout_vector"]}
        _same(f"{what}: payouts in wei", paid, expected.payouts(int(served["amount"])))

    def check_split(
        self,
        payment: Mapping[str, Any],
        snapshot: Snapshot,
        negotiated: Mapping[int, int] | None,
        what: str,
    ) -> dict[int, int]:
        """A revenue payment's split as served equals the engine's; the split by number.

        Raises:
            DemoError: naming the first partner whose share differs.
        """
        tier = Tier(payment["tier"])
        split = {share["number"]: int(share["wei"]) for share in payment["split"]}
        expected = split_revenue(
            tier,
            int(payment["amount"]),
            int(payment["cumulative_before"]),
            snapshot.columns[tier],
            self.terms.brackets,
            negotiated if tier is Tier.DERIVATIVE else None,
        )
        everyone = {p.id: expected.get(p.id, 0) for p in self.partners}
        _same(f"{what}: revenue split in wei", split, everyone)
        return split


def _same(what: str, served: Mapping[Any, Any], expected: Mapping[Any, Any]) -> None:
    if dict(served) == dict(expected):
        return
    for key in sorted(set(served) | set(expected), key=str):
        if served.get(key) != expected.get(key):
            raise DemoError(
                f"{what} differ from the pure engine's at {key}: the API says "
                f"{served.get(key)}, ledger.equity says {expected.get(key)}"
            )
    raise DemoError(f"{what} differ from the pure engine's")  # pragma: no cover - unreachable
