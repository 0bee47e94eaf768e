"""Simulate a disbursement scenario: what each partner would receive, under several rules.

    python scripts/simulate.py scripts/scenarios/sino-german-vision.toml --runs 10000 --seed 1
    python scripts/simulate.py SCENARIO --rule table2 --rule equal --json
    python scripts/simulate.py SCENARIO --runs 2000 --csv out.csv --out plots/ --onchain 20

Runs are seeded (run i of seed s is the same on every machine, however many processes run
it) and computed with the pure equity engine; ``--onchain K`` then replays the first K runs
through the contracts on an embedded eth-tester chain and stops at the first partner whose
on-chain payout differs from the model's by a single wei. The scenario format is in
docs/simulation.md.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ledger.errors import LedgerError
from ledger.simulation.montecarlo import run_one, simulate
from ledger.simulation.onchain_errors import ReplayMismatch, ReplayRefused
from ledger.simulation.report import ether, write_csv
from ledger.simulation.scenario import Scenario, load_scenario
from ledger.simulation.stats import aggregate

app = typer.Typer(add_completion=False, help=__doc__)
out = Console()
err = Console(stderr=True)
log = logging.getLogger("simulate")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def _comparison(report: dict[str, Any]) -> Table:
    table = Table(
        title=f"{report['scenario']}: total per partner over {report['runs']:,} runs (ether)"
    )
    table.add_column("partner")
    table.add_column("side")
    for rule in report["rules"]:
        table.add_column(f"{rule}\nmean [p5–p95]", justify="right")
    for index, partner in enumerate(report["partners"]):
        cells = []
        for rule in report["rules"]:
            total = report["by_rule"][rule]["partners"][index]["total"]
            cells.append(
                f"{ether(total['mean'], 1)} [{ether(total['p5'], 0)}–{ether(total['p95'], 0)}]"
            )
        table.add_row(partner["key"], partner["side"], *cells)
    table.add_section()
    table.add_row(
        "Gini of payouts (mean)",
        "",
        *(f"{report['by_rule'][r]['gini']['mean']:.3f}" for r in report["rules"]),
    )
    return table


def _detail(report: dict[str, Any], rule: str) -> Table:
    result = report["by_rule"][rule]
    count = len(report["milestones"])
    table = Table(title=f"rule {rule}: {result['description']}")
    table.add_column("partner")
    for heading in ("p50", "milestones (mean)", "revenue (mean)"):
        table.add_column(heading, justify="right")
    for k in range(count):
        table.add_column(f"share M{k + 1}\n(bps)", justify="right")
    table.add_column("drift\n(bps)", justify="right")
    for partner, entry in zip(report["partners"], result["partners"], strict=True):
        shares = ["–" if s is None else f"{s:.0f}" for s in entry["share_bps"]]
        drift = "–" if entry["drift_bps"] is None else f"{entry['drift_bps']:+.0f}"
        table.add_row(
            partner["key"],
            ether(entry["total"]["p50"], 1),
            ether(entry["milestones_mean"], 1),
            ether(entry["revenue_mean"], 1),
            *shares,
            drift,
        )
    return table


def _outcomes(report: dict[str, Any]) -> Table:
    table = Table(title="milestones")
    for heading in (
        "milestone",
        "due day",
        "released",
        "rejected",
        "failed",
        "released on day p50 [p5–p95]",
    ):
        table.add_column(heading, justify="left" if heading == "milestone" else "right")
    for k, m in enumerate(report["milestones"]):
        days = m["released_day"]
        span = "–" if days is None else f"{days['p50']} [{days['p5']}–{days['p95']}]"
        table.add_row(
            f"M{k + 1} {m['title']}",
            str(m["due_day"]),
            f"{m['released']:.1%}",
            f"{m['rejected']:.1%}",
            f"{m['failed']:.1%}",
            span,
        )
    completion = report["completion"]
    days = completion["days"]
    table.caption = (
        f"completed {completion['probability']:.1%} of runs"
        + ("" if days is None else f", on day {days['p50']} (p50), {days['p95']} (p95)")
        + f"; disputed in {report['disputes']['probability']:.1%} of runs"
    )
    return table


def _replay(scenario: Scenario, report: dict[str, Any], seed: int, count: int) -> dict[str, Any]:
    """Replay runs 0..count-1 under the first tiered rule; a difference raises ReplayMismatch."""
    from ledger.simulation.onchain import Replayer

    rule = next((r for r in report["rules"] if report["by_rule"][r]["kind"] == "tiered"), None)
    if rule is None:
        raise typer.BadParameter("--onchain needs a tiered rule among those compared")
    started = time.perf_counter()
    transactions = gas = 0
    with Replayer(scenario, rule=rule) as replayer, _progress() as progress:
        task = progress.add_task(f"on-chain replay ({rule})", total=count, rate="")
        for index in range(count):
            world, outcomes = run_one(scenario, [rule], seed, index)
            result = replayer.replay(index, world.seed, outcomes[rule])
            transactions += result.transactions
            gas += result.gas_used
            progress.advance(task)
        setup = replayer.setup_seconds
    return {
        "rule": rule,
        "runs": count,
        "setup_seconds": setup,
        "seconds": time.perf_counter() - started,
        "transactions": transactions,
        "gas_used": gas,
    }


@app.command()
def main(
    scenario_path: Annotated[
        Path, typer.Argument(metavar="SCENARIO", help="A scenario TOML file.")
    ],
    runs: Annotated[int, typer.Option(min=1, max=10_000_000, help="Seeded runs.")] = 1000,
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="The simulation's seed.")] = 1,
    processes: Annotated[
        int, typer.Option(min=1, max=256, help="Worker processes (default: every core).")
    ] = os.cpu_count() or 1,
    rule: Annotated[
        list[str] | None,
        typer.Option(help="A rule to compare (repeat; default: the file's `compare`)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON on stdout.")
    ] = False,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Write one row per rule and partner.")
    ] = None,
    plots: Annotated[
        Path | None, typer.Option("--out", help="Write the plots and report.json here.")
    ] = None,
    onchain: Annotated[int, typer.Option(min=0, help="Replay the first K runs on eth-tester.")] = 0,
) -> None:
    """Run the Monte Carlo simulation of SCENARIO and report per partner and rule."""
    logging.basicConfig(level=logging.WARNING)
    try:
        scenario = load_scenario(scenario_path)
        names = rule or list(scenario.compare)
        for name in names:
            scenario.rule(name)
        if onchain > runs:
            raise typer.BadParameter(f"--onchain {onchain} is more than the {runs} runs")
        started = time.perf_counter()
        with _progress() as progress:
            task = progress.add_task(f"{scenario.name}", total=runs, rate="")

            def advance(done: int) -> None:
                elapsed = time.perf_counter() - started
                finished = progress.tasks[task].completed + done
                progress.update(
                    task, advance=done, rate=f"{finished / max(elapsed, 1e-9):,.0f} runs/s"
                )

            summaries = simulate(
                scenario,
                runs=runs,
                seed=seed,
                rule_names=names,
                processes=processes,
                progress=advance,
            )
        elapsed = time.perf_counter() - started
        report = aggregate(scenario, summaries, seed=seed)
        report["timing"] = {
            "seconds": elapsed,
            "runs_per_second": runs / elapsed,
            "processes": processes,
        }
        if onchain:
            report["onchain"] = _replay(scenario, report, seed, onchain)
    except (ReplayMismatch, ReplayRefused) as exc:
        err.print(f"[red]on-chain replay failed:[/red] {exc.message}", highlight=False)
        raise typer.Exit(1) from None
    except LedgerError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False)
        raise typer.Exit(2) from None
    if csv_path is not None:
        write_csv(report, csv_path)
    if plots is not None:
        from simulation_plots import write_plots

        written = write_plots(report, summaries, plots)
        (plots / "report.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        err.print(f"wrote {len(written)} plots and report.json to {plots}")
    if as_json:
        sys.stdout.write(json.dumps(report, sort_keys=True) + "\n")
        return
    out.print(_comparison(report))
    primary = next((r for r in names if report["by_rule"][r]["kind"] == "tiered"), names[0])
    out.print(_detail(report, primary))
    out.print(_outcomes(report))
    out.print(
        f"{runs:,} runs in {elapsed:.1f} s ({runs / elapsed:,.0f} runs/s on {processes} processes)"
    )
    if onchain:
        replay = report["onchain"]
        out.print(
            f"on-chain replay: {replay['runs']} runs under {replay['rule']} paid exactly "
            f"the model's wei ({replay['transactions']:,} transactions, "
            f"{replay['seconds']:.1f} s)"
        )


if __name__ == "__main__":
    app()
