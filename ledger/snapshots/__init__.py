"""Snapshots of a project's equity matrix, stored, chained and recomputable.

:func:`take` computes the next snapshot of a project incrementally: it resumes an
:class:`~ledger.equity.Accumulator` from the previous snapshot's stored state (values per
partner, tier and kind; the inputs' hash; the cutoff), adds the contributions recorded
since (ids above the previous watermark) and applies the status changes of older ones
(a dispute opened or resolved). Its cost grows with what changed, not with everything
ever contributed. :func:`recompute` rebuilds every snapshot of a project from the raw
contributions and the agreement versions, and :func:`verify` says where the stored ones
differ from it.

A snapshot with a milestone amount also stores the payout of each partner (wei, summing to
the amount exactly) and the root of the payout tree the escrow will verify claims
against (leaf ``i`` pays partner ``i + 1`` at its payout address; see
:mod:`ledger.chain.payout_tree`). History is append-only: a ruling takes a new snapshot
that names the one it supersedes.
"""

from ledger.snapshots._reads import (
    EPOCH,
    equity_contribution,
    get,
    history,
    latest,
    micros,
    micros_of,
    payout_tree,
)
from ledger.snapshots._taking import Correction, preview_correction, take
from ledger.snapshots._verify import Mismatch, recompute, verify

__all__ = [
    "EPOCH",
    "Correction",
    "Mismatch",
    "equity_contribution",
    "get",
    "history",
    "latest",
    "micros",
    "micros_of",
    "payout_tree",
    "preview_correction",
    "recompute",
    "take",
    "verify",
]
