"""The cast and the repeated acts of the lifecycle told over HTTP, against ``ipledger serve``.

The same Sino-German project as ``tests/ledger/services/test_lifecycle.py``, but every act
is a request of :class:`api.client.Client`: each party holds its own API key and its own
chain account (eth-tester's prefunded development accounts, so the parties pay the gas of
the transactions they sign themselves) and signs inside the client. The test never opens
the server's database or chain; what it checks, it reads back through the API.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from eth_account.signers.local import LocalAccount

from api.client import ApiError, Client
from tests.e2e.served import Served, funded_accounts
from tests.ledger.services.conftest import ARBITER, FOREIGN_A, FOREIGN_C, LOCAL_B
from tests.ledger.services.lifecycle_support import AMOUNTS, evidence, lifecycle_agreement

A, B, C, ARB, FUNDER, LICENSEE, TUM = funded_accounts()[:7]
BY_NUMBER = {1: A, 2: B, 3: C}  # partners in joining order
TIERS = ("core", "application", "derivative")


def agreement() -> dict[str, Any]:
    """The ledger test's agreement, its parties and arbiter acting with funded accounts."""
    document = copy.deepcopy(lifecycle_agreement())
    moved = {
        FOREIGN_A.address: A.address,
        LOCAL_B.address: B.address,
        FOREIGN_C.address: C.address,
        ARBITER.address: ARB.address,
    }
    for member in (*document["parties"], *document["arbiters"]):
        member["address"] = moved[member["address"]]
    return document


def refused(call: Callable[[], Any]) -> ApiError:
    """The problem a call must answer with (it fails the test if the call succeeds)."""
    try:
        call()
    except ApiError as error:
        return error
    raise AssertionError("the call was expected to be refused")


def seconds_ahead(seconds: float) -> datetime:
    """Now plus ``seconds``, whole seconds, in UTC."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0)


# ---------------------------------------------------------------------- snapshots as served


def matrix_of(snapshot: dict[str, Any]) -> dict[str, dict[int, int]]:
    """The rights bps of each tier's column, by partner number."""
    return {
        t["tier"]: {s["partner_number"]: s["rights_bps"] for s in t["shares"]}
        for t in snapshot["tiers"]
    }


def profit_of(snapshot: dict[str, Any]) -> dict[int, int]:
    """The application column's profit bps, by partner number."""
    (application,) = (t for t in snapshot["tiers"] if t["tier"] == "application")
    return {s["partner_number"]: s["profit_bps"] for s in application["shares"]}


def weights_of(snapshot: dict[str, Any]) -> dict[str, int]:
    return {t["tier"]: t["weight_bps"] for t in snapshot["tiers"]}


def vector_of(snapshot: dict[str, Any]) -> dict[int, int]:
    return {p["partner_number"]: p["bps"] for p in snapshot["payout_vector"]}


def payouts_of(snapshot: dict[str, Any]) -> dict[int, int]:
    return {p["partner_number"]: int(p["wei"]) for p in snapshot["payout_vector"]}


def check_sums(snapshot: dict[str, Any]) -> None:
    """Each column's rights, the profit, the weights and the vector sum to 10000 bps; the
    payouts to the milestone's amount."""
    for column in matrix_of(snapshot).values():
        assert sum(column.values()) == 10_000
    assert sum(profit_of(snapshot).values()) == 10_000
    assert sum(weights_of(snapshot).values()) == 10_000
    assert sum(vector_of(snapshot).values()) == 10_000
    assert sum(payouts_of(snapshot).values()) == int(snapshot["amount"])


# ---------------------------------------------------------------------- the story


