"""What the demo prints: headings, the equity matrix, payouts and splits, with rich.

Amounts are shown in ether, exactly: every digit down to the wei, so a leftover wei placed
by the largest-remainder rule shows as ``…000001``. Shares are basis points (10000 = 100 %).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from ledger.equity import TIERS

WEI_PER_ETHER = 10**18


def ether(wei: int) -> str:
    """``wei`` in ether, exact: ``600``, ``119.4``, ``37.800000000000000001``."""
    sign = "-" if wei < 0 else ""
    whole, rest = divmod(abs(wei), WEI_PER_ETHER)
    text = f"{whole:,}" if rest == 0 else f"{whole:,}.{rest:018d}".rstrip("0")
    return f"{sign}{text}"


def heading(console: Console, number: int, title: str) -> None:
    console.print()
    console.rule(f"[bold]{number}. {title}", align="left")


def say(console: Console, text: str) -> None:
    console.print(text, highlight=False)


def ok(console: Console, text: str) -> None:
    console.print(f"[green]✓[/] {text}", highlight=False)


def refused(console: Console, text: str) -> None:
    console.print(f"[red]✗[/] {text}", highlight=False)


def banner(console: Console, title: str, description: str, lines: Sequence[str]) -> None:
    body = "\n".join([f"[italic]{description}[/]", "", *lines]) if description else "\n".join(lines)
    console.print(Panel(body, title=f"[bold]ipledger demo: {title}", expand=False))


def table(title: str, *columns: str, right: Sequence[str] = ()) -> Table:
    """A table with ``columns``; those named in ``right`` are right-aligned."""
    out = Table(title=title, title_justify="left", title_style="bold", show_edge=False)
    for name in columns:
        out.add_column(name, justify="right" if name in right else "left")
    return out


def matrix(snapshot: Mapping[str, Any], names: Mapping[int, str], title: str) -> Table:
    """The snapshot's equity matrix (rights bps per tier), payout vector and payouts, with
    the tier weights in the last row."""
    columns = {
        t["tier"]: {s["partner_number"]: s["rights_bps"] for s in t["shares"]}
        for t in snapshot["tiers"]
    }
    weights = {t["tier"]: t["weight_bps"] for t in snapshot["tiers"]}
    tiers = [tier.value for tier in TIERS]
    numbers = [*tiers, "payout bps", "ETH"]
    out = table(title, "partner", *numbers, right=numbers)
    for share in snapshot["payout_vector"]:
        number = share["partner_number"]
        cells = [str(columns[t].get(number, "-")) if t in columns else "·" for t in tiers]
        out.add_row(names[number], *cells, str(share["bps"]), ether(int(share["wei"])))
    out.add_section()
    total = ether(int(snapshot["amount"]))
    out.add_row("tier weight", *(str(weights.get(t, "·")) for t in tiers), "10000", total)
    return out


def by_partner(
    title: str, names: Mapping[int, str], rows: Mapping[str, Mapping[int, int]]
) -> Table:
    """Wei per partner (rows) for each named column, in ether, with a total row."""
    headers = list(rows)
    out = table(title, "partner", *headers, right=headers)
    for number, name in names.items():
        out.add_row(name, *(ether(rows[h].get(number, 0)) for h in headers))
    out.add_section()
    out.add_row("total", *(ether(sum(rows[h].values())) for h in headers))
    return out
