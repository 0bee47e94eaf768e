"""Dependencies shared by the routers; tests override them via ``app.dependency_overrides``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.schemas import MAX_ID
from ledger.chain.gateway import Chain
from ledger.context import Ledger
from ledger.db import Principal, session_scope
from ledger.errors import Unauthenticated
from ledger.permissions import PERMISSIONS, SELF_ACTIONS, identity_of, require
from ledger.principals import authenticate
from ledger.runtime import Runtime
from ledger.settings import Settings

#: ``Authorization: Bearer <API key>``; missing or malformed is a 401 problem, not 403.
bearer = HTTPBearer(auto_error=False, description="An API key (`ipl_…`), shown once at creation.")


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_settings_dep(runtime: RuntimeDep) -> Settings:
    return runtime.settings


def get_chain(runtime: RuntimeDep) -> Chain:
    return runtime.chain


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ChainDep = Annotated[Chain, Depends(get_chain)]


def get_ledger(request: Request, runtime: RuntimeDep) -> Ledger:
    """The process's collaborators, made once from the runtime."""
    ledger = getattr(request.app.state, "ledger", None)
    if ledger is None:
        ledger = request.app.state.ledger = Ledger.of(runtime)
    return ledger  # type: ignore[no-any-return]


LedgerDep = Annotated[Ledger, Depends(get_ledger)]


def get_principal(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller, from its API key.

    Raises:
        Unauthenticated: for a request without a bearer key, or a key that is not valid.
    """
    if credentials is None:
        raise Unauthenticated()
    with session_scope(runtime.engine) as session:
        principal = authenticate(session, credentials.credentials)
        session.expunge(principal)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]

#: The ``{project_id}`` of a project's routes.
ProjectId = Annotated[int, Path(ge=1, le=MAX_ID, description="The project's id.")]


class Permit:
    """A dependency that authenticates the caller and checks it may take ``action``.

    ``Permit("contribution.register", project=True)`` reads the ``{project_id}`` path
    parameter and checks the role and the project before the route runs (so a refused role
    is a 403 whatever the body holds). For the "as itself" actions, the route still calls
    :func:`ledger.permissions.require` with the identity the request names (the signer),
    which must be the caller's own. The app lists each route's action in its OpenAPI
    operation (``x-action``) and the authorization-matrix test reads it from here.
    """

    def __init__(self, action: str, *, project: bool | str = True) -> None:
        if action not in PERMISSIONS:
            raise ValueError(f"no action {action!r} in the authorization matrix")
        self.action = action
        self.project = project

    def __call__(self, request: Request, caller: PrincipalDep) -> Principal:
        project_id: int | None = None
        if self.project == "own":  # a list over projects: each principal sees its own
            project_id = caller.project_id
        elif self.project:
            raw = request.path_params.get("project_id")
            if raw is None:
                raise ValueError(f"route for {self.action} has no {{project_id}}")
            if not (isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 19):
                return caller  # not an id: the route's own validation answers 422 first
            project_id = int(raw)
        acting_as = identity_of(caller) if self.action in SELF_ACTIONS else None
        require(caller, self.action, project_id=project_id, acting_as=acting_as)
        return caller


def allowed(action: str, *, project: bool | str = True) -> Any:
    """``Annotated[Principal, allowed("…")]``: the caller, once allowed to take ``action``.

    ``project=True`` checks the ``{project_id}`` of the path, ``False`` no project (global
    actions), ``"own"`` the caller's own project (a list the route narrows to it).
    """
    return Depends(Permit(action, project=project))


def action_of(dependant: Any) -> str | None:
    """The action a route's dependencies check, if any (for OpenAPI and tests)."""
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, Permit):
            return dependency.call.action
        found = action_of(dependency)
        if found is not None:
            return found
    return None
