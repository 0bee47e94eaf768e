"""Projects, their agreements (versioned) and their partners.

- :func:`create_project` validates the agreement completely, stores version 1, and
  creates the project on chain with the terms the contracts enforce (band, lead, quorum,
  windows, territories, industries, brackets, arbiters); the ledger's operator account is
  the project's ledger signer.
- :func:`join` makes a party named in the agreement a partner, with its own EIP-712
  signature over the agreement hash (verified by the registry on chain). Partners are
  numbered 1, 2, … in the order they join; the number is their id in the equity engine
  and the registry's partner id, which the contracts use to break rounding ties.
- :func:`amend` adds a version signed by every partner; only :data:`AMENDABLE` terms change.
"""

from __future__ import annotations

import json

from eth_utils import to_checksum_address
from sqlmodel import Session, col, select

from ledger.agreements import (
    AMENDABLE,
    AgreementSpec,
    parse_agreement,
)
from ledger.agreements import (
    amend as amended_spec,
)
from ledger.chain.registry import (
    JOIN,
    AgreementTerms,
    Outcome,
    ProjectSetup,
)
from ledger.chain.registry import (
    Bracket as ChainBracket,
)
from ledger.chain.registry import (
    Side as ChainSide,
)
from ledger.context import Ledger
from ledger.db import AgreementVersion, Partner, Project
from ledger.equity import UNBOUNDED, Side
from ledger.errors import ChainStateError, Conflict, NotFound, RuleViolation, Unauthorized
from ledger.recording import lock_project, record
from ledger.signatures import ledger_domain, recover, require_signer

__all__ = [
    "AMENDABLE",
    "agreement_of",
    "amend",
    "amendment_message",
    "chain_setup",
    "chain_side",
    "create_project",
    "get_project",
    "join",
    "partner_by_address",
    "partners_of",
]


def chain_side(side: Side | str) -> ChainSide:
    return ChainSide.FOREIGN if Side(side) is Side.FOREIGN else ChainSide.LOCAL


def chain_setup(spec: AgreementSpec, *, ledger_signer: str) -> ProjectSetup:
    """The terms of ``spec`` that the contracts enforce."""
    deadlines = spec.deadlines
    terms = AgreementTerms(
        agreement_hash=bytes.fromhex(spec.document_hash()),
        ledger_signer=ledger_signer,
        token=spec.token,
        core_lo=spec.tiers.core.band.lo,
        core_hi=spec.tiers.core.band.hi,
        derivative_lead=spec.tiers.derivative.lead,
        quorum=spec.quorum.partners,
        arbiter_approval=spec.quorum.arbiter,
        dispute_window=deadlines.dispute_window,
        arbitration_period=deadlines.arbitration_period,
        claim_window=deadlines.claim_window,
        arbiter_fee_cap_bps=spec.arbiter_fee_cap_bps,
        lapse_outcome=Outcome.UPHOLD if deadlines.lapse_outcome == "uphold" else Outcome.REJECT,
    )
    return ProjectSetup(
        terms=terms,
        arbiters=[a.address for a in spec.arbiters],
        territories=list(spec.tiers.core.territories),
        industries=list(spec.tiers.application.industries),
        brackets=[
            ChainBracket(UNBOUNDED if b.cap is None else b.cap, b.foreign_bps)
            for b in spec.tiers.core.brackets
        ],
    )