@dataclass
class Story:
    """One project as the API sees it: everyone's client, and what it holds so far."""

    served: Served
    admin: Client
    project: dict[str, Any] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    contributions: dict[str, dict[str, Any]] = field(default_factory=dict)
    milestones: dict[int, dict[str, Any]] = field(default_factory=dict)
    deposit: dict[str, Any] = field(default_factory=dict)
    assets: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def project_id(self) -> int:
        return int(self.project["id"])

    @property
    def partner(self) -> dict[LocalAccount, Client]:
        """Each partner's client, by its account."""
        return {A: self.clients["a"], B: self.clients["b"], C: self.clients["c"]}

    def principal(
        self,
        name: str,
        role: str,
        *,
        as_: str,
        account: LocalAccount | None = None,
        project_id: int | None = None,
        issuer_urn: str | None = None,
    ) -> Client:
        """The admin creates a principal; its client is kept under ``as_``."""
        body = {
            "name": name,
            "role": role,
            "project_id": project_id,
            "address": None if account is None else account.address,
            "issuer_urn": issuer_urn,
        }
        created = self.admin.post("/v1/principals", body)
        principal = created["principal"]
        assert (principal["name"], principal["role"], principal["project_id"]) == (
            name,
            role,
            project_id,
        )
        assert principal["address"] == (None if account is None else account.address)
        assert created["api_key"].startswith(f"ipl_{principal['key_id']}_")
        client: Client = self.admin.as_key(created["api_key"])
        assert client.me()["id"] == principal["id"]
        self.clients[as_] = client
        return client

    # ------------------------------------------------------------------ the record

    def entries(self, project_id: int | None = None) -> list[dict[str, Any]]:
        """Every entry of the project's record (or record ``project_id``), as the admin reads."""
        record = self.project_id if project_id is None else project_id
        return self.admin.pages(f"/v1/audit/{record}/entries", limit=200)

    def kinds(self, project_id: int | None = None) -> list[str]:
        return [e["kind"] for e in self.entries(project_id)]

    def payload(self, kind: str, index: int = -1) -> dict[str, Any]:
        """The payload of the project's ``index``-th entry of ``kind``."""
        found = [e for e in self.entries() if e["kind"] == kind]
        return dict(json.loads(found[index]["payload_jcs"]))

    # ------------------------------------------------------------------ acts

    def contribute(
        self,
        label: str,
        account: LocalAccount,
        tier: str,
        kind: str,
        value: int,
        *,
        asset_id: int | None = None,
    ) -> dict[str, Any]:
        """``account``'s partner signs and registers a contribution, kept under ``label``."""
        registered = self.partner[account].register_contribution(
            self.project_id,
            account,
            tier=tier,
            kind=kind,
            value=value,
            evidence_hash=evidence(f"{label}: {kind} in {tier}"),
            idempotency_key=label,
            asset_id=asset_id,
        )
        assert (registered["partner"], registered["tier"], registered["kind"]) == (
            account.address,
            tier,
            kind,
        )
        assert (registered["value"], registered["status"]) == (str(value), "accepted")
        assert registered["asset_id"] == asset_id
        self.contributions[label] = registered
        return registered

    def submit(self, number: int, what: str) -> dict[str, Any]:
        """Partner A submits milestone ``number``; the milestone's snapshot as served."""
        submitted = self.clients["a"].submit_milestone(self.project_id, number, evidence(what))
        assert (submitted["state"], submitted["evidence_hash"]) == ("submitted", evidence(what))
        assert submitted["snapshot_id"] is not None and submitted["payout_root"] is not None
        self.milestones[number] = submitted
        return self.snapshot_of(number)

    def snapshot_of(self, number: int) -> dict[str, Any]:
        """The snapshot milestone ``number`` pays now (a superseding one after a dispute)."""
        return self.admin.milestone_equity(self.project_id, number)

    def release(self, number: int, *quorum: LocalAccount) -> dict[str, Any]:
        """The quorum signs the release; its first partner's client sends it."""
        terms = self.admin.release_terms(self.project_id, number)
        assert (terms["milestone"], terms["total"], terms["quorum"]) == (
            number,
            str(AMOUNTS[number]),
            2,
        )
        assert terms["payout_root"] == self.snapshot_of(number)["payout_root"]
        released = self.partner[quorum[0]].release_milestone(self.project_id, number, list(quorum))
        assert released["state"] == "released" and released["released_tx"] is not None
        assert released["payout_root"] == terms["payout_root"]
        return released

    def claim_all(self, number: int) -> dict[int, int]:
        """Each partner's own client claims its payout; what each was paid, by number."""
        paid: dict[int, int] = {}
        for partner_number, account in BY_NUMBER.items():
            claimed = self.partner[account].claim(self.project_id, number, partner_number)
            assert (claimed["milestone"], claimed["partner_number"]) == (number, partner_number)
            assert claimed["account"] == account.address and claimed["tx_hash"] is not None
            paid[partner_number] = int(claimed["amount"])
        claims = self.admin.claims(self.project_id, number)
        assert claims["claimed_total"] == claims["total"] == str(AMOUNTS[number])
        assert {i["partner_number"]: int(i["amount"]) for i in claims["items"]} == paid
        assert all(i["claimed"] and i["tx_hash"] for i in claims["items"])
        return paid
