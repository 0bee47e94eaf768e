"""ProjectRegistry: agreements checked at creation, partners join by their own signature."""

from __future__ import annotations

import dataclasses

import pytest
from eth_utils import keccak

from ledger.chain.eip712 import sign, sign_by_all
from ledger.chain.gateway import Chain
from ledger.chain.registry import (
    JOIN,
    TERMINATE,
    UNBOUNDED,
    Bracket,
    Outcome,
    ProjectRegistryGateway,
    Side,
)
from ledger.errors import ContractReverted
from tests.contracts.conftest import Project, key, setup_for

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def reverted(exc: pytest.ExceptionInfo[ContractReverted], error: str, **values: object) -> None:
    assert exc.value.error == error
    assert exc.value.values == values


def test_create_project_stores_agreement(chain: Chain, registry: ProjectRegistryGateway) -> None:
    setup = setup_for(chain, quorum=2)
    project_id = registry.create_project(setup)

    assert project_id == 1
    stored = registry.agreement(project_id)
    assert stored[0] == setup.terms.agreement_hash
    assert stored[1] == chain.operator.address
    assert stored[6] == 2  # quorum
    assert registry.partner_count(project_id) == 0
    assert chain.call(registry.bound, "territoryAllowed", project_id, b"DE")
    assert not chain.call(registry.bound, "territoryAllowed", project_id, b"US")
    assert chain.call(registry.bound, "industryAllowed", project_id, b"C26\0")
    brackets = chain.call(registry.bound, "bracketsOf", project_id)
    assert [tuple(b) for b in brackets][-1] == (UNBOUNDED, 6000)
    assert chain.call(registry.bound, "isArbiter", project_id, key("arbiter").address)


def test_create_project_emits_events(chain: Chain, registry: ProjectRegistryGateway) -> None:
    receipt = chain.transact(
        registry.bound,
        "createProject",
        setup_for(chain).terms.as_tuple(),
        [key("arbiter").address],
        [],
        [],
        [(UNBOUNDED, 6500)],
    )
    (created,) = chain.decode_events(registry.bound, "ProjectCreated", receipt)
    (named,) = chain.decode_events(registry.bound, "ArbiterNamed", receipt)
    assert created["args"]["projectId"] == 1
    assert named["args"]["arbiter"] == key("arbiter").address


def test_only_operator_creates_projects(chain: Chain, registry: ProjectRegistryGateway) -> None:
    with pytest.raises(ContractReverted) as exc:
        registry.create_project(setup_for(chain), sender=chain.accounts[1])
    reverted(exc, "OwnableUnauthorizedAccount", account=chain.accounts[1].address.lower())


@pytest.mark.parametrize(
    ("terms", "field", "value"),
    [
        ({"ledger_signer": "0x" + "00" * 20}, "ledgerSigner", 0),
        ({"core_hi": 10_001}, "coreHi", 10_001),
        ({"core_lo": 7001, "core_hi": 7000}, "coreLo", 7001),
        ({"derivative_lead": 10_001}, "derivativeLead", 10_001),
        ({"quorum": 0}, "quorum", 0),
        ({"arbiter_fee_cap_bps": 20_000}, "arbiterFeeCapBps", 20_000),
        ({"lapse_outcome": Outcome.REPLACE}, "lapseOutcome", 3),
    ],
)
def test_create_project_rejects_bad_agreement(
    chain: Chain, registry: ProjectRegistryGateway, terms: dict[str, object], field: str, value: int
) -> None:
    setup = setup_for(chain)
    setup = dataclasses.replace(setup, terms=dataclasses.replace(setup.terms, **terms))  # type: ignore[arg-type]
    with pytest.raises(ContractReverted) as exc:
        registry.create_project(setup)
    reverted(exc, "ProjectRegistryInvalidAgreement", field=field, value=value)


def test_arbiter_approval_needs_an_arbiter(chain: Chain, registry: ProjectRegistryGateway) -> None:
    setup = setup_for(chain, arbiter_approval=True)
    with pytest.raises(ContractReverted) as exc:
        registry.create_project(dataclasses.replace(setup, arbiters=[]))
    reverted(exc, "ProjectRegistryInvalidAgreement", field="arbiters", value=0)


@pytest.mark.parametrize(
    ("brackets", "index"),
    [
        ([], 0),
        ([Bracket(100, 10_001), Bracket(UNBOUNDED, 6000)], 0),
        ([Bracket(100, 7000), Bracket(100, 6000), Bracket(UNBOUNDED, 6000)], 1),
        ([Bracket(100, 7000), Bracket(200, 6000)], 1),
    ],
)
def test_create_project_rejects_bad_brackets(
    chain: Chain, registry: ProjectRegistryGateway, brackets: list[Bracket], index: int
) -> None:
    with pytest.raises(ContractReverted) as exc:
        registry.create_project(dataclasses.replace(setup_for(chain), brackets=brackets))
    reverted(exc, "ProjectRegistryInvalidBrackets", index=index)


