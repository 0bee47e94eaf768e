"""Projects (see docs/api/projects.md).

The versions of a project's agreement are in :mod:`api.routes.agreements`, its partners in
:mod:`api.routes.partners`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.models.projects import ProjectIn, ProjectOut
from api.routes._projects_common import CursorQuery, LimitQuery
from api.schemas import AUTH_PROBLEMS, DEFAULT_LIMIT, Page, decode_cursor, page, problems
from ledger import projects, projects_queries
from ledger.db import Principal, session_scope

router = APIRouter(prefix="/v1", tags=["projects"])


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
    caller: Annotated[Principal, allowed("project.read", project="own")],
    runtime: RuntimeDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[ProjectOut]:
    """The projects the caller may read, by id: every one for an admin, its own for the
    principals of a project."""
    with session_scope(runtime.engine) as session:
        rows = projects_queries.projects_after(
            session, decode_cursor(cursor), limit + 1, only=caller.project_id
        )
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
