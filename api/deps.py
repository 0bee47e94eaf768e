"""Dependencies shared by the routers; tests override them via ``app.dependency_overrides``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ledger.chain.gateway import Chain
from ledger.context import Ledger
from ledger.db import Principal, session_scope
from ledger.errors import Unauthenticated
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
