"""The inputs' hash of a snapshot: sha256 over a canonical JSON document, chained.

A project's snapshots form a hash chain. The document of a snapshot names the hash of the
snapshot it follows and lists only the contributions that changed since then, so its cost
grows with the change, not with everything counted so far (JSON, keys sorted, no
whitespace, ASCII only)::

    {"added": [[partner_id, tier, kind, value, recorded_at], ...],    # sorted
     "agreement": {"brackets": [[cap, foreign_bps], ...],
                   "coefficients": {kind: per_mille, ...},           # every kind
                   "core_hi": int, "core_lo": int, "derivative_lead": int,
                   "tier_weights": "by_contribution" | {tier: bps, ...}},  # every tier
     "cutoff": int,
     "partners": [[id, side], ...],                                  # sorted
     "previous": "<64 hex digits>" | null,
     "removed": [[partner_id, tier, kind, value, recorded_at], ...],  # sorted
     "version": "ipledger-equity/2"}

A contribution *counts* in a snapshot if it is recorded at or before the cutoff and not
under dispute; counted contributions form a multiset of their keys
(:attr:`~ledger.equity.model.Contribution.key`: two identical contributions count twice).
``added`` is the multiset difference *counted now − counted in the previous snapshot*,
``removed`` the difference *counted in the previous snapshot − counted now* (a dispute
opened since), each sorted as Python sorts those lists, a key repeated as often as it
occurs. ``previous`` is the hex inputs' hash of the snapshot this one follows, or ``null``
for a project's first snapshot, whose ``added`` is then everything counted and whose
``removed`` is empty. ``agreement`` and ``partners`` are the terms and partners this
snapshot is computed with (an amendment shows in the first snapshot that uses it).

The hash is ``sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode())``
in lowercase hex, so the same inputs in any order give the same hash, and a change to
any snapshot's inputs changes the hash of every snapshot after it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from ledger.equity.model import Agreement, Partner

VERSION = "ipledger-equity/2"

#: A contribution's key: partner id, tier, kind, value, recorded_at.
Key = tuple[int, str, str, int, int]


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


def inputs_document(
    *,
    agreement: Agreement,
    partners: Iterable[Partner],
    cutoff: int,
    previous: str | None,
    added: Iterable[Key],
    removed: Iterable[Key],
) -> dict[str, Any]:
    """The canonical document of a snapshot's inputs (keys stay tuples; JSON makes them lists).

    Args:
        agreement: The agreement's equity terms the snapshot is computed with.
        partners: Every partner of the project.
        cutoff: The snapshot's cutoff.
        previous: Hex inputs' hash of the snapshot it follows, ``None`` for the first.
        added: Keys counted now and not in the previous snapshot (a multiset, any order).
        removed: Keys counted in the previous snapshot and not now (a multiset, any order).
    """
    return {
        # tuples sort as the lists they encode, and about twice as fast
        "added": sorted(added),
        "agreement": agreement_document(agreement),
        "cutoff": cutoff,
        "partners": sorted([p.id, p.side.value] for p in partners),
        "previous": previous,
        "removed": sorted(removed),
        "version": VERSION,
    }


def inputs_hash(
    *,
    agreement: Agreement,
    partners: Iterable[Partner],
    cutoff: int,
    previous: str | None,
    added: Iterable[Key],
    removed: Iterable[Key],
) -> str:
    """Hex sha256 of :func:`inputs_document` (same arguments): O(d log d) in the change d."""
    document = inputs_document(
        agreement=agreement,
        partners=partners,
        cutoff=cutoff,
        previous=previous,
        added=added,
        removed=removed,
    )
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(encoded.encode("ascii")).hexdigest()
