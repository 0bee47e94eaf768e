"""``ipledger demo``: the Sino-German scenario end to end over a real ``ipledger serve``.

The demo runs in this process (its server in another, as always) and returns what it did;
the test checks each act by the values the demo read back from the API, then that the
command line answers a bad scenario or a used data folder with one line and exit code 1.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from api.cli import app
from api.demo import DemoResult, run_demo
from ledger.chain.compiler import Build, project_root
from ledger.simulation.scenario import load_scenario

SCENARIO = project_root() / "scripts/scenarios/sino-german-vision.toml"
ETHER = 10**18
runner = CliRunner()


@pytest.fixture
def shared_build(
    tmp_path: Path, build: Build, build_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The usual data folder's build cache, warm, so that the demo does not compile."""
    shared = tmp_path / "shared"
    (shared / "build").mkdir(parents=True)
    shutil.copy(build_cache / f"{build.key}.json", shared / "build")
    monkeypatch.setenv("IPLEDGER_HOME", str(shared))


@pytest.mark.slow
@pytest.mark.usefixtures("shared_build")
def test_the_demo_lives_through_the_sino_german_scenario(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIO)
    home = tmp_path / "home"
    printed = io.StringIO()
    result = run_demo(SCENARIO, home=home, console=Console(file=printed, width=120))
    output = printed.getvalue()

    check_founding(result)
    check_milestones(result, [m.amount for m in scenario.milestones])
    check_foreground(result)
    assert (result.verified, result.registry_verified) == (True, True)
    assert result.record_size > 90
    assert result.seconds < 120
    for line in ("verify: ok", "A licence for US is refused", "equals the pure engine's"):
        assert line in output
    assert (home / "ledger.sqlite3").is_file()  # --home is kept
    parties = {"admin", "arbiter", "funder", "licensee", *result.partners.values()}
    assert set(result.api_keys) == parties
    assert all(key.startswith("ipl_") for key in result.api_keys.values())
    assert json.loads((home / "api-keys.json").read_text(encoding="utf-8")) == result.api_keys

    again = runner.invoke(app, ["demo", "--home", str(home)])
    assert again.exit_code == 1
    assert "already holds a ledger" in again.output and "Traceback" not in again.output


def check_founding(result: DemoResult) -> None:
    assert result.partners == {
        1: "rhein_lab",
        2: "hanse_optics",
        3: "dr_chen",
        4: "suzhou_smart",
        5: "jiangsu_ai",
    }
    statuses = {
        (c.partner, c.credential_type): (c.at_home, c.in_host_before, c.in_host_after)
        for c in result.credentials
    }
    recognised = ("valid", "not_recognised", "valid")
    assert statuses == {
        ("rhein_lab", "DegreeCredential"): recognised,
        ("dr_chen", "DegreeCredential"): recognised,
        ("dr_chen", "ProfessionalQualificationCredential"): recognised,
        ("jiangsu_ai", "TRLAssessorCredential"): ("valid", "valid", "valid"),  # at home
    }
    assert result.funded == 2_400 * ETHER


def check_milestones(result: DemoResult, amounts: list[int]) -> None:
    assert [m.amount for m in result.milestones] == amounts == [600 * ETHER, 800 * ETHER, 10**21]
    assert [m.contributions for m in result.milestones] == [10, 12, 12]  # 9 + the copy
    # milestone 1: the submission's snapshot, then the settlement's; one each after
    assert [m.snapshot_numbers for m in result.milestones] == [[1, 2], [3], [4]]
    assert sum(m.engine_checked for m in result.milestones) == 4
    for milestone in result.milestones:
        assert milestone.claimed == milestone.payouts
        assert sum(milestone.claimed.values()) == milestone.amount
        assert sorted(milestone.claimed) == [1, 2, 3, 4, 5]
        assert len(milestone.released_by) == 3
    first, *others = result.disputes
    assert (first.milestone, first.opened_by, first.outcome, first.status) == (
        1,
        "suzhou_smart",  # the local side disputes a foreign partner's copy
        "replace",
        "settled",
    )
    assert len(first.excluded) == 1 and first.signers == 5
    assert [(d.milestone, d.outcome, d.status, d.excluded) for d in others] == [
        (2, "uphold", "settled", []),
        (3, "uphold", "settled", []),
    ]
    # the copy of rhein_lab's code counted at submission only: its payout fell after
    first_milestone = result.milestones[0]
    assert first_milestone.submitted_payouts[1] > first_milestone.payouts[1]
    assert sum(first_milestone.submitted_payouts.values()) == first_milestone.amount
    for later in result.milestones[1:]:
        assert later.submitted_payouts == later.payouts  # upheld


def check_foreground(result: DemoResult) -> None:
    refusal = result.refusal
    assert refusal is not None
    assert (refusal.territory, refusal.status, refusal.field) == ("US", 422, "territory")
    assert "US is not on it" in refusal.line
    assert result.licences == [
        {
            "asset": "Defect-detection network architecture",
            "territory": "CN",
            "industry": "C26",
            "state": "granted",
        }
    ]
    payments = [(p.tier, p.what, p.amount, p.cumulative_before) for p in result.payments]
    assert payments == [
        ("core", "licence fee", 45 * ETHER, 0),
        ("core", "revenue", 180 * ETHER, 45 * ETHER),
        ("application", "revenue", 90 * ETHER, 0),
        ("derivative", "revenue", 60 * ETHER, 0),
    ]
    for payment in result.payments:
        assert sum(payment.split.values()) == payment.amount
    core_fee = result.payments[0].split
    # all in the first bracket: the foreign side (1, 2, 3) gets 7000 bps of 45 ether
    assert core_fee[1] + core_fee[2] + core_fee[3] == 31_500 * ETHER // 1000
    assert core_fee[5] == 0  # jiangsu_ai holds no core rights
    negotiated = {1: 1500, 2: 1000, 3: 1000, 4: 3500, 5: 3000}
    assert result.negotiated == negotiated
    derivative = result.payments[3].split
    assert derivative == {n: 60 * ETHER * bps // 10_000 for n, bps in negotiated.items()}


def test_a_missing_scenario_is_one_line_and_exit_code_1(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    result = runner.invoke(app, ["demo", "--scenario", str(missing)])
    assert result.exit_code == 1
    assert "error:" in result.output and "cannot read the scenario" in result.output
    assert "nowhere.toml" in result.output and "Traceback" not in result.output


def test_a_broken_scenario_lists_its_problems(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    text = SCENARIO.read_text(encoding="utf-8").replace(
        'amount = "2400 ether"', 'amount = "1 ether"'
    )
    broken.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["demo", "--scenario", str(broken)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "the milestones pay 2400000000000000000000 wei but funding.amount is" in result.output
