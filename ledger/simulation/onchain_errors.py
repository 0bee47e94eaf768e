"""What stops an on-chain replay: a difference from the model, or a step a contract refused.

Both are :class:`~ledger.errors.Conflict` errors (the chain and the model disagree) and
name the run's index and its own seed, from which
:func:`~ledger.simulation.world.draw_world` draws the run again alone.
"""

from __future__ import annotations

from ledger.errors import Conflict, ContractReverted


class ReplayMismatch(Conflict):
    """The chain paid or held otherwise than the model says.

    Attributes:
        index: The run's index in its simulation.
        seed: The run's own seed (``World.seed``: :func:`~ledger.simulation.world.draw_world`
            draws the run again from it alone).
        what: What differs: ``milestone 2 payout``, ``revenue of asset 1 payment 3``, …
        partner_id: The first partner (by id) that differs; ``None`` for a project total.
        partner_key: Its key in the scenario.
        expected: The model's amount.
        actual: The chain's amount.
        unit: ``wei``; ``bps`` for a committed column; empty for a snapshot number.
    """

    title = "On-chain replay mismatch"

    def __init__(
        self,
        *,
        index: int,
        seed: int,
        what: str,
        expected: int,
        actual: int,
        partner_id: int | None = None,
        partner_key: str | None = None,
        unit: str = "wei",
    ) -> None:
        who = f", partner {partner_id} ({partner_key})" if partner_id is not None else ""
        suffix = f" {unit}" if unit else ""
        super().__init__(
            f"run {index} (seed {seed}): {what}{who}: the model says {expected}{suffix}, "
            f"the chain {actual}{suffix}",
            index=index,
            seed=seed,
            what=what,
            partner_id=partner_id,
            partner_key=partner_key,
            expected=expected,
            actual=actual,
            unit=unit,
        )
        self.index = index
        self.seed = seed
        self.what = what
        self.partner_id = partner_id
        self.partner_key = partner_key
        self.expected = expected
        self.actual = actual
        self.unit = unit


class ReplayRefused(Conflict):
    """A contract refused a step of the replay (e.g. a column outside the agreement's band).

    Attributes:
        index: The run's index.
        seed: The run's own seed.
        what: The step: ``funding``, ``milestone 2 (…) core column``, ``revenue of …``.
        reverted: The contract's decoded error.
    """

    title = "On-chain replay refused"

    def __init__(self, *, index: int, seed: int, what: str, reverted: ContractReverted) -> None:
        super().__init__(
            f"run {index} (seed {seed}): {what}: the chain refused it: {reverted.message}",
            index=index,
            seed=seed,
            what=what,
            contract=reverted.contract,
            error=reverted.error,
        )
        self.index = index
        self.seed = seed
        self.what = what
        self.reverted = reverted
