"""Foreground IP: partners' own assets, licences the agreement allows, revenue reconciled."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from ledger import background_service as background
from ledger import licensing
from ledger.chain.registry import Tier
from ledger.context import Ledger
from ledger.db import (
    AgreementVersion,
    ForegroundAsset,
    Licence,
    Project,
    RevenuePayment,
    session_scope,
)
from ledger.equity import Column, Share, Side, split_revenue
from ledger.equity import Tier as EquityTier
from ledger.errors import (
    ChainStateError,
    Conflict,
    ContractReverted,
    NotFound,
    RuleViolation,
    Unauthorized,
)
from ledger.projects import agreement_of, partners_of
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, signer
from tests.ledger.services.ip_support import (
    APPLICATION,
    APPLICATION_PROFIT,
    CORE,
    LICENSEE,
    QUORUM,
    STRANGER,
    commit_column,
    count,
    fund,
    ip_agreement,
    journal_kinds,
    last_payload,
    register_on_chain,
)
from tests.ledger.services.test_background_service import deposit

A, B, C = FOREIGN_A.address, LOCAL_B.address, FOREIGN_C.address


@pytest.fixture
def project(make_project: Callable[..., Project], ledger: Ledger) -> Project:
    made = make_project(ip_agreement())
    fund(ledger, LOCAL_B, LICENSEE)
    return made


def register(
    engine: Engine, ledger: Ledger, project: Project, tier: Tier, content: bytes, **changes: Any
) -> ForegroundAsset:
    """LOCAL_B registers the asset on chain itself; the ledger records it."""
    content_hash, tx_hash = register_on_chain(ledger, project, LOCAL_B, tier, content)
    arguments = {
        "project_id": project.id,
        "tier": tier.name.lower(),
        "title": content.decode(),
        "content_hash": content_hash,
        "tx_hash": tx_hash,
    }
    arguments.update(changes)
    with session_scope(engine) as session:
        return licensing.register_asset(session, ledger, **arguments)


def grant(
    engine: Engine,
    ledger: Ledger,
    asset: ForegroundAsset,
    *,
    signers: tuple[Any, ...] = QUORUM,
    **terms: Any,
) -> Licence:
    """Prepare the licence, have ``signers`` sign the offer, grant it."""
    values: dict[str, Any] = {
        "asset_id": asset.id,
        "licensee": LICENSEE.address,
        "territory": "DE",
        "industry": "C26",
        "fee": 900,
    }
    values.update(terms)
    with session_scope(engine) as session:
        offer = licensing.prepare_licence(session, ledger, **values)
    offered = dataclasses.asdict(offer)
    signatures = [signer(ledger, account).licence(**offered) for account in signers]
    with session_scope(engine) as session:
        return licensing.grant_licence(session, ledger, signatures=signatures, **values)


def pay(engine: Engine, ledger: Ledger, asset: ForegroundAsset, amount: int) -> RevenuePayment:
    assert asset.chain_asset_id is not None
    receipt = ledger.revenue.deposit_revenue(asset.chain_asset_id, amount, sender=LICENSEE)
    with session_scope(engine) as session:
        return licensing.record_revenue(
            session, ledger, asset_id=asset.id, tx_hash=receipt.tx_hash, amount=amount
        )


def split_of(payment: RevenuePayment) -> dict[str, int]:
    return {address: int(wei) for address, wei in json.loads(payment.split).items()}


def test_register_asset_records_the_partners_own_transaction(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    asset = register(engine, ledger, project, Tier.CORE, b"defect detector")
    assert asset.chain_asset_id is not None
    chain_project, tier, registrant, digest = ledger.foreground.asset(asset.chain_asset_id)
    assert (chain_project, tier, registrant) == (project.chain_project_id, Tier.CORE, B)
    assert digest.hex() == asset.content_hash and asset.tier == "core"
    payload = last_payload(engine, project)
    assert (payload["registrant"], payload["chain_asset_id"]) == (B, asset.chain_asset_id)
    assert journal_kinds(engine, project)[-1] == "foreground.registered"


def test_register_asset_refuses_what_the_chain_did_not_register(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    content_hash, tx_hash = register_on_chain(ledger, project, LOCAL_B, Tier.CORE, b"detector")
    base = {
        "project_id": project.id,
        "tier": "core",
        "title": "Detector",
        "content_hash": content_hash,
        "tx_hash": tx_hash,
    }
    transfer = ledger.chain.send_value(STRANGER.address, 1).tx_hash
    cases = [
        ({"tier": "application"}, RuleViolation, "tier"),
        ({"tier": "pooled"}, RuleViolation, "tier"),
        ({"title": ""}, RuleViolation, "title"),
        ({"content_hash": "ab" * 32}, RuleViolation, "tx_hash"),
        ({"content_hash": "xyz"}, RuleViolation, "content_hash"),
        ({"tx_hash": transfer}, RuleViolation, "tx_hash"),
        ({"tx_hash": "0x" + "11" * 32}, NotFound, None),
        ({"tx_hash": "0x1234"}, NotFound, None),
    ]
    for changes, error, field in cases:
        with pytest.raises(error) as caught, session_scope(engine) as session:
            licensing.register_asset(session, ledger, **{**base, **changes})
        assert caught.value.fields.get("field") == field, changes
    assert count(engine, ForegroundAsset) == 0

    with pytest.raises(ContractReverted):  # the same hash again: mined, and reverted
        ledger.foreground.register_asset_tx(
            project.chain_project_id, Tier.CORE, bytes.fromhex(content_hash), partner=LOCAL_B
        )
    reverted = ledger.chain.w3.eth.get_block("latest")["transactions"][0]
    with pytest.raises(RuleViolation, match="reverted"), session_scope(engine) as session:
        licensing.register_asset(
            session, ledger, **{**base, "tx_hash": "0x" + bytes(reverted).hex()}
        )

    with session_scope(engine) as session:
        licensing.register_asset(session, ledger, **base)
    with pytest.raises(Conflict), session_scope(engine) as session:
        licensing.register_asset(session, ledger, **base)


def test_licence_for_a_forbidden_territory_is_refused_before_any_transaction(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    asset = register(engine, ledger, project, Tier.CORE, b"core algorithm")
    before = journal_kinds(engine, project)
    terms = {"licensee": LICENSEE.address, "industry": "C26", "fee": 900}
    with session_scope(engine) as session:
        offer = licensing.prepare_licence(
            session, ledger, asset_id=asset.id, territory="DE", **terms
        )
    signatures = [signer(ledger, a).licence(**dataclasses.asdict(offer)) for a in QUORUM]
    with pytest.raises(RuleViolation) as caught, session_scope(engine) as session:
        licensing.grant_licence(
            session, ledger, asset_id=asset.id, territory="US", signatures=signatures, **terms
        )
    assert caught.value.fields["field"] == "territory"
    assert caught.value.fields["allowed"] == ["CN", "DE"]
    assert "US" in caught.value.message
    with pytest.raises(RuleViolation) as prepared, session_scope(engine) as session:
        licensing.prepare_licence(session, ledger, asset_id=asset.id, territory="US", **terms)
    assert prepared.value.fields["allowed"] == ["CN", "DE"]
    assert ledger.foreground.next_licence_id() == 1  # nothing on chain
    assert count(engine, Licence) == 0 and journal_kinds(engine, project) == before


def test_licence_for_a_forbidden_industry_is_refused_before_any_transaction(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    asset = register(engine, ledger, project, Tier.APPLICATION, b"inspection app")
    before = journal_kinds(engine, project)
    with pytest.raises(RuleViolation) as caught:
        grant(engine, ledger, asset, territory="US", industry="J62")
    assert caught.value.fields["field"] == "industry"
    assert caught.value.fields["allowed"] == ["C26", "C28"]
    assert ledger.foreground.next_licence_id() == 1
    assert count(engine, Licence) == 0 and journal_kinds(engine, project) == before
    granted = grant(engine, ledger, asset, territory="US", industry="C28")  # any territory
    assert (granted.territory, granted.industry) == ("US", "C28")


def test_derivative_assets_are_licensed_anywhere(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    asset = register(engine, ledger, project, Tier.DERIVATIVE, b"retrofit kit")
    granted = grant(engine, ledger, asset, territory="US", industry="J62")
    assert granted.chain_licence_id == 1


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"licensee": "0x" + "00" * 20}, "licensee"),
        ({"licensee": "nobody"}, "licensee"),
        ({"territory": "XX"}, "territory"),
        ({"territory": "de"}, "territory"),
        ({"industry": "Z99"}, "industry"),
        ({"fee": -1}, "fee"),
        ({"fee": 1.5}, "fee"),
    ],
)
def test_prepare_licence_names_the_bad_input(
    engine: Engine, ledger: Ledger, project: Project, terms: dict[str, Any], field: str
) -> None:
    asset = register(engine, ledger, project, Tier.CORE, b"core algorithm")
    values = {"licensee": LICENSEE.address, "territory": "DE", "industry": "C26", "fee": 1}
    with pytest.raises(RuleViolation) as caught, session_scope(engine) as session:
        licensing.prepare_licence(session, ledger, asset_id=asset.id, **{**values, **terms})
    assert caught.value.fields["field"] == field


def test_grant_licence_needs_a_quorum_of_partners(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    asset = register(engine, ledger, project, Tier.CORE, b"core algorithm")
    for signers in [(FOREIGN_A,), (FOREIGN_A, STRANGER), (FOREIGN_A, FOREIGN_A)]:
        with pytest.raises(Unauthorized) as caught:
            grant(engine, ledger, asset, signers=signers)
        assert caught.value.fields["field"] == "signatures"
    with pytest.raises(NotFound), session_scope(engine) as session:
        licensing.grant_licence(
            session,
            ledger,
            asset_id=999,
            licensee=LICENSEE.address,
            territory="DE",
            industry="C26",
            fee=1,
            signatures=[],
        )
    assert ledger.foreground.next_licence_id() == 1 and count(engine, Licence) == 0


def test_licence_granted_and_its_fee_recorded_with_the_chains_split(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    commit_column(ledger, project, Tier.CORE, CORE)
    asset = register(engine, ledger, project, Tier.CORE, b"core algorithm")
    licence = grant(engine, ledger, asset, signers=(LOCAL_B, FOREIGN_A), fee=800)
    assert (licence.state, licence.chain_licence_id, licence.fee) == ("granted", 1, 800)
    on_chain = ledger.foreground.licence(1)
    assert (on_chain.licensee, on_chain.territory, on_chain.fee) == (LICENSEE.address, b"DE", 800)
    assert journal_kinds(engine, project)[-1] == "licence.granted"

    receipt = ledger.foreground.pay_licence_fee(1, value=800, sender=LICENSEE)
    with pytest.raises(RuleViolation), session_scope(engine) as session:  # a fee, not royalties
        licensing.record_revenue(session, ledger, asset_id=asset.id, tx_hash=receipt.tx_hash)
    with session_scope(engine) as session:
        payment = licensing.record_licence_fee(
            session, ledger, licence_id=licence.id, tx_hash=receipt.tx_hash
        )
    # docs/contracts.md worked example 1: 800 wei in the first bracket.
    assert split_of(payment) == {A: 345, B: 240, C: 215}
    assert (payment.payer, payment.amount, payment.cumulative_before) == (LICENSEE.address, 800, 0)
    assert sum(split_of(payment).values()) == 800
    assert ledger.revenue.credit(A) == 345
    payload = last_payload(engine, project)
    assert payload["split"] == {A: "345", B: "240", C: "215"}
    assert payload["licence_id"] == licence.id
    with session_scope(engine) as session:
        assert licensing.get_licence(session, licence.id).state == "paid"
        assert [p.id for p in licensing.payments(session, asset.id)] == [payment.id]
    with pytest.raises(Conflict), session_scope(engine) as session:
        licensing.record_licence_fee(
            session, ledger, licence_id=licence.id, tx_hash=receipt.tx_hash
        )


def test_record_licence_fee_needs_that_licences_payment(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    commit_column(ledger, project, Tier.CORE, CORE)
    asset = register(engine, ledger, project, Tier.CORE, b"core algorithm")
    licence = grant(engine, ledger, asset, fee=800)
    other = ledger.chain.send_value(STRANGER.address, 1).tx_hash
    with pytest.raises(RuleViolation) as caught, session_scope(engine) as session:
        licensing.record_licence_fee(session, ledger, licence_id=licence.id, tx_hash=other)
    assert caught.value.fields["field"] == "tx_hash"
    with pytest.raises(NotFound), session_scope(engine) as session:
        licensing.record_licence_fee(session, ledger, licence_id=999, tx_hash=other)
    assert count(engine, RevenuePayment) == 0


def test_core_revenue_across_a_bracket_boundary_matches_the_model(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    commit_column(ledger, project, Tier.CORE, CORE)
    asset = register(engine, ledger, project, Tier.CORE, b"core algorithm")
    first = pay(engine, ledger, asset, 800)
    second = pay(engine, ledger, asset, 700)  # 200 wei at 7000 bps, 500 at 6500
    assert split_of(first) == {A: 345, B: 240, C: 215}
    assert split_of(second) == {A: 286, B: 235, C: 179}
    assert second.cumulative_before == 800 and sum(split_of(second).values()) == 700
    with session_scope(engine) as session:
        column = _core_column(session, project)
        brackets = agreement_of(session, project.id).equity_terms().brackets
        numbers = {p.number: p.address for p in partners_of(session, project.id)}
    model = split_revenue(column.tier, 700, 800, column, brackets)
    assert split_of(second) == {numbers[n]: wei for n, wei in model.items()}
    assert journal_kinds(engine, project)[-2:] == ["revenue.received", "revenue.received"]


def test_application_revenue_follows_the_profit_bps(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    commit_column(ledger, project, Tier.APPLICATION, APPLICATION, APPLICATION_PROFIT)
    asset = register(engine, ledger, project, Tier.APPLICATION, b"inspection app")
    payment = pay(engine, ledger, asset, 1001)  # 500.5, 300.3, 200.2: the wei left goes to A
    assert split_of(payment) == {A: 501, B: 300, C: 200}


def test_a_split_that_differs_from_the_model_is_refused_naming_the_partner(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    commit_column(ledger, project, Tier.CORE, CORE)
    asset = register(engine, ledger, project, Tier.CORE, b"core algorithm")
    with session_scope(engine) as session:  # the ledger's copy of the brackets drifts
        row = session.get(AgreementVersion, 1)
        assert row is not None
        document = json.loads(row.document)
        document["tiers"]["core"]["brackets"][0]["foreign_bps"] = 6000
        row.document = json.dumps(document)
        session.add(row)
    before = journal_kinds(engine, project)
    with pytest.raises(ChainStateError) as caught:
        pay(engine, ledger, asset, 800)
    assert caught.value.fields["partner"] == A and caught.value.fields["number"] == 1
    assert caught.value.fields["chain"] == "345"
    assert count(engine, RevenuePayment) == 0 and journal_kinds(engine, project) == before


def test_record_revenue_checks_the_transaction(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    commit_column(ledger, project, Tier.CORE, CORE)
    asset = register(engine, ledger, project, Tier.CORE, b"core algorithm")
    other = register(engine, ledger, project, Tier.CORE, b"second algorithm")
    assert asset.chain_asset_id is not None
    receipt = ledger.revenue.deposit_revenue(asset.chain_asset_id, 500, sender=LICENSEE)

    def record(asset_id: int, **extra: Any) -> RevenuePayment:
        with session_scope(engine) as session:
            return licensing.record_revenue(
                session, ledger, asset_id=asset_id, tx_hash=receipt.tx_hash, **extra
            )

    with pytest.raises(RuleViolation) as wrong_amount:
        record(asset.id, amount=499)
    assert wrong_amount.value.fields["field"] == "amount"
    with pytest.raises(RuleViolation) as wrong_asset:
        record(other.id)
    assert wrong_asset.value.fields["field"] == "tx_hash"
    with pytest.raises(NotFound):
        record(999)
    recorded = record(asset.id)
    assert recorded.payer == LICENSEE.address
    with pytest.raises(Conflict):
        record(asset.id)


def test_the_two_books_never_mix(engine: Engine, ledger: Ledger, project: Project) -> None:
    held = deposit(engine, ledger, project)
    first = register(engine, ledger, project, Tier.CORE, b"core algorithm")
    second = register(engine, ledger, project, Tier.DERIVATIVE, b"retrofit kit")
    with session_scope(engine) as session:
        assert [a.id for a in licensing.assets(session, project.id)] == [first.id, second.id]
        assert [d.id for d in background.deposits(session, project.id)] == [held.id]
        with pytest.raises(NotFound):
            background.get_deposit(session, second.id)  # a foreground id: not a deposit
        same_id = licensing.get_asset(session, held.id)  # ids overlap, books do not
        assert same_id.content_hash == first.content_hash != held.document_hash
    with pytest.raises(NotFound):
        with session_scope(engine) as session:
            background.read_document(session, ledger, deposit_id=second.id, reader=B)


def test_ownership_follows_the_committed_column(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    asset = register(engine, ledger, project, Tier.CORE, b"core algorithm")
    with session_scope(engine) as session:
        assert licensing.ownership(session, ledger, asset_id=asset.id) == {}
    commit_column(ledger, project, Tier.CORE, CORE)
    with session_scope(engine) as session:
        assert licensing.ownership(session, ledger, asset_id=asset.id) == {
            A: 4000,
            B: 3500,
            C: 2500,
        }


def _core_column(session: Session, project: Project) -> Column:
    """The engine's core column for CORE, by partner number."""
    assert project.id is not None
    members = {p.address: p for p in partners_of(session, project.id)}
    shares = [
        Share(members[a.address].number, Side(members[a.address].side), bps)
        for a, bps in CORE.items()
    ]
    return Column(EquityTier.CORE, tuple(sorted(shares, key=lambda s: s.partner_id)))
