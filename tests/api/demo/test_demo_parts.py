"""The demo's parts that need no server: its plan, its accounts, its engine check, its output,
and how it refuses a data folder or reports a server that does not start."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from api.demo import DemoError, DemoResult
from api.demo.cast import Cast, plan_contributions
from api.demo.engine import Engine
from api.demo.run import keep_keys
from api.demo.server import _environment, _wait_for_health, running_server
from api.demo.show import ether
from ledger.chain.compiler import project_root
from ledger.equity import Snapshot
from ledger.simulation.scenario import Scenario, load_scenario, parse_scenario

SCENARIO = project_root() / "scripts/scenarios/sino-german-vision.toml"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(SCENARIO)


# ---------------------------------------------------------------------- the plan


def test_plan_registers_each_active_stream_once_per_milestone(scenario: Scenario) -> None:
    plan = plan_contributions(scenario)
    first = {(p.partner, p.tier.value, p.kind.value): p.value for p in plan[1]}
    # days 0-180; count = round(rate × active days / 30), value = count × round(mean)
    assert first == {
        ("rhein_lab", "core", "code"): 18 * 130,  # 3 × 6; 120·e^0.08 = 129.99
        ("rhein_lab", "core", "labor_hours"): 12 * 320,  # 2 × 6
        ("hanse_optics", "core", "equipment"): 5 * 275,  # 0.8 × 6 = 4.8; (150 + 400) / 2
        ("dr_chen", "core", "tacit_knowhow_transfer"): 9 * 110,  # 1.5 × 6; (40+90+200)/3
        ("suzhou_smart", "core", "data"): 6 * 96,  # 80·e^0.18 = 95.78
        ("suzhou_smart", "application", "labor_hours"): 10 * 280,  # from day 60: 2.5 × 4
        ("jiangsu_ai", "application", "code"): 8 * 102,  # from day 60; 90·e^0.125 = 101.98
        ("dr_chen", "application", "tacit_training"): 3 * 50,  # from day 90
        ("hanse_optics", "application", "code"): 1 * 45,  # from day 120; 40·e^0.125
    }  # the derivative streams start on day 200
    assert len(plan[2]) == len(scenario.streams) == 12
    equipment = [p for p in plan[3] if p.kind.value == "equipment"]
    assert [p.value for p in equipment] == [275]  # days 360-400: 0.8 × 40 / 30 → 1
    labels = [p.label for ps in plan.values() for p in ps]
    assert len(set(labels)) == len(labels) == 9 + 12 + 12


def test_the_cast_gives_every_party_its_own_funded_account(scenario: Scenario) -> None:
    cast = Cast.of(scenario)
    addresses = [a.address for a in cast.partners.values()]
    addresses += [cast.funder.address, cast.licensee.address, cast.arbiter.address]
    assert len(set(addresses)) == len(addresses) == 8
    assert list(cast.partners) == [p.key for p in scenario.partners]


def test_the_cast_refuses_more_partners_than_funded_accounts(scenario: Scenario) -> None:
    document = scenario.model_dump(mode="json", by_alias=True)
    extra = [
        {"key": f"extra_{i}", "name": f"Extra {i}", "kind": "enterprise", "jurisdiction": "DE"}
        for i in range(2)
    ]
    document["partners"] += extra
    crowded = parse_scenario(document)
    with pytest.raises(
        DemoError, match="7 partners; the demo's chain funds accounts for at most 6"
    ):
        Cast.of(crowded)


# ---------------------------------------------------------------------- the engine check


def served(snapshot: Snapshot, amount: int) -> dict[str, Any]:
    """An engine snapshot in the shape the API serves it."""
    return {
        "amount": str(amount),
        "tiers": [
            {
                "tier": tier.value,
                "weight_bps": snapshot.weights[tier],
                "shares": [
                    {"partner_number": s.partner_id, "rights_bps": s.rights, "profit_bps": s.profit}
                    for s in column.shares
                ],
            }
            for tier, column in snapshot.columns.items()
        ],
        "payout_vector": [
            {"partner_number": n, "bps": bps, "wei": str(snapshot.payouts(amount)[n])}
            for n, bps in snapshot.payout_vector.items()
        ],
    }


def engine_after_milestone_1(scenario: Scenario) -> tuple[Engine, Snapshot]:
    engine = Engine(scenario)
    for planned in plan_contributions(scenario)[1]:
        engine.add(planned, 1)
    return engine, engine.snapshot(1)


def test_the_engine_check_passes_the_same_numbers(scenario: Scenario) -> None:
    engine, snapshot = engine_after_milestone_1(scenario)
    amount = scenario.milestones[0].amount + 7  # leftover wei to place
    engine.check_snapshot(served(snapshot, amount), snapshot, "milestone 1")


def test_the_engine_check_names_a_payout_one_wei_off(scenario: Scenario) -> None:
    engine, snapshot = engine_after_milestone_1(scenario)
    amount = scenario.milestones[0].amount
    body = served(snapshot, amount)
    body["payout_vector"][2]["wei"] = str(int(body["payout_vector"][2]["wei"]) + 1)
    expected = snapshot.payouts(amount)[3]
    with pytest.raises(DemoError) as error:
        engine.check_snapshot(body, snapshot, "milestone 1")
    assert error.value.message == (
        f"milestone 1: payouts in wei differ from the pure engine's at 3: the API says "
        f"{expected + 1}, ledger.equity says {expected}"
    )


def test_the_engine_check_names_a_rights_share_that_differs(scenario: Scenario) -> None:
    engine, snapshot = engine_after_milestone_1(scenario)
    body = served(snapshot, 10**18)
    shares = body["tiers"][0]["shares"]
    shares[0]["rights_bps"] += 1
    shares[1]["rights_bps"] -= 1
    with pytest.raises(DemoError, match="milestone 1: rights bps by tier differ .* at core"):
        engine.check_snapshot(body, snapshot, "milestone 1")


def test_the_engine_leaves_an_excluded_contribution_out(scenario: Scenario) -> None:
    engine, before = engine_after_milestone_1(scenario)
    engine.exclude(plan_contributions(scenario)[1][0].label)  # rhein_lab's code
    after = engine.snapshot(1)
    assert after.columns.keys() == before.columns.keys()
    assert after.payout_vector[1] < before.payout_vector[1]
    assert after.previous_hash == before.inputs_hash  # the history chains on


# ---------------------------------------------------------------------- output and server


def test_ether_is_exact_to_the_wei() -> None:
    assert ether(600 * 10**18) == "600"
    assert ether(1_000 * 10**18) == "1,000"
    assert ether(10**18 // 2) == "0.5"
    assert ether(10**18 + 1) == "1.000000000000000001"
    assert ether(0) == "0"


def test_the_keys_are_kept_for_their_owner_only_and_never_printed(tmp_path: Path) -> None:
    keys = {"admin": "ipl_0123456789ab_secret-a", "arbiter": "ipl_ba9876543210_secret-b"}
    path = tmp_path / "api-keys.json"
    path.write_text("old", encoding="utf-8")  # a file left there is replaced, its mode too
    path.chmod(0o644)
    keep_keys(path, keys)
    assert json.loads(path.read_text(encoding="utf-8")) == keys
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    fresh = tmp_path / "fresh.json"
    keep_keys(fresh, keys)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    shown = repr(DemoResult(scenario="s", api_keys=keys))
    assert "secret" not in shown and "ipl_" not in shown


def test_the_server_gets_the_embedded_default_whatever_the_caller_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPLEDGER_DATABASE_URL", "postgresql://x@127.0.0.1/y")
    monkeypatch.setenv("IPLEDGER_RPC_URL", "http://127.0.0.1:8545")
    monkeypatch.setenv("IPLEDGER_SOLC", "/usr/bin/solc")
    env = _environment(tmp_path)
    assert "IPLEDGER_DATABASE_URL" not in env and "IPLEDGER_RPC_URL" not in env
    assert (env["IPLEDGER_HOME"], env["IPLEDGER_SOLC"]) == (str(tmp_path), "/usr/bin/solc")


def test_a_home_that_holds_a_ledger_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ledger.sqlite3").write_bytes(b"")
    with (
        pytest.raises(DemoError, match="already holds a ledger \\(ledger.sqlite3\\)"),
        running_server(tmp_path),
    ):
        pytest.fail("no server may start on a used data folder")


@pytest.mark.slow
def test_a_server_that_stops_on_start_is_reported_with_its_log(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    log.write_text("starting\nerror: the chain's block log is torn at block 7\n")
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    process.wait()
    with pytest.raises(DemoError) as error:
        _wait_for_health("http://127.0.0.1:9", process, log)
    assert "the server stopped on start (exit code 3)" in error.value.message
    assert "torn at block 7" in error.value.message
