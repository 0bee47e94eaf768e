"""TieredRights: quorum-committed columns that obey the tier rules of Table 2."""

from __future__ import annotations

import dataclasses

import pytest
from eth_utils import to_checksum_address

from ledger.chain.compiler import Build
from ledger.chain.gateway import Chain
from ledger.chain.registry import ProjectRegistryGateway, Tier
from ledger.chain.rights import SNAPSHOT, NegotiatedSplit, RightsColumn
from ledger.errors import ContractReverted
from tests.contracts.rights_fixtures import (
    INPUTS,
    ROOT,
    RightsEnv,
    env,
    make_env,
    recovered,
    reverted,
)

__all__ = ["env"]


def core(env: RightsEnv, foreign_total: int) -> RightsColumn:
    p = env.project
    return RightsColumn.of(
        {
            p.foreign_a.address: foreign_total - 2000,
            p.local_b.address: 10_000 - foreign_total,
            p.foreign_c.address: 2000,
        }
    )


def unsorted(column: RightsColumn) -> RightsColumn:
    return RightsColumn(column.partners[::-1], column.rights_bps[::-1], column.profit_bps[::-1])


def test_commit_snapshot_stores_column_and_emits(env: RightsEnv) -> None:
    receipt = env.commit(Tier.CORE)

    stored = env.rights.column(env.project.id, Tier.CORE)
    assert stored.snapshot_id == 1
    assert stored.root == ROOT and stored.inputs_hash == INPUTS
    assert stored.column == env.column(Tier.CORE)
    assert stored.committed_at == env.chain.block(receipt.block_number).timestamp
    (event,) = env.chain.decode_events(env.rights.bound, "SnapshotCommitted", receipt)
    assert event["args"]["projectId"] == env.project.id
    assert event["args"]["tier"] == Tier.CORE
    assert event["args"]["columnHash"] == env.column(Tier.CORE).column_hash()


def test_commit_snapshot_supersedes_previous(env: RightsEnv) -> None:
    env.commit(Tier.CORE)
    env.commit(Tier.CORE, core(env, 6000), snapshot_id=5)

    stored = env.rights.column(env.project.id, Tier.CORE)
    assert stored.snapshot_id == 5
    assert stored.column == core(env, 6000)
    assert env.rights.column(env.project.id, Tier.APPLICATION).snapshot_id == 0


@pytest.mark.parametrize("foreign_total", [6000, 6500, 7000])
def test_commit_core_inside_band(env: RightsEnv, foreign_total: int) -> None:
    env.commit(Tier.CORE, core(env, foreign_total))
    assert env.rights.column(env.project.id, Tier.CORE).column == core(env, foreign_total)


@pytest.mark.parametrize("foreign_total", [5999, 7001])
def test_commit_core_outside_band_refused(env: RightsEnv, foreign_total: int) -> None:
    with pytest.raises(ContractReverted) as exc:
        env.commit(Tier.CORE, core(env, foreign_total))
    reverted(exc, "TieredRightsCoreBand", foreignTotal=foreign_total, lo=6000, hi=7000)


def test_commit_application_difference_of_one_allowed(env: RightsEnv) -> None:
    env.commit(Tier.APPLICATION)
    stored = env.rights.column(env.project.id, Tier.APPLICATION).column
    assert sorted(stored.rights_bps) == [3333, 3333, 3334]
    assert sum(stored.profit_bps) == 10_000


def test_commit_application_difference_of_two_refused(env: RightsEnv) -> None:
    p = env.project
    shares = {p.foreign_a.address: 3334, p.local_b.address: 3334, p.foreign_c.address: 3332}
    column = RightsColumn.of(shares, dict(shares))
    with pytest.raises(ContractReverted) as exc:
        env.commit(Tier.APPLICATION, column)
    reverted(exc, "TieredRightsApplicationUnequal", min=3332, max=3334)


def test_commit_application_profit_must_sum(env: RightsEnv) -> None:
    good = env.column(Tier.APPLICATION)
    column = dataclasses.replace(good, profit_bps=(5000, 3000, 1999))
    with pytest.raises(ContractReverted) as exc:
        env.commit(Tier.APPLICATION, column)
    reverted(exc, "TieredRightsBadSum", column="profit", sum=9999)


def test_commit_application_needs_profit_column(env: RightsEnv) -> None:
    column = dataclasses.replace(env.column(Tier.APPLICATION), profit_bps=())
    with pytest.raises(ContractReverted) as exc:
        env.commit(Tier.APPLICATION, column)
    reverted(exc, "TieredRightsLengthMismatch", partners=3, rights=3, profit=0)


