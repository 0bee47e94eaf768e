"""Routes of the contributions resources (see docs/api/contributions.md).

A partner registers its own contributions, signed with its key (EIP-712 ``Contribution``);
another partner or an arbiter countersigns one (``Attestation``); a partner disputes one
(``DisputeOpening``), and the dispute ends by the two parties' settlement, an arbiter's
ruling, or lapse after the arbitration deadline. The services check every signature.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi import status as http
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)
from sqlmodel import Session, select

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.schemas import (
    CURSOR_PATTERN,
    DEFAULT_LIMIT,
    Address,
    Hash,
    Page,
    Signature,
    decode_cursor,
    page,
    problems,
)
from ledger import contributions
from ledger.contributions._listing import Filters
from ledger.contributions._listing import page as contribution_page
from ledger.db import Attestation, Contribution, Dispute, Partner, Principal, session_scope
from ledger.errors import LedgerError, NotFound
from ledger.permissions import require, require_not_party

router = APIRouter(prefix="/v1", tags=["contributions"])

Tier = Literal["core", "application", "derivative"]
Kind = Literal[
    "funding",
    "labor_hours",
    "equipment",
    "data",
    "code",
    "background_ip_license",
    "tacit_knowhow_transfer",
    "tacit_training",
    "tacit_consulting",
]
Status = Literal["accepted", "disputed", "rejected"]
Outcome = Literal["uphold", "reject"]
DisputeStatus = Literal["open", "settled", "ruled", "lapsed"]


def _uint256(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("a value is a decimal string")
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 78:
        raise ValueError("a value is a string of 1 to 78 decimal digits")
    number = int(text)
    if not 1 <= number < 2**256:
        raise ValueError("a value is at least 1 and below 2**256")
    return number


#: A contribution's declared value: a decimal string in JSON (it may exceed 2**53).
Value = Annotated[
    int,
    BeforeValidator(_uint256),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{1,78}$", "examples": ["120"]}),
]
IdempotencyKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        pattern=r"^[\x20-\x7e]+$",
        description="The partner's own key for this contribution (signed): 1 to 128 "
        "printable ASCII characters, unique per partner.",
    ),
]
ContributionIdPath = Annotated[int, Path(ge=1, le=2**63 - 1, description="The contribution's id.")]
DisputeIdPath = Annotated[int, Path(ge=1, le=2**63 - 1, description="The dispute's id.")]
AttestationIdPath = Annotated[int, Path(ge=1, le=2**63 - 1, description="The attestation's id.")]

EVIDENCE = "5f" * 32
SIGNATURE = "0x" + "1b" * 65


# ---------------------------------------------------------------------- bodies


class ContributionIn(BaseModel):
    """A contribution as its partner signed it (EIP-712 ``Contribution``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "partner": "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF",
                    "tier": "core",
                    "kind": "code",
                    "value": "120",
                    "evidence_hash": EVIDENCE,
                    "idempotency_key": "vision-ws3-2026-11",
                    "asset_id": None,
                    "signature": SIGNATURE,
                }
            ]
        },
    )

    partner: Address = Field(description="The contributing partner's signing address.")
    tier: Tier
    kind: Kind
    value: Value = Field(description="The declared value in the kind's unit.")
    evidence_hash: Hash = Field(description="sha256 of the evidence.")
    idempotency_key: IdempotencyKey
    asset_id: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="The foreground asset it builds, if any."
    )
    signature: Signature = Field(description="The partner's `Contribution` signature.")


class AttestationIn(BaseModel):
    """A countersignature (EIP-712 ``Attestation`` over the contribution's `body_hash`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"attester": "0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69", "signature": SIGNATURE}
            ]
        },
    )

    attester: Address = Field(description="Another partner's or an arbiter's address.")
    signature: Signature


class DisputeIn(BaseModel):
    """A dispute on a contribution, signed by its opener (EIP-712 ``DisputeOpening``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "by": "0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69",
                    "reason": "the code was written before the project started",
                    "evidence_hash": EVIDENCE,
                    "signature": SIGNATURE,
                }
            ]
        },
    )

    by: Address = Field(description="The opener: another partner of the project.")
    reason: str = Field(
        min_length=1,
        max_length=4000,
        description="Why; its sha256 (UTF-8) is the `reasonHash` the opener signs.",
    )
    evidence_hash: Hash = Field(description="sha256 of the opener's evidence.")
    signature: Signature


