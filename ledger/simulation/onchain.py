"""On-chain replay of simulated runs: the model's money against the contracts', to the wei.

A :class:`Replayer` stages a scenario's consortium once on a fresh embedded chain
(:mod:`ledger.simulation.onchain_setup`) and takes a chain snapshot; each
:meth:`Replayer.replay` reverts to it, so every run starts from the same deployed state,
then walks the run's releases and revenue payments in time order:

- funding: the funder deposits the scenario's funding into the milestone escrow;
- a release: the quorum signs the release (EIP-712) of a payout tree built from the
  release's snapshot, as the ledger builds it (leaf ``i`` pays partner ``i + 1``); the
  snapshot's tier columns are committed to TieredRights (the chain checks Table 2's band,
  equality and lead on them); once the dispute window has passed, a relayer claims every
  leaf and each partner's balance must have grown by exactly its payout in the outcome;
- a revenue payment: the payer deposits it for the asset and RevenueSharing splits it
  itself, from the committed column and the agreement's brackets (or the negotiated split,
  set by every partner before the first derivative payment); each partner's credit must
  equal its share in the outcome.

The first difference stops the replay with a :class:`ReplayMismatch` naming the run, its
seed, the milestone or payment and the partner; a step a contract refuses stops it with a
:class:`ReplayRefused` naming the run, its seed, the step and the contract's error.
See ``docs/simulation.md``, "Replaying runs on chain".
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import TracebackType

from ledger.chain.compiler import Build
from ledger.errors import ContractReverted, RuleViolation
from ledger.simulation.onchain_errors import ReplayMismatch, ReplayRefused
from ledger.simulation.onchain_run import RunReplay
from ledger.simulation.onchain_setup import Stage, require_tiered, stage
from ledger.simulation.rules import Outcome
from ledger.simulation.scenario import Scenario

__all__ = ["ReplayMismatch", "ReplayRefused", "ReplayResult", "Replayer"]


@dataclass(frozen=True)
class ReplayResult:
    """What replaying one run did on chain.

    Attributes:
        index: The run's index.
        seed: The run's own seed.
        releases: Milestones released (and fully claimed).
        payments: Revenue payments deposited (zero payments are not sent: the contract
            refuses them, and the model shares nothing of them).
        transactions: Transactions sent, funding included.
        gas_used: Their gas.
        milestone_wei: Wei the partners received from the escrow.
        revenue_wei: Wei credited to the partners by RevenueSharing.
        seconds: Wall time of the replay.
    """

    index: int
    seed: int
    releases: int
    payments: int
    transactions: int
    gas_used: int
    milestone_wei: int
    revenue_wei: int
    seconds: float

    @property
    def wei_paid(self) -> int:
        """Every wei the run paid the partners."""
        return self.milestone_wei + self.revenue_wei


class Replayer:
    """Replays runs of one scenario under one tiered rule through the contracts.

    ``Replayer(scenario, rule="table2")`` stages the consortium (a few seconds, mostly
    deploying); then ``replay(index, seed, outcome)`` once per run. Use it as a context
    manager, or call :meth:`close`.

    Args:
        scenario: The validated scenario.
        rule: The rule's name (built in or the scenario's); its outcomes are replayed.
        build: The compiled contracts; by default compiled (or read from the build cache)
            as the ledger does, from the settings' data folder.

    Raises:
        ScenarioError: for an unknown rule.
        RuleViolation: for a rule that is not tiered (the contracts implement Table 2).
    """

    def __init__(self, scenario: Scenario, rule: str = "table2", *, build: Build | None = None):
        spec = require_tiered(scenario, rule)
        started = time.perf_counter()
        self.scenario = scenario
        self.rule = rule
        self.stage: Stage = stage(scenario, spec, build or _default_build())
        self._base = self.stage.chain.snapshot()
        self.setup_seconds = time.perf_counter() - started

    def __enter__(self) -> Replayer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the chain; the replayer must not be used afterwards."""
        self.stage.chain.close()

    def replay(self, index: int, seed: int, outcome: Outcome) -> ReplayResult:
        """Replay one run from the deployed state and compare every partner's money.

        Args:
            index: The run's index (for the report).
            seed: The run's own seed (``World.seed``), named by a mismatch.
            outcome: The run's outcome under this replayer's rule.

        Raises:
            RuleViolation: for an outcome of another rule, or money the development
                accounts cannot pay.
            ReplayMismatch: at the first amount that differs from the model.
            ReplayRefused: if a contract refuses a step (the model broke a rule the
                chain enforces, e.g. a column outside the agreement's band).
        """
        if outcome.rule != self.rule:
            raise RuleViolation(
                f"this replayer replays rule {self.rule!r}, the outcome is of {outcome.rule!r}",
                field="rule",
            )
        started = time.perf_counter()
        chain = self.stage.chain
        chain.revert(self._base)
        self._base = chain.snapshot()  # a node may drop a snapshot once reverted to it
        run = RunReplay(self.stage, self.scenario, outcome, index, seed)
        events: list[tuple[int, int, int]] = [(r.day, 0, i) for i, r in enumerate(outcome.releases)]
        events += [(p.day, 1, i) for i, p in enumerate(outcome.payments)]
        try:
            run.fund()
            for day, kind, position in sorted(events):  # on one day, releases first
                run.move_to(day)
                if kind == 0:
                    run.release(outcome.releases[position])
                else:
                    run.pay(outcome.payments[position])
        except ContractReverted as exc:
            raise ReplayRefused(index=index, seed=seed, what=run.step, reverted=exc) from None
        return ReplayResult(
            index=index,
            seed=seed,
            releases=len(outcome.releases),
            payments=run.payments,
            transactions=run.transactions,
            gas_used=run.gas_used,
            milestone_wei=run.milestone_wei,
            revenue_wei=run.revenue_wei,
            seconds=time.perf_counter() - started,
        )


def _default_build() -> Build:
    """The contracts as the ledger compiles them (the settings' build cache)."""
    from ledger.runtime import build_contracts
    from ledger.settings import get_settings

    return build_contracts(get_settings())
