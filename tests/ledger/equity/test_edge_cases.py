"""Edge cases of the equity engine: what it refuses, and the rules for sides without weight."""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction

import pytest

from ledger.equity import (
    Accumulator,
    Agreement,
    Contribution,
    Kind,
    Partner,
    Tier,
    compute_snapshot,
    default_brackets,
    largest_remainder_exact,
)
from ledger.errors import RuleViolation

PARTNERS = [Partner(1, "foreign"), Partner(2, "foreign"), Partner(3, "local"), Partner(4, "local")]


def snap(contributions: list[Contribution], partners: list[Partner] = PARTNERS, **terms: object):
    return compute_snapshot(
        agreement=Agreement(**terms),  # type: ignore[arg-type]
        partners=partners,
        contributions=contributions,
        cutoff=100,
    )


def test_compute_snapshot_rejects_no_contributions() -> None:
    with pytest.raises(RuleViolation, match="nothing to share") as error:
        snap([])
    assert error.value.fields == {"field": "contributions", "cutoff": 100}


def test_compute_snapshot_rejects_only_zero_valued_contributions() -> None:
    zero = [Contribution(1, "core", "funding", 0, 1), Contribution(3, "derivative", "code", 0, 2)]
    with pytest.raises(RuleViolation) as error:
        snap(zero)
    assert error.value.fields["field"] == "contributions"


def test_compute_snapshot_rejects_only_late_or_disputed_contributions() -> None:
    late = [Contribution(1, "core", "funding", 5, 101), Contribution(3, "core", "data", 5, 1, True)]
    with pytest.raises(RuleViolation) as error:
        snap(late)
    assert error.value.fields["field"] == "contributions"


def test_zero_valued_contribution_gives_no_application_right() -> None:
    contributions = [
        Contribution(1, "application", "code", 3, 1),
        Contribution(2, "application", "code", 0, 1),
    ]
    assert snap(contributions).columns[Tier.APPLICATION].rights() == {1: 10_000}


def test_contribution_rejects_unknown_kind() -> None:
    with pytest.raises(RuleViolation, match="unknown kind 'patents'") as error:
        Contribution(1, "core", "patents", 5, 1)
    assert error.value.fields == {"field": "kind", "value": "patents"}


def test_contribution_rejects_unknown_tier_and_negative_or_float_value() -> None:
    with pytest.raises(RuleViolation) as error:
        Contribution(1, "platform", "code", 5, 1)
    assert error.value.fields["field"] == "tier"
    with pytest.raises(RuleViolation) as error:
        Contribution(1, "core", "code", -5, 1)
    assert error.value.fields["field"] == "value"
    with pytest.raises(RuleViolation) as error:
        Contribution(1, "core", "code", 5.0, 1)  # type: ignore[arg-type]
    assert error.value.fields["field"] == "value"


def test_core_with_only_foreign_contributing_splits_local_side_equally() -> None:
    # F = 1 → 0.7; the local side's 3000 goes equally to both local members.
    contributions = [
        Contribution(1, "core", "funding", 3, 1),
        Contribution(2, "core", "code", 1, 1),
    ]
    assert snap(contributions).columns[Tier.CORE].rights() == {1: 5250, 2: 1750, 3: 1500, 4: 1500}


def test_core_with_only_local_contributing_splits_foreign_side_equally() -> None:
    # F = 0 → 0.6; foreign 6000 equally; local 4000 by weight.
    contributions = [
        Contribution(3, "core", "funding", 1, 1),
        Contribution(4, "core", "code", 1, 1),
    ]
    assert snap(contributions).columns[Tier.CORE].rights() == {1: 3000, 2: 3000, 3: 2000, 4: 2000}


def test_core_rejects_project_without_local_partner() -> None:
    foreign_only = [Partner(1, "foreign"), Partner(2, "foreign")]
    with pytest.raises(RuleViolation, match="at least one foreign and one local") as error:
        snap([Contribution(1, "core", "funding", 1, 1)], foreign_only)
    assert error.value.fields == {"field": "partners", "foreign": 2, "local": 0}


def test_derivative_with_no_local_weight_splits_lead_equally() -> None:
    # L = 0 → 0.51 shared equally by the local members; foreign 4900 by weight.
    contributions = [Contribution(1, "derivative", "funding", 1, 1)]
    assert snap(contributions).columns[Tier.DERIVATIVE].rights() == {
        1: 4900,
        2: 0,
        3: 2550,
        4: 2550,
    }


def test_derivative_rejects_project_without_local_partner_to_lift() -> None:
    foreign_only = [Partner(1, "foreign"), Partner(2, "foreign")]
    with pytest.raises(RuleViolation, match="local partner to lead") as error:
        snap([Contribution(1, "derivative", "funding", 1, 1)], foreign_only)
    assert error.value.fields["field"] == "partners"


def test_derivative_without_lead_needs_no_local_partner() -> None:
    foreign_only = [Partner(1, "foreign"), Partner(2, "foreign")]
    contributions = [Contribution(1, "derivative", "funding", 1, 1)]
    column = snap(contributions, foreign_only, derivative_lead=0).columns[Tier.DERIVATIVE]
    assert column.rights() == {1: 10_000, 2: 0}


