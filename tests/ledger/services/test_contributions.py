"""Contributions: validated field by field, signed by the partner, stored once per key."""

from __future__ import annotations

import calendar
import hashlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from ledger import contributions, equity
from ledger.chain.eip712 import sign
from ledger.client import Domains
from ledger.context import Ledger
from ledger.db import Contribution, ForegroundAsset, JournalEntry, Project, session_scope
from ledger.errors import Conflict, NotFound, RuleViolation, Unauthorized
from ledger.signatures import CONTRIBUTION, contribution_message
from tests.contracts.conftest import key
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, T0, signer
from tests.ledger.services.contribution_support import (
    EVIDENCE,
    count,
    kinds,
    last_entry,
    register,
    registration,
)


def add_asset(engine: Engine, project_id: int | None, tier: str) -> int:
    with session_scope(engine) as session:
        asset = ForegroundAsset(
            project_id=project_id, tier=tier, title="Defect detector", content_hash="cd" * 32
        )
        session.add(asset)
        session.flush()
        assert asset.id is not None
        return asset.id


def other_project(engine: Engine) -> int:
    with session_scope(engine) as session:
        project = Project(
            name="Other", host_jurisdiction="CN", token="0x" + "00" * 20, agreement_hash="ef" * 32
        )
        session.add(project)
        session.flush()
        assert project.id is not None
        return project.id


