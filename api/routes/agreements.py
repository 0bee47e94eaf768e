"""The versions of a project's agreement and their amendments (see docs/api/projects.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.models.agreements import AgreementOut, AmendmentIn
from api.routes._projects_common import CursorQuery, LimitQuery
from api.schemas import AUTH_PROBLEMS, DEFAULT_LIMIT, Page, decode_cursor, page, problems
from ledger import projects, projects_queries
from ledger.agreements import AgreementSpec, parse_agreement
from ledger.db import Principal, session_scope
from ledger.errors import Conflict, RuleViolation

router = APIRouter(prefix="/v1", tags=["projects"])

VersionPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="The agreement's version.")]


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
