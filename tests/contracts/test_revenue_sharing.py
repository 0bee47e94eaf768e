"""RevenueSharing: exact splits per tier, checked to the wei against the Fraction model."""

from __future__ import annotations

import pytest

from ledger.chain.registry import Tier
from ledger.chain.rights import ZERO_ADDRESS, NegotiatedSplit
from ledger.errors import ContractReverted
from tests.contracts.revenue_model import RevenueBook, foreign_part, split_core
from tests.contracts.rights_fixtures import SMALL_BRACKETS, RightsEnv, env, reverted

__all__ = ["env"]


def credits(env: RightsEnv) -> dict[str, int]:
    return {p.address: env.revenue.credit(p.address) for p in env.project.partners}


def test_foreign_part_straddles_brackets_exactly() -> None:
    # (800, 1500]: 200 wei at 7000 bps, 500 wei at 6500 bps.
    assert foreign_part(SMALL_BRACKETS, 800, 700) == 140 + 325
    # (0, 6000]: 1000 at 7000, 4000 at 6500, 1000 at 6000.
    assert foreign_part(SMALL_BRACKETS, 0, 6000) == 700 + 2600 + 600


def test_core_revenue_straddling_brackets_matches_model(env: RightsEnv) -> None:
    env.commit(Tier.CORE)
    asset_id = env.asset(Tier.CORE)
    column = env.column(Tier.CORE)
    members = env.members(column.partners, column.rights_bps)
    book = RevenueBook(SMALL_BRACKETS)

    for amount in (800, 701, 3498, 2, 1, 6003):  # crosses 1000, then 5000
        preview = env.revenue.preview_split(asset_id, amount)
        receipt = env.revenue.deposit_revenue(asset_id, amount)
        expected = book.pay_core(asset_id, members, amount)
        assert preview == expected
        assert credits(env) == book.credits
        events = env.chain.decode_events(env.revenue.bound, "RevenueCredited", receipt)
        assert {e["args"]["partner"]: e["args"]["amount"] for e in events} == {
            a: x for a, x in expected.items() if x
        }
    assert env.revenue.cumulative_revenue(asset_id) == 11_005
    assert sum(credits(env).values()) == 11_005
    assert env.chain.balance(env.revenue.address) == 11_005


def test_core_revenue_worked_example(env: RightsEnv) -> None:
    """The worked example of docs/contracts.md: 800 paid, then 700 straddling 1000."""
    env.commit(Tier.CORE)
    asset_id = env.asset(Tier.CORE)
    p = env.project
    env.revenue.deposit_revenue(asset_id, 800)
    # foreign 560 wei (7000 bps), local 240; a:c = 4000:2500 -> 344.61.. and 215.38..
    assert credits(env) == {
        p.foreign_a.address: 345,
        p.local_b.address: 240,
        p.foreign_c.address: 215,
    }
    env.revenue.deposit_revenue(asset_id, 700)
    # foreign 140 + 325 = 465, local 235; a 286.15.. c 178.84.. -> 286 + 179
    assert credits(env) == {
        p.foreign_a.address: 631,
        p.local_b.address: 475,
        p.foreign_c.address: 394,
    }


def test_application_revenue_by_profit_bps(env: RightsEnv) -> None:
    env.commit(Tier.APPLICATION)
    asset_id = env.asset(Tier.APPLICATION)
    p = env.project
    env.revenue.deposit_revenue(asset_id, 1001)
    # 5000/3000/2000 bps of 1001: 500.5, 300.3, 200.2 -> leftover wei to a
    assert credits(env) == {
        p.foreign_a.address: 501,
        p.local_b.address: 300,
        p.foreign_c.address: 200,
    }


