"""Projects, the versions of their agreement, and their partners (see docs/api/projects.md)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.schemas import (
    AUTH_PROBLEMS,
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
from ledger import projects, projects_queries
from ledger.agreements import ZERO_ADDRESS, AgreementSpec, parse_agreement
from ledger.db import AgreementVersion, Partner, Principal, Project, session_scope
from ledger.errors import Conflict, RuleViolation
from ledger.permissions import require

router = APIRouter(prefix="/v1", tags=["projects"])

#: The most characters an agreement document may take as JSON.
MAX_DOCUMENT = 100_000
#: The most signatures an amendment may carry (one per partner).
MAX_SIGNATURES = 256

NumberPath = Annotated[
    int, Path(ge=1, le=2**31 - 1, description="The partner's number in the project.")
]
VersionPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="The agreement's version.")]
LimitQuery = Annotated[int, Query(ge=1, le=200, description="At most this many items (1 to 200).")]
CursorQuery = Annotated[
    str | None, Query(pattern=CURSOR_PATTERN, description="`next_cursor` of the previous page.")
]

#: An agreement as the examples show it: host CN, two German parties and a Chinese one.
EXAMPLE_AGREEMENT: dict[str, Any] = {
    "title": "Industrial vision",
    "host_jurisdiction": "CN",
    "parties": [
        {
            "name": "TU Example",
            "kind": "university",
            "jurisdiction": "DE",
            "address": "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
        },
        {
            "name": "Vision Works",
            "kind": "enterprise",
            "jurisdiction": "CN",
            "address": "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF",
        },
        {
            "name": "A. Talent",
            "kind": "individual",
            "jurisdiction": "DE",
            "address": "0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69",
        },
    ],
    "arbiters": [{"name": "Arbiter", "address": "0x1efF47bc3a10a45D4B230B5d10E37751FE6AA718"}],
    "tiers": {
        "core": {"territories": ["CN", "DE"]},
        "application": {"industries": ["C26", "C28"]},
    },
    "quorum": {"partners": 2},
}


def _bounded(document: dict[str, Any]) -> dict[str, Any]:
    if len(json.dumps(document, separators=(",", ":"))) > MAX_DOCUMENT:
        raise ValueError(f"an agreement document takes at most {MAX_DOCUMENT} characters of JSON")
    return document


#: The agreement document (``docs/projects.md``), validated by the ledger's rules.
AgreementDocument = Annotated[
    dict[str, Any],
    AfterValidator(_bounded),
    Field(
        description=(
            "The agreement document: every field is described in docs/projects.md "
            "(The agreement document). Unknown fields are refused; a field that breaks a rule "
            "is a 422 rule violation naming it by its dotted path."
        ),
        examples=[EXAMPLE_AGREEMENT],
    ),
]


# ---------------------------------------------------------------------- responses


class ProjectOut(BaseModel):
    """A project: where it lives on chain, its agreement's title and hash, its state."""

    id: int = Field(description="The project's id in the ledger (the `{project_id}` of paths).")
    chain_project_id: int = Field(
        description="Its id in the ProjectRegistry: the `projectId` every EIP-712 message names."
    )
    title: str
    host_jurisdiction: str = Field(
        description="ISO 3166-1 alpha-2; a party from it is `local`, any other `foreign`."
    )
    agreement_hash: Hash = Field(
        description=(
            "sha256 of the agreement document as created (version 1): the hash stored in the "
            "registry, which every partner signs when joining."
        )
    )
    state: str = Field(description="`active`, or `terminated` once the project is closed.")
    agreement_version: int = Field(description="The current version of the agreement.")
    token: Address | None = Field(
        description="The ERC-20 token the project's escrow holds; `null` for ether."
    )
    created_at: datetime

    @classmethod
    def of(cls, row: Project) -> ProjectOut:
        assert row.id is not None and row.chain_project_id is not None
        return cls(
            id=row.id,
            chain_project_id=row.chain_project_id,
            title=row.name,
            host_jurisdiction=row.host_jurisdiction,
            agreement_hash=row.agreement_hash,
            state=row.status,
            agreement_version=row.agreement_version,
            token=None if row.token.lower() == ZERO_ADDRESS else row.token,
            created_at=row.created_at,
        )


class AgreementOut(BaseModel):
    """One version of a project's agreement."""

    project_id: int
    version: int = Field(description="1 at creation, one more with each amendment.")
    document_hash: Hash = Field(description="sha256 of the document's RFC 8785 canonical JSON.")
    document: dict[str, Any] = Field(
        description="The document with every default filled in; amounts as decimal strings."
    )
    reason: str = Field(description="`created` for version 1, else the amendment's reason.")
    signatures: list[Signature] = Field(
        description="The partners' `Amendment` signatures that adopted it (none for version 1)."
    )
    created_at: datetime

    @classmethod
    def of(cls, row: AgreementVersion) -> AgreementOut:
        return cls(
            project_id=row.project_id,
            version=row.version,
            document_hash=row.document_hash,
            document=json.loads(row.document),
            reason=row.reason,
            signatures=[] if row.signatures is None else json.loads(row.signatures),
            created_at=row.created_at,
        )


