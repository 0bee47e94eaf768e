"""Incremental recalculation: running totals and the change since the previous snapshot.

An :class:`Accumulator` keeps Σ value per (partner, tier, kind) of what is counted, and
the multisets of contribution keys counted and uncounted since the snapshot it took last.
Counting or uncounting a contribution costs O(1); a snapshot costs O(partners × kinds)
for the matrix plus O(d log d) for the inputs' hash, d being the change since the
previous snapshot. Its snapshots equal those of
:func:`~ledger.equity.engine.compute_history` over the same record.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from ledger.equity.canonical import Key
from ledger.equity.engine import (
    Snapshot,
    build_snapshot,
    check_cutoff,
    check_partners,
    unknown_partner,
)
from ledger.equity.model import (
    TIERS,
    Agreement,
    Contribution,
    Kind,
    Partner,
    Tier,
    require_enum,
    require_int,
)
from ledger.errors import RuleViolation

_HASH = re.compile(r"[0-9a-f]{64}")
# members by value (a member finds itself too: it hashes and compares as its value)
_TIERS: dict[str, Tier] = {tier.value: tier for tier in Tier}
_KINDS: dict[str, Kind] = {kind.value: kind for kind in Kind}


class Accumulator:
    """Running totals of a project's counted contributions, for incremental recalculation.

    A new accumulator starts a chain: its first snapshot has no previous hash and lists
    everything counted. :meth:`resume` continues a chain from a stored snapshot's state
    without the contributions behind it.

    Args:
        agreement: The agreement's equity terms (see :meth:`amend` for a change of terms).
        partners: Every partner of the project.

    Raises:
        RuleViolation: for duplicate partner ids.
    """

    def __init__(self, agreement: Agreement, partners: Iterable[Partner]) -> None:
        self._agreement = agreement
        self._partners = check_partners(partners)
        self._known = frozenset(p.id for p in self._partners)
        # (partner id, tier, kind) → Σ value; members, which are their string values too
        self._totals: dict[tuple[int, str, str], int] = {}
        # Every key counted, to refuse removing one that is not; None once resumed.
        self._counted: Counter[Key] | None = Counter()
        self._added: Counter[Key] = Counter()
        self._removed: Counter[Key] = Counter()
        self._previous_hash: str | None = None
        self._previous_cutoff: int | None = None

    @classmethod
    def resume(
        cls,
        agreement: Agreement,
        partners: Iterable[Partner],
        *,
        totals: Mapping[tuple[int, Any, Any], int],
        previous_hash: str,
        previous_cutoff: int,
    ) -> Accumulator:
        """An accumulator continuing a chain from the state stored with its last snapshot.

        The totals are values, not weights, so ``agreement`` may differ from the terms of
        the previous snapshot (an amendment): the next snapshot applies its coefficients
        to everything counted, exactly as a recalculation from scratch would.

        Args:
            agreement: The equity terms in force for the next snapshot.
            partners: Every partner of the project now (a superset of those with totals).
            totals: :attr:`Snapshot.totals` of the previous snapshot; tiers and kinds may be
                given by their string values.
            previous_hash: :attr:`Snapshot.inputs_hash` of the previous snapshot.
            previous_cutoff: :attr:`Snapshot.cutoff` of the previous snapshot.

        Raises:
            RuleViolation: naming the field: ``partner_id`` for a total of a partner not in
                ``partners``, ``tier``/``kind`` for an unknown one, ``totals`` for a value
                that is not an integer >= 0, ``previous_hash`` for anything but 64
                lowercase hex digits, ``previous_cutoff`` for a non-integer.
        """
        accumulator = cls(agreement, partners)
        if not isinstance(previous_hash, str) or not _HASH.fullmatch(previous_hash):
            raise RuleViolation(
                "previous_hash must be 64 lowercase hex digits",
                field="previous_hash",
                value=repr(previous_hash),
            )
        require_int(previous_cutoff, "previous_cutoff", minimum=None)
        for (pid, tier, kind), value in totals.items():
            if pid not in accumulator._known:
                raise unknown_partner(pid)
            slot = (pid, _member(_TIERS, Tier, tier, "tier"), _member(_KINDS, Kind, kind, "kind"))
            if require_int(value, "totals"):
                accumulator._totals[slot] = accumulator._totals.get(slot, 0) + value
        accumulator._counted = None
        accumulator._previous_hash = previous_hash
        accumulator._previous_cutoff = previous_cutoff
        return accumulator

    # -- views ------------------------------------------------------------------------

    @property
    def agreement(self) -> Agreement:
        """The equity terms the next snapshot is computed with."""
        return self._agreement

    @property
    def partners(self) -> tuple[Partner, ...]:
        """Every partner of the project, by ascending id."""
        return self._partners

    @property
    def previous_hash(self) -> str | None:
        """The inputs' hash of the last snapshot taken or resumed from, else ``None``."""
        return self._previous_hash

    @property
    def previous_cutoff(self) -> int | None:
        """The cutoff of the last snapshot taken or resumed from, else ``None``."""
        return self._previous_cutoff

    def pending(self) -> tuple[int, int]:
        """How many keys the next snapshot lists as (added, removed)."""
        return self._added.total(), self._removed.total()

    def tier_weights_of(self) -> dict[Tier, int]:
        """Total weight counted per tier, under the current agreement."""
        weights = dict.fromkeys(TIERS, 0)
        for (_, tier, kind), value in self._totals.items():
            weights[tier] += value * self._agreement.coefficient(kind)
        return weights

    # -- changes ----------------------------------------------------------------------

    def amend(
        self, *, agreement: Agreement | None = None, partners: Iterable[Partner] | None = None
    ) -> None:
        """Compute the next snapshots with new terms or partners (an amendment, a new partner).

        Nothing counted is lost: the totals are values, and the new coefficients apply to
        all of them.

        Raises:
            RuleViolation: for duplicate partner ids, or a partner left out that has counted
                contributions or pending changes (``field="partner_id"``).
        """
        if partners is not None:
            ordered = check_partners(partners)
            known = frozenset(p.id for p in ordered)
            involved = {pid for pid, _, _ in self._totals}
            involved.update(key[0] for key in self._added)
            involved.update(key[0] for key in self._removed)
            missing = sorted(involved - known)
            if missing:
                raise RuleViolation(
                    f"partner {missing[0]} has counted contributions and cannot be left out",
                    field="partner_id",
                    value=missing[0],
                )
            self._partners, self._known = ordered, known
        if agreement is not None:
            self._agreement = agreement

    def check_partner(self, contribution: Contribution) -> None:
        """Raise a RuleViolation unless the contribution's partner belongs to the project."""
        if contribution.partner_id not in self._known:
            raise unknown_partner(contribution.partner_id)

    def add(self, contribution: Contribution) -> bool:
        """Count a contribution (or count it again once its dispute is resolved).

        Returns:
            False, counting nothing, if the contribution is flagged as disputed.

        Raises:
            RuleViolation: if its partner is not a partner of the project.
        """
        self.check_partner(contribution)
        if contribution.disputed:
            return False
        key = contribution.key
        slot = (contribution.partner_id, contribution.tier, contribution.kind)
        self._totals[slot] = self._totals.get(slot, 0) + contribution.value
        if self._counted is not None:
            self._counted[key] += 1
        _move(key, self._removed, self._added)
        return True

    def remove(self, contribution: Contribution) -> None:
        """Stop counting a contribution (a dispute on it was opened).

        A new accumulator knows every key it counts and refuses any other. A resumed one
        knows only the totals: it refuses a removal that would take its partner's total
        for the tier and kind below zero, and otherwise trusts the caller, whose record
        says which contributions are counted.

        Raises:
            RuleViolation: if that contribution is not counted (``field="contribution"``),
                or its partner is not a partner of the project.
        """
        self.check_partner(contribution)
        key = contribution.key
        slot = (contribution.partner_id, contribution.tier, contribution.kind)
        have = self._totals.get(slot, 0)
        counted = self._counted
        if (counted is not None and counted.get(key, 0) == 0) or have < contribution.value:
            raise RuleViolation(
                "contribution is not counted", field="contribution", value=repr(key)
            )
        if counted is not None:
            counted[key] -= 1
            if counted[key] == 0:
                del counted[key]
        if have == contribution.value:
            self._totals.pop(slot, None)
        else:
            self._totals[slot] = have - contribution.value
        _move(key, self._added, self._removed)

    # -- snapshots --------------------------------------------------------------------

    def snapshot(self, cutoff: int) -> Snapshot:
        """The snapshot of what is counted at ``cutoff``, which becomes the chain's head.

        The inputs' hash chains on the previous snapshot and lists the keys counted and
        uncounted since; after it, the change starts again from empty. A refused snapshot
        changes nothing.

        Raises:
            RuleViolation: for a cutoff before the previous snapshot's (``cutoff``), a
                contribution counted since then recorded after the cutoff
                (``recorded_at``), nothing weighing anything, or a tier rule that cannot
                hold (see :mod:`ledger.equity.tiers`).
        """
        require_int(cutoff, "cutoff", minimum=None)
        if self._previous_cutoff is not None:
            check_cutoff(cutoff, self._previous_cutoff)
        # everything counted before the previous snapshot is recorded by its cutoff
        late = next((key for key in self._added if key[4] > cutoff), None)
        if late is not None:
            raise RuleViolation(
                "a counted contribution is recorded after the cutoff",
                field="recorded_at",
                value=late[4],
                cutoff=cutoff,
            )
        snapshot = build_snapshot(
            agreement=self._agreement,
            partners=self._partners,
            totals=self._totals,
            cutoff=cutoff,
            previous_hash=self._previous_hash,
            added=self._added.elements(),
            removed=self._removed.elements(),
        )
        self._added, self._removed = Counter(), Counter()
        self._previous_hash, self._previous_cutoff = snapshot.inputs_hash, cutoff
        return snapshot


def _move(key: Key, cancels: Counter[Key], grows: Counter[Key]) -> None:
    """Record one more ``key`` in ``grows``, or cancel one pending in ``cancels``."""
    if cancels.get(key, 0):
        cancels[key] -= 1
        if cancels[key] == 0:
            del cancels[key]
    else:
        grows[key] += 1


def _member(members: dict[str, Any], cls: type[Any], value: Any, field_name: str) -> Any:
    """``value`` as a member of ``cls``; a dict lookup first, as a stored state has many."""
    found = members.get(value) if isinstance(value, str) else None
    return found if found is not None else require_enum(cls, value, field_name)
