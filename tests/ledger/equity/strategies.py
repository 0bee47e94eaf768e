"""Hypothesis strategies for the equity engine: projects, agreements, contributions."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from hypothesis import strategies as st

from ledger.equity import Agreement, Contribution, Kind, Partner, Recalculation, Side, Tier


@dataclass(frozen=True)
class Case:
    agreement: Agreement
    partners: tuple[Partner, ...]
    contributions: tuple[Contribution, ...]
    cutoff: int


@st.composite
def partners(draw: st.DrawFn, min_size: int = 2, max_size: int = 8) -> tuple[Partner, ...]:
    """Partners with unique ids (gaps allowed), at least one on each side, in random order."""
    ids = draw(st.lists(st.integers(1, 60), min_size=min_size, max_size=max_size, unique=True))
    sides = [Side.FOREIGN, Side.LOCAL] + [draw(st.sampled_from(Side)) for _ in range(len(ids) - 2)]
    return tuple(draw(st.permutations([Partner(i, s) for i, s in zip(ids, sides, strict=True)])))


@st.composite
def agreements(draw: st.DrawFn) -> Agreement:
    lo = draw(st.integers(0, 10_000))
    hi = draw(st.integers(lo, 10_000))
    coefficients = draw(st.dictionaries(st.sampled_from(Kind), st.integers(0, 3000)))
    fixed = None
    if draw(st.booleans()):
        core = draw(st.integers(0, 10_000))
        application = draw(st.integers(0, 10_000 - core))
        fixed = {
            "core": core,
            "application": application,
            "derivative": 10_000 - core - application,
        }
    return Agreement(
        coefficients=coefficients,
        core_lo=lo,
        core_hi=hi,
        derivative_lead=draw(st.integers(0, 10_000)),
        tier_weights=fixed,
    )


values = st.one_of(st.integers(0, 1000), st.integers(0, 10**24))


@st.composite
def contributions(draw: st.DrawFn, ids: list[int], max_size: int = 30) -> tuple[Contribution, ...]:
    return tuple(
        draw(
            st.lists(
                st.builds(
                    Contribution,
                    partner_id=st.sampled_from(ids),
                    tier=st.sampled_from(Tier),
                    kind=st.sampled_from(Kind),
                    value=values,
                    recorded_at=st.integers(0, 100),
                    disputed=st.sampled_from((False, False, False, True)),
                ),
                min_size=1,
                max_size=max_size,
            )
        )
    )


@st.composite
def cases(draw: st.DrawFn, agreement: st.SearchStrategy[Agreement] | None = None) -> Case:
    people = draw(partners())
    return Case(
        agreement=draw(agreement if agreement is not None else agreements()),
        partners=people,
        contributions=draw(contributions([p.id for p in people])),
        cutoff=draw(st.integers(0, 100)),
    )


@dataclass(frozen=True)
class History:
    """A project's record at successive milestones.

    Attributes:
        partners: Every partner, fixed over the history.
        contributions: Every contribution ever recorded, none flagged disputed.
        cutoffs: One per milestone, non-decreasing.
        disputed: Per milestone, the indices of the contributions under an open dispute.
        agreements: Per milestone, the terms in force (amended now and then).
    """

    partners: tuple[Partner, ...]
    contributions: tuple[Contribution, ...]
    cutoffs: tuple[int, ...]
    disputed: tuple[frozenset[int], ...]
    agreements: tuple[Agreement, ...]

    def counts(self, step: int, index: int) -> bool:
        """Whether contribution ``index`` counts at milestone ``step``."""
        recorded = self.contributions[index].recorded_at <= self.cutoffs[step]
        return recorded and index not in self.disputed[step]

    def recalculation(self, step: int, rnd: random.Random) -> Recalculation:
        """The record at milestone ``step``, contributions and partners in a random order."""
        record = [
            replace(c, disputed=i in self.disputed[step]) for i, c in enumerate(self.contributions)
        ]
        return Recalculation(
            cutoff=self.cutoffs[step],
            agreement=self.agreements[step],
            partners=tuple(rnd.sample(self.partners, len(self.partners))),
            contributions=tuple(rnd.sample(record, len(record))),
        )


@st.composite
def histories(draw: st.DrawFn, max_steps: int = 5) -> History:
    """Up to ``max_steps`` milestones; duplicates, disputes and amendments included."""
    people = draw(partners())
    pool = [replace(c, disputed=False) for c in draw(contributions([p.id for p in people]))]
    pool += draw(st.lists(st.sampled_from(pool), max_size=3))  # identical contributions
    steps = draw(st.integers(1, max_steps))
    cutoffs = sorted(draw(st.lists(st.integers(0, 100), min_size=steps, max_size=steps)))
    indices = st.integers(0, len(pool) - 1)
    disputed = [draw(st.frozensets(indices, max_size=len(pool) // 3 + 1)) for _ in cutoffs]
    terms = [draw(agreements())]
    for _ in cutoffs[1:]:
        terms.append(draw(st.one_of(st.just(terms[-1]), agreements())))
    return History(
        partners=people,
        contributions=tuple(pool),
        cutoffs=tuple(cutoffs),
        disputed=tuple(disputed),
        agreements=tuple(terms),
    )