@pytest.mark.parametrize("tier", [Tier.CORE, Tier.DERIVATIVE])
def test_commit_profit_column_refused_outside_application(env: RightsEnv, tier: Tier) -> None:
    column = dataclasses.replace(env.column(tier), profit_bps=env.column(tier).rights_bps)
    with pytest.raises(ContractReverted) as exc:
        env.commit(tier, column)
    reverted(exc, "TieredRightsLengthMismatch", partners=3, rights=3, profit=3)


def test_commit_lengths_must_match(env: RightsEnv) -> None:
    column = dataclasses.replace(env.column(Tier.CORE), rights_bps=(5000, 5000))
    with pytest.raises(ContractReverted) as exc:
        env.commit(Tier.CORE, column)
    reverted(exc, "TieredRightsLengthMismatch", partners=3, rights=2, profit=0)


def test_commit_derivative_local_lead_5100_allowed(env: RightsEnv) -> None:
    env.commit(Tier.DERIVATIVE)
    assert env.rights.column(env.project.id, Tier.DERIVATIVE).snapshot_id == 1


def test_commit_derivative_local_lead_5099_refused(env: RightsEnv) -> None:
    p = env.project
    column = RightsColumn.of(
        {p.foreign_a.address: 2401, p.local_b.address: 5099, p.foreign_c.address: 2500}
    )
    with pytest.raises(ContractReverted) as exc:
        env.commit(Tier.DERIVATIVE, column)
    reverted(exc, "TieredRightsDerivativeLead", localTotal=5099, lead=5100)


@pytest.mark.parametrize("total", [9999, 10_001])
def test_commit_rights_must_sum_to_10000(env: RightsEnv, total: int) -> None:
    p = env.project
    column = RightsColumn.of(
        {
            p.foreign_a.address: 4000,
            p.local_b.address: total - 6500,
            p.foreign_c.address: 2500,
        }
    )
    with pytest.raises(ContractReverted) as exc:
        env.commit(Tier.CORE, column)
    reverted(exc, "TieredRightsBadSum", column="rights", sum=total)


def test_commit_unsorted_partners_refused(env: RightsEnv) -> None:
    column = unsorted(env.column(Tier.CORE))
    with pytest.raises(ContractReverted) as exc:
        env.commit(Tier.CORE, column)
    reverted(exc, "TieredRightsPartnersNotAscending", index=1, partner=column.partners[1].lower())


def test_commit_duplicate_partner_refused(env: RightsEnv) -> None:
    good = env.column(Tier.CORE)
    column = RightsColumn((good.partners[0], good.partners[0], good.partners[2]), good.rights_bps)
    with pytest.raises(ContractReverted) as exc:
        env.commit(Tier.CORE, column)
    reverted(exc, "TieredRightsPartnersNotAscending", index=1, partner=good.partners[0].lower())


def test_commit_non_partner_refused(env: RightsEnv) -> None:
    outsider = "0x" + "fe" * 20
    good = env.column(Tier.CORE)
    column = RightsColumn((*good.partners[:2], to_checksum_address(outsider)), good.rights_bps)
    with pytest.raises(ContractReverted) as exc:
        env.commit(Tier.CORE, column)
    reverted(exc, "TieredRightsNotPartner", projectId=env.project.id, account=outsider)


def test_commit_stale_snapshot_refused(env: RightsEnv) -> None:
    env.commit(Tier.CORE, snapshot_id=2)
    for snapshot_id in (1, 2):
        with pytest.raises(ContractReverted) as exc:
            env.commit(Tier.CORE, snapshot_id=snapshot_id)
        reverted(
            exc,
            "TieredRightsStaleSnapshot",
            projectId=env.project.id,
            tier=int(Tier.CORE),
            snapshotId=snapshot_id,
            last=2,
        )
    env.commit(Tier.APPLICATION, snapshot_id=1)  # ids are per tier


def test_commit_needs_quorum(env: RightsEnv) -> None:
    column = env.column(Tier.CORE)
    sigs = env.rights.sign_snapshot(
        [env.project.foreign_c], env.project.id, 1, Tier.CORE, column, ROOT, INPUTS
    )
    with pytest.raises(ContractReverted) as exc:
        env.rights.commit_snapshot(env.project.id, 1, Tier.CORE, column, ROOT, INPUTS, sigs)
    reverted(exc, "PartnerQuorumNotMet", signers=1, required=2)