def test_derivative_revenue_by_rights_until_negotiated(env: RightsEnv) -> None:
    env.commit(Tier.DERIVATIVE)
    asset_id = env.asset(Tier.DERIVATIVE)
    p = env.project
    env.revenue.deposit_revenue(asset_id, 100)
    assert credits(env) == {p.foreign_a.address: 24, p.local_b.address: 51, p.foreign_c.address: 25}

    column = env.column(Tier.DERIVATIVE)
    split = NegotiatedSplit(
        1, column.partners, tuple(5000 if b == 5100 else 2500 for b in column.rights_bps)
    )
    sigs = env.rights.sign_negotiated_split(p.partners, p.id, split)
    env.rights.set_negotiated_split(p.id, split, sigs)
    env.revenue.deposit_revenue(asset_id, 100)
    assert credits(env) == {
        p.foreign_a.address: 49,
        p.local_b.address: 101,
        p.foreign_c.address: 50,
    }


def test_derivative_negotiated_split_needs_no_column(env: RightsEnv) -> None:
    p = env.project
    asset_id = env.asset(Tier.DERIVATIVE)
    column = env.column(Tier.DERIVATIVE)
    split = NegotiatedSplit(1, column.partners, (5000, 0, 5000))
    env.rights.set_negotiated_split(
        p.id, split, env.rights.sign_negotiated_split(p.partners, p.id, split)
    )
    env.revenue.deposit_revenue(asset_id, 1)
    # two equal remainders of half a wei: the smaller partner id wins
    ids = {a: env.registry.partner(p.id, a)[0] for a in column.partners}
    winner = min(
        (a for a, b in zip(split.partners, split.bps, strict=True) if b), key=ids.__getitem__
    )
    assert {a: env.revenue.credit(a) for a in column.partners} == {
        a: int(a == winner) for a in column.partners
    }


def test_largest_remainder_ties_go_to_smaller_partner_id(env: RightsEnv) -> None:
    env.commit(Tier.CORE)
    asset_id = env.asset(Tier.CORE)
    column = env.column(Tier.CORE)
    members = env.members(column.partners, column.rights_bps)
    for amount in (1, 2, 3, 7):
        assert env.revenue.preview_split(asset_id, amount) == split_core(
            members, SMALL_BRACKETS, 0, amount
        )


def test_withdraw_pays_the_credit_once(env: RightsEnv) -> None:
    env.commit(Tier.DERIVATIVE)
    env.revenue.deposit_revenue(env.asset(Tier.DERIVATIVE), 10**15)
    partner = env.project.local_b
    credit = env.revenue.credit(partner.address)
    before = env.chain.balance(partner.address)

    receipt = env.revenue.withdraw(payee=partner)

    gas_cost = receipt.gas_used * env.chain.w3.eth.get_transaction(receipt.tx_hash)["gasPrice"]
    assert env.chain.balance(partner.address) == before + credit - gas_cost
    assert env.revenue.credit(partner.address) == 0
    (event,) = env.chain.decode_events(env.revenue.bound, "Withdrawn", receipt)
    assert event["args"]["amount"] == credit and event["args"]["token"] == ZERO_ADDRESS
    assert env.chain.balance(env.revenue.address) == 10**15 - credit
    with pytest.raises(ContractReverted) as exc:
        env.revenue.withdraw(payee=partner)
    reverted(
        exc, "RevenueSharingNothingToWithdraw", account=partner.address.lower(), token=ZERO_ADDRESS
    )


def test_payout_address_receives_future_credits(env: RightsEnv) -> None:
    env.commit(Tier.DERIVATIVE)
    asset_id = env.asset(Tier.DERIVATIVE)
    partner, payout = env.project.local_b, env.chain.accounts[4]
    env.revenue.deposit_revenue(asset_id, 100)
    receipt = env.revenue.set_payout_address(partner, payout.address, 1)
    (event,) = env.chain.decode_events(env.revenue.bound, "PayoutAddressSet", receipt)
    assert event["args"]["payout"] == payout.address

    receipt = env.revenue.deposit_revenue(asset_id, 100)
    assert env.revenue.credit(partner.address) == 51  # earlier credit stays
    assert env.revenue.credit(payout.address) == 51
    events = env.chain.decode_events(env.revenue.bound, "RevenueCredited", receipt)
    assert any(
        e["args"]["partner"] == partner.address and e["args"]["payee"] == payout.address
        for e in events
    )