def test_partners_join_with_ids_in_order(
    chain: Chain, registry: ProjectRegistryGateway, project: Project
) -> None:
    assert registry.partner_count(project.id) == 3
    assert registry.partner(project.id, project.foreign_a.address) == (1, Side.FOREIGN)
    assert registry.partner(project.id, project.local_b.address) == (2, Side.LOCAL)
    assert registry.partner(project.id, project.foreign_c.address) == (3, Side.FOREIGN)
    assert registry.partner(project.id, key("stranger").address) == (0, 0)


def test_join_emits_event(chain: Chain, registry: ProjectRegistryGateway, project: Project) -> None:
    newcomer = key("newcomer")
    signature = registry.join_signature(project.id, newcomer, Side.LOCAL)
    receipt = registry.join(project.id, newcomer.address, Side.LOCAL, signature)
    (event,) = chain.decode_events(registry.bound, "PartnerJoined", receipt)
    assert event["args"]["partner"] == newcomer.address
    assert event["args"]["partnerId"] == 4
    assert event["args"]["side"] == Side.LOCAL


def test_operator_cannot_join_someone_without_signature(
    chain: Chain, registry: ProjectRegistryGateway, project: Project
) -> None:
    victim = key("victim")
    message = {
        "projectId": project.id,
        "partner": victim.address,
        "side": Side.FOREIGN,
        "agreementHash": registry.agreement(project.id)[0],
    }
    # the operator signs the victim's join message itself
    forged = sign(chain.operator, registry.domain, "Join", JOIN, message)
    with pytest.raises(ContractReverted) as exc:
        registry.join(project.id, victim.address, Side.FOREIGN, forged)
    reverted(
        exc,
        "PartnerQuorumWrongSigner",
        expected=victim.address.lower(),
        recovered=chain.operator.address.lower(),
    )


def test_join_signature_is_bound_to_side(
    registry: ProjectRegistryGateway, project: Project
) -> None:
    newcomer = key("newcomer")
    signature = registry.join_signature(project.id, newcomer, Side.LOCAL)
    with pytest.raises(ContractReverted) as exc:
        registry.join(project.id, newcomer.address, Side.FOREIGN, signature)
    assert exc.value.error == "PartnerQuorumWrongSigner"


def test_join_signature_cannot_be_replayed_on_another_project(
    chain: Chain, registry: ProjectRegistryGateway, project: Project
) -> None:
    other = registry.create_project(setup_for(chain))
    signature = registry.join_signature(project.id, key("newcomer"), Side.LOCAL)
    with pytest.raises(ContractReverted) as exc:
        registry.join(other, key("newcomer").address, Side.LOCAL, signature)
    assert exc.value.error == "PartnerQuorumWrongSigner"


def test_join_twice_reverts(registry: ProjectRegistryGateway, project: Project) -> None:
    signature = registry.join_signature(project.id, project.foreign_a, Side.FOREIGN)
    with pytest.raises(ContractReverted) as exc:
        registry.join(project.id, project.foreign_a.address, Side.FOREIGN, signature)
    reverted(
        exc,
        "ProjectRegistryAlreadyPartner",
        projectId=project.id,
        partner=project.foreign_a.address.lower(),
    )


def test_join_with_side_none_reverts(registry: ProjectRegistryGateway, project: Project) -> None:
    with pytest.raises(ContractReverted) as exc:
        registry.join(project.id, key("n").address, 0, b"\0" * 65)  # type: ignore[arg-type]
    reverted(exc, "ProjectRegistryInvalidSide", side=0)


def test_join_unknown_project_reverts(registry: ProjectRegistryGateway) -> None:
    with pytest.raises(ContractReverted) as exc:
        registry.join(7, key("n").address, Side.LOCAL, b"\0" * 65)
    reverted(exc, "ProjectRegistryUnknownProject", projectId=7)


def test_join_with_garbage_signature_reverts(
    registry: ProjectRegistryGateway, project: Project
) -> None:
    with pytest.raises(ContractReverted) as exc:
        registry.join(project.id, key("n").address, Side.LOCAL, b"\x01" * 65)
    reverted(exc, "PartnerQuorumInvalidSignature", index=0)


