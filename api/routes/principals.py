"""Principals: who may call the API, with which role, in which project; their API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import LedgerDep, PrincipalDep, RuntimeDep, allowed
from api.schemas import AUTH_PROBLEMS, MAX_ID, Id, problems
from ledger import principals
from ledger.db import Principal, session_scope
from ledger.errors import Unauthorized
from ledger.permissions import PERMISSIONS, require

router = APIRouter(prefix="/v1", tags=["principals"])

PrincipalIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The principal's id.")]

Role = Literal["admin", "partner", "funder", "issuer", "arbiter", "licensee"]


class PrincipalOut(BaseModel):
    """A principal as the API shows it: never its key or the key's hash."""

    id: int
    name: str
    role: Role
    project_id: int | None
    address: str | None
    issuer_urn: str | None
    key_id: str = Field(description="The public part of its API key (`ipl_<key_id>_…`).")
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: Principal) -> PrincipalOut:
        assert row.id is not None
        return cls(
            id=row.id,
            name=row.name,
            role=row.role,  # type: ignore[arg-type]
            project_id=row.project_id,
            address=row.address,
            issuer_urn=row.issuer_urn,
            key_id=row.key_id,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
        )


class MeOut(PrincipalOut):
    """The calling principal, and the actions its role may take."""

    actions: list[str] = Field(
        description="The actions of the authorization matrix its role may take (each still "
        "within its own project, for a project's principal), in the matrix's order.",
        examples=[["project.read", "credential.read", "audit.read"]],
    )


class PrincipalIn(BaseModel):
    """A principal to create (see `docs/auth.md` for which role needs what)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Vision Works",
                    "role": "partner",
                    "project_id": 1,
                    "address": "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF",
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=200)
    role: Role
    project_id: Id | None = None
    address: str | None = None
    issuer_urn: str | None = None


class CreatedOut(BaseModel):
    """The new principal and its API key: shown this once, stored only as a hash."""

    principal: PrincipalOut
    api_key: str


@router.post(
    "/principals",
    status_code=status.HTTP_201_CREATED,
    response_model=CreatedOut,
    responses=problems(401, 403, 404, 409, 422),
)
def create_principal(
    body: PrincipalIn,
    caller: Annotated[Principal, allowed("principal.create", project=False)],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> CreatedOut:
    """Create a principal (admins only); the response holds its API key, shown once."""
    with session_scope(runtime.engine) as session:
        created = principals.create_principal(
            session,
            ledger,
            name=body.name,
            role=body.role,
            project_id=body.project_id,
            address=body.address,
            issuer_urn=body.issuer_urn,
            created_by=caller,
        )
        return CreatedOut(principal=PrincipalOut.of(created.principal), api_key=created.api_key)


@router.get("/principals", response_model=list[PrincipalOut], responses=problems(*AUTH_PROBLEMS))
def list_principals(
    caller: Annotated[Principal, allowed("principal.read", project=False)],
    runtime: RuntimeDep,
    project_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> list[PrincipalOut]:
    """Every principal, revoked ones included, or those of one project (admins only)."""
    with session_scope(runtime.engine) as session:
        return [PrincipalOut.of(p) for p in principals.list_principals(session, project_id)]


@router.get("/me", response_model=MeOut, responses=problems(401))
def me(caller: PrincipalDep) -> MeOut:
    """The principal the API key belongs to, and the actions its role may take."""
    actions = [action for action, roles in PERMISSIONS.items() if caller.role in roles]
    return MeOut(**PrincipalOut.of(caller).model_dump(), actions=actions)


@router.get(
    "/principals/{principal_id}",
    response_model=PrincipalOut,
    responses=problems(401, 403, 404, 422),
)
def get_principal(
    principal_id: PrincipalIdPath,
    caller: PrincipalDep,
    runtime: RuntimeDep,
) -> PrincipalOut:
    """One principal: an admin reads any, every principal itself."""
    if caller.id != principal_id:
        require(caller, "principal.read")
    with session_scope(runtime.engine) as session:
        return PrincipalOut.of(principals.get_principal(session, principal_id))


@router.delete(
    "/principals/{principal_id}",
    response_model=PrincipalOut,
    responses=problems(401, 403, 404, 422),
)
def revoke_principal(
    principal_id: PrincipalIdPath,
    caller: PrincipalDep,
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> PrincipalOut:
    """Revoke a principal's API key for good (an admin any, every principal itself).

    Revoking again returns the principal as first revoked and changes nothing.
    """
    with session_scope(runtime.engine) as session:
        by = session.get(Principal, caller.id)
        if by is None:  # deleted meanwhile: the key no longer stands for anyone
            raise Unauthorized("the calling principal no longer exists")
        revoked = principals.revoke(session, ledger, principal_id=principal_id, by=by)
        return PrincipalOut.of(revoked)
