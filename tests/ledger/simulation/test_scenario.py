"""Scenario files: the shipped ones load, and each kind of mistake is named with its path."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.equity import Side
from ledger.simulation.scenario import (
    ScenarioError,
    load_scenario,
    parse_money,
    parse_scenario,
)
from tests.ledger.simulation.sim_support import SHIPPED, document, shipped


def problems(data: dict) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    return caught.value.fields["problems"]


def test_shipped_scenarios_load() -> None:
    assert {"sino-german-vision.toml", "horizon-consortium.toml", "fraunhofer-ip-pool.toml"} <= set(
        SHIPPED
    )
    for name in SHIPPED:
        scenario = shipped(name)
        assert sum(m.amount for m in scenario.milestones) <= scenario.funding.amount
        assert {scenario.side_of(p) for p in scenario.partners} == set(Side)


def test_horizon_scenario_has_six_partners_in_four_jurisdictions() -> None:
    scenario = shipped("horizon-consortium.toml")
    assert len(scenario.partners) == 6
    assert len({p.jurisdiction for p in scenario.partners}) == 4


def test_ip_pool_scenario_has_background_ip_from_three_partners() -> None:
    scenario = shipped("fraunhofer-ip-pool.toml")
    assert len({b.owner for b in scenario.background}) == 3


def test_sino_german_scenario_puts_core_abroad_and_application_at_home() -> None:
    scenario = shipped("sino-german-vision.toml")
    sides = {p.key: scenario.side_of(p) for p in scenario.partners}
    core = [s.partner for s in scenario.streams if s.tier == "core"]
    application = [s.partner for s in scenario.streams if s.tier == "application"]
    assert sum(sides[k] is Side.FOREIGN for k in core) > len(core) / 2
    assert sum(sides[k] is Side.LOCAL for k in application) >= len(application) / 2
    terms = scenario.equity_terms()
    assert (terms.core_lo, terms.core_hi, terms.derivative_lead) == (6000, 7000, 5100)


@pytest.mark.parametrize(
    ("text", "wei"),
    [
        (12, 12),
        ("12", 12),
        ("1 ether", 10**18),
        ("0.5 ether", 5 * 10**17),
        ("2_500 ether", 2500 * 10**18),
        ("120 gwei", 120 * 10**9),
        ("7 wei", 7),
    ],
)
def test_parse_money_reads_units_exactly(text: object, wei: int) -> None:
    assert parse_money(text) == wei


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.5 wei", "whole number of wei"),
        ("3 dollars", "unknown unit"),
        ("lots ether", "not an amount"),
        (1.5, "must be an integer"),
        (True, "must be an integer"),
    ],
)
def test_parse_money_refuses_what_is_not_wei(text: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_money(text)


def test_every_problem_is_reported_at_once_with_its_path() -> None:
    data = document()
    data["milestones"][1]["amount"] = "0.1 wei"
    data["streams"][0]["rate"] = -1
    data["partners"][2]["jurisdiction"] = "XX"
    found = problems(data)
    assert any(p.startswith("milestones[1].amount:") for p in found)
    assert any(p.startswith("streams[0].rate:") for p in found)
    assert any(p.startswith("partners[2].jurisdiction:") for p in found)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["streams"][0].update(partner="nobody"), "streams[0].partner 'nobody'"),
        (lambda d: d["milestones"][1].update(due_day=100), "strictly increasing due_day"),
        (lambda d: d["funding"].update(amount="1 ether"), "funding.amount"),
        (lambda d: d["assets"][0].update(after_milestone=9), "assets[0].after_milestone 9"),
        (lambda d: d["partners"][1].update(key="rhein_lab"), "'rhein_lab' is used twice"),
        (lambda d: d.update(compare=["table2", "nope"]), "compare names 'nope'"),
        (lambda d: d["disputes"].update(outcomes={"settle": 0.5}), "must sum to 1"),
        (lambda d: d["agreement"]["quorum"].update(partners=9), "exceeds the 5 partners"),
        (lambda d: d["agreement"]["negotiated"].update(rhein_lab=1), "must sum to 10000"),
        (
            lambda d: [p.update(jurisdiction="CN") for p in d["partners"]],
            "a foreign and a local partner",
        ),
        (lambda d: d["rules"].update(equal={"kind": "equal"}), "clashes with a built-in"),
        (
            lambda d: d["rules"]["wide_band"].update(kind="equal"),
            "core_band applies to tiered rules only",
        ),
        (lambda d: d["milestones"][0].update(trl_target=10), "milestones[0].trl_target"),
        (
            lambda d: d["milestones"][0].update(
                delay_days={"dist": "triangular", "low": 5, "mode": 1, "high": 9}
            ),
            "milestones[0].delay_days",
        ),
        (lambda d: d["milestones"][0].update(delay_days={"dist": "poisson"}), "delay_days"),
        (lambda d: d.update(surprise=1), "surprise: Extra inputs are not permitted"),
        (
            lambda d: d["agreement"].update(tier_weights={"core": 5000}),
            "agreement: not a valid agreement: fixed tier_weights must sum to 10000",
        ),
    ],
)
def test_a_broken_rule_is_named(change, expected: str) -> None:
    data = document()
    change(data)
    found = problems(data)
    assert any(expected in p for p in found), found


def test_bad_toml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('name = "x"\nhost_jurisdiction = \n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"not valid TOML.*line 2"):
        load_scenario(path)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read the scenario"):
        load_scenario(tmp_path / "absent.toml")


def test_unknown_rule_lists_the_known_ones() -> None:
    with pytest.raises(ScenarioError, match="known: contribution, equal, table2, wide_band"):
        shipped("sino-german-vision.toml").rule("flat")


def test_a_tiered_rule_changes_only_its_terms() -> None:
    scenario = shipped("sino-german-vision.toml")
    base = scenario.equity_terms()
    wide = scenario.equity_terms(scenario.rule("wide_band"))
    assert (wide.core_lo, wide.core_hi) == (5000, 8000)
    assert wide.coefficients == base.coefficients
    assert wide.derivative_lead == base.derivative_lead
    assert wide.brackets == base.brackets