class SettlementIn(BaseModel):
    """The contributor's and the opener's ``ContributionSettlement`` signatures."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"outcome": "uphold", "signatures": [SIGNATURE, "0x" + "1c" * 65]}]
        },
    )

    outcome: Outcome = Field(description="`uphold` keeps the contribution, `reject` ends it.")
    signatures: list[Signature] = Field(min_length=1, max_length=2)


class RulingIn(BaseModel):
    """An arbiter's ``ContributionRuling`` signature."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"outcome": "reject", "signature": SIGNATURE}]},
    )

    outcome: Outcome
    signature: Signature


# ---------------------------------------------------------------------- answers


class AttestationOut(BaseModel):
    """A countersignature of a contribution."""

    id: int
    contribution_id: int
    attester: Address
    role: Literal["partner", "arbiter"] = Field(description="What the attester is in the project.")
    signature: str
    recorded_at: datetime

    @classmethod
    def of(cls, row: Attestation) -> AttestationOut:
        assert row.id is not None
        return cls(
            id=row.id,
            contribution_id=row.contribution_id,
            attester=row.attester,
            role=row.role,  # type: ignore[arg-type]
            signature=row.signature,
            recorded_at=row.recorded_at,
        )


class DisputeOut(BaseModel):
    """A dispute on a contribution, open or decided."""

    id: int
    project_id: int
    contribution_id: int
    opened_by: Address
    reason: str
    reason_hash: str = Field(description="sha256 of the reason (UTF-8), as signed.")
    evidence_hash: str
    status: DisputeStatus
    outcome: Outcome | None = Field(description="Set once decided.")
    deadline_at: datetime = Field(description="An arbiter may rule until then; then it lapses.")
    opened_at: datetime
    closed_at: datetime | None
    signers: list[Address] = Field(
        description="Who signed the decision: both parties, the arbiter, or none (lapsed)."
    )

    @classmethod
    def of(cls, row: Dispute) -> DisputeOut:
        assert row.id is not None
        resolution = json.loads(row.resolution) if row.resolution else {}
        return cls(
            id=row.id,
            project_id=row.project_id,
            contribution_id=row.subject_id,
            opened_by=row.opened_by,
            reason=row.reason,
            reason_hash=hashlib.sha256(row.reason.encode("utf-8")).hexdigest(),
            evidence_hash=row.evidence_hash,
            status=row.status,  # type: ignore[arg-type]
            outcome=row.outcome,  # type: ignore[arg-type]
            deadline_at=row.deadline_at,
            opened_at=row.opened_at,
            closed_at=row.closed_at,
            signers=resolution.get("signers", []),
        )


class ContributionOut(BaseModel):
    """A stored contribution."""

    id: int
    project_id: int
    partner: Address
    partner_number: int = Field(description="The partner's number in the project (1, 2, …).")
    tier: Tier
    kind: Kind
    value: Value
    evidence_hash: str
    asset_id: int | None
    idempotency_key: str
    body_hash: str = Field(
        description="sha256 of the signed fields (RFC 8785 JSON): what an attester signs."
    )
    signature: str
    status: Status = Field(description="`disputed` and `rejected` count in no snapshot.")
    recorded_at: datetime
    recorded_us: int = Field(description="The same instant in microseconds since the epoch.")
    journal_seq: int = Field(description="The record entry that registered it.")

    @classmethod
    def fields_of(cls, row: Contribution, partner: str) -> dict[str, Any]:
        assert row.id is not None
        return {
            "id": row.id,
            "project_id": row.project_id,
            "partner": partner,
            "partner_number": row.partner_number,
            "tier": row.tier,
            "kind": row.kind,
            "value": row.value,
            "evidence_hash": row.evidence_hash,
            "asset_id": row.asset_id,
            "idempotency_key": row.idempotency_key,
            "body_hash": row.body_hash,
            "signature": row.signature,
            "status": row.status,
            "recorded_at": row.recorded_at,
            "recorded_us": row.recorded_us,
            "journal_seq": row.journal_seq,
        }

    @classmethod
    def of(cls, session: Session, row: Contribution) -> ContributionOut:
        return cls(**cls.fields_of(row, _address_of(session, row)))


