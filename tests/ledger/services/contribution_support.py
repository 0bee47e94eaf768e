"""Contributions through the service, for the tests that need them: registrations, disputes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine
from sqlmodel import func, select

from ledger import contributions, journal
from ledger.context import Ledger
from ledger.db import (
    Attestation,
    Contribution,
    Dispute,
    JournalEntry,
    Project,
    session_scope,
)
from tests.ledger.services.conftest import signer

EVIDENCE = hashlib.sha256(b"lab notebook, pages 1-40").hexdigest()


def count(engine: Engine, table: type) -> int:
    with session_scope(engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def kinds(engine: Engine, project: Project) -> list[str]:
    with session_scope(engine) as session:
        return [entry.kind for entry in journal.entries(session, project.id)]


def last_entry(engine: Engine, project: Project) -> JournalEntry:
    with session_scope(engine) as session:
        return journal.entries(session, project.id)[-1]


def registration(
    ledger: Ledger, project: Project, account: LocalAccount, **overrides: Any
) -> dict[str, Any]:
    """Keyword arguments of ``contributions.register``, signed by ``account``.

    ``overrides`` change the fields both signed and sent; ``sent`` (a dict) changes only
    what is sent, after signing.
    """
    sent = overrides.pop("sent", {})
    fields: dict[str, Any] = {
        "tier": "core",
        "kind": "code",
        "value": 120,
        "evidence_hash": EVIDENCE,
        "idempotency_key": "c-1",
        "asset_id": None,
    }
    fields.update(overrides)
    assert project.chain_project_id is not None
    signature = signer(ledger, account).contribution(project.chain_project_id, **fields)
    return {
        "project_id": project.id,
        "partner": account.address,
        "signature": signature,
        **fields,
        **sent,
    }


def register(
    engine: Engine, ledger: Ledger, project: Project, account: LocalAccount, **overrides: Any
) -> contributions.Registered:
    with session_scope(engine) as session:
        return contributions.register(
            session, ledger, **registration(ledger, project, account, **overrides)
        )


def contribute(
    engine: Engine,
    ledger: Ledger,
    project: Project,
    account: LocalAccount,
    tier: str,
    kind: str,
    value: int,
) -> Contribution:
    """Register a new contribution of ``account`` through the service, signed by it.

    The idempotency key and evidence are derived from the fields, so a call that repeats
    one of the partner's earlier contributions would be a replay: that fails here rather
    than leaving the test with one contribution fewer than it reads.
    """
    label = f"{tier}/{kind}/{value}"
    registered = register(
        engine,
        ledger,
        project,
        account,
        tier=tier,
        kind=kind,
        value=value,
        evidence_hash=hashlib.sha256(label.encode()).hexdigest(),
        idempotency_key=label,
    )
    assert registered.created, f"{label} of {account.address} was registered before"
    return registered.contribution


def reason_hash(reason: str) -> str:
    return hashlib.sha256(reason.encode("utf-8")).hexdigest()


def open_dispute(
    engine: Engine,
    ledger: Ledger,
    project: Project,
    row: Contribution,
    account: LocalAccount,
    reason: str = "the code was written before the project started",
) -> Dispute:
    assert project.chain_project_id is not None and row.id is not None
    signature = signer(ledger, account).dispute(
        project.chain_project_id, "contribution", row.id, reason_hash(reason)
    )
    with session_scope(engine) as session:
        return contributions.dispute(
            session,
            ledger,
            contribution_id=row.id,
            by=account.address,
            reason=reason,
            evidence_hash=EVIDENCE,
            signature=signature,
        )


def status_of(engine: Engine, contribution_id: int | None) -> str:
    assert contribution_id is not None
    with session_scope(engine) as session:
        return contributions.get(session, contribution_id).status


def attest(
    engine: Engine,
    ledger: Ledger,
    project: Project,
    row: Contribution,
    account: LocalAccount,
    body_hash: str | None = None,
) -> Attestation:
    assert row.id is not None and project.chain_project_id is not None
    signature = signer(ledger, account).attestation(
        project.chain_project_id, row.id, body_hash or row.body_hash
    )
    with session_scope(engine) as session:
        return contributions.attest(
            session, ledger, contribution_id=row.id, attester=account.address, signature=signature
        )


def resolve(
    engine: Engine,
    ledger: Ledger,
    project: Project,
    opened: Dispute,
    outcome: str,
    by: str,
    accounts: Sequence[LocalAccount],
    signed_outcome: str | None = None,
) -> Dispute:
    assert project.chain_project_id is not None and opened.id is not None
    make = "contribution_settlement" if by == "settlement" else "contribution_ruling"
    signatures = [
        getattr(signer(ledger, a), make)(
            project.chain_project_id, opened.id, signed_outcome or outcome
        )
        for a in accounts
    ]
    with session_scope(engine) as session:
        return contributions.resolve_contribution_dispute(
            session, ledger, dispute_id=opened.id, outcome=outcome, by=by, signatures=signatures
        )
