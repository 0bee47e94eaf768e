"""The shipped scenarios, and small scenario documents the tests change one field at a time."""

from __future__ import annotations

import copy
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from ledger.simulation.scenario import Scenario, load_scenario

SCENARIOS = Path(__file__).resolve().parents[3] / "scripts" / "scenarios"
SHIPPED = sorted(p.name for p in SCENARIOS.glob("*.toml"))


@cache
def shipped(name: str) -> Scenario:
    """A shipped scenario by file name."""
    return load_scenario(SCENARIOS / name)


def document(name: str = "sino-german-vision.toml") -> dict[str, Any]:
    """A shipped scenario's parsed TOML, a fresh copy to change."""
    return copy.deepcopy(_parsed(name))


@cache
def _parsed(name: str) -> dict[str, Any]:
    return tomllib.loads((SCENARIOS / name).read_text(encoding="utf-8"))