def test_join_with_malleable_signature_reverts(
    registry: ProjectRegistryGateway, project: Project
) -> None:
    newcomer = key("newcomer")
    good = registry.join_signature(project.id, newcomer, Side.LOCAL)
    r, s, v = good[:32], int.from_bytes(good[32:64], "big"), good[64]
    flipped = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])  # 27 <-> 28
    with pytest.raises(ContractReverted) as exc:
        registry.join(project.id, newcomer.address, Side.LOCAL, flipped)
    reverted(exc, "PartnerQuorumInvalidSignature", index=0)


def test_terminate_with_quorum(
    chain: Chain, registry: ProjectRegistryGateway, project: Project
) -> None:
    reason = keccak(b"consortium dissolved")
    receipt = registry.terminate(project.id, reason, [project.foreign_a, project.local_b])

    (event,) = chain.decode_events(registry.bound, "ProjectTerminated", receipt)
    assert event["args"]["reason"] == reason
    assert registry.is_terminated(project.id)
    with pytest.raises(ContractReverted) as exc:
        registry.terminate(project.id, reason, [project.foreign_a, project.local_b])
    reverted(exc, "ProjectRegistryTerminated", projectId=project.id)


def test_terminate_below_quorum_reverts(registry: ProjectRegistryGateway, project: Project) -> None:
    with pytest.raises(ContractReverted) as exc:
        registry.terminate(project.id, b"\x01" * 32, [project.foreign_a])
    reverted(exc, "PartnerQuorumNotMet", signers=1, required=2)
    assert not registry.is_terminated(project.id)


def test_operator_alone_cannot_terminate(
    chain: Chain, registry: ProjectRegistryGateway, project: Project
) -> None:
    with pytest.raises(ContractReverted) as exc:
        registry.terminate(project.id, b"\x01" * 32, [chain.operator, project.foreign_a])
    assert exc.value.error == "PartnerQuorumNotPartner"
    assert exc.value.values["signer"] == chain.operator.address.lower()


def test_quorum_rejects_duplicate_signer(
    chain: Chain, registry: ProjectRegistryGateway, project: Project
) -> None:
    message = {"projectId": project.id, "reason": b"\x01" * 32}
    one = sign(project.foreign_a, registry.domain, "Terminate", TERMINATE, message)
    with pytest.raises(ContractReverted) as exc:
        chain.transact(registry.bound, "terminate", project.id, b"\x01" * 32, [one, one])
    reverted(
        exc, "PartnerQuorumSignersNotAscending", index=1, signer=project.foreign_a.address.lower()
    )


def test_quorum_signatures_are_bound_to_the_contract(
    chain: Chain, registry: ProjectRegistryGateway, project: Project, build
) -> None:
    # signatures made for another deployment of the same contract do not count here
    other, _ = chain.deploy(build["ProjectRegistry"], chain.operator.address)
    other_domain = ProjectRegistryGateway(chain, other).domain
    message = {"projectId": project.id, "reason": b"\x01" * 32}
    signatures = sign_by_all(
        [project.foreign_a, project.local_b], other_domain, "Terminate", TERMINATE, message
    )
    with pytest.raises(ContractReverted) as exc:
        chain.transact(registry.bound, "terminate", project.id, b"\x01" * 32, signatures)
    assert exc.value.error in ("PartnerQuorumNotPartner", "PartnerQuorumSignersNotAscending")


def test_verify_arbiter(chain: Chain, registry: ProjectRegistryGateway, project: Project) -> None:
    digest = keccak(b"any digest")
    good = project.arbiter.unsafe_sign_hash(digest).signature
    assert (
        chain.call(registry.bound, "verifyArbiter", project.id, digest, good)
        == project.arbiter.address
    )
    bad = project.foreign_a.unsafe_sign_hash(digest).signature
    with pytest.raises(ContractReverted) as exc:
        chain.call(registry.bound, "verifyArbiter", project.id, digest, bad)
    reverted(exc, "PartnerQuorumNotArbiter", signer=project.foreign_a.address.lower())


def test_verify_all_partners(
    chain: Chain, registry: ProjectRegistryGateway, project: Project
) -> None:
    digest = keccak(b"settlement")
    ordered = sorted(project.partners, key=lambda a: int(a.address, 16))
    signatures = [a.unsafe_sign_hash(digest).signature for a in ordered]
    chain.call(registry.bound, "verifyAllPartners", project.id, digest, signatures)
    with pytest.raises(ContractReverted) as exc:
        chain.call(registry.bound, "verifyAllPartners", project.id, digest, signatures[:2])
    reverted(exc, "PartnerQuorumNotMet", signers=2, required=3)