class PartnerOut(BaseModel):
    """A partner of a project: a party of the agreement that joined with its signature."""

    number: int = Field(
        description="1, 2, … in joining order: its id in the equity engine and the registry."
    )
    address: Address = Field(description="The address it signs with.")
    side: Literal["foreign", "local"]
    kind: str = Field(
        description="`university`, `enterprise`, `research_institute`, `investor` or `individual`."
    )
    jurisdiction: str = Field(description="ISO 3166-1 alpha-2.")
    name: str
    payout_address: Address = Field(description="Where its payouts go.")
    joined_tx: str | None = Field(description="The hash of the registry's join transaction.")
    joined_at: datetime

    @classmethod
    def of(cls, row: Partner) -> PartnerOut:
        return cls(
            number=row.number,
            address=row.address,
            side=row.side,  # type: ignore[arg-type]
            kind=row.kind,
            jurisdiction=row.jurisdiction,
            name=row.name,
            payout_address=row.payout_address,
            joined_tx=row.joined_tx,
            joined_at=row.created_at,
        )


# ---------------------------------------------------------------------- requests


class ProjectIn(BaseModel):
    """A project to create, with its agreement."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"agreement": EXAMPLE_AGREEMENT}]}
    )

    agreement: AgreementDocument


class AmendmentIn(BaseModel):
    """A new version of the agreement, signed by every partner."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "version": 2,
                    "agreement": {**EXAMPLE_AGREEMENT, "valuation": {"tacit_training": 2000}},
                    "reason": "Training counts double from the second year",
                    "signatures": ["0x" + "1b" * 65, "0x" + "1c" * 65, "0x" + "1b" * 65],
                }
            ]
        },
    )

    version: int = Field(
        ge=2,
        le=2**31 - 1,
        description="The version this becomes: the current one plus 1 (what every partner signs).",
    )
    agreement: AgreementDocument
    reason: str = Field(min_length=1, max_length=2000, description="Why the agreement changes.")
    signatures: list[Signature] = Field(
        min_length=1,
        max_length=MAX_SIGNATURES,
        description="Every partner's EIP-712 `Amendment` signature (ledger domain), any order.",
    )


