"""The simulator's plots: payout distributions, the equity matrix over milestones, the timeline.

Written as PNG files with matplotlib's Agg backend (no display needed). Each function takes
the report of :func:`ledger.simulation.stats.aggregate` and, where it needs every run, the
run summaries.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402 - the backend is chosen first

from ledger.simulation.montecarlo import RunSummary  # noqa: E402

WEI_PER_ETHER = 10**18
DPI = 110


def _short(name: str, size: int = 18) -> str:
    return name if len(name) <= size else name[: size - 1] + "…"


def payout_distributions(
    report: dict[str, Any], summaries: Sequence[RunSummary], path: Path
) -> Path:
    """Box plots (whiskers at the 5th and 95th percentiles) of each partner's total, per rule."""
    rules = report["rules"]
    partners = report["partners"]
    fig, ax = plt.subplots(figsize=(max(8, 1.9 * len(partners)), 4.8))
    width = 0.8 / len(rules)
    colours = plt.get_cmap("tab10")
    for r, rule in enumerate(rules):
        data = []
        for p in range(len(partners)):
            data.append(
                [
                    (s.rules[rule].milestone_wei[p] + s.rules[rule].revenue_wei[p]) / WEI_PER_ETHER
                    for s in summaries
                ]
            )
        positions = [p + 1 - 0.4 + width * (r + 0.5) for p in range(len(partners))]
        box = ax.boxplot(
            data,
            positions=positions,
            widths=width * 0.9,
            whis=(5, 95),
            showfliers=False,
            patch_artist=True,
        )
        for patch in box["boxes"]:
            patch.set_facecolor(colours(r))
            patch.set_alpha(0.75)
        ax.plot([], [], color=colours(r), linewidth=8, alpha=0.75, label=rule)
    ax.set_xticks(range(1, len(partners) + 1))
    ax.set_xticklabels([f"{_short(p['name'])}\n({p['side']})" for p in partners], fontsize=8)
    ax.set_ylabel("milestone payouts + revenue (ether)")
    ax.set_title(f"{report['scenario']}: payout per partner over {report['runs']:,} runs")
    ax.legend(title="rule", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def equity_matrix(report: dict[str, Any], rule: str, path: Path) -> Path:
    """Heat maps, one per tier: mean rights bps per partner at each released milestone."""
    matrix = report["by_rule"][rule]["matrix"]
    partners = report["partners"]
    milestones = report["milestones"]
    tiers = list(matrix)
    fig, axes = plt.subplots(1, len(tiers), figsize=(5.2 * len(tiers), 0.9 * len(milestones) + 2.4))
    for ax, tier in zip(axes, tiers, strict=True):
        rows = [row if row is not None else [float("nan")] * len(partners) for row in matrix[tier]]
        image = ax.imshow(rows, cmap="viridis", vmin=0, vmax=10_000, aspect="auto")
        for k, row in enumerate(rows):
            for p, value in enumerate(row):
                if value == value:  # not NaN
                    colour = "white" if value < 5000 else "black"
                    ax.text(
                        p, k, f"{value:.0f}", ha="center", va="center", fontsize=8, color=colour
                    )
        ax.set_title(f"{tier} tier (mean bps)")
        ax.set_xticks(range(len(partners)))
        ax.set_xticklabels(
            [_short(p["key"], 14) for p in partners], rotation=30, ha="right", fontsize=8
        )
        ax.set_yticks(range(len(milestones)))
        ax.set_yticklabels([f"M{k + 1}" for k in range(len(milestones))])
    fig.colorbar(image, ax=list(axes), shrink=0.8, label="rights (bps)")
    fig.suptitle(f"{report['scenario']}: equity matrix by milestone ({rule})")
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return path


def timeline(report: dict[str, Any], summaries: Sequence[RunSummary], path: Path) -> Path:
    """Each milestone's release day over the runs, its due day, and how often it was released."""
    milestones = report["milestones"]
    fig, ax = plt.subplots(figsize=(9, 1.1 * len(milestones) + 1.6))
    data = []
    for k in range(len(milestones)):
        days = [s.decided_days[k] for s in summaries if s.states[k] == "released"]
        data.append(days or [float("nan")])
    positions = list(range(len(milestones), 0, -1))
    ax.boxplot(data, positions=positions, vert=False, whis=(5, 95), showfliers=False, widths=0.5)
    for k, milestone in enumerate(milestones):
        y = positions[k]
        ax.plot(milestone["due_day"], y, marker="v", color="crimson", markersize=9)
        ax.annotate(
            f"released {milestone['released']:.0%} · failed {milestone['failed']:.0%}",
            (milestone["due_day"], y + 0.32),
            fontsize=8,
        )
    ax.plot([], [], marker="v", color="crimson", linestyle="", label="due day")
    ax.set_yticks(positions)
    ax.set_yticklabels(
        [f"M{k + 1} {_short(m['title'], 28)}" for k, m in enumerate(milestones)], fontsize=8
    )
    ax.set_xlabel("days from the start")
    ax.set_title(f"{report['scenario']}: milestone release days (5th–95th percentile)")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def write_plots(report: dict[str, Any], summaries: Sequence[RunSummary], out: Path) -> list[Path]:
    """Every plot into ``out`` (created if missing); returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = [
        payout_distributions(report, summaries, out / "payouts.png"),
        timeline(report, summaries, out / "timeline.png"),
    ]
    for rule in report["rules"]:
        if report["by_rule"][rule]["matrix"] is not None:
            written.append(equity_matrix(report, rule, out / f"matrix-{rule}.png"))
    return written