def test_snapshot_signature_replayed_on_other_snapshot_id_refused(env: RightsEnv) -> None:
    column = env.column(Tier.CORE)
    pid = env.project.id
    sigs = env.rights.sign_snapshot(env.quorum, pid, 1, Tier.CORE, column, ROOT, INPUTS)
    env.rights.commit_snapshot(pid, 1, Tier.CORE, column, ROOT, INPUTS, sigs)

    with pytest.raises(ContractReverted) as exc:
        env.rights.commit_snapshot(pid, 2, Tier.CORE, column, ROOT, INPUTS, sigs)
    message = env.rights.snapshot_message(pid, 2, Tier.CORE, column, ROOT, INPUTS)
    reverted(
        exc,
        "PartnerQuorumNotPartner",
        index=0,
        signer=recovered(env.rights.domain, "Snapshot", SNAPSHOT, message, sigs[0]),
    )


def test_snapshot_signature_replayed_on_other_project_refused(
    env: RightsEnv, chain: Chain, build: Build, registry: ProjectRegistryGateway
) -> None:
    column = env.column(Tier.CORE)
    sigs = env.rights.sign_snapshot(env.quorum, env.project.id, 1, Tier.CORE, column, ROOT, INPUTS)
    other = make_env(chain, build, registry)  # same partners, next project id
    other_id = other.project.id
    assert other_id != env.project.id

    with pytest.raises(ContractReverted) as exc:
        env.rights.commit_snapshot(other_id, 1, Tier.CORE, column, ROOT, INPUTS, sigs)
    message = env.rights.snapshot_message(other_id, 1, Tier.CORE, column, ROOT, INPUTS)
    reverted(
        exc,
        "PartnerQuorumNotPartner",
        index=0,
        signer=recovered(env.rights.domain, "Snapshot", SNAPSHOT, message, sigs[0]),
    )


def _split(env: RightsEnv, nonce: int, bps: tuple[int, int, int]) -> NegotiatedSplit:
    column = env.column(Tier.DERIVATIVE)
    return NegotiatedSplit(nonce, column.partners, bps)


def test_set_negotiated_split_signed_by_all(env: RightsEnv) -> None:
    split = _split(env, 1, (3000, 3000, 4000))
    sigs = env.rights.sign_negotiated_split(env.project.partners, env.project.id, split)
    receipt = env.rights.set_negotiated_split(env.project.id, split, sigs)

    assert env.rights.negotiated_split(env.project.id) == split
    (event,) = env.chain.decode_events(env.rights.bound, "NegotiatedSplitSet", receipt)
    assert event["args"]["splitHash"] == split.split_hash()


def test_set_negotiated_split_needs_every_partner(env: RightsEnv) -> None:
    split = _split(env, 1, (3000, 3000, 4000))
    sigs = env.rights.sign_negotiated_split(env.quorum, env.project.id, split)
    with pytest.raises(ContractReverted) as exc:
        env.rights.set_negotiated_split(env.project.id, split, sigs)
    reverted(exc, "PartnerQuorumNotMet", signers=2, required=3)


def test_set_negotiated_split_nonce_must_increase(env: RightsEnv) -> None:
    split = _split(env, 3, (3000, 3000, 4000))
    sigs = env.rights.sign_negotiated_split(env.project.partners, env.project.id, split)
    env.rights.set_negotiated_split(env.project.id, split, sigs)
    with pytest.raises(ContractReverted) as exc:
        env.rights.set_negotiated_split(env.project.id, split, sigs)
    reverted(exc, "TieredRightsStaleSplit", projectId=env.project.id, nonce=3, last=3)


def test_set_negotiated_split_must_sum(env: RightsEnv) -> None:
    split = _split(env, 1, (3000, 3000, 3999))
    sigs = env.rights.sign_negotiated_split(env.project.partners, env.project.id, split)
    with pytest.raises(ContractReverted) as exc:
        env.rights.set_negotiated_split(env.project.id, split, sigs)
    reverted(exc, "TieredRightsBadSum", column="split", sum=9999)


def test_set_negotiated_split_unsorted_refused(env: RightsEnv) -> None:
    good = _split(env, 1, (3000, 3000, 4000))
    split = NegotiatedSplit(1, good.partners[::-1], good.bps)
    sigs = env.rights.sign_negotiated_split(env.project.partners, env.project.id, split)
    with pytest.raises(ContractReverted) as exc:
        env.rights.set_negotiated_split(env.project.id, split, sigs)
    reverted(exc, "TieredRightsPartnersNotAscending", index=1, partner=split.partners[1].lower())