class JoinIn(BaseModel):
    """A party of the agreement joins as itself, with its signature."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "address": "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF",
                    "signature": "0x" + "1b" * 65,
                }
            ]
        },
    )

    address: Address = Field(description="The party's address (the caller's own).")
    signature: Signature = Field(
        description="Its EIP-712 `Join` signature (ProjectRegistry domain) over the agreement hash."
    )
    payout_address: Address | None = Field(
        default=None,
        description="Where its payouts go; defaults to the agreement's, else to `address`.",
    )


# ---------------------------------------------------------------------- projects


@router.post(
    "/projects",
    status_code=status.HTTP_201_CREATED,
    response_model=ProjectOut,
    responses=problems(401, 403, 409, 422, 502, 503),
)
def create_project(
    body: ProjectIn,
    caller: Annotated[Principal, allowed("project.create", project=False)],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> ProjectOut:
    """Create a project from its agreement, in the ledger and in the registry on chain.

    The agreement becomes version 1; its parties then join, each with its own signature.
    """
    with session_scope(runtime.engine) as session:
        project = projects.create_project(
            session, ledger, agreement=body.agreement, actor=f"principal:{caller.id}"
        )
        out = ProjectOut.of(project)
    response.headers["Location"] = f"/v1/projects/{out.id}"
    return out


@router.get("/projects", response_model=Page[ProjectOut], responses=problems(*AUTH_PROBLEMS))
def list_projects(
    caller: Annotated[Principal, allowed("project.read", project=False)],
    runtime: RuntimeDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[ProjectOut]:
    """Every project, by id (admins; a project's own principals read it by its id)."""
    with session_scope(runtime.engine) as session:
        rows = projects_queries.projects_after(session, decode_cursor(cursor), limit + 1)
        return page([ProjectOut.of(r) for r in rows], limit, lambda p: p.id)


@router.get(
    "/projects/{project_id}",
    response_model=ProjectOut,
    responses=problems(*AUTH_PROBLEMS, 404),
)
def get_project(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> ProjectOut:
    """One project."""
    with session_scope(runtime.engine) as session:
        return ProjectOut.of(projects.get_project(session, project_id))


# ---------------------------------------------------------------------- the agreement


@router.get(
    "/projects/{project_id}/agreement",
    response_model=AgreementOut,
    responses=problems(*AUTH_PROBLEMS, 404),
)
def current_agreement(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> AgreementOut:
    """The current version of the project's agreement."""
    with session_scope(runtime.engine) as session:
        return AgreementOut.of(projects_queries.agreement_version(session, project_id))


@router.get(
    "/projects/{project_id}/agreement/versions",
    response_model=Page[AgreementOut],
    responses=problems(*AUTH_PROBLEMS, 404),
)
def list_agreement_versions(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[AgreementOut]:
    """Every version of the project's agreement, oldest first."""
    with session_scope(runtime.engine) as session:
        rows = projects_queries.versions_after(
            session, project_id, decode_cursor(cursor), limit + 1
        )
        return page([AgreementOut.of(r) for r in rows], limit, lambda v: v.version)


@router.get(
    "/projects/{project_id}/agreement/versions/{version}",
    response_model=AgreementOut,
    responses=problems(*AUTH_PROBLEMS, 404),
)
def get_agreement_version(
    project_id: ProjectId,
    version: VersionPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> AgreementOut:
    """One version of the project's agreement."""
    with session_scope(runtime.engine) as session:
        return AgreementOut.of(projects_queries.agreement_version(session, project_id, version))


@router.post(
    "/projects/{project_id}/agreement/amendments",
    status_code=status.HTTP_201_CREATED,
    response_model=AgreementOut,
    responses=problems(*AUTH_PROBLEMS, 404, 409),
)
def amend_agreement(
    project_id: ProjectId,
    body: AmendmentIn,
    caller: Annotated[Principal, allowed("project.amend")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> AgreementOut:
    """Adopt a new version of the agreement, signed by every partner and by partners only.

    Only `title`, `valuation`, `tier_weights` and `parties` (adding, never removing) may
    change; the other terms are enforced on chain from the first version on.
    """
    with session_scope(runtime.engine) as session:
        project = projects.get_project(session, project_id)
        if body.version != project.agreement_version + 1:
            raise Conflict(
                f"the agreement is at version {project.agreement_version}: an amendment "
                f"becomes version {project.agreement_version + 1}, not {body.version}",
                field="version",
                current_version=project.agreement_version,
            )
        current = projects.agreement_of(session, project_id)
        changes = _changes(current, parse_agreement(body.agreement))
        row = projects.amend(
            session,
            ledger,
            project_id=project_id,
            changes=changes,
            reason=body.reason,
            signatures=body.signatures,
        )
        out = AgreementOut.of(row)
    response.headers["Location"] = f"/v1/projects/{project_id}/agreement/versions/{out.version}"
    return out


def _changes(current: AgreementSpec, amended: AgreementSpec) -> dict[str, Any]:
    """The top-level terms ``amended`` sets otherwise than ``current``.

    Raises:
        RuleViolation: ``field="agreement"`` if none differs.
    """
    before, after = current.document(), amended.document()
    changes = {name: value for name, value in after.items() if before.get(name) != value}
    if not changes:
        raise RuleViolation("the amended agreement changes nothing", field="agreement")
    return changes


# ---------------------------------------------------------------------- partners


@router.get(
    "/projects/{project_id}/partners",
    response_model=Page[PartnerOut],
    responses=problems(*AUTH_PROBLEMS, 404),
)
def list_partners(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[PartnerOut]:
    """The project's partners in the order they joined."""
    with session_scope(runtime.engine) as session:
        rows = projects_queries.partners_after(
            session, project_id, decode_cursor(cursor), limit + 1
        )
        return page([PartnerOut.of(r) for r in rows], limit, lambda p: p.number)


@router.get(
    "/projects/{project_id}/partners/{number}",
    response_model=PartnerOut,
    responses=problems(*AUTH_PROBLEMS, 404),
)
def get_partner(
    project_id: ProjectId,
    number: NumberPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> PartnerOut:
    """One partner of the project, by its number."""
    with session_scope(runtime.engine) as session:
        return PartnerOut.of(projects_queries.partner_by_number(session, project_id, number))


@router.post(
    "/projects/{project_id}/partners",
    status_code=status.HTTP_201_CREATED,
    response_model=PartnerOut,
    responses=problems(*AUTH_PROBLEMS, 404, 409, 502, 503),
)
def join(
    project_id: ProjectId,
    body: JoinIn,
    caller: Annotated[Principal, allowed("partner.join")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> PartnerOut:
    """A party of the agreement joins the project as itself, with its `Join` signature.

    The ledger checks the signature, then the registry checks it again on chain; the
    partner takes the next number.
    """
    require(caller, "partner.join", project_id=project_id, acting_as=body.address)
    with session_scope(runtime.engine) as session:
        partner = projects.join(
            session,
            ledger,
            project_id=project_id,
            address=body.address,
            signature=body.signature,
            payout_address=body.payout_address,
        )
        out = PartnerOut.of(partner)
    response.headers["Location"] = f"/v1/projects/{project_id}/partners/{out.number}"
    return out
