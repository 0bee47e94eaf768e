"""ForegroundRegistry: assets by partners, licences by quorum within the tier's restriction."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from ledger.chain.compiler import Build
from ledger.chain.gateway import Chain
from ledger.chain.registry import ProjectRegistryGateway, Tier
from ledger.chain.rights import LICENCE
from ledger.errors import ContractReverted
from tests.contracts.conftest import key
from tests.contracts.rights_fixtures import (
    RightsEnv,
    deploy_token,
    env,
    make_env,
    recovered,
    reverted,
)

__all__ = ["env"]

LICENSEE = key("licensee").address


def grant(env: RightsEnv, asset_id: int, territory: str, industry: str, fee: int = 1000) -> int:
    sigs = env.foreground.sign_licence(
        env.quorum, env.project.id, asset_id, LICENSEE, territory, industry, fee
    )
    return env.foreground.grant_licence(asset_id, LICENSEE, territory, industry, fee, sigs)


def test_register_asset_by_partner(env: RightsEnv) -> None:
    asset_id = env.asset(Tier.CORE)

    assert asset_id == 1
    project_id, tier, registrant, asset_hash = env.foreground.asset(asset_id)
    assert (project_id, tier, registrant) == (
        env.project.id,
        Tier.CORE,
        env.project.local_b.address,
    )
    assert asset_hash == keccak(b"asset-0")
    events = env.chain.events(env.foreground.bound, "AssetRegistered")
    assert [e["args"]["assetId"] for e in events] == [1]


def test_register_asset_by_outsider_refused(env: RightsEnv) -> None:
    outsider = env.chain.accounts[1]
    with pytest.raises(ContractReverted) as exc:
        env.chain.transact(
            env.foreground.bound,
            "registerAsset",
            env.project.id,
            int(Tier.CORE),
            keccak(b"x"),
            sender=outsider,
        )
    reverted(
        exc,
        "ForegroundRegistryNotPartner",
        projectId=env.project.id,
        account=outsider.address.lower(),
    )


def test_register_same_asset_twice_refused(env: RightsEnv) -> None:
    env.asset(Tier.CORE)
    with pytest.raises(ContractReverted) as exc:
        env.asset(Tier.CORE)
    reverted(
        exc,
        "ForegroundRegistryDuplicateAsset",
        projectId=env.project.id,
        assetHash=keccak(b"asset-0"),
        assetId=1,
    )


@pytest.mark.parametrize("territory", ["DE", "CN"])
def test_grant_core_licence_in_allowed_territory(env: RightsEnv, territory: str) -> None:
    asset_id = env.asset(Tier.CORE)
    licence_id = grant(env, asset_id, territory, "A01")  # industry is free for core

    licence = env.foreground.licence(licence_id)
    assert (licence.asset_id, licence.licensee, licence.territory) == (
        asset_id,
        LICENSEE,
        territory.encode(),
    )
    assert licence.fee == 1000 and not licence.paid


def test_grant_core_licence_in_forbidden_territory_refused(env: RightsEnv) -> None:
    asset_id = env.asset(Tier.CORE)
    with pytest.raises(ContractReverted) as exc:
        grant(env, asset_id, "US", "C26")
    reverted(
        exc,
        "ForegroundRegistryTerritoryNotAllowed",
        assetId=asset_id,
        territory=b"US",
        tier=int(Tier.CORE),
    )


def test_grant_application_licence_in_allowed_industry(env: RightsEnv) -> None:
    asset_id = env.asset(Tier.APPLICATION)
    licence_id = grant(env, asset_id, "US", "C28")  # territory is free for application
    assert env.foreground.licence(licence_id).industry == b"C28\0"


def test_grant_application_licence_in_forbidden_industry_refused(env: RightsEnv) -> None:
    asset_id = env.asset(Tier.APPLICATION)
    with pytest.raises(ContractReverted) as exc:
        grant(env, asset_id, "DE", "A01")
    reverted(
        exc,
        "ForegroundRegistryIndustryNotAllowed",
        assetId=asset_id,
        industry=b"A01\0",
        tier=int(Tier.APPLICATION),
    )


def test_grant_derivative_licence_anywhere(env: RightsEnv) -> None:
    asset_id = env.asset(Tier.DERIVATIVE)
    assert grant(env, asset_id, "US", "A01") == 1
    assert grant(env, asset_id, "BR", "K64") == 2


def test_grant_licence_needs_quorum(env: RightsEnv) -> None:
    asset_id = env.asset(Tier.DERIVATIVE)
    sigs = env.foreground.sign_licence(
        [env.project.foreign_c], env.project.id, asset_id, LICENSEE, "DE", "C26", 5
    )
    with pytest.raises(ContractReverted) as exc:
        env.foreground.grant_licence(asset_id, LICENSEE, "DE", "C26", 5, sigs)
    reverted(exc, "PartnerQuorumNotMet", signers=1, required=2)


def test_replayed_licence_signature_refused(env: RightsEnv) -> None:
    asset_id = env.asset(Tier.DERIVATIVE)
    sigs = env.foreground.sign_licence(
        env.quorum, env.project.id, asset_id, LICENSEE, "DE", "C26", 1000
    )
    env.foreground.grant_licence(asset_id, LICENSEE, "DE", "C26", 1000, sigs)

    with pytest.raises(ContractReverted) as exc:
        env.foreground.grant_licence(asset_id, LICENSEE, "DE", "C26", 1000, sigs)
    message = {
        "projectId": env.project.id,
        "assetId": asset_id,
        "licensee": LICENSEE,
        "territory": b"DE",
        "industry": b"C26\0",
        "fee": 1000,
        "licenceId": 2,
    }
    signer = recovered(env.foreground.domain, "Licence", LICENCE, message, sigs[0])
    reverted(exc, "PartnerQuorumNotPartner", index=0, signer=signer)


def test_grant_licence_on_unknown_asset_refused(env: RightsEnv) -> None:
    with pytest.raises(ContractReverted) as exc:
        env.foreground.grant_licence(99, LICENSEE, "DE", "C26", 1, [])
    reverted(exc, "ForegroundRegistryUnknownAsset", assetId=99)


def test_licence_fee_becomes_revenue_of_the_asset(env: RightsEnv) -> None:
    env.commit(Tier.CORE)
    asset_id = env.asset(Tier.CORE)
    licence_id = grant(env, asset_id, "DE", "C26", fee=1500)
    payer = env.chain.accounts[3]

    receipt = env.foreground.pay_licence_fee(licence_id, value=1500, sender=payer)

    (paid,) = env.chain.decode_events(env.foreground.bound, "LicenceFeePaid", receipt)
    assert paid["args"]["payer"] == payer.address
    (received,) = env.chain.decode_events(env.revenue.bound, "RevenueReceived", receipt)
    assert received["args"]["amount"] == 1500
    assert received["args"]["cumulative"] == 1500
    assert received["args"]["payer"] == env.foreground.address
    credits = [env.revenue.credit(p.address) for p in env.project.partners]
    assert sum(credits) == 1500
    assert env.chain.balance(env.revenue.address) == 1500
    assert env.foreground.licence(licence_id).paid


def test_pay_licence_fee_twice_refused(env: RightsEnv) -> None:
    env.commit(Tier.CORE)
    licence_id = grant(env, env.asset(Tier.CORE), "DE", "C26", fee=10)
    env.foreground.pay_licence_fee(licence_id, value=10)
    with pytest.raises(ContractReverted) as exc:
        env.foreground.pay_licence_fee(licence_id, value=10)
    reverted(exc, "ForegroundRegistryNothingToPay", licenceId=licence_id)


def test_pay_licence_fee_wrong_value_refused(env: RightsEnv) -> None:
    licence_id = grant(env, env.asset(Tier.CORE), "DE", "C26", fee=10)
    with pytest.raises(ContractReverted) as exc:
        env.foreground.pay_licence_fee(licence_id, value=9)
    reverted(exc, "ForegroundRegistryWrongValue", expected=10, sent=9)


def test_pay_unknown_licence_refused(env: RightsEnv) -> None:
    with pytest.raises(ContractReverted) as exc:
        env.foreground.pay_licence_fee(7, value=1)
    reverted(exc, "ForegroundRegistryUnknownLicence", licenceId=7)


def test_pay_licence_fee_without_column_refused(env: RightsEnv) -> None:
    asset_id = env.asset(Tier.APPLICATION)
    licence_id = grant(env, asset_id, "DE", "C26", fee=10)
    with pytest.raises(ContractReverted) as exc:
        env.foreground.pay_licence_fee(licence_id, value=10)
    reverted(
        exc,
        "RevenueSharingNoColumn",
        assetId=asset_id,
        projectId=env.project.id,
        tier=int(Tier.APPLICATION),
    )
    assert not env.foreground.licence(licence_id).paid


def test_licence_fee_in_erc20_is_pulled(
    chain: Chain, build: Build, registry: ProjectRegistryGateway
) -> None:
    token = deploy_token(chain, build)
    env = make_env(chain, build, registry, token=token.address)
    env.commit(Tier.DERIVATIVE)
    licence_id = grant(env, env.asset(Tier.DERIVATIVE), "US", "A01", fee=10_001)
    payer = chain.accounts[3]
    chain.transact(token, "mint", payer.address, 10_001)
    chain.transact(token, "approve", env.foreground.address, 10_001, sender=payer)

    with pytest.raises(ContractReverted) as exc:
        env.foreground.pay_licence_fee(licence_id, value=1, sender=payer)
    reverted(exc, "ForegroundRegistryWrongValue", expected=0, sent=1)
    env.foreground.pay_licence_fee(licence_id, sender=payer)

    assert chain.call(token, "balanceOf", env.revenue.address) == 10_001
    assert chain.call(token, "balanceOf", payer.address) == 0
    credits = {
        p.address: env.revenue.credit(p.address, token.address) for p in env.project.partners
    }
    assert sum(credits.values()) == 10_001
    assert credits[env.project.local_b.address] == 5101  # 5100 bps of 10001 = 5100.51, rounded up

    env.revenue.withdraw_token(token.address, payee=env.project.local_b)
    assert chain.call(token, "balanceOf", env.project.local_b.address) == 5101
    assert env.revenue.credit(env.project.local_b.address, token.address) == 0


def test_licence_to_zero_address_refused(env: RightsEnv) -> None:
    env.commit(Tier.DERIVATIVE)
    asset_id = env.asset(Tier.DERIVATIVE)
    zero = "0x" + "00" * 20
    signatures = env.foreground.sign_licence(
        env.quorum, env.project.id, asset_id, zero, "US", "A01", 1
    )
    with pytest.raises(ContractReverted) as exc:
        env.foreground.grant_licence(asset_id, zero, "US", "A01", 1, signatures)
    reverted(exc, "ForegroundRegistryZeroLicensee", assetId=asset_id)


def test_terminated_project_registers_and_licenses_nothing(env: RightsEnv) -> None:
    env.commit(Tier.DERIVATIVE)
    asset_id = env.asset(Tier.DERIVATIVE)
    env.registry.terminate(env.project.id, keccak(b"ended"), env.quorum)
    licensee = key("licensee").address
    signatures = env.foreground.sign_licence(
        env.quorum, env.project.id, asset_id, licensee, "US", "A01", 1
    )
    with pytest.raises(ContractReverted) as exc:
        env.foreground.grant_licence(asset_id, licensee, "US", "A01", 1, signatures)
    reverted(exc, "ForegroundRegistryTerminated", projectId=env.project.id)
    with pytest.raises(ContractReverted) as exc:
        env.asset(Tier.DERIVATIVE, label="after the end")
    reverted(exc, "ForegroundRegistryTerminated", projectId=env.project.id)
