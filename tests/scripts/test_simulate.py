"""scripts/simulate.py as a user runs it: the report, the CSV, the plots, and its errors."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "simulate.py"
SINO = ROOT / "scripts" / "scenarios" / "sino-german-vision.toml"

pytestmark = pytest.mark.slow


def simulate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300, cwd=ROOT
    )


def test_simulate_writes_json_csv_and_plots(tmp_path: Path) -> None:
    done = simulate(
        str(SINO), "--runs", "60", "--seed", "4", "--processes", "2", "--json",
        "--csv", str(tmp_path / "out.csv"), "--out", str(tmp_path / "plots"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["runs"] == 60
    assert report["rules"] == ["table2", "equal", "contribution", "wide_band"]
    assert "60/60" in done.stderr  # the progress bar reached the end
    with (tmp_path / "out.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 4 * len(report["partners"])
    for row in rows:
        partner = report["by_rule"][row["rule"]]["partners"][int(row["partner_id"]) - 1]
        assert row["mean_wei"] == partner["total"]["mean"]
    plots = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert plots == [
        "matrix-table2.png", "matrix-wide_band.png", "payouts.png", "report.json", "timeline.png",
    ]  # fmt: skip
    for name in plots:
        if name.endswith(".png"):
            assert (tmp_path / "plots" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_simulate_prints_rules_side_by_side() -> None:
    done = simulate(str(SINO), "--runs", "40", "--rule", "table2", "--rule", "equal")
    assert done.returncode == 0, done.stderr
    assert "table2" in done.stdout and "equal" in done.stdout
    assert "contribution" not in done.stdout
    assert "rhein_lab" in done.stdout
    assert "completed" in done.stdout


def test_a_broken_scenario_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(
        SINO.read_text(encoding="utf-8").replace('amount = "600 ether"', 'amount = "x"')
    )
    done = simulate(str(broken), "--runs", "5")
    assert done.returncode == 2
    assert "milestones[0].amount" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_rule_is_refused() -> None:
    done = simulate(str(SINO), "--runs", "5", "--rule", "flat")
    assert done.returncode == 2
    assert "unknown rule 'flat'" in done.stderr
    assert "Traceback" not in done.stderr


def test_onchain_replay_pays_the_models_wei() -> None:
    done = simulate(str(SINO), "--runs", "20", "--onchain", "2", "--json")
    assert done.returncode == 0, done.stderr
    replay = json.loads(done.stdout)["onchain"]
    assert replay["rule"] == "table2"
    assert replay["runs"] == 2
    assert replay["transactions"] > 0


def test_onchain_needs_enough_runs() -> None:
    done = simulate(str(SINO), "--runs", "3", "--onchain", "5")
    assert done.returncode == 2
    assert "--onchain 5 is more than the 3 runs" in done.stderr
