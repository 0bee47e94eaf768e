"""Registering a contribution (idempotent, signed by its partner) and countersigning one."""

from __future__ import annotations

from typing import NamedTuple

from sqlmodel import Session, select

from ledger.context import Ledger
from ledger.contributions._common import acting_on, chain_id_of, domain_of
from ledger.contributions._fields import (
    Body,
    check_address,
    check_signature,
    microseconds,
    stored_signature,
)
from ledger.db import Attestation, Contribution, ForegroundAsset, Partner, Project
from ledger.errors import Conflict, RuleViolation
from ledger.projects import partner_by_address
from ledger.recording import lock_project, record
from ledger.signatures import (
    attestation_message,
    contribution_message,
    require_signer,
)


class Registered(NamedTuple):
    """The stored contribution, and whether this call stored it (False for a retry)."""

    contribution: Contribution
    created: bool


def register(
    session: Session,
    ledger: Ledger,
    *,
    project_id: int,
    partner: str,
    tier: str,
    kind: str,
    value: int,
    evidence_hash: str,
    idempotency_key: str,
    signature: str,
    asset_id: int | None = None,
) -> Registered:
    """Register a partner's contribution, signed by the partner (EIP-712 ``Contribution``).

    A retry with the partner's same idempotency key and the same signed fields returns the
    stored contribution and stores nothing; the same key over other fields is a conflict.

    Args:
        session: The transaction (the caller commits).
        ledger: The collaborators (clock, chain id and registry address of the domain).
        project_id: The ledger's id of the project.
        partner: The contributing partner's signing address.
        tier: ``core``, ``application`` or ``derivative``.
        kind: A kind of the valuation schedule (:class:`ledger.equity.Kind`).
        value: The declared value, an integer in ``[1, 2**256)``.
        evidence_hash: sha256 of the evidence, 64 hex digits (``0x`` optional).
        idempotency_key: The client's key, 1 to 128 printable ASCII characters.
        signature: The partner's 65-byte signature, hex.
        asset_id: The foreground asset it builds, of the same project and tier.

    Raises:
        RuleViolation: naming the first invalid field.
        NotFound: for an unknown project, or a partner address that has not joined it.
        Unauthorized: unless the partner signed exactly these fields.
        Conflict: for an idempotency key the partner used on another contribution.
    """
    body = Body.parse(
        partner=partner,
        tier=tier,
        kind=kind,
        value=value,
        evidence_hash=evidence_hash,
        asset_id=asset_id,
        idempotency_key=idempotency_key,
    )
    check_signature(signature)
    project = lock_project(session, project_id)
    member = partner_by_address(session, project_id, body.partner)
    if body.asset_id is not None:
        _check_asset(session, project_id, body)
    chain_project_id = chain_id_of(project)
    message = contribution_message(
        project_id=chain_project_id,
        partner=body.partner,
        tier=body.tier,
        kind=body.kind,
        value=body.value,
        evidence_hash=body.evidence_hash,
        asset_id=body.asset_id,
        idempotency_key=body.idempotency_key,
    )
    require_signer(domain_of(ledger), "Contribution", message, signature, body.partner)
    body_hash = body.hash(chain_project_id)
    stored = session.exec(
        select(Contribution)
        .where(Contribution.partner_id == member.id)
        .where(Contribution.idempotency_key == body.idempotency_key)
    ).first()
    if stored is not None:
        if stored.body_hash == body_hash:
            return Registered(stored, False)
        raise Conflict(
            f"idempotency key {body.idempotency_key!r} was used for contribution {stored.id} "
            "with other fields",
            field="idempotency_key",
            contribution_id=stored.id,
        )
    return Registered(_store(session, ledger, project, member, body, body_hash, signature), True)


def _store(
    session: Session,
    ledger: Ledger,
    project: Project,
    member: Partner,
    body: Body,
    body_hash: str,
    signature: str,
) -> Contribution:
    assert project.id is not None and member.id is not None
    moment = ledger.clock()
    row = Contribution(
        project_id=project.id,
        partner_id=member.id,
        partner_number=member.number,
        tier=body.tier,
        kind=body.kind,
        value=body.value,
        evidence_hash=body.evidence_hash,
        asset_id=body.asset_id,
        idempotency_key=body.idempotency_key,
        body_hash=body_hash,
        signature=stored_signature(signature),
        recorded_us=microseconds(moment),
        recorded_at=moment,
        journal_seq=0,  # set below, in this transaction, once the entry has its number
    )
    session.add(row)
    session.flush()
    entry = record(
        session,
        ledger,
        project,
        "contribution.registered",
        {
            "asset_id": body.asset_id,
            "body_hash": body_hash,
            "contribution_id": row.id,
            "evidence_hash": body.evidence_hash,
            "idempotency_key": body.idempotency_key,
            "kind": body.kind,
            "partner": body.partner,
            "partner_number": member.number,
            "recorded_us": row.recorded_us,
            "tier": body.tier,
            "value": str(body.value),
        },
        actor=f"partner:{body.partner}",
        signature=row.signature,
    )
    row.journal_seq = entry.seq
    session.add(row)
    session.flush()
    return row


def attest(
    session: Session, ledger: Ledger, *, contribution_id: int, attester: str, signature: str
) -> Attestation:
    """Countersign a contribution as another partner of its project or as one of its arbiters.

    The attester signs the EIP-712 ``Attestation`` over the contribution's id and body hash.

    Raises:
        RuleViolation: for a bad address, the contributor itself, or a rejected contribution.
        NotFound: for an unknown contribution.
        Unauthorized: for an address that is neither a partner nor an arbiter of the project,
            or a signature that is not the attester's.
        Conflict: if the attester already countersigned it.
    """
    who = check_address(attester, "attester")
    check_signature(signature)
    row, project, role = acting_on(session, contribution_id, who, field="attester", act="attest")
    message = attestation_message(
        project_id=chain_id_of(project), contribution_id=contribution_id, body_hash=row.body_hash
    )
    require_signer(domain_of(ledger), "Attestation", message, signature, who)
    earlier = session.exec(
        select(Attestation)
        .where(Attestation.contribution_id == contribution_id)
        .where(Attestation.attester == who)
    ).first()
    if earlier is not None:
        raise Conflict(
            f"{who} already attested contribution {contribution_id}",
            field="attester",
            attestation_id=earlier.id,
        )
    attestation = Attestation(
        contribution_id=contribution_id,
        attester=who,
        role=role,
        signature=stored_signature(signature),
        recorded_at=ledger.clock(),
    )
    session.add(attestation)
    session.flush()
    record(
        session,
        ledger,
        project,
        "contribution.attested",
        {
            "attestation_id": attestation.id,
            "attester": who,
            "body_hash": row.body_hash,
            "contribution_id": contribution_id,
            "role": role,
        },
        actor=f"{role}:{who}",
        signature=attestation.signature,
    )
    return attestation


def _check_asset(session: Session, project_id: int, body: Body) -> None:
    asset = session.get(ForegroundAsset, body.asset_id)
    if asset is None or asset.project_id != project_id:
        raise RuleViolation(
            f"project {project_id} has no foreground asset {body.asset_id}", field="asset_id"
        )
    if asset.tier != body.tier:
        raise RuleViolation(
            f"asset {body.asset_id} is of the {asset.tier} tier, the contribution of {body.tier}",
            field="asset_id",
            asset_tier=asset.tier,
        )
