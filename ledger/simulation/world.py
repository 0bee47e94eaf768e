"""One drawn history of a scenario: the timeline, the contributions, the disputes, the revenue.

What happens in a run does not depend on the rule that shares the money: every rule of a
comparison is applied to the same :class:`World` (common random numbers), so differences
between rules are the rules' alone. A world is drawn from a seed with
:class:`random.Random` and is the same on every machine and in every process.

The timeline, in days from the scenario's start (DESIGN.md, "Milestones, escrow, disputes"):

- Milestone k is ready at ``due_day + delay`` (and never before the day after milestone
  k−1 was submitted). With probability ``1 − p_success`` it fails there and the project
  stops: it and every later milestone are never released.
- Otherwise it is submitted that day: its snapshot's cutoff is the end of that day's
  second ``day × 86400`` after the start. It is disputed with the scenario's dispute
  probability; the outcome decides when and whether it is released:
  ``settle`` (mediation; released as submitted), ``uphold`` (mediation fails, the arbiter
  approves), ``correct`` (the arbiter excludes one contribution of the milestone's period
  and a corrected snapshot supersedes the submitted one), ``reject`` (not released; the
  project goes on). Undisputed, it is released when the dispute window closes.
- Contributions arrive per stream as a Poisson process (``rate`` per 30 days) from
  ``from_day`` until ``until_day`` or the last submission, whichever is first. Each
  background IP deposit is one ``background_ip_license`` contribution on its day.
- Revenue payments of an asset: ``periods`` of them, one every ``period_days`` after the
  release of its ``after_milestone``; see :func:`revenue_amount` for the amounts.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from typing import Literal

from ledger.equity import Contribution, Kind
from ledger.simulation.scenario import Curve, Outcome, Scenario

DAY = 86_400
#: Fixed-point scale for the curve factor, so that money is computed in integers.
SCALE = 10**6

State = Literal["released", "rejected", "failed", "not_reached"]


@dataclass(frozen=True)
class MilestoneDraw:
    """What happened to one milestone in a run.

    Attributes:
        state: ``released``, ``rejected`` (by the arbiter), ``failed`` (the project
            stopped there) or ``not_reached`` (an earlier one failed).
        submitted_day: Day of submission (the snapshot's cutoff); ``None`` unless submitted.
        decided_day: Day it was released or rejected, or failed; ``None`` if not reached.
        dispute: The dispute's outcome if one was opened.
        excluded: Index in :attr:`World.contributions` of the contribution a ``correct``
            ruling excluded (``None`` if the period had none or there was no such ruling).
    """

    state: State
    submitted_day: int | None = None
    decided_day: int | None = None
    dispute: Outcome | None = None
    excluded: int | None = None


@dataclass(frozen=True)
class RevenueDraw:
    """One revenue payment of an asset: ``amount`` wei, ``period`` periods after its start."""

    asset: int
    period: int
    amount: int


@dataclass(frozen=True)
class World:
    """One history of a scenario, shared by every rule it is run under.

    Attributes:
        seed: The run's seed.
        start: The scenario's start as a Unix timestamp (UTC midnight).
        milestones: One draw per milestone, in order.
        contributions: Every contribution, by the time it was recorded.
        revenue: Every revenue payment that would be made if its asset's milestone is
            released, by asset and period.
    """

    seed: int
    start: int
    milestones: tuple[MilestoneDraw, ...]
    contributions: tuple[Contribution, ...]
    revenue: tuple[RevenueDraw, ...]

    def cutoff(self, day: int) -> int:
        """The timestamp at the end of ``day``: contributions recorded by then count."""
        return end_of_day(self.start, day)

    @property
    def completed(self) -> bool:
        """True if no milestone failed: every one was released or rejected."""
        return all(m.state in ("released", "rejected") for m in self.milestones)

    @property
    def disputes(self) -> int:
        """How many milestones were disputed."""
        return sum(m.dispute is not None for m in self.milestones)


def end_of_day(start: int, day: int) -> int:
    """The last second of ``day`` (days counted from ``start``, a Unix timestamp)."""
    return start + (day + 1) * DAY - 1


def run_seed(seed: int, index: int) -> int:
    """The seed of run ``index`` of a simulation seeded with ``seed`` (a 63-bit integer)."""
    mixed = random.Random(f"ipledger-run:{seed}:{index}")
    return mixed.getrandbits(63)


def draw_world(scenario: Scenario, seed: int) -> World:
    """Draw one history of ``scenario`` from ``seed``."""
    rng = random.Random(seed)
    start = int(dt.datetime.combine(scenario.start, dt.time(), dt.UTC).timestamp())
    timeline = _timeline(scenario, rng)
    last_day = max(
        (m.decided_day if m.state == "failed" else m.submitted_day) or 0 for m in timeline
    )
    contributions = _contributions(scenario, rng, start, last_day)
    timeline = _exclusions(timeline, contributions, rng, start)
    revenue = tuple(
        RevenueDraw(index, period, revenue_amount(asset.revenue, period, rng))
        for index, asset in enumerate(scenario.assets)
        for period in range(asset.revenue.periods)
    )
    return World(seed, start, tuple(timeline), contributions, revenue)


def _timeline(scenario: Scenario, rng: random.Random) -> list[MilestoneDraw]:
    disputes = scenario.disputes
    outcomes = list(disputes.outcomes)
    odds = [disputes.outcomes[o] for o in outcomes]
    window = math.ceil(scenario.agreement.deadlines.dispute_window / DAY)
    arbitration = math.ceil(scenario.agreement.deadlines.arbitration_period / DAY)
    draws: list[MilestoneDraw] = []
    previous = 0
    for milestone in scenario.milestones:
        if draws and draws[-1].state in ("failed", "not_reached"):
            draws.append(MilestoneDraw("not_reached"))
            continue
        ready = max(milestone.due_day + milestone.delay_days.draw_int(rng), previous + 1)
        if rng.random() >= milestone.p_success:
            draws.append(MilestoneDraw("failed", decided_day=ready))
            continue
        previous = ready
        if rng.random() >= disputes.probability:
            draws.append(MilestoneDraw("released", ready, ready + window))
            continue
        outcome = rng.choices(outcomes, odds)[0]
        days = disputes.mediation_days.draw_int(rng)
        if outcome != "settle":
            days += arbitration
        state = "rejected" if outcome == "reject" else "released"
        draws.append(MilestoneDraw(state, ready, ready + max(days, 1), outcome))
    return draws


def _contributions(
    scenario: Scenario, rng: random.Random, start: int, last_day: int
) -> tuple[Contribution, ...]:
    drawn = [
        Contribution(
            partner_id=scenario.partner_id(deposit.owner),
            tier=deposit.tier,
            kind=Kind.BACKGROUND_IP_LICENSE,
            value=deposit.value,
            recorded_at=start + deposit.day * DAY,
        )
        for deposit in scenario.background
        if deposit.day <= last_day
    ]
    for stream in scenario.streams:
        partner = scenario.partner_id(stream.partner)
        end = last_day if stream.until_day is None else min(stream.until_day, last_day)
        per_day = stream.rate / 30
        day = float(stream.from_day)
        while True:
            day += rng.expovariate(per_day)
            if day > end:
                break
            drawn.append(
                Contribution(
                    partner_id=partner,
                    tier=stream.tier,
                    kind=stream.kind,
                    value=stream.value.draw_int(rng),
                    recorded_at=start + int(day * DAY),
                )
            )
    drawn.sort(key=lambda c: (c.recorded_at, c.partner_id))
    return tuple(drawn)


def _exclusions(
    timeline: list[MilestoneDraw],
    contributions: tuple[Contribution, ...],
    rng: random.Random,
    start: int,
) -> list[MilestoneDraw]:
    """Pick the contribution each ``correct`` ruling excludes, from its milestone's period."""
    out = []
    since = -1
    for draw in timeline:
        if draw.submitted_day is None:
            out.append(draw)
            continue
        cutoff = end_of_day(start, draw.submitted_day)
        if draw.dispute == "correct":
            period = [i for i, c in enumerate(contributions) if since < c.recorded_at <= cutoff]
            excluded = rng.choice(period) if period else None
            draw = MilestoneDraw(
                draw.state, draw.submitted_day, draw.decided_day, draw.dispute, excluded
            )
        since = cutoff
        out.append(draw)
    return out


def curve_factor(curve: Curve, period: int) -> float:
    """The shape of a revenue curve at ``period`` (0-based), between 0 and 1."""
    x = (period + 0.5) / curve.periods
    if curve.shape == "constant":
        return 1.0
    if curve.shape == "ramp":
        return (period + 1) / curve.periods
    if curve.shape == "decline":
        return 1 - period / curve.periods
    return 1 / (1 + math.exp(-10 * (x - 0.5)))


def revenue_amount(curve: Curve, period: int, rng: random.Random) -> int:
    """Wei of one payment: ``peak × shape × (1 + noise × N(0, 1))``, at least 0.

    The factor is drawn as a float and fixed to millionths; the amount is then computed
    in integers, so no wei comes from floating-point rounding.
    """
    factor = curve_factor(curve, period) * max(0.0, 1 + curve.noise * rng.gauss(0.0, 1.0))
    return curve.peak * round(factor * SCALE) // SCALE