def test_register_contribution_records_it_with_its_journal_entry(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    asset_id = add_asset(engine, project.id, "application")
    value = 2**255 + 7  # beyond 2**53 and 2**63: stored and recorded exactly
    row, created = register(
        engine,
        ledger,
        project,
        LOCAL_B,
        tier="application",
        kind="tacit_knowhow_transfer",
        value=value,
        evidence_hash="0x" + EVIDENCE.upper(),
        idempotency_key="transfer 2026/11 #1",
        asset_id=asset_id,
    )
    assert created
    signed = {
        "assetId": asset_id,
        "evidenceHash": "0x" + EVIDENCE,
        "idempotencyKey": "transfer 2026/11 #1",
        "kind": "tacit_knowhow_transfer",
        "partner": LOCAL_B.address,
        "projectId": project.chain_project_id,
        "tier": "application",
        "value": str(value),
    }
    assert row.body_hash == hashlib.sha256(rfc8785.dumps(signed)).hexdigest()
    assert (row.partner_number, row.value, row.evidence_hash, row.status) == (
        2,
        value,
        EVIDENCE,
        "accepted",
    )
    assert row.recorded_at > T0
    with session_scope(engine) as session:
        stored = contributions.get(session, row.id)
    assert stored.value == value and stored.recorded_us == row.recorded_us
    assert stored.recorded_at == row.recorded_at
    entry = last_entry(engine, project)
    assert (entry.kind, entry.seq, entry.actor) == (
        "contribution.registered",
        row.journal_seq,
        f"partner:{LOCAL_B.address}",
    )
    assert entry.signature == row.signature
    assert f'"value":"{value}"' in entry.payload
    assert f'"contribution_id":{row.id}' in entry.payload
    assert f'"asset_id":{asset_id}' in entry.payload


def test_recorded_us_counts_microseconds_since_the_epoch(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    row, _ = register(engine, ledger, project, FOREIGN_A)
    seconds = calendar.timegm(row.recorded_at.utctimetuple())
    assert row.recorded_us == seconds * 10**6 + row.recorded_at.microsecond
    assert row.recorded_at.microsecond != 0  # the test clock ticks a microsecond per reading


INVALID: list[tuple[str, dict[str, Any]]] = [
    ("tier", {"tier": "frontier"}),
    ("tier", {"tier": None}),
    ("kind", {"kind": "tacit_gossip"}),
    ("kind", {"kind": "CODE"}),
    ("value", {"value": 0}),
    ("value", {"value": -5}),
    ("value", {"value": 2**256}),
    ("value", {"value": True}),
    ("value", {"value": 1.5}),
    ("value", {"value": "120"}),
    ("evidence_hash", {"evidence_hash": "zz" * 32}),
    ("evidence_hash", {"evidence_hash": EVIDENCE[:-1]}),
    ("evidence_hash", {"evidence_hash": "0X" + EVIDENCE}),
    ("idempotency_key", {"idempotency_key": ""}),
    ("idempotency_key", {"idempotency_key": "k" * 129}),
    ("idempotency_key", {"idempotency_key": "schlüssel"}),
    ("idempotency_key", {"idempotency_key": "line\nbreak"}),
    ("idempotency_key", {"idempotency_key": 7}),
    ("partner", {"partner": "0x1234"}),
    ("partner", {"partner": None}),
    ("asset_id", {"asset_id": 0}),
    ("asset_id", {"asset_id": "1"}),
]


def test_register_names_each_invalid_field_and_stores_nothing(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    entries = count(engine, JournalEntry)
    valid = registration(ledger, project, FOREIGN_A)
    for field, change in INVALID:
        with pytest.raises(RuleViolation) as caught, session_scope(engine) as session:
            contributions.register(session, ledger, **{**valid, **change})
        assert caught.value.fields["field"] == field, change
    core_asset = add_asset(engine, project.id, "core")
    foreign_asset = add_asset(engine, other_project(engine), "core")
    for asset_id in (core_asset + foreign_asset + 1, foreign_asset):
        with pytest.raises(RuleViolation, match="no foreground asset") as caught:
            register(engine, ledger, project, FOREIGN_A, asset_id=asset_id)
        assert caught.value.fields["field"] == "asset_id"
    with pytest.raises(RuleViolation, match="of the core tier") as caught:
        register(engine, ledger, project, FOREIGN_A, tier="derivative", asset_id=core_asset)
    assert caught.value.fields["field"] == "asset_id"
    assert count(engine, Contribution) == 0
    assert count(engine, JournalEntry) == entries
    row, created = register(engine, ledger, project, FOREIGN_A, asset_id=core_asset)
    assert created and row.asset_id == core_asset


def test_register_needs_a_joined_partner_of_the_project(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project(joiners=(FOREIGN_A, LOCAL_B))
    for account in (FOREIGN_C, key("stranger")):  # a party that has not joined; a stranger
        with pytest.raises(NotFound, match="not a partner"):
            register(engine, ledger, project, account)
    arguments = registration(ledger, project, FOREIGN_A)
    with pytest.raises(NotFound), session_scope(engine) as session:
        contributions.register(session, ledger, **{**arguments, "project_id": 999})
    assert count(engine, Contribution) == 0


def test_register_refuses_a_signature_that_is_not_the_partners_over_these_fields(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    entries = count(engine, JournalEntry)
    own = registration(ledger, project, FOREIGN_A)
    assert project.chain_project_id is not None
    message = contribution_message(
        project_id=project.chain_project_id,
        partner=FOREIGN_A.address,
        tier="core",
        kind="code",
        value=120,
        evidence_hash=EVIDENCE,
        asset_id=None,
        idempotency_key="c-1",
    )
    domain = Domains.of(ledger).ledger()
    by_other_key = "0x" + sign(LOCAL_B, domain, "Contribution", CONTRIBUTION, message).hex()
    over_other_value = registration(ledger, project, FOREIGN_A, value=121)["signature"]
    other_project = signer(ledger, FOREIGN_A).contribution(
        project.chain_project_id + 1,
        tier="core",
        kind="code",
        value=120,
        evidence_hash=EVIDENCE,
        idempotency_key="c-1",
    )
    for forged in (by_other_key, over_other_value, other_project):
        with pytest.raises(Unauthorized, match="signature is not") as caught:
            with session_scope(engine) as session:
                contributions.register(session, ledger, **{**own, "signature": forged})
        assert caught.value.fields["field"] == "signature"
        assert caught.value.fields["expected"] == FOREIGN_A.address
        assert (caught.value.fields["recovered"] == LOCAL_B.address) == (forged == by_other_key)
    for garbage in ("0x00", "0x" + "zz" * 65, None):
        with pytest.raises(Unauthorized) as caught, session_scope(engine) as session:
            contributions.register(session, ledger, **{**own, "signature": garbage})
        assert caught.value.fields["field"] == "signature"
    assert count(engine, Contribution) == 0
    assert count(engine, JournalEntry) == entries


def test_retry_with_the_same_key_and_fields_returns_the_first_result(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    first, created = register(engine, ledger, project, FOREIGN_A)
    entries = count(engine, JournalEntry)
    again, created_again = register(engine, ledger, project, FOREIGN_A)
    spelled_otherwise, created_third = register(
        engine, ledger, project, FOREIGN_A, sent={"evidence_hash": "0x" + EVIDENCE.upper()}
    )
    assert (created, created_again, created_third) == (True, False, False)
    assert first.id == again.id == spelled_otherwise.id
    assert again.recorded_us == first.recorded_us and again.journal_seq == first.journal_seq
    forged = registration(ledger, project, LOCAL_B)["signature"]
    with pytest.raises(Unauthorized):  # a retry is checked like a first call
        register(engine, ledger, project, FOREIGN_A, sent={"signature": forged})
    assert count(engine, Contribution) == 1
    assert count(engine, JournalEntry) == entries


def test_same_key_with_other_fields_is_a_conflict(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    first, _ = register(engine, ledger, project, FOREIGN_A)
    entries = count(engine, JournalEntry)
    for change in ({"value": 121}, {"kind": "data"}, {"tier": "derivative"}):
        with pytest.raises(Conflict) as caught:
            register(engine, ledger, project, FOREIGN_A, **change)
        assert caught.value.fields == {"field": "idempotency_key", "contribution_id": first.id}
    assert count(engine, JournalEntry) == entries
    # The key is the partner's own: another partner may use the same text.
    other, created = register(engine, ledger, project, LOCAL_B)
    assert created and other.id != first.id


def test_concurrent_registrations_with_one_key_store_once(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    arguments = registration(ledger, project, FOREIGN_A, idempotency_key="race")
    barrier = threading.Barrier(2)
    results: list[contributions.Registered] = []
    failures: list[BaseException] = []

    def attempt() -> None:
        try:
            barrier.wait(timeout=30)
            with session_scope(engine) as session:
                results.append(contributions.register(session, ledger, **arguments))
        except BaseException as exc:  # reported below, with the thread's result
            failures.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert sorted(r.created for r in results) == [False, True]
    assert results[0].contribution.id == results[1].contribution.id
    assert count(engine, Contribution) == 1
    assert kinds(engine, project).count("contribution.registered") == 1


bodies = st.fixed_dictionaries(
    {
        "tier": st.sampled_from([t.value for t in equity.Tier]),
        "kind": st.sampled_from([k.value for k in equity.Kind]),
        "value": st.one_of(st.integers(1, 3), st.integers(1, 2**256 - 1)),
        "evidence_hash": st.sampled_from([EVIDENCE, "00" * 32]),
        "idempotency_key": st.sampled_from(["k-1", "k-2", "k-3"]),
    }
)


def expected_hash(project: Project, body: dict[str, Any]) -> str:
    signed = {
        "assetId": 0,
        "evidenceHash": "0x" + body["evidence_hash"],
        "idempotencyKey": body["idempotency_key"],
        "kind": body["kind"],
        "partner": FOREIGN_A.address,
        "projectId": project.chain_project_id,
        "tier": body["tier"],
        "value": str(body["value"]),
    }
    return hashlib.sha256(rfc8785.dumps(signed)).hexdigest()


def test_retries_of_random_bodies_never_duplicate_rows(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    stored: dict[str, tuple[int | None, str]] = {}  # key -> (id, body hash) of the first

    @settings(deadline=None)
    @given(calls=st.lists(bodies, min_size=1, max_size=4))
    def check(calls: list[dict[str, Any]]) -> None:
        for body in calls:
            digest = expected_hash(project, body)
            for _attempt in range(2):  # every call is sent twice, as a client retrying
                first = stored.get(body["idempotency_key"])
                if first is not None and first[1] != digest:
                    with pytest.raises(Conflict):
                        register(engine, ledger, project, FOREIGN_A, **body)
                    continue
                row, created = register(engine, ledger, project, FOREIGN_A, **body)
                assert created == (first is None)
                stored.setdefault(body["idempotency_key"], (row.id, row.body_hash))
                assert stored[body["idempotency_key"]] == (row.id, digest)
        assert count(engine, Contribution) == len(stored)
        assert kinds(engine, project).count("contribution.registered") == len(stored)

    check()