def test_payout_nonce_must_increase(env: RightsEnv) -> None:
    partner = env.project.local_b
    env.revenue.set_payout_address(partner, env.chain.accounts[4].address, 2)
    with pytest.raises(ContractReverted) as exc:
        env.revenue.set_payout_address(partner, env.chain.accounts[5].address, 2)
    reverted(exc, "RevenueSharingStalePayout", partner=partner.address.lower(), nonce=2, last=2)


def test_payout_needs_the_partners_signature(env: RightsEnv) -> None:
    from ledger.chain.eip712 import sign
    from ledger.chain.rights import PAYOUT

    partner, forger = env.project.local_b, env.project.foreign_a
    message = {"partner": partner.address, "payout": forger.address, "nonce": 1}
    signature = sign(forger, env.revenue.domain, "Payout", PAYOUT, message)
    with pytest.raises(ContractReverted) as exc:
        env.chain.transact(
            env.revenue.bound, "setPayoutAddress", partner.address, forger.address, 1, signature
        )
    reverted(
        exc,
        "RevenueSharingWrongSigner",
        partner=partner.address.lower(),
        recovered=forger.address.lower(),
    )


@pytest.mark.parametrize("tier", [Tier.CORE, Tier.APPLICATION, Tier.DERIVATIVE])
def test_revenue_without_column_refused(env: RightsEnv, tier: Tier) -> None:
    asset_id = env.asset(tier)
    with pytest.raises(ContractReverted) as exc:
        env.revenue.deposit_revenue(asset_id, 10)
    reverted(
        exc, "RevenueSharingNoColumn", assetId=asset_id, projectId=env.project.id, tier=int(tier)
    )


def test_zero_revenue_refused(env: RightsEnv) -> None:
    asset_id = env.asset(Tier.CORE)
    with pytest.raises(ContractReverted) as exc:
        env.revenue.deposit_revenue(asset_id, 0)
    reverted(exc, "RevenueSharingZeroAmount", assetId=asset_id)


def test_revenue_value_must_match(env: RightsEnv) -> None:
    env.commit(Tier.CORE)
    asset_id = env.asset(Tier.CORE)
    with pytest.raises(ContractReverted) as exc:
        env.chain.transact(env.revenue.bound, "depositRevenue", asset_id, 10, value=9)
    reverted(exc, "RevenueSharingWrongValue", expected=10, sent=9)


def test_revenue_for_unknown_asset_refused(env: RightsEnv) -> None:
    with pytest.raises(ContractReverted) as exc:
        env.revenue.deposit_revenue(42, 10)
    reverted(exc, "ForegroundRegistryUnknownAsset", assetId=42)


def test_withdraw_to_an_address_that_rejects_ether_fails_whole(env: RightsEnv, build) -> None:  # type: ignore[no-untyped-def]
    env.commit(Tier.DERIVATIVE)
    asset_id = env.asset(Tier.DERIVATIVE)
    payee, _ = env.chain.deploy(build["RejectingPayee"])
    env.revenue.set_payout_address(env.project.local_b, payee.address, 1)
    env.revenue.deposit_revenue(asset_id, 1000)
    credit = env.revenue.credit(payee.address)
    assert credit > 0
    with pytest.raises(ContractReverted) as exc:
        env.chain.transact(payee, "withdrawFrom", env.revenue.address, gas=200_000)
    reverted(exc, "RevenueSharingTransferFailed", account=payee.address.lower(), amount=credit)
    assert env.revenue.credit(payee.address) == credit  # nothing lost: the credit stays
