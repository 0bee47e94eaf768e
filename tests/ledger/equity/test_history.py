"""A project's chain of snapshots: the chained inputs' hash, resuming, amendments, refusals."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest

from ledger.equity import (
    Accumulator,
    Agreement,
    Contribution,
    Partner,
    Recalculation,
    Snapshot,
    Tier,
    compute_history,
    compute_snapshot,
)
from ledger.errors import RuleViolation

PARTNERS = (Partner(1, "foreign"), Partner(2, "local"))
A = Contribution(1, "core", "funding", 5, recorded_at=10)
B = Contribution(2, "core", "code", 3, recorded_at=20)
C = Contribution(2, "application", "data", 4, recorded_at=30)
D = Contribution(1, "derivative", "equipment", 7, recorded_at=50)

#: The default agreement as its canonical document has it, written out.
AGREEMENT_DOCUMENT = {
    "brackets": [
        [1_000_000 * 10**18, 7000],
        [5_000_000 * 10**18, 6500],
        [2**256 - 1, 6000],
    ],
    "coefficients": {
        "funding": 1000,
        "labor_hours": 1000,
        "equipment": 1000,
        "data": 1000,
        "code": 1000,
        "background_ip_license": 1000,
        "tacit_knowhow_transfer": 1000,
        "tacit_training": 1000,
        "tacit_consulting": 1000,
    },
    "core_hi": 7000,
    "core_lo": 6000,
    "derivative_lead": 5100,
    "tier_weights": "by_contribution",
}


def sha256_of(document: dict) -> str:
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def step(cutoff: int, *contributions: Contribution, agreement: Agreement | None = None):
    return Recalculation(cutoff, agreement or Agreement(), PARTNERS, contributions)


def resumed(after: Snapshot, agreement: Agreement | None = None, partners=PARTNERS):
    return Accumulator.resume(
        agreement or Agreement(),
        partners,
        totals=after.totals,
        previous_hash=after.inputs_hash,
        previous_cutoff=after.cutoff,
    )


def test_inputs_hash_chain_is_sha256_of_documented_json() -> None:
    """Milestone 1 counts A and B; by milestone 2, B is disputed and C recorded."""
    first = {
        "added": [[1, "core", "funding", 5, 10], [2, "core", "code", 3, 20]],
        "agreement": AGREEMENT_DOCUMENT,
        "cutoff": 25,
        "partners": [[1, "foreign"], [2, "local"]],
        "previous": None,
        "removed": [],
        "version": "ipledger-equity/2",
    }
    second = {
        "added": [[2, "application", "data", 4, 30]],
        "agreement": AGREEMENT_DOCUMENT,
        "cutoff": 40,
        "partners": [[1, "foreign"], [2, "local"]],
        "previous": sha256_of(first),
        "removed": [[2, "core", "code", 3, 20]],
        "version": "ipledger-equity/2",
    }
    history = compute_history([step(25, C, B, A), step(40, C, replace(B, disputed=True), A)])
    assert [s.inputs_hash for s in history] == [sha256_of(first), sha256_of(second)]
    assert [s.previous_hash for s in history] == [None, sha256_of(first)]

    accumulator = Accumulator(Agreement(), PARTNERS)
    accumulator.add(B)
    accumulator.add(A)
    assert accumulator.snapshot(25) == history[0]
    accumulator.add(C)
    accumulator.remove(B)
    assert accumulator.pending() == (1, 1)
    assert accumulator.snapshot(40) == history[1]
    assert accumulator.previous_hash == sha256_of(second)


def test_first_snapshot_of_a_chain_equals_compute_snapshot() -> None:
    history = compute_history([step(25, A, B, C)])
    assert history == [
        compute_snapshot(
            agreement=Agreement(), partners=PARTNERS, contributions=[A, B, C], cutoff=25
        )
    ]


def test_snapshot_totals_are_values_per_partner_tier_and_kind() -> None:
    twice = replace(A, recorded_at=12)
    snapshot = compute_snapshot(
        agreement=Agreement(coefficients={"funding": 3000}),
        partners=PARTNERS,
        contributions=[A, twice, B, Contribution(2, "core", "data", 0, 1)],
        cutoff=25,
    )
    assert list(snapshot.totals.items()) == [
        ((1, Tier.CORE, "funding"), 10),
        ((2, Tier.CORE, "code"), 3),
    ]


def test_changing_an_earlier_milestone_changes_every_later_hash() -> None:
    """X counts at milestone 1 only (disputed from then on): later matrices agree, hashes not."""
    x = Contribution(2, "core", "labor_hours", 9, recorded_at=5)
    records = [(25, [A, B]), (40, [A, B, C]), (60, [A, B, C, D]), (60, [A, C, D])]
    plain = compute_history([step(t, *cs) for t, cs in records])
    altered = compute_history(
        [step(25, A, B, x)] + [step(t, *cs, replace(x, disputed=True)) for t, cs in records[1:]]
    )
    for before, after in zip(plain, altered, strict=True):
        assert before.inputs_hash != after.inputs_hash
    for before, after in zip(plain[1:], altered[1:], strict=True):
        assert (before.columns, before.weights, before.payout_vector, before.totals) == (
            after.columns,
            after.weights,
            after.payout_vector,
            after.totals,
        )


def test_snapshot_with_nothing_changed_still_chains() -> None:
    """A dispute opened and resolved within a period cancels out; the snapshot lists nothing."""
    accumulator = Accumulator(Agreement(), PARTNERS)
    accumulator.add(A)
    first = accumulator.snapshot(25)
    accumulator.remove(A)
    accumulator.add(A)
    assert accumulator.pending() == (0, 0)
    second = accumulator.snapshot(25)
    document = {
        "added": [],
        "agreement": AGREEMENT_DOCUMENT,
        "cutoff": 25,
        "partners": [[1, "foreign"], [2, "local"]],
        "previous": first.inputs_hash,
        "removed": [],
        "version": "ipledger-equity/2",
    }
    assert second.inputs_hash == sha256_of(document)
    assert second.payout_vector == first.payout_vector


def test_resumed_accumulator_continues_the_chain() -> None:
    history = compute_history([step(25, A, B), step(60, A, replace(B, disputed=True), C, D)])
    accumulator = resumed(history[0])
    assert accumulator.previous_hash == history[0].inputs_hash
    accumulator.add(D)
    accumulator.remove(B)
    accumulator.add(C)
    assert accumulator.snapshot(60) == history[1]


def test_amended_coefficients_apply_to_everything_counted() -> None:
    """Totals are values: new coefficients reweigh earlier contributions exactly."""
    amended = Agreement(coefficients={"funding": 4000, "code": 500})
    history = compute_history([step(25, A, B), step(40, A, B, C, agreement=amended)])
    scratch = compute_snapshot(
        agreement=amended, partners=PARTNERS, contributions=[A, B, C], cutoff=40
    )
    assert (history[1].columns, history[1].weights, history[1].payout_vector) == (
        scratch.columns,
        scratch.weights,
        scratch.payout_vector,
    )
    unamended = compute_history([step(25, A, B), step(40, A, B, C)])
    assert history[1].weights != unamended[1].weights
    assert history[1].inputs_hash != unamended[1].inputs_hash

    live = Accumulator(Agreement(), PARTNERS)
    live.add(A)
    live.add(B)
    assert live.snapshot(25) == history[0]
    live.amend(agreement=amended)
    live.add(C)
    assert live.snapshot(40) == history[1]

    restarted = resumed(history[0], amended)
    restarted.add(C)
    assert restarted.snapshot(40) == history[1]


def test_partner_registered_between_snapshots() -> None:
    newcomer = Partner(3, "foreign")
    e = Contribution(3, "core", "data", 2, recorded_at=35)
    grown = (*PARTNERS, newcomer)
    history = compute_history([step(25, A, B), Recalculation(40, Agreement(), grown, (A, B, e))])
    live = Accumulator(Agreement(), PARTNERS)
    live.add(A)
    live.add(B)
    live.snapshot(25)
    with pytest.raises(RuleViolation) as error:
        live.add(e)
    assert error.value.fields == {"field": "partner_id", "value": 3}
    live.amend(partners=grown)
    live.add(e)
    assert live.snapshot(40) == history[1]
    restarted = resumed(history[0], partners=grown)
    restarted.add(e)
    assert restarted.snapshot(40) == history[1]


def test_partner_with_counted_contributions_cannot_be_left_out() -> None:
    accumulator = Accumulator(Agreement(), PARTNERS)
    accumulator.add(B)
    with pytest.raises(RuleViolation) as error:
        accumulator.amend(partners=[Partner(1, "foreign")])
    assert error.value.fields == {"field": "partner_id", "value": 2}
    snapshot = compute_snapshot(
        agreement=Agreement(), partners=PARTNERS, contributions=[A, B], cutoff=25
    )
    with pytest.raises(RuleViolation) as error:
        resumed(snapshot, partners=[Partner(1, "foreign")])
    assert error.value.fields == {"field": "partner_id", "value": 2}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"previous_hash": "AB" * 32}, "previous_hash"),
        ({"previous_hash": "ab" * 31}, "previous_hash"),
        ({"previous_hash": None}, "previous_hash"),
        ({"previous_cutoff": 25.0}, "previous_cutoff"),
        ({"totals": {(1, "platform", "funding"): 5}}, "tier"),
        ({"totals": {(1, "core", "gold"): 5}}, "kind"),
        ({"totals": {(1, "core", "funding"): -5}}, "totals"),
        ({"totals": {(9, "core", "funding"): 5}}, "partner_id"),
    ],
)
def test_resume_refuses_malformed_state(changes: dict, field: str) -> None:
    state = {
        "totals": {(1, "core", "funding"): 5},
        "previous_hash": "ab" * 32,
        "previous_cutoff": 25,
    }
    with pytest.raises(RuleViolation) as error:
        Accumulator.resume(Agreement(), PARTNERS, **{**state, **changes})
    assert error.value.fields["field"] == field


def test_resume_accepts_tiers_and_kinds_as_stored_strings() -> None:
    first = compute_snapshot(
        agreement=Agreement(), partners=PARTNERS, contributions=[A, B], cutoff=25
    )
    stored = {
        (pid, tier.value, kind.value): value for (pid, tier, kind), value in first.totals.items()
    }
    accumulator = Accumulator.resume(
        Agreement(), PARTNERS, totals=stored, previous_hash=first.inputs_hash, previous_cutoff=25
    )
    accumulator.add(C)
    assert accumulator.snapshot(40) == compute_history([step(25, A, B), step(40, A, B, C)])[1]


def test_resumed_accumulator_refuses_removal_beyond_its_totals() -> None:
    first = compute_snapshot(
        agreement=Agreement(), partners=PARTNERS, contributions=[A, B], cutoff=25
    )
    accumulator = resumed(first)
    with pytest.raises(RuleViolation) as error:
        accumulator.remove(replace(A, value=6))
    assert error.value.fields["field"] == "contribution"
    with pytest.raises(RuleViolation) as error:
        accumulator.remove(C)
    assert error.value.fields["field"] == "contribution"
    accumulator.remove(A)  # counted, as its partner's core funding total shows
    assert accumulator.pending() == (0, 1)


def test_cutoff_never_goes_back() -> None:
    with pytest.raises(RuleViolation) as error:
        compute_history([step(25, A), step(24, A)])
    assert error.value.fields == {"field": "cutoff", "value": 24, "previous_cutoff": 25}
    accumulator = Accumulator(Agreement(), PARTNERS)
    accumulator.add(A)
    accumulator.snapshot(25)
    with pytest.raises(RuleViolation) as error:
        accumulator.snapshot(24)
    assert error.value.fields == {"field": "cutoff", "value": 24, "previous_cutoff": 25}


def test_contribution_counted_since_previous_snapshot_must_precede_cutoff() -> None:
    accumulator = Accumulator(Agreement(), PARTNERS)
    accumulator.add(A)
    accumulator.snapshot(25)
    accumulator.add(D)
    with pytest.raises(RuleViolation) as error:
        accumulator.snapshot(40)
    assert error.value.fields == {"field": "recorded_at", "value": 50, "cutoff": 40}


def test_refused_snapshot_changes_nothing() -> None:
    accumulator = Accumulator(Agreement(), PARTNERS)
    accumulator.add(replace(A, value=0))
    with pytest.raises(RuleViolation) as error:
        accumulator.snapshot(20)
    assert error.value.fields["field"] == "contributions"
    assert accumulator.previous_hash is None
    assert accumulator.pending() == (1, 0)
    accumulator.add(B)
    expected = compute_snapshot(
        agreement=Agreement(), partners=PARTNERS, contributions=[replace(A, value=0), B], cutoff=25
    )
    assert accumulator.snapshot(25) == expected
