"""BackgroundEscrow: the background book; owner fixed; key released only on milestone or ruling."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_utils import keccak

from ledger.chain.background import BackgroundEscrowGateway, DepositState, DepositTerms
from ledger.chain.compiler import Build
from ledger.chain.gateway import Bound, Chain
from ledger.chain.registry import ProjectRegistryGateway
from ledger.errors import ContractReverted
from tests.contracts.conftest import Project, key

MILESTONE = 2


@pytest.fixture
def milestones(chain: Chain, build: Build) -> Bound:
    bound, _ = chain.deploy(build["MilestoneStatusStub"])
    return bound


@pytest.fixture
def escrow(
    chain: Chain, build: Build, registry: ProjectRegistryGateway, milestones: Bound
) -> BackgroundEscrowGateway:
    bound, _ = chain.deploy(build["BackgroundEscrow"], registry.address, milestones.address)
    return BackgroundEscrowGateway(chain, bound)


def terms_for(project: Project, **changes: object) -> DepositTerms:
    terms = DepositTerms(
        project_id=project.id,
        owner=project.foreign_a.address,
        document_hash=keccak(b"vision-algorithm-patent.pdf"),
        key_commitment=keccak(b"aes-256 key"),
        terms_hash=keccak(b"royalty-free for project use"),
        beneficiary=project.local_b.address,
        release_milestone=MILESTONE,
    )
    return replace(terms, **changes)  # type: ignore[arg-type]


def deposited(escrow: BackgroundEscrowGateway, project: Project) -> int:
    terms = terms_for(project)
    return escrow.deposit(terms, escrow.deposit_signature(project.foreign_a, terms))


def reverted(exc: pytest.ExceptionInfo[ContractReverted], error: str, **values: object) -> None:
    assert (exc.value.error, exc.value.values) == (error, values)


def test_deposit_records_owner_and_terms(
    chain: Chain, escrow: BackgroundEscrowGateway, project: Project
) -> None:
    deposit_id = deposited(escrow, project)
    item = escrow.get(deposit_id)
    assert deposit_id == 1
    assert item.owner == project.foreign_a.address
    assert item.state == DepositState.DEPOSITED
    assert item.document_hash == keccak(b"vision-algorithm-patent.pdf")
    events = chain.events(escrow.bound, "BackgroundDeposited")
    assert [e["args"]["owner"] for e in events] == [project.foreign_a.address]


def test_release_on_milestone_names_the_beneficiary(
    chain: Chain, escrow: BackgroundEscrowGateway, project: Project, milestones: Bound
) -> None:
    deposit_id = deposited(escrow, project)
    with pytest.raises(ContractReverted) as exc:
        escrow.release_on_milestone(deposit_id)
    reverted(
        exc, "BackgroundEscrowMilestoneNotReleased", projectId=project.id, milestoneId=MILESTONE
    )

    chain.transact(milestones, "markReleased", project.id, MILESTONE)
    receipt = escrow.release_on_milestone(deposit_id)
    (event,) = chain.decode_events(escrow.bound, "BackgroundReleased", receipt)
    assert event["args"]["recipient"] == project.local_b.address
    assert event["args"]["keyCommitment"] == keccak(b"aes-256 key")
    item = escrow.get(deposit_id)
    assert item.state == DepositState.RELEASED
    assert item.owner == project.foreign_a.address  # ownership never moves
    with pytest.raises(ContractReverted) as exc:
        escrow.release_on_milestone(deposit_id)
    reverted(exc, "BackgroundEscrowWrongState", depositId=deposit_id, state=DepositState.RELEASED)


def test_release_by_arbiter_ruling(
    chain: Chain, escrow: BackgroundEscrowGateway, project: Project
) -> None:
    deposit_id = deposited(escrow, project)
    recipient = project.foreign_c.address
    signature = escrow.ruling_signature(project.arbiter, deposit_id, recipient)
    receipt = escrow.release_by_ruling(deposit_id, recipient, signature)
    (event,) = chain.decode_events(escrow.bound, "BackgroundReleased", receipt)
    assert event["args"]["arbiter"] == project.arbiter.address
    assert escrow.get(deposit_id).released_to == recipient


def test_release_by_ruling_needs_an_arbiter(
    escrow: BackgroundEscrowGateway, project: Project
) -> None:
    deposit_id = deposited(escrow, project)
    signature = escrow.ruling_signature(project.local_b, deposit_id, project.local_b.address)
    with pytest.raises(ContractReverted) as exc:
        escrow.release_by_ruling(deposit_id, project.local_b.address, signature)
    reverted(exc, "PartnerQuorumNotArbiter", signer=project.local_b.address.lower())


def test_ruling_signature_is_bound_to_recipient(
    escrow: BackgroundEscrowGateway, project: Project
) -> None:
    deposit_id = deposited(escrow, project)
    signature = escrow.ruling_signature(project.arbiter, deposit_id, project.local_b.address)
    with pytest.raises(ContractReverted) as exc:
        escrow.release_by_ruling(deposit_id, project.foreign_c.address, signature)
    assert exc.value.error == "PartnerQuorumNotArbiter"


def test_release_to_zero_address_is_refused(
    escrow: BackgroundEscrowGateway, project: Project
) -> None:
    deposit_id = deposited(escrow, project)
    zero = "0x" + "00" * 20
    signature = escrow.ruling_signature(project.arbiter, deposit_id, zero)
    with pytest.raises(ContractReverted) as exc:
        escrow.release_by_ruling(deposit_id, zero, signature)
    reverted(exc, "BackgroundEscrowZeroRecipient", depositId=deposit_id)


def test_withdraw_only_after_termination_and_by_owner_signature(
    chain: Chain,
    escrow: BackgroundEscrowGateway,
    registry: ProjectRegistryGateway,
    project: Project,
) -> None:
    deposit_id = deposited(escrow, project)
    signature = escrow.withdrawal_signature(project.foreign_a, deposit_id)
    with pytest.raises(ContractReverted) as exc:
        escrow.withdraw(deposit_id, signature)
    reverted(exc, "BackgroundEscrowProjectActive", projectId=project.id)

    registry.terminate(project.id, keccak(b"ended"), [project.foreign_a, project.local_b])
    stranger = escrow.withdrawal_signature(project.local_b, deposit_id)
    with pytest.raises(ContractReverted) as exc:
        escrow.withdraw(deposit_id, stranger)
    reverted(exc, "BackgroundEscrowBadSignature", owner=project.foreign_a.address.lower())

    receipt = escrow.withdraw(deposit_id, signature)
    (event,) = chain.decode_events(escrow.bound, "BackgroundWithdrawn", receipt)
    assert event["args"]["owner"] == project.foreign_a.address
    assert escrow.get(deposit_id).state == DepositState.WITHDRAWN


def test_deposit_needs_a_partner_owner(escrow: BackgroundEscrowGateway, project: Project) -> None:
    outsider = key("outsider")
    terms = terms_for(project, owner=outsider.address)
    with pytest.raises(ContractReverted) as exc:
        escrow.deposit(terms, escrow.deposit_signature(outsider, terms))
    reverted(
        exc, "BackgroundEscrowNotPartner", projectId=project.id, account=outsider.address.lower()
    )


def test_deposit_needs_the_owners_signature(
    chain: Chain, escrow: BackgroundEscrowGateway, project: Project
) -> None:
    terms = terms_for(project)
    with pytest.raises(ContractReverted) as exc:
        escrow.deposit(terms, escrow.deposit_signature(chain.operator, terms))
    reverted(exc, "BackgroundEscrowBadSignature", owner=project.foreign_a.address.lower())


@pytest.mark.parametrize(
    "change",
    [
        {"document_hash": bytes(32)},
        {"key_commitment": bytes(32)},
        {"beneficiary": "0x" + "00" * 20},
    ],
)
def test_deposit_rejects_incomplete_terms(
    escrow: BackgroundEscrowGateway, project: Project, change: dict[str, object]
) -> None:
    terms = terms_for(project, **change)
    with pytest.raises(ContractReverted) as exc:
        escrow.deposit(terms, escrow.deposit_signature(project.foreign_a, terms))
    reverted(exc, "BackgroundEscrowInvalidDeposit")


def test_same_document_cannot_be_deposited_twice(
    escrow: BackgroundEscrowGateway, project: Project
) -> None:
    deposited(escrow, project)
    terms = terms_for(project)
    with pytest.raises(ContractReverted) as exc:  # also: a replayed deposit signature
        escrow.deposit(terms, escrow.deposit_signature(project.foreign_a, terms))
    reverted(
        exc,
        "BackgroundEscrowDuplicate",
        projectId=project.id,
        documentHash=terms.document_hash,
    )


def test_unknown_deposit(escrow: BackgroundEscrowGateway) -> None:
    with pytest.raises(ContractReverted) as exc:
        escrow.release_on_milestone(42)
    reverted(exc, "BackgroundEscrowUnknownDeposit", depositId=42)
