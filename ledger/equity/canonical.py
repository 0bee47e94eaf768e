"""The inputs' hash of a snapshot: sha256 over a canonical JSON document.

The document (JSON, keys sorted, no whitespace, ASCII only)::

    {"agreement": {"brackets": [[cap, foreign_bps], ...],
                   "coefficients": {kind: per_mille, ...},   # every kind
                   "core_hi": int, "core_lo": int, "derivative_lead": int,
                   "tier_weights": "by_contribution" | {tier: bps, ...}},
     "contributions": [[partner_id, tier, kind, value, recorded_at], ...],  # sorted
     "cutoff": int,
     "partners": [[id, side], ...],                                        # sorted
     "version": "ipledger-equity/1"}

Only the contributions that count are listed (recorded at or before the cutoff and not
under dispute), sorted as Python sorts those lists; so the same inputs in any order
give the same hash, and anyone can rebuild it with ``json.dumps(doc, sort_keys=True,
separators=(",", ":"))``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from ledger.equity.model import Agreement, Partner

VERSION = "ipledger-equity/1"


def agreement_document(agreement: Agreement) -> dict[str, Any]:
    """The agreement's part of the canonical document."""
    weights: Any = "by_contribution"
    if agreement.tier_weights is not None:
        weights = {tier.value: bps for tier, bps in agreement.tier_weights.items()}
    return {
        "brackets": [[b.cap, b.foreign_bps] for b in agreement.brackets],
        "coefficients": {kind.value: c for kind, c in agreement.coefficients.items()},
        "core_hi": agreement.core_hi,
        "core_lo": agreement.core_lo,
        "derivative_lead": agreement.derivative_lead,
        "tier_weights": weights,
    }


def inputs_hash(
    *,
    agreement: Agreement,
    partners: Iterable[Partner],
    contributions: Iterable[tuple[int, str, str, int, int]],
    cutoff: int,
) -> str:
    """Hex sha256 of the canonical document of these inputs.

    Args:
        agreement: The agreement's equity terms.
        partners: Every partner of the project.
        contributions: Keys (:attr:`Contribution.key`) of the contributions that count.
        cutoff: The snapshot's cutoff.
    """
    document = {
        "agreement": agreement_document(agreement),
        # tuples sort as the lists they encode, and about twice as fast
        "contributions": sorted(contributions),
        "cutoff": cutoff,
        "partners": sorted([p.id, p.side.value] for p in partners),
        "version": VERSION,
    }
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(encoded.encode("ascii")).hexdigest()
