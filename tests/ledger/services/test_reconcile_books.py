"""Reconciliation of the IP books (background deposits, foreground assets, licences, revenue)
and of record 0 (issuers, credentials) with the chain."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from eth_utils import keccak
from sqlalchemy import Engine

from ledger import credential_service, licensing
from ledger.chain.background import DepositTerms
from ledger.chain.registry import Tier
from ledger.context import Ledger
from ledger.credentials import Subject, credential_hash
from ledger.db import (
    BackgroundDeposit,
    CredentialRecord,
    ForegroundAsset,
    IssuerRecord,
    Licence,
    Project,
    RevenuePayment,
    session_scope,
)
from ledger.projects import partners_of
from ledger.reconcile import PRESENCE
from ledger.registry_record import REGISTRY_RECORD
from tests.ledger.credentials.support import ISSUER, credential
from tests.ledger.services.conftest import FOREIGN_A, LOCAL_B
from tests.ledger.services.credential_support import (
    ENS_CHAIN,
    REASON,
    TUM_CHAIN,
    register,
    revocation_signature,
    store,
)
from tests.ledger.services.ip_support import (
    CORE,
    LICENSEE,
    QUORUM,
    fund,
    ip_agreement,
    register_on_chain,
)
from tests.ledger.services.reconcile_support import commit_rights, edit, found, reconciled
from tests.ledger.services.test_background_service import deposit
from tests.ledger.services.test_licensing import grant, pay
from tests.ledger.services.test_licensing import register as register_asset

Found = tuple[str, str | None, str]
Edits = list[tuple[type, Any, str, Any, Found | list[Found]]]


def check_edits(engine: Engine, ledger: Ledger, record: int, edits: Edits) -> None:
    """Each edit alone causes exactly its discrepancies (one, or the list given); undone, the
    record is clean again."""
    assert found(engine, ledger, record) == []
    for table, row, column, value, expected in edits:
        edit(engine, table, row.id, **{column: value})
        report = found(engine, ledger, record)
        edit(engine, table, row.id, **{column: getattr(row, column)})
        wanted = expected if isinstance(expected, list) else [expected]
        assert report == wanted, (table.__name__, column)
    assert found(engine, ledger, record) == []


@pytest.fixture
def project(make_project: Callable[..., Project], ledger: Ledger) -> Project:
    made = make_project(ip_agreement())
    fund(ledger, LOCAL_B, LICENSEE)
    return made


# ---------------------------------------------------------------------- background book


def test_background_deposits_are_compared_with_the_escrow(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    row = deposit(engine, ledger, project)
    ref = str(row.id)
    with session_scope(engine) as session:
        partner_1 = partners_of(session, project.id)[0]
    table, subject = BackgroundDeposit, "background_deposit"
    edits: Edits = [
        (table, row, "key_commitment", "00" * 32, (subject, ref, "key_commitment")),
        (table, row, "document_hash", "11" * 32, (subject, ref, "document_hash")),
        (table, row, "terms", "{}", (subject, ref, "terms_hash")),
        (table, row, "state", "released", (subject, ref, "state")),
        (table, row, "owner_partner_id", partner_1.id, (subject, ref, "owner")),
        # names a deposit the chain does not have, and leaves the real one unnamed
        (table, row, "chain_deposit_id", 99, [(subject, ref, PRESENCE), (subject, None, PRESENCE)]),
    ]
    check_edits(engine, ledger, project.id, edits)


def test_background_deposit_made_straight_through_the_gateway_is_reported(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    terms = DepositTerms(
        project_id=project.chain_project_id,
        owner=LOCAL_B.address,
        document_hash=keccak(b"a document the ledger never saw"),
        key_commitment=keccak(b"its key"),
        terms_hash=keccak(b"terms"),
        beneficiary=FOREIGN_A.address,
        release_milestone=1,
    )
    chain_id = ledger.background.deposit(terms, ledger.background.deposit_signature(LOCAL_B, terms))
    assert found(engine, ledger, project.id) == [("background_deposit", None, PRESENCE)]
    with session_scope(engine) as session:
        assert session.get(BackgroundDeposit, chain_id) is None  # nothing was fixed


# ---------------------------------------------------------------------- foreground book


@pytest.fixture
def licensed(
    engine: Engine, ledger: Ledger, project: Project
) -> tuple[ForegroundAsset, Licence, RevenuePayment, RevenuePayment]:
    """A core asset, its recorded column, a licence whose fee was paid, and a royalty."""
    commit_rights(engine, ledger, project, Tier.CORE, CORE)
    asset = register_asset(engine, ledger, project, Tier.CORE, b"core algorithm")
    licence = grant(engine, ledger, asset, fee=800)
    assert licence.chain_licence_id is not None
    receipt = ledger.foreground.pay_licence_fee(
        licence.chain_licence_id, value=800, sender=LICENSEE
    )
    with session_scope(engine) as session:
        fee = licensing.record_licence_fee(
            session, ledger, licence_id=licence.id, tx_hash=receipt.tx_hash
        )
        licence = licensing.get_licence(session, licence.id)
    royalty = pay(engine, ledger, asset, 1500)
    return asset, licence, fee, royalty


def test_foreground_rows_are_compared_with_the_registry_and_revenue_sharing(
    engine: Engine,
    ledger: Ledger,
    project: Project,
    licensed: tuple[ForegroundAsset, Licence, RevenuePayment, RevenuePayment],
) -> None:
    asset, licence, fee, royalty = licensed
    a, li, f, r = (str(x.id) for x in (asset, licence, fee, royalty))
    check_edits(
        engine,
        ledger,
        project.id,
        [
            (ForegroundAsset, asset, "tier", "application", ("asset", a, "tier")),
            (ForegroundAsset, asset, "content_hash", "00" * 32, ("asset", a, "content_hash")),
            (Licence, licence, "fee", 1, ("licence", li, "fee")),
            (Licence, licence, "state", "granted", ("licence", li, "state")),
            (Licence, licence, "territory", "CN", ("licence", li, "territory")),
            (Licence, licence, "licensee", FOREIGN_A.address, ("licence", li, "licensee")),
            (RevenuePayment, royalty, "amount", 1, ("revenue", r, "amount")),
            (RevenuePayment, royalty, "cumulative_before", 0, ("revenue", r, "cumulative_before")),
            (RevenuePayment, royalty, "split", '{"x":"1"}', ("revenue", r, "split")),
            (RevenuePayment, fee, "payer", FOREIGN_A.address, ("revenue", f, "payer")),
        ],
    )


def test_foreground_acts_straight_through_the_gateways_are_reported(
    engine: Engine,
    ledger: Ledger,
    project: Project,
    licensed: tuple[ForegroundAsset, Licence, RevenuePayment, RevenuePayment],
) -> None:
    asset, *_ = licensed
    assert asset.chain_asset_id is not None
    register_on_chain(ledger, project, LOCAL_B, Tier.CORE, b"an asset the ledger never saw")
    signatures = ledger.foreground.sign_licence(
        QUORUM, project.chain_project_id, asset.chain_asset_id, LICENSEE.address, "CN", "C26", 5
    )
    ledger.foreground.grant_licence(
        asset.chain_asset_id, LICENSEE.address, "CN", "C26", 5, signatures
    )
    ledger.revenue.deposit_revenue(asset.chain_asset_id, 700, sender=LICENSEE)
    assert found(engine, ledger, project.id) == [
        ("asset", None, PRESENCE),
        ("licence", None, PRESENCE),
        ("revenue", None, PRESENCE),
    ]


# ---------------------------------------------------------------------- record 0


def test_issuers_and_credentials_are_compared_with_the_credential_registry(
    engine: Engine, ledger: Ledger
) -> None:
    register(engine, ledger)
    degree = credential()
    row = store(engine, ledger, degree)
    with session_scope(engine) as session:
        issuer = credential_service.get_issuer(session, ISSUER.id)
    ref, urn, now = row.credential_id, ISSUER.id, datetime.now(UTC)
    check_edits(
        engine,
        ledger,
        REGISTRY_RECORD,
        [
            (IssuerRecord, issuer, "jurisdiction", "FR", ("issuer", urn, "jurisdiction")),
            (IssuerRecord, issuer, "name", "TU Berlin", ("issuer", urn, "name_hash")),
            (
                IssuerRecord,
                issuer,
                "address",
                ENS_CHAIN.address,
                [("issuer", urn, PRESENCE)]
                + [("issuer", None, PRESENCE), ("credential", ref, "issuer")],
            ),
            (CredentialRecord, row, "revoked_at", now, ("credential", ref, "revoked")),
            (
                CredentialRecord,
                row,
                "anchored_tx",
                "0x" + "00" * 32,
                ("credential", ref, "anchored_tx"),
            ),
            (
                CredentialRecord,
                row,
                "credential_hash",
                "00" * 32,
                [("credential", ref, PRESENCE), ("credential", None, PRESENCE)],
            ),
        ],
    )
    with session_scope(engine) as session:
        revoked = credential_service.revoke(
            session,
            ledger,
            credential_id=ref,
            reason=REASON,
            signature=revocation_signature(ledger, degree),
        )
    check_edits(
        engine,
        ledger,
        REGISTRY_RECORD,
        [
            (
                CredentialRecord,
                revoked,
                "revocation_reason",
                "other",
                ("credential", ref, "revocation_reason"),
            ),
            (CredentialRecord, revoked, "revoked_tx", None, ("credential", ref, "revoked_tx")),
            (CredentialRecord, revoked, "revoked_at", None, ("credential", ref, "revoked")),
        ],
    )


def test_issuer_and_anchor_straight_on_chain_are_reported(engine: Engine, ledger: Ledger) -> None:
    register(engine, ledger)
    ledger.credentials.register_issuer(ENS_CHAIN.address, "FR", keccak(b"ENS Paris"))
    other = credential(subject=Subject("urn:ipledger:person:bob"))
    digest = credential_hash(other)
    ledger.credentials.anchor(
        TUM_CHAIN.address, digest, ledger.credentials.anchor_signature(TUM_CHAIN, digest)
    )
    report = [(d.subject, d.ref, d.field, d.chain) for d in reconciled(engine, ledger, 0)]
    assert report == [
        ("issuer", None, PRESENCE, ENS_CHAIN.address),
        ("credential", None, PRESENCE, digest.hex()),
    ]
