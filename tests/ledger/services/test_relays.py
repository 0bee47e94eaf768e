"""A party's own acts relayed: registering an asset, paying a licence fee, paying revenue.

The ledger prepares the transaction, the party signs it with its own key, and the ledger
sends it only if it is exactly that call; what it records is then what recording the same
act by its hash records. A transaction with other data, value, target or chain is refused
before anything is sent or stored.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine

from ledger import journal, licensing
from ledger.chain.registry import Tier
from ledger.context import Ledger
from ledger.db import ForegroundAsset, Licence, Project, RevenuePayment, session_scope
from ledger.errors import Conflict, NotFound, RuleViolation, Unauthorized
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, signer
from tests.ledger.services.ip_support import (
    CORE,
    LICENSEE,
    QUORUM,
    STRANGER,
    commit_column,
    count,
    fund,
    ip_agreement,
    register_on_chain,
)

A, B, C = FOREIGN_A.address, LOCAL_B.address, FOREIGN_C.address
#: docs/contracts.md worked example 1: 800 wei of core revenue in the first bracket.
SPLIT_800 = {A: 345, B: 240, C: 215}


@pytest.fixture
def project(make_project: Callable[..., Project], ledger: Ledger) -> Project:
    made = make_project(ip_agreement())
    fund(ledger, LOCAL_B, LICENSEE, STRANGER)
    commit_column(ledger, made, Tier.CORE, CORE)
    return made


def digest_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def prepare_registration(
    engine: Engine, ledger: Ledger, project: Project, content: bytes, registrant: str = B
) -> dict[str, Any]:
    with session_scope(engine) as session:
        return licensing.prepare_asset_registration(
            session,
            ledger,
            project_id=project.id,
            registrant=registrant,
            tier="core",
            content_hash=digest_of(content),
        )


def relay_registration(
    engine: Engine, ledger: Ledger, project: Project, content: bytes, transaction: str
) -> ForegroundAsset:
    with session_scope(engine) as session:
        return licensing.register_asset_relayed(
            session,
            ledger,
            project_id=project.id,
            tier="core",
            title=content.decode(),
            content_hash=digest_of(content),
            transaction=transaction,
        )


def recorded_asset(
    engine: Engine, ledger: Ledger, project: Project, content: bytes
) -> ForegroundAsset:
    """LOCAL_B registers a core asset on chain itself; the ledger records it by its hash."""
    content_hash, tx_hash = register_on_chain(ledger, project, LOCAL_B, Tier.CORE, content)
    with session_scope(engine) as session:
        return licensing.register_asset(
            session,
            ledger,
            project_id=project.id,
            tier="core",
            title=content.decode(),
            content_hash=content_hash,
            tx_hash=tx_hash,
        )


def grant(engine: Engine, ledger: Ledger, asset: ForegroundAsset, fee: int = 800) -> Licence:
    terms = {
        "asset_id": asset.id,
        "licensee": LICENSEE.address,
        "territory": "DE",
        "industry": "C26",
        "fee": fee,
    }
    with session_scope(engine) as session:
        offer = licensing.prepare_licence(session, ledger, **terms)
    signatures = [signer(ledger, a).licence(**dataclasses.asdict(offer)) for a in QUORUM]
    with session_scope(engine) as session:
        return licensing.grant_licence(session, ledger, signatures=signatures, **terms)


def prepare_fee(engine: Engine, ledger: Ledger, licence: Licence) -> dict[str, Any]:
    with session_scope(engine) as session:
        return licensing.prepare_licence_fee(
            session, ledger, licence_id=licence.id, payer=LICENSEE.address
        )


def relay_fee(engine: Engine, ledger: Ledger, licence: Licence, transaction: str) -> RevenuePayment:
    with session_scope(engine) as session:
        return licensing.pay_licence_fee(
            session, ledger, licence_id=licence.id, transaction=transaction
        )


def prepare_payment(
    engine: Engine, ledger: Ledger, asset: ForegroundAsset, amount: int
) -> dict[str, Any]:
    with session_scope(engine) as session:
        return licensing.prepare_revenue(
            session, ledger, asset_id=asset.id, payer=LICENSEE.address, amount=amount
        )


def relay_payment(
    engine: Engine, ledger: Ledger, asset: ForegroundAsset, amount: int, transaction: str
) -> RevenuePayment:
    with session_scope(engine) as session:
        return licensing.deposit_revenue(
            session, ledger, asset_id=asset.id, amount=amount, transaction=transaction
        )


def sign(ledger: Ledger, account: LocalAccount, unsigned: dict[str, Any]) -> str:
    return signer(ledger, account).transaction(unsigned)


def entries(engine: Engine, project: Project, kind: str) -> list[journal.JournalEntry]:
    with session_scope(engine) as session:
        return [e for e in journal.entries(session, project.id) if e.kind == kind]


def same_but(first: dict[str, Any], second: dict[str, Any], *differing: str) -> None:
    """The two payloads have the same fields, equal except ``differing``."""
    assert first.keys() == second.keys()
    assert {k: v for k, v in first.items() if k not in differing} == {
        k: v for k, v in second.items() if k not in differing
    }


def split_of(payment: RevenuePayment) -> dict[str, int]:
    return {address: int(wei) for address, wei in json.loads(payment.split).items()}


# ---------------------------------------------------------------------- happy paths


def test_a_relayed_registration_is_recorded_as_one_the_partner_sent_itself(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    unsigned = prepare_registration(engine, ledger, project, b"defect detector")
    assert (unsigned["to"], unsigned["value"]) == (ledger.foreground.address, 0)
    assert unsigned["chainId"] == ledger.chain.chain_id
    assert unsigned["nonce"] == ledger.chain.w3.eth.get_transaction_count(B)
    relayed = relay_registration(
        engine, ledger, project, b"defect detector", sign(ledger, LOCAL_B, unsigned)
    )
    by_hash = recorded_asset(engine, ledger, project, b"line camera driver")

    assert relayed.chain_asset_id is not None
    chain_project, tier, registrant, digest = ledger.foreground.asset(relayed.chain_asset_id)
    assert (chain_project, tier, registrant) == (project.chain_project_id, Tier.CORE, B)
    assert digest.hex() == relayed.content_hash == digest_of(b"defect detector")
    assert (relayed.project_id, relayed.tier, relayed.title) == (
        project.id,
        "core",
        "defect detector",
    )
    assert (by_hash.project_id, by_hash.tier) == (relayed.project_id, relayed.tier)
    first, second = entries(engine, project, "foreground.registered")
    assert first.actor == second.actor == f"partner:{B}"
    one, other = json.loads(first.payload), json.loads(second.payload)
    same_but(one, other, "asset_id", "chain_asset_id", "content_hash", "title", "tx")
    assert (one["asset_id"], one["registrant"]) == (relayed.id, B)
    # the relayed transaction is the one recorded: recording it again by its hash conflicts
    with pytest.raises(Conflict), session_scope(engine) as session:
        licensing.register_asset(
            session,
            ledger,
            project_id=project.id,
            tier="core",
            title="again",
            content_hash=relayed.content_hash,
            tx_hash=one["tx"],
        )
    assert count(engine, ForegroundAsset) == 2


def test_a_relayed_licence_fee_is_recorded_as_one_the_licensee_paid_itself(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    first = grant(engine, ledger, recorded_asset(engine, ledger, project, b"core algorithm"))
    second = grant(engine, ledger, recorded_asset(engine, ledger, project, b"second algorithm"))
    unsigned = prepare_fee(engine, ledger, first)
    assert (unsigned["to"], unsigned["value"]) == (ledger.foreground.address, 800)
    relayed = relay_fee(engine, ledger, first, sign(ledger, LICENSEE, unsigned))
    assert second.chain_licence_id is not None
    receipt = ledger.foreground.pay_licence_fee(second.chain_licence_id, value=800, sender=LICENSEE)
    with session_scope(engine) as session:
        by_hash = licensing.record_licence_fee(
            session, ledger, licence_id=second.id, tx_hash=receipt.tx_hash
        )

    assert split_of(relayed) == split_of(by_hash) == SPLIT_800
    assert (relayed.payer, relayed.amount, relayed.cumulative_before) == (LICENSEE.address, 800, 0)
    assert (by_hash.payer, by_hash.amount, by_hash.cumulative_before) == (LICENSEE.address, 800, 0)
    assert ledger.foreground.licence(first.chain_licence_id).paid  # type: ignore[arg-type]
    with session_scope(engine) as session:
        assert licensing.get_licence(session, first.id).state == "paid"
    one, other = entries(engine, project, "licence.fee_paid")
    assert one.actor == other.actor == f"payer:{LICENSEE.address}"
    same_but(
        json.loads(one.payload),
        json.loads(other.payload),
        "asset_id",
        "chain_asset_id",
        "chain_licence_id",
        "licence_id",
        "payment_id",
        "tx",
    )
    assert json.loads(one.payload)["tx"] == relayed.tx_hash
    # paid: neither prepared nor relayed again, and nothing sent
    nonce = ledger.chain.w3.eth.get_transaction_count(LICENSEE.address)
    with pytest.raises(Conflict):
        prepare_fee(engine, ledger, first)
    with pytest.raises(Conflict):
        relay_fee(engine, ledger, first, sign(ledger, LICENSEE, unsigned))
    assert ledger.chain.w3.eth.get_transaction_count(LICENSEE.address) == nonce
    assert count(engine, RevenuePayment) == 2


def test_a_relayed_revenue_payment_is_recorded_as_one_the_payer_sent_itself(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    first = recorded_asset(engine, ledger, project, b"core algorithm")
    second = recorded_asset(engine, ledger, project, b"second algorithm")
    unsigned = prepare_payment(engine, ledger, first, 800)
    assert (unsigned["to"], unsigned["value"]) == (ledger.revenue.address, 800)
    relayed = relay_payment(engine, ledger, first, 800, sign(ledger, LICENSEE, unsigned))
    assert second.chain_asset_id is not None
    receipt = ledger.revenue.deposit_revenue(second.chain_asset_id, 800, sender=LICENSEE)
    with session_scope(engine) as session:
        by_hash = licensing.record_revenue(
            session, ledger, asset_id=second.id, tx_hash=receipt.tx_hash, amount=800
        )

    assert split_of(relayed) == split_of(by_hash) == SPLIT_800
    assert (relayed.payer, relayed.amount, relayed.cumulative_before) == (LICENSEE.address, 800, 0)
    assert ledger.revenue.cumulative_revenue(first.chain_asset_id) == 800  # type: ignore[arg-type]
    assert ledger.revenue.credit(A) == 2 * 345
    one, other = entries(engine, project, "revenue.received")
    assert one.actor == other.actor == f"payer:{LICENSEE.address}"
    same_but(
        json.loads(one.payload),
        json.loads(other.payload),
        "asset_id",
        "chain_asset_id",
        "payment_id",
        "tx",
    )
    # a second payment continues the asset's cumulative revenue, across the 1000 wei cap
    again = prepare_payment(engine, ledger, first, 700)
    later = relay_payment(engine, ledger, first, 700, sign(ledger, LICENSEE, again))
    assert (later.cumulative_before, split_of(later)) == (800, {A: 286, B: 235, C: 179})


# ---------------------------------------------------------------------- refusals


def _tamper(ledger: Ledger, part: str, unsigned: dict[str, Any]) -> dict[str, Any]:
    changed = dict(unsigned)
    if part == "data":
        data = unsigned["data"]
        changed["data"] = data[:-1] + ("0" if data[-1] != "0" else "1")
    elif part == "value":
        changed["value"] = unsigned["value"] + 1
    elif part == "to":
        changed["to"] = ledger.escrow.address
    else:
        changed["chainId"] = unsigned["chainId"] + 1
    return changed


@pytest.mark.parametrize("act", ["registration", "licence fee", "revenue"])
@pytest.mark.parametrize("part", ["data", "value", "to", "chainId"])
def test_a_transaction_that_is_not_exactly_the_call_is_refused_and_nothing_is_sent(
    engine: Engine, ledger: Ledger, project: Project, act: str, part: str
) -> None:
    relay: Callable[[str], Any]
    if act == "registration":
        account = LOCAL_B
        unsigned = prepare_registration(engine, ledger, project, b"detector")

        def relay(transaction: str) -> Any:
            return relay_registration(engine, ledger, project, b"detector", transaction)

    elif act == "licence fee":
        account = LICENSEE
        licence = grant(engine, ledger, recorded_asset(engine, ledger, project, b"algorithm"))
        unsigned = prepare_fee(engine, ledger, licence)

        def relay(transaction: str) -> Any:
            return relay_fee(engine, ledger, licence, transaction)

    else:
        account = LICENSEE
        asset = recorded_asset(engine, ledger, project, b"algorithm")
        unsigned = prepare_payment(engine, ledger, asset, 800)

        def relay(transaction: str) -> Any:
            return relay_payment(engine, ledger, asset, 800, transaction)

    nonce, block = unsigned["nonce"], ledger.chain.block_number
    assert nonce == ledger.chain.w3.eth.get_transaction_count(account.address)
    kinds = [e.kind for e in entries_of(engine, project)]
    stored = (count(engine, ForegroundAsset), count(engine, Licence), count(engine, RevenuePayment))

    with pytest.raises(RuleViolation) as caught:
        relay(sign(ledger, account, _tamper(ledger, part, unsigned)))
    assert (caught.value.fields["field"], caught.value.fields["part"]) == ("transaction", part)
    assert ledger.chain.w3.eth.get_transaction_count(account.address) == nonce
    assert ledger.chain.block_number == block
    assert [e.kind for e in entries_of(engine, project)] == kinds
    assert (
        count(engine, ForegroundAsset),
        count(engine, Licence),
        count(engine, RevenuePayment),
    ) == stored
    # the call itself, signed as prepared, still goes through
    relay(sign(ledger, account, unsigned))
    assert ledger.chain.w3.eth.get_transaction_count(account.address) == nonce + 1


def entries_of(engine: Engine, project: Project) -> list[journal.JournalEntry]:
    with session_scope(engine) as session:
        return list(journal.entries(session, project.id))


def test_only_a_partner_registers_and_garbage_is_no_transaction(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    with pytest.raises(Unauthorized) as prepared:
        prepare_registration(engine, ledger, project, b"detector", registrant=STRANGER.address)
    assert prepared.value.fields["field"] == "registrant"
    unsigned = prepare_registration(engine, ledger, project, b"detector")
    unsigned["nonce"] = ledger.chain.w3.eth.get_transaction_count(STRANGER.address)
    with pytest.raises(Unauthorized) as relayed:  # exactly the call, signed by a stranger
        relay_registration(engine, ledger, project, b"detector", sign(ledger, STRANGER, unsigned))
    assert relayed.value.fields["field"] == "transaction"
    for garbage in ("0x", "0x1234", "not hex"):
        with pytest.raises(RuleViolation) as caught:
            relay_registration(engine, ledger, project, b"detector", garbage)
        assert caught.value.fields["field"] == "transaction"
    assert ledger.chain.w3.eth.get_transaction_count(STRANGER.address) == 0
    assert count(engine, ForegroundAsset) == 0
    assert entries(engine, project, "foreground.registered") == []


def test_bad_inputs_are_refused_before_anything_is_prepared(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    asset = recorded_asset(engine, ledger, project, b"core algorithm")
    cases: list[tuple[Callable[[Any], Any], type[Exception], str | None]] = [
        (
            lambda s: licensing.prepare_asset_registration(
                s, ledger, project_id=project.id, registrant=B, tier="pooled", content_hash="ab"
            ),
            RuleViolation,
            "tier",
        ),
        (
            lambda s: licensing.prepare_asset_registration(
                s, ledger, project_id=project.id, registrant=B, tier="core", content_hash="ab"
            ),
            RuleViolation,
            "content_hash",
        ),
        (
            lambda s: licensing.prepare_asset_registration(
                s, ledger, project_id=999, registrant=B, tier="core", content_hash="ab" * 32
            ),
            NotFound,
            None,
        ),
        (
            lambda s: licensing.prepare_revenue(
                s, ledger, asset_id=asset.id, payer=LICENSEE.address, amount=0
            ),
            RuleViolation,
            "amount",
        ),
        (
            lambda s: licensing.prepare_revenue(
                s, ledger, asset_id=asset.id, payer="nobody", amount=1
            ),
            RuleViolation,
            "payer",
        ),
        (
            lambda s: licensing.prepare_revenue(
                s, ledger, asset_id=999, payer=LICENSEE.address, amount=1
            ),
            NotFound,
            None,
        ),
        (
            lambda s: licensing.prepare_licence_fee(
                s, ledger, licence_id=999, payer=LICENSEE.address
            ),
            NotFound,
            None,
        ),
    ]
    for call, error, field in cases:
        with pytest.raises(error) as caught, session_scope(engine) as session:
            call(session)
        assert caught.value.fields.get("field") == field  # type: ignore[attr-defined]


def test_a_project_paid_in_a_token_is_not_relayed(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    token = "0x" + "77" * 20
    project = make_project(ip_agreement(token=token))
    fund(ledger, LOCAL_B)
    asset = recorded_asset(engine, ledger, project, b"core algorithm")
    with pytest.raises(RuleViolation) as prepared, session_scope(engine) as session:
        licensing.prepare_revenue(
            session, ledger, asset_id=asset.id, payer=LICENSEE.address, amount=800
        )
    assert prepared.value.fields["field"] == "project_id"
    assert prepared.value.fields["token"].lower() == token
    with pytest.raises(RuleViolation) as relayed:
        relay_payment(engine, ledger, asset, 800, "0x02")
    assert relayed.value.fields["field"] == "project_id"
    licence = grant(engine, ledger, asset)
    with pytest.raises(RuleViolation) as fee:
        prepare_fee(engine, ledger, licence)
    assert fee.value.fields["field"] == "project_id"
    with pytest.raises(RuleViolation) as paid:
        relay_fee(engine, ledger, licence, "0x02")
    assert paid.value.fields["field"] == "project_id"
    assert count(engine, RevenuePayment) == 0