def create_project(
    session: Session, ledger: Ledger, *, agreement: object, actor: str = "admin"
) -> Project:
    """Create a project with its agreement, in the ledger and on chain.

    Args:
        session: The transaction (nothing is stored if the chain refuses).
        ledger: The collaborators.
        agreement: The agreement document (a mapping or an :class:`AgreementSpec`).
        actor: Who creates it, for the record.

    Raises:
        RuleViolation: naming the first invalid field of the agreement.
        ContractReverted: if the registry refuses the terms.
    """
    spec = parse_agreement(agreement)  # type: ignore[arg-type]
    digest = spec.document_hash()
    project = Project(
        name=spec.title,
        host_jurisdiction=spec.host_jurisdiction,
        token=spec.token,
        agreement_hash=digest,
    )
    session.add(project)
    session.flush()
    assert project.id is not None
    session.add(
        AgreementVersion(
            project_id=project.id,
            version=1,
            document=spec.canonical(),
            document_hash=digest,
            reason="created",
        )
    )
    setup = chain_setup(spec, ledger_signer=ledger.operator.address)
    project.chain_project_id = ledger.registry.create_project(setup)
    session.add(project)
    record(
        session,
        ledger,
        project,
        "project.created",
        {
            "agreement_hash": digest,
            "agreement_version": 1,
            "chain_project_id": project.chain_project_id,
            "registry": ledger.registry.address,
            "title": spec.title,
        },
        actor=actor,
    )
    return project


def get_project(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"no project {project_id}", project_id=project_id)
    return project


def agreement_of(session: Session, project_id: int, version: int | None = None) -> AgreementSpec:
    """A version of the project's agreement (the current one by default)."""
    row = _version_row(session, project_id, version)
    return parse_agreement(json.loads(row.document))


def versions_of(session: Session, project_id: int) -> list[AgreementVersion]:
    get_project(session, project_id)
    return list(
        session.exec(
            select(AgreementVersion)
            .where(AgreementVersion.project_id == project_id)
            .order_by(col(AgreementVersion.version))
        ).all()
    )


def partners_of(session: Session, project_id: int) -> list[Partner]:
    """The project's partners by number."""
    return list(
        session.exec(
            select(Partner).where(Partner.project_id == project_id).order_by(col(Partner.number))
        ).all()
    )


def partner_by_address(session: Session, project_id: int, address: str) -> Partner:
    """The partner with that signing address.

    Raises:
        NotFound: if the address is not a partner of the project.
    """
    wanted = _checksum(address, "address")
    partner = session.exec(
        select(Partner).where(Partner.project_id == project_id).where(Partner.address == wanted)
    ).first()
    if partner is None:
        raise NotFound(
            f"{wanted} is not a partner of project {project_id}",
            project_id=project_id,
            address=wanted,
        )
    return partner


def join(
    session: Session,
    ledger: Ledger,
    *,
    project_id: int,
    address: str,
    signature: str,
    payout_address: str | None = None,
) -> Partner:
    """A party of the agreement joins with its EIP-712 ``Join`` signature (registry's domain).

    Raises:
        NotFound: for an unknown project.
        RuleViolation: if the address is not a party of the current agreement.
        Conflict: if it already joined.
        ContractReverted: if the registry refuses the signature.
    """
    project = lock_project(session, project_id)
    spec = agreement_of(session, project_id)
    wanted = _checksum(address, "address")
    party = spec.party(wanted)
    if party is None:
        raise RuleViolation(
            f"{wanted} is not a party of the agreement", field="address", address=wanted
        )
    existing = session.exec(
        select(Partner).where(Partner.project_id == project_id).where(Partner.address == wanted)
    ).first()
    if existing is not None:
        raise Conflict(f"{wanted} already joined as partner {existing.number}", field="address")
    side = spec.side_of(party.jurisdiction)
    number = len(partners_of(session, project_id)) + 1
    raw = _signature_bytes(signature)
    assert project.chain_project_id is not None
    join_message = {
        "projectId": project.chain_project_id,
        "partner": wanted,
        "side": int(chain_side(side)),
        "agreementHash": bytes.fromhex(project.agreement_hash),
    }
    require_signer(ledger.registry.domain, "Join", join_message, signature, wanted, JOIN)
    receipt = ledger.registry.join(project.chain_project_id, wanted, chain_side(side), raw)
    on_chain, _ = ledger.registry.partner(project.chain_project_id, wanted)
    if on_chain != number:
        raise ChainStateError(
            f"the registry numbered {wanted} {on_chain}, the ledger expected {number}: "
            "a partner joined on chain without the ledger",
            address=wanted,
            chain_number=on_chain,
            ledger_number=number,
        )
    partner = Partner(
        project_id=project_id,
        number=number,
        name=party.name,
        kind=party.kind,
        jurisdiction=party.jurisdiction,
        side=side.value,
        address=wanted,
        payout_address=_checksum(payout_address or party.payout_address or wanted, "payout"),
        joined_tx=receipt.tx_hash,
    )
    session.add(partner)
    session.flush()
    record(
        session,
        ledger,
        project,
        "partner.joined",
        {
            "address": wanted,
            "jurisdiction": party.jurisdiction,
            "kind": party.kind,
            "name": party.name,
            "number": number,
            "side": side.value,
            "tx": receipt.tx_hash,
        },
        actor=f"partner:{wanted}",
        signature=signature,
    )
    return partner