class ContributionDetailOut(ContributionOut):
    """A contribution with its countersignatures and its disputes, oldest first."""

    attestations: list[AttestationOut]
    disputes: list[DisputeOut]

    @classmethod
    def of(cls, session: Session, row: Contribution) -> ContributionDetailOut:
        assert row.id is not None
        return cls(
            **cls.fields_of(row, _address_of(session, row)),
            attestations=[
                AttestationOut.of(a) for a in contributions.attestations_of(session, row.id)
            ],
            disputes=[DisputeOut.of(d) for d in contributions.disputes_of(session, row.id)],
        )


def _address_of(session: Session, row: Contribution) -> str:
    partner = session.get(Partner, row.partner_id)
    assert partner is not None
    return partner.address


# ---------------------------------------------------------------------- lookups


def _contribution(session: Session, project_id: int, contribution_id: int) -> Contribution:
    """The project's contribution; another project's is as unknown as a missing one."""
    row = session.get(Contribution, contribution_id)
    if row is None or row.project_id != project_id:
        raise NotFound(
            f"project {project_id} has no contribution {contribution_id}",
            contribution_id=contribution_id,
        )
    return row


def _dispute(session: Session, project_id: int, contribution_id: int, dispute_id: int) -> Dispute:
    """A dispute on that contribution of the project."""
    _contribution(session, project_id, contribution_id)
    row = session.get(Dispute, dispute_id)
    if (
        row is None
        or row.subject != "contribution"
        or row.subject_id != contribution_id
        or row.project_id != project_id
    ):
        raise NotFound(
            f"contribution {contribution_id} has no dispute {dispute_id}", dispute_id=dispute_id
        )
    return row


#: Members every problem document has; an error field of the same name would clash.
_PROBLEM_MEMBERS = frozenset({"type", "title", "status", "detail", "instance"})


@contextmanager
def _renaming_clashing_fields() -> Iterator[None]:
    """Let an error whose fields reuse a problem member's name (a decided dispute's or a
    rejected contribution's ``status``) reach the client as ``current_<name>``.

    ``api/errors.py`` passes an error's fields as keyword arguments next to the problem's
    own ``status``; a field of that name would make the handler fail with a 500.
    """
    try:
        yield
    except LedgerError as exc:
        for name in _PROBLEM_MEMBERS & exc.fields.keys():
            exc.fields[f"current_{name}"] = exc.fields.pop(name)
        raise


def _url(project_id: int, *parts: object) -> str:
    return f"/v1/projects/{project_id}/contributions/" + "/".join(str(p) for p in parts)


# ---------------------------------------------------------------------- contributions


