"""Every error leaves the API as ``application/problem+json`` (RFC 9457).

A problem has ``type`` (a URI naming the kind of problem), ``title``, ``status``,
``detail`` and ``instance`` (the request path), plus the error's own fields: the
offending field, the contract error and its values, and so on.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope, Send

from ledger import errors

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
#: An invalid request lists at most this many of its errors (``error_count`` says how many
#: there were). A body of a hundred thousand bad items has as many errors: listing them all
#: answered a body of 1.5 MB with 23 MB.
MAX_LISTED_ERRORS = 50

#: HTTP status of each ledger error class; the most specific class wins.
STATUS: dict[type[errors.LedgerError], int] = {
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.RuleViolation: 422,
    errors.Unauthenticated: 401,
    errors.Unauthorized: 403,
    errors.ContractReverted: 409,
    errors.ChainUnavailable: 503,
    errors.StorageUnavailable: 503,
    errors.ChainError: 502,
    errors.CompilerError: 500,
    errors.ConfigurationError: 500,
}


def problem(
    request: Request, status: int, title: str, detail: str, kind: str = "about:blank", **fields: Any
) -> JSONResponse:
    standard = {
        "type": kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    # an error's own field never hides a standard member: a clashing one is renamed
    own = {(f"error_{k}" if k in standard else k): v for k, v in fields.items()}
    body = {**standard, **own}
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=PROBLEM_JSON)


async def send_problem(
    scope: Scope, send: Send, status: int, title: str, detail: str, kind: str, **fields: Any
) -> None:
    """Answer a problem straight from ASGI middleware (before any route runs)."""
    payload = {
        "type": kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": scope["path"],
        **fields,
    }
    body = json.dumps(payload).encode()
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _slug(cls: type) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", cls.__name__).lower()


def status_of(exc: errors.LedgerError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]  # type: ignore[index]
    return 500


async def _ledger_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.LedgerError)
    status = status_of(exc)
    if status >= 500:
        log.error("%s on %s: %s", type(exc).__name__, request.url.path, exc.message)
    response = problem(
        request, status, exc.title, exc.message, f"/problems/{_slug(type(exc))}", **exc.fields
    )
    if status == 401:  # RFC 9110 11.6.1: a 401 names the scheme that would work
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    found = exc.errors()
    problems = [
        {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
        for e in found[:MAX_LISTED_ERRORS]
    ]
    detail = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    more: dict[str, Any] = {}
    if len(found) > len(problems):
        detail += f"; and {len(found) - len(problems)} more"
        more["error_count"] = len(found)
    return problem(
        request,
        422,
        "Invalid request",
        detail,
        "/problems/invalid-request",
        errors=problems,
        **more,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    response = problem(request, exc.status_code, _reason(exc.status_code), str(exc.detail))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s", request.url.path)
    return problem(request, 500, "Internal error", "The server could not complete the request.")


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def install(app: FastAPI) -> None:
    """Register the problem handlers on an app."""
    app.add_exception_handler(errors.LedgerError, _ledger_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
