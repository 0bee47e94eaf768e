"""Hypothesis strategies for the equity engine: projects, agreements, contributions."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from ledger.equity import Agreement, Contribution, Kind, Partner, Side, Tier


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
