"""The equity engine: exact, reproducible equity matrices, payouts and revenue splits.

Pure functions over frozen dataclasses; integers and :class:`fractions.Fraction` only.
See ``docs/equity.md`` for the algorithm, the rounding rules and the decisions taken.
"""

from ledger.equity.accumulator import Accumulator
from ledger.equity.canonical import inputs_document, inputs_hash
from ledger.equity.engine import (
    Recalculation,
    Snapshot,
    Totals,
    compute_history,
    compute_snapshot,
)
from ledger.equity.model import (
    BPS,
    KINDS,
    SIDES,
    TIERS,
    UNBOUNDED,
    Agreement,
    Bracket,
    Contribution,
    Kind,
    Partner,
    Side,
    Tier,
    default_brackets,
)
from ledger.equity.revenue import allocate, foreign_part, split_revenue
from ledger.equity.rounding import largest_remainder, largest_remainder_exact
from ledger.equity.tiers import Column, Share

__all__ = [
    "BPS",
    "KINDS",
    "SIDES",
    "TIERS",
    "UNBOUNDED",
    "Accumulator",
    "Agreement",
    "Bracket",
    "Column",
    "Contribution",
    "Kind",
    "Partner",
    "Recalculation",
    "Share",
    "Side",
    "Snapshot",
    "Tier",
    "Totals",
    "allocate",
    "compute_history",
    "compute_snapshot",
    "default_brackets",
    "foreign_part",
    "inputs_document",
    "inputs_hash",
    "largest_remainder",
    "largest_remainder_exact",
    "split_revenue",
]