@router.post(
    "/projects/{project_id}/contributions",
    status_code=http.HTTP_201_CREATED,
    response_model=ContributionOut,
    responses={
        200: {
            "model": ContributionOut,
            "description": "A replay: the partner registered these signed fields under this "
            "idempotency key before; the stored contribution, nothing written.",
        },
        **problems(401, 403, 404, 409, 422),
    },
)
def register_contribution(
    project_id: ProjectId,
    body: ContributionIn,
    caller: Annotated[Principal, allowed("contribution.register")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> ContributionOut:
    """Register the caller's own contribution, signed by it (201; 200 for a replay)."""
    require(caller, "contribution.register", project_id=project_id, acting_as=body.partner)
    with session_scope(runtime.engine) as session:
        with _renaming_clashing_fields():
            registered = contributions.register(
                session,
                ledger,
                project_id=project_id,
                partner=body.partner,
                tier=body.tier,
                kind=body.kind,
                value=body.value,
                evidence_hash=body.evidence_hash,
                idempotency_key=body.idempotency_key,
                signature=body.signature,
                asset_id=body.asset_id,
            )
        out = ContributionOut.of(session, registered.contribution)
    response.status_code = http.HTTP_201_CREATED if registered.created else http.HTTP_200_OK
    response.headers["Location"] = _url(project_id, out.id)
    return out


@router.get(
    "/projects/{project_id}/contributions",
    response_model=Page[ContributionOut],
    responses=problems(401, 403, 404, 422),
)
def list_contributions(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
    partner: Annotated[
        str | None,
        Query(
            pattern=r"^(0x[0-9a-fA-F]{40}|[1-9][0-9]{0,8})$",
            description="The partner's signing address, or its number in the project.",
        ),
    ] = None,
    tier: Tier | None = None,
    kind: Kind | None = None,
    status: Annotated[Status | None, Query(description="The status now.")] = None,
    recorded_from: Annotated[
        AwareDatetime | None, Query(description="Recorded at or after this time.")
    ] = None,
    recorded_to: Annotated[
        AwareDatetime | None, Query(description="Recorded at or before this time.")
    ] = None,
    snapshot_id: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="Counted in this snapshot.")
    ] = None,
    milestone: Annotated[
        int | None,
        Query(ge=1, le=2**31 - 1, description="Counted in this milestone's current snapshot."),
    ] = None,
) -> Page[ContributionOut]:
    """The project's contributions in id order, a page at a time, filtered."""
    filters = Filters(
        partner=None
        if partner is None
        else (partner if partner.startswith("0x") else int(partner)),
        tier=tier,
        kind=kind,
        status=status,
        recorded_from=recorded_from,
        recorded_to=recorded_to,
        snapshot_id=snapshot_id,
        milestone=milestone,
    )
    with session_scope(runtime.engine) as session:
        rows = contribution_page(
            session, project_id, filters, after_id=decode_cursor(cursor), limit=limit + 1
        )
        members = {
            p.id: p.address
            for p in session.exec(select(Partner).where(Partner.project_id == project_id)).all()
        }
        items = [
            ContributionOut(**ContributionOut.fields_of(r, members[r.partner_id])) for r in rows
        ]
    return page(items, limit, lambda c: c.id)


