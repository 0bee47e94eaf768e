"""Agreement validation: every invalid field is named; amendments only touch what may change."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.agreements import AgreementSpec, amend, check_isic, parse_agreement
from ledger.equity import UNBOUNDED, Side, Tier
from ledger.errors import RuleViolation
from tests.ledger.services.conftest import FOREIGN_A, LOCAL_B, agreement


def invalid(document: dict[str, Any]) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        parse_agreement(document)
    return caught.value


def test_defaults_follow_table_2() -> None:
    spec = parse_agreement(agreement())
    terms = spec.equity_terms()
    assert (terms.core_lo, terms.core_hi, terms.derivative_lead) == (6000, 7000, 5100)
    assert terms.tier_weights is None
    assert [(b.cap, b.foreign_bps) for b in terms.brackets] == [
        (1_000_000 * 10**18, 7000),
        (5_000_000 * 10**18, 6500),
        (UNBOUNDED, 6000),
    ]
    assert spec.side_of("CN") is Side.LOCAL and spec.side_of("DE") is Side.FOREIGN


def test_document_hash_is_stable_and_order_free() -> None:
    first = parse_agreement(agreement())
    reordered = dict(reversed(list(agreement().items())))
    assert parse_agreement(reordered).document_hash() == first.document_hash()
    assert parse_agreement(agreement(title="Other")).document_hash() != first.document_hash()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"tiers": {"core": {"band": {"lo": 7100, "hi": 7000}}}}, "tiers.core.band", "lo"),
        ({"tiers": {"core": {"band": {"lo": 6000, "hi": 10001}}}}, "tiers.core.band.hi", "10000"),
        ({"tiers": {"derivative": {"lead": -1}}}, "tiers.derivative.lead", "greater"),
        ({"host_jurisdiction": "XX"}, "host_jurisdiction", "ISO 3166"),
        ({"host_jurisdiction": "cn"}, "host_jurisdiction", "two capital"),
        ({"tiers": {"core": {"territories": ["DE", "ZZ"]}}}, "tiers.core.territories.1", "ZZ"),
        (
            {"tiers": {"application": {"industries": ["C99"]}}},
            "tiers.application.industries.0",
            "division",
        ),
        (
            {"tiers": {"application": {"industries": ["Z1"]}}},
            "tiers.application.industries.0",
            "ISIC",
        ),
        ({"valuation": {"telepathy": 1000}}, "valuation.telepathy", ""),
        ({"valuation": {"code": -5}}, "valuation.code", "greater"),
        ({"tier_weights": {"core": 5000, "application": 4000}}, "agreement", "sum to 10000"),
        ({"quorum": {"partners": 4}}, "agreement", "exceeds"),
        ({"quorum": {"partners": 1, "arbiter": True}, "arbiters": []}, "agreement", "arbiter"),
        ({"deadlines": {"dispute_window": 10}}, "deadlines.dispute_window", "3600"),
        ({"deadlines": {"lapse_outcome": "replace"}}, "deadlines.lapse_outcome", ""),
        ({"surprise": 1}, "surprise", "Extra"),
    ],
)
def test_invalid_agreement_names_the_field(change: dict[str, Any], field: str, words: str) -> None:
    error = invalid(agreement(**change))
    assert error.fields["field"] == field
    assert words in error.message


def test_core_tier_needs_a_foreign_and_a_local_party() -> None:
    only_foreign = agreement()
    only_foreign["parties"] = [p for p in only_foreign["parties"] if p["jurisdiction"] == "DE"]
    error = invalid(only_foreign)
    assert "needs a foreign and a local partner; no party is local" in error.message
    only_local = agreement(host_jurisdiction="DE")
    only_local["parties"] = [p for p in only_local["parties"] if p["jurisdiction"] == "DE"]
    assert "no party is foreign" in invalid(only_local).message


def test_brackets_must_increase_and_end_unbounded() -> None:
    def core(brackets: list[dict[str, Any]]) -> dict[str, Any]:
        return agreement(tiers={"core": {"brackets": brackets}})

    bounded = core([{"cap": 10, "foreign_bps": 7000}])
    assert "last bracket must be unbounded" in invalid(bounded).message
    falling = core(
        [
            {"cap": 10, "foreign_bps": 7000},
            {"cap": 5, "foreign_bps": 6500},
            {"cap": None, "foreign_bps": 6000},
        ]
    )
    assert "caps must increase" in invalid(falling).message
    assert invalid(falling).fields["field"] == "tiers.core"


def test_an_address_named_twice_is_refused() -> None:
    twice = agreement(arbiters=[{"name": "Twin", "address": FOREIGN_A.address}])
    assert "named twice" in invalid(twice).message


def test_isic_codes() -> None:
    assert check_isic("C") == "C" and check_isic("C26") == "C26" and check_isic("C261") == "C261"
    for bad in ("c26", "C2", "A04", "V01", "C26A"):
        with pytest.raises(ValueError):
            check_isic(bad)


def test_amend_changes_only_amendable_terms() -> None:
    spec = parse_agreement(agreement())
    amended = amend(spec, {"valuation": {"code": 1500}, "tier_weights": {"core": 10000}})
    assert amended.equity_terms().coefficient("code") == 1500  # type: ignore[arg-type]
    assert amended.equity_terms().tier_weights == {
        Tier.CORE: 10000,
        Tier.APPLICATION: 0,
        Tier.DERIVATIVE: 0,
    }
    assert amended.document_hash() != spec.document_hash()
    with pytest.raises(RuleViolation, match="quorum is fixed on chain") as caught:
        amend(spec, {"quorum": {"partners": 3}})
    assert caught.value.fields["field"] == "quorum"
    with pytest.raises(RuleViolation, match="changes nothing"):
        amend(spec, {"valuation": {}})
    fewer = [p for p in agreement()["parties"] if p["address"] != LOCAL_B.address]
    fewer.append(
        {"name": "N", "kind": "investor", "jurisdiction": "CN", "address": "0x" + "12" * 20}
    )
    with pytest.raises(RuleViolation, match="cannot be removed"):
        amend(spec, {"parties": fewer})


def test_spec_is_reusable_as_is() -> None:
    spec = parse_agreement(agreement())
    assert parse_agreement(spec) is spec
    assert isinstance(spec, AgreementSpec)
