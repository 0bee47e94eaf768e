"""The whole demo: a scenario lived through end to end over the API of a real server.

:func:`run_demo` starts ``ipledger serve`` on a fresh data folder, drives it with
:class:`api.client.Client` as each party in turn, prints what happens, checks the API's
numbers against the pure equity engine, has the arbiter verify the record, stops the
server and returns what it did (:class:`~api.demo.results.DemoResult`).
"""

from __future__ import annotations

import json
import os
import time
from contextlib import ExitStack, closing
from pathlib import Path

from rich.console import Console

from api.client import Client
from api.demo import show
from api.demo.cast import Cast, plan_contributions
from api.demo.engine import Engine
from api.demo.errors import DemoError, step
from api.demo.founding import found_the_project, fund_and_plan, issue_the_credentials
from api.demo.market import bring_to_market
from api.demo.milestones import live_through
from api.demo.results import DemoResult
from api.demo.server import running_server
from api.demo.story import Story
from ledger.simulation.scenario import Scenario, ScenarioError, load_scenario

#: The file in a kept data folder (``--home``) that holds every party's API key.
KEYS_FILE = "api-keys.json"


def load(path: Path) -> Scenario:
    """The scenario at ``path``, or a :class:`DemoError` listing what is wrong with it."""
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        raise DemoError(exc.message) from None


def run_demo(
    scenario_path: Path, *, home: Path | None = None, console: Console | None = None
) -> DemoResult:
    """Run the scenario end to end over the API; what it did.

    Args:
        scenario_path: A scenario file (the format: ``ledger/simulation/scenario.py``).
        home: The server's data folder, new or empty (kept); ``None`` for a temporary one.
        console: Where to print the story (default: standard output).

    Raises:
        DemoError: for a bad scenario, a server that does not start, a step the API
            refuses, or a number that differs from the pure engine's.
    """
    started = time.perf_counter()
    console = console or Console()
    scenario = load(scenario_path)
    cast = Cast.of(scenario)
    plan = plan_contributions(scenario)
    empty = [n for n, planned in plan.items() if not planned]
    if empty:
        raise DemoError(
            f"{scenario_path}: no contribution stream is active before milestone {empty[0]}"
        )
    result = DemoResult(scenario=scenario.name)
    with ExitStack() as stack:
        with console.status("Starting ipledger serve (embedded chain, SQLite)…"):
            server = stack.enter_context(running_server(home))
        show.banner(
            console,
            scenario.name,
            scenario.description,
            [
                f"server   {server.url} (ipledger serve: eth-tester chain + SQLite)",
                f"data     {server.home}" + ("" if home else " (temporary)"),
                "Every act below is a request to that server's API by the party that acts, "
                "with its own API key; what must be signed, it signs with its own key.",
            ],
        )
        admin: Client = stack.enter_context(closing(Client.connect(server.url, server.admin_key)))
        story = Story(console, scenario, cast, admin, Engine(scenario), result)
        found_the_project(story)
        result.api_keys = {"admin": server.admin_key}
        for who, client in story.clients.items():
            assert client.api_key is not None  # every party's client holds its own key
            result.api_keys[who] = client.api_key
        if home is not None:
            keep_keys(server.home / KEYS_FILE, result.api_keys)
        issue_the_credentials(story)
        fund_and_plan(story)
        for number in range(1, len(scenario.milestones) + 1):
            live_through(story, number, plan[number])
            bring_to_market(story, number)
        audit(story, len(scenario.milestones) + 4)
        summary(story, len(scenario.milestones) + 5)
    result.seconds = time.perf_counter() - started
    console.print()
    kept = f", its data kept in {home} (the parties' API keys in {KEYS_FILE})" if home else ""
    show.ok(console, f"Demo done in {result.seconds:.0f} s; the server is stopped{kept}.")
    return result


def keep_keys(path: Path, keys: dict[str, str]) -> None:
    """Write the parties' API keys to ``path``, readable by its owner only.

    They let whoever holds the data folder (which holds the database and the ledger's own
    keys anyway) serve it again and look at it as any party, e.g. in the audit view.
    """
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a file that was there keeps its mode through os.open
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(keys, out, indent=2, sort_keys=True)
        out.write("\n")


def audit(story: Story, number: int) -> None:
    """The arbiter verifies the project's record; the admin the registry's."""
    show.heading(story.console, number, "The audit")
    with step("verifying the record"):
        report = story.clients["arbiter"].verify(story.project_id)
        registry = story.admin.verify(0)
    if not report["ok"]:
        raise DemoError(f"verify found problems in the record: {report['problems']}")
    if not registry["ok"]:
        raise DemoError(f"verify found problems in the registry's record: {registry['problems']}")
    story.result.verified, story.result.registry_verified = True, True
    story.result.record_size = report["size"]
    anchored = ", ".join(str(s) for s in report["anchored_sizes"])
    show.ok(
        story.console,
        f"verify: ok. The arbiter recomputed the project's record from its {report['size']} "
        f"raw entries (hash chain, Merkle tree, signed tree heads) and matched the heads "
        f"anchored on chain at sizes {anchored}.",
    )
    show.ok(
        story.console,
        f"verify: ok for the registry's record too ({registry['size']} entries: issuers, "
        f"credentials, recognitions).",
    )


def summary(story: Story, number: int) -> None:
    """Each partner's milestone payouts and revenue, and how many numbers were checked."""
    show.heading(story.console, number, "Who received what")
    result = story.result
    milestones = {n: sum(m.claimed.get(n, 0) for m in result.milestones) for n in story.names}
    revenue = {n: sum(p.split.get(n, 0) for p in result.payments) for n in story.names}
    total = {n: milestones[n] + revenue[n] for n in story.names}
    rows = {"milestones": milestones, "revenue": revenue, "total": total}
    title = "Paid to each partner's own address (ETH)"
    story.console.print(show.by_partner(title, story.names, rows))
    checks = sum(m.engine_checked for m in result.milestones)
    show.say(
        story.console,
        f"{checks} snapshots and {len(result.payments)} revenue splits matched the pure engine "
        f"to the wei; {len(result.disputes)} disputes were settled by mediation.",
    )