def test_core_band_holds_where_one_stage_rounding_would_break_it() -> None:
    # F = 100_000 / 109_000 > 0.7 → foreign 7000, local 3000 (both exact integers).
    # foreign quotas 7000 × (45009, 44991, 10000) / 100_000 = 3150.63, 3149.37, 700
    # local quotas 3000 × (3001, 2998, 3001) / 9000 = 1000.33, 999.33, 1000.33
    # One stage over all six: floors 9998, missing 2 → .63 and .37 (both foreign): 7001.
    # Two stages: foreign 3151, 3149, 700 (= 7000); local ties → smaller id: 1001, 999, 1000.
    partners = [Partner(i, "foreign") for i in (1, 2, 3)] + [Partner(i, "local") for i in (4, 5, 6)]
    values = {1: 45009, 2: 44991, 3: 10000, 4: 3001, 5: 2998, 6: 3001}
    contributions = [Contribution(p, "core", "funding", v, 1) for p, v in values.items()]
    one_stage = largest_remainder_exact(
        [Fraction(7000 * v, 100_000) for v in (45009, 44991, 10000)]
        + [Fraction(3000 * v, 9000) for v in (3001, 2998, 3001)],
        10_000,
    )
    assert sum(one_stage[:3]) == 7001
    column = snap(contributions, partners).columns[Tier.CORE]
    assert column.rights() == {1: 3151, 2: 3149, 3: 700, 4: 1001, 5: 999, 6: 1000}


def test_compute_snapshot_rejects_unknown_and_duplicate_partners() -> None:
    with pytest.raises(RuleViolation) as error:
        snap([Contribution(9, "core", "funding", 1, 500)])
    assert error.value.fields == {"field": "partner_id", "value": 9}
    with pytest.raises(RuleViolation) as error:
        snap([Contribution(1, "core", "funding", 1, 1)], [*PARTNERS, Partner(1, "local")])
    assert error.value.fields == {"field": "partner_id", "value": 1}


def test_agreement_rejects_bad_terms() -> None:
    with pytest.raises(RuleViolation) as error:
        Agreement(core_lo=7000, core_hi=6000)
    assert error.value.fields["field"] == "core_lo"
    with pytest.raises(RuleViolation) as error:
        Agreement(tier_weights={"core": 5000, "application": 4000})
    assert error.value.fields["field"] == "tier_weights"
    with pytest.raises(RuleViolation) as error:
        Agreement(coefficients={"gold": 1000})  # type: ignore[dict-item]
    assert error.value.fields["field"] == "kind"
    with pytest.raises(RuleViolation) as error:
        Agreement(derivative_lead=10_001)
    assert error.value.fields["field"] == "derivative_lead"


def test_fixed_weights_without_weight_on_present_tiers_are_refused() -> None:
    with pytest.raises(RuleViolation) as error:
        snap(
            [Contribution(1, "core", "funding", 1, 1)],
            tier_weights={"application": 10_000},
        )
    assert error.value.fields["field"] == "tier_weights"


def test_accumulator_refuses_uncounted_removal_and_late_contribution() -> None:
    accumulator = Accumulator(Agreement(), PARTNERS)
    counted = Contribution(1, "core", "funding", 5, 1)
    with pytest.raises(RuleViolation) as error:
        accumulator.remove(counted)
    assert error.value.fields["field"] == "contribution"
    accumulator.add(Contribution(3, "core", "funding", 5, 200))
    with pytest.raises(RuleViolation) as error:
        accumulator.snapshot(100)
    assert error.value.fields == {"field": "recorded_at", "value": 200, "cutoff": 100}


def test_payouts_refuse_negative_amount() -> None:
    snapshot = snap([Contribution(1, "core", "funding", 5, 1)])
    with pytest.raises(RuleViolation) as error:
        snapshot.payouts(-1)
    assert error.value.fields["field"] == "amount"
    assert snapshot.payouts(0) == {1: 0, 2: 0, 3: 0, 4: 0}


def test_inputs_hash_depends_on_counted_inputs_only() -> None:
    base = [Contribution(1, "core", "funding", 5, 1), Contribution(3, "core", "code", 2, 2)]
    first = snap(base)
    assert snap(list(reversed(base))).inputs_hash == first.inputs_hash
    assert (
        snap([*base, Contribution(2, "core", "data", 9, 1, True)]).inputs_hash == first.inputs_hash
    )
    assert snap([*base, Contribution(2, "core", "data", 9, 101)]).inputs_hash == first.inputs_hash
    assert snap([*base, base[0]]).inputs_hash != first.inputs_hash
    assert snap(base, core_hi=6900).inputs_hash != first.inputs_hash


def test_inputs_hash_is_sha256_of_documented_json() -> None:
    """An arbiter can rebuild a first snapshot's hash from docs/equity.md alone."""
    base = [Contribution(3, "core", "code", 2, 2), Contribution(1, "core", "funding", 5, 1)]
    document = {
        "added": [[1, "core", "funding", 5, 1], [3, "core", "code", 2, 2]],
        "agreement": {
            "brackets": [[b.cap, b.foreign_bps] for b in default_brackets()],
            "coefficients": {kind.value: 1000 for kind in Kind},
            "core_hi": 7000,
            "core_lo": 6000,
            "derivative_lead": 5100,
            "tier_weights": "by_contribution",
        },
        "cutoff": 100,
        "partners": [[1, "foreign"], [2, "foreign"], [3, "local"], [4, "local"]],
        "previous": None,
        "removed": [],
        "version": "ipledger-equity/2",
    }
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    assert snap(base).inputs_hash == hashlib.sha256(encoded).hexdigest()