@router.get(
    "/projects/{project_id}/contributions/{contribution_id}",
    response_model=ContributionDetailOut,
    responses=problems(401, 403, 404, 422),
)
def get_contribution(
    project_id: ProjectId,
    contribution_id: ContributionIdPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> ContributionDetailOut:
    """One contribution, with its attestations and disputes."""
    with session_scope(runtime.engine) as session:
        row = _contribution(session, project_id, contribution_id)
        return ContributionDetailOut.of(session, row)


# ---------------------------------------------------------------------- attestations


@router.post(
    "/projects/{project_id}/contributions/{contribution_id}/attestations",
    status_code=http.HTTP_201_CREATED,
    response_model=AttestationOut,
    responses=problems(401, 403, 404, 409, 422),
)
def attest(
    project_id: ProjectId,
    contribution_id: ContributionIdPath,
    body: AttestationIn,
    caller: Annotated[Principal, allowed("contribution.attest")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> AttestationOut:
    """Countersign another partner's contribution, as oneself (a partner or an arbiter)."""
    require(caller, "contribution.attest", project_id=project_id, acting_as=body.attester)
    with session_scope(runtime.engine) as session:
        _contribution(session, project_id, contribution_id)
        with _renaming_clashing_fields():
            row = contributions.attest(
                session,
                ledger,
                contribution_id=contribution_id,
                attester=body.attester,
                signature=body.signature,
            )
        out = AttestationOut.of(row)
    response.headers["Location"] = _url(project_id, contribution_id, "attestations", out.id)
    return out


@router.get(
    "/projects/{project_id}/contributions/{contribution_id}/attestations/{attestation_id}",
    response_model=AttestationOut,
    responses=problems(401, 403, 404, 422),
)
def get_attestation(
    project_id: ProjectId,
    contribution_id: ContributionIdPath,
    attestation_id: AttestationIdPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> AttestationOut:
    """One countersignature of a contribution."""
    with session_scope(runtime.engine) as session:
        _contribution(session, project_id, contribution_id)
        row = session.get(Attestation, attestation_id)
        if row is None or row.contribution_id != contribution_id:
            raise NotFound(
                f"contribution {contribution_id} has no attestation {attestation_id}",
                attestation_id=attestation_id,
            )
        return AttestationOut.of(row)


# ---------------------------------------------------------------------- disputes


@router.post(
    "/projects/{project_id}/contributions/{contribution_id}/disputes",
    status_code=http.HTTP_201_CREATED,
    response_model=DisputeOut,
    responses=problems(401, 403, 404, 409, 422),
)
def open_dispute(
    project_id: ProjectId,
    contribution_id: ContributionIdPath,
    body: DisputeIn,
    caller: Annotated[Principal, allowed("dispute.open")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> DisputeOut:
    """Dispute another partner's contribution, as oneself, within the dispute window."""
    require(caller, "dispute.open", project_id=project_id, acting_as=body.by)
    with session_scope(runtime.engine) as session:
        _contribution(session, project_id, contribution_id)
        with _renaming_clashing_fields():
            row = contributions.dispute(
                session,
                ledger,
                contribution_id=contribution_id,
                by=body.by,
                reason=body.reason,
                evidence_hash=body.evidence_hash,
                signature=body.signature,
            )
        out = DisputeOut.of(row)
    response.headers["Location"] = _url(project_id, contribution_id, "disputes", out.id)
    return out


@router.get(
    "/projects/{project_id}/contributions/{contribution_id}/disputes/{dispute_id}",
    response_model=DisputeOut,
    responses=problems(401, 403, 404, 422),
)
def get_dispute(
    project_id: ProjectId,
    contribution_id: ContributionIdPath,
    dispute_id: DisputeIdPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> DisputeOut:
    """One dispute on a contribution."""
    with session_scope(runtime.engine) as session:
        return DisputeOut.of(_dispute(session, project_id, contribution_id, dispute_id))


@router.post(
    "/projects/{project_id}/contributions/{contribution_id}/disputes/{dispute_id}/settlement",
    response_model=DisputeOut,
    responses=problems(401, 403, 404, 409, 422),
)
def settle_dispute(
    project_id: ProjectId,
    contribution_id: ContributionIdPath,
    dispute_id: DisputeIdPath,
    body: SettlementIn,
    caller: Annotated[Principal, allowed("dispute.settle")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> DisputeOut:
    """Decide an open dispute by the contributor's and the opener's settlement."""
    with session_scope(runtime.engine) as session:
        _dispute(session, project_id, contribution_id, dispute_id)
        with _renaming_clashing_fields():
            row = contributions.resolve_contribution_dispute(
                session,
                ledger,
                dispute_id=dispute_id,
                outcome=body.outcome,
                by="settlement",
                signatures=body.signatures,
            )
        return DisputeOut.of(row)


@router.post(
    "/projects/{project_id}/contributions/{contribution_id}/disputes/{dispute_id}/ruling",
    response_model=DisputeOut,
    responses=problems(401, 403, 404, 409, 422),
)
def rule_dispute(
    project_id: ProjectId,
    contribution_id: ContributionIdPath,
    dispute_id: DisputeIdPath,
    body: RulingIn,
    caller: Annotated[Principal, allowed("dispute.rule")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> DisputeOut:
    """Decide an open dispute by an arbiter's ruling, by the arbitration deadline."""
    with session_scope(runtime.engine) as session:
        opened = _dispute(session, project_id, contribution_id, dispute_id)
        require_not_party(caller, opened.opened_by)
        with _renaming_clashing_fields():
            row = contributions.resolve_contribution_dispute(
                session,
                ledger,
                dispute_id=dispute_id,
                outcome=body.outcome,
                by="ruling",
                signatures=[body.signature],
            )
        return DisputeOut.of(row)


@router.post(
    "/projects/{project_id}/contributions/{contribution_id}/disputes/{dispute_id}/lapse",
    response_model=DisputeOut,
    responses=problems(401, 403, 404, 409, 422),
)
def lapse_dispute(
    project_id: ProjectId,
    contribution_id: ContributionIdPath,
    dispute_id: DisputeIdPath,
    caller: Annotated[Principal, allowed("dispute.lapse")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> DisputeOut:
    """After the arbitration deadline, decide an open dispute by the agreement's lapse outcome."""
    with session_scope(runtime.engine) as session:
        _dispute(session, project_id, contribution_id, dispute_id)
        with _renaming_clashing_fields():
            row = contributions.lapse_contribution_dispute(session, ledger, dispute_id=dispute_id)
        return DisputeOut.of(row)