def amendment_message(project: Project, version: int, spec: AgreementSpec) -> dict[str, object]:
    """What every partner signs to adopt ``spec`` as ``version`` (ledger domain)."""
    return {
        "projectId": project.chain_project_id,
        "version": version,
        "documentHash": bytes.fromhex(spec.document_hash()),
    }


def amend(
    session: Session,
    ledger: Ledger,
    *,
    project_id: int,
    changes: dict[str, object],
    reason: str,
    signatures: list[str],
) -> AgreementVersion:
    """Adopt a new version of the agreement, signed by every partner.

    The old versions stay; snapshots say which version they used.

    Raises:
        RuleViolation: for a term fixed on chain, an invalid result, or no reason.
        Unauthorized: unless every partner signed the new version, and only partners.
    """
    if not reason.strip():
        raise RuleViolation("an amendment needs a reason", field="reason")
    project = lock_project(session, project_id)
    current = agreement_of(session, project_id)
    spec = amended_spec(current, changes)
    version = project.agreement_version + 1
    message = amendment_message(project, version, spec)
    domain = ledger_domain(ledger.chain.chain_id, ledger.registry.address)
    partners = {p.address for p in partners_of(session, project_id)}
    signed = {recover(domain, "Amendment", message, s) for s in signatures}
    strangers = sorted(signed - partners)
    if strangers:
        raise Unauthorized(
            f"{strangers[0]} signed the amendment but is not a partner", field="signatures"
        )
    missing = sorted(partners - signed)
    if missing:
        raise Unauthorized(
            f"every partner must sign the amendment; missing {', '.join(missing)}",
            field="signatures",
            missing=missing,
        )
    row = AgreementVersion(
        project_id=project_id,
        version=version,
        document=spec.canonical(),
        document_hash=spec.document_hash(),
        reason=reason,
        signatures=json.dumps(sorted(signatures)),
    )
    session.add(row)
    project.agreement_version = version
    session.add(project)
    record(
        session,
        ledger,
        project,
        "agreement.amended",
        {
            "changed": sorted(changes),
            "document_hash": row.document_hash,
            "reason": reason,
            "version": version,
        },
        actor="partners",
        signature=",".join(sorted(signatures)),
    )
    return row


def _version_row(session: Session, project_id: int, version: int | None) -> AgreementVersion:
    project = get_project(session, project_id)
    wanted = project.agreement_version if version is None else version
    row = session.exec(
        select(AgreementVersion)
        .where(AgreementVersion.project_id == project_id)
        .where(AgreementVersion.version == wanted)
    ).first()
    if row is None:
        raise NotFound(f"project {project_id} has no agreement version {wanted}", version=wanted)
    return row


def _checksum(address: str, field: str) -> str:
    try:
        return to_checksum_address(address)
    except (ValueError, TypeError):
        raise RuleViolation(f"{address!r} is not an address", field=field) from None


def _signature_bytes(signature: str) -> bytes:
    try:
        raw = bytes.fromhex(signature.removeprefix("0x"))
    except ValueError:
        raise Unauthorized("the signature is not hex", field="signature") from None
    if len(raw) != 65:
        raise Unauthorized("a signature is 65 bytes", field="signature")
    return raw
