"""A simulation's report as rows (CSV) and as figures people read (ether, percent).

The report itself is the plain dict of :func:`ledger.simulation.stats.aggregate`; this module
only flattens and formats it. Wei stay exact in the CSV; :func:`ether` is for display.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

#: The CSV's columns, one row per rule and partner.
CSV_FIELDS = (
    "rule",
    "partner_id",
    "partner",
    "side",
    "mean_wei",
    "p5_wei",
    "p50_wei",
    "p95_wei",
    "milestones_mean_wei",
    "revenue_mean_wei",
    "drift_bps",
    "gini_mean",
)


def ether(wei: int | str, places: int = 2) -> str:
    """Wei as ether with ``places`` decimals (rounded half-even), thousands separated."""
    value = (Decimal(int(wei)) / Decimal(10**18)).quantize(Decimal(1).scaleb(-places))
    return f"{value:,}"


def csv_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per rule and partner."""
    names = {p["id"]: p for p in report["partners"]}
    rows = []
    for rule, result in report["by_rule"].items():
        for entry in result["partners"]:
            partner = names[entry["id"]]
            total = entry["total"]
            rows.append(
                {
                    "rule": rule,
                    "partner_id": entry["id"],
                    "partner": partner["name"],
                    "side": partner["side"],
                    "mean_wei": total["mean"],
                    "p5_wei": total["p5"],
                    "p50_wei": total["p50"],
                    "p95_wei": total["p95"],
                    "milestones_mean_wei": entry["milestones_mean"],
                    "revenue_mean_wei": entry["revenue_mean"],
                    "drift_bps": "" if entry["drift_bps"] is None else f"{entry['drift_bps']:.2f}",
                    "gini_mean": f"{result['gini']['mean']:.4f}",
                }
            )
    return rows


def write_csv(report: dict[str, Any], path: Path) -> None:
    """Write :func:`csv_rows` to ``path`` with a header line."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(csv_rows(report))
