"""Mutual-recognition agreements: two jurisdictions recognise each other's credentials of
one type.

These resources belong to no project: each act is an entry of record 0, and every route
checks its action with ``project=False``. See ``docs/api/credentials.md``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from api.deps import LedgerDep, RuntimeDep, allowed
from api.models.credentials import JURISDICTION_PATTERN
from api.models.recognitions import RecognitionIn, RecognitionOut
from api.routes._credentials_common import CursorQuery, LimitQuery, paged
from api.schemas import DEFAULT_LIMIT, MAX_ID, Page, decode_cursor, problems
from ledger import credential_queries, credential_service
from ledger.credentials import CredentialType
from ledger.db import Principal, session_scope

router = APIRouter(prefix="/v1", tags=["credentials"])

RecognitionIdPath = Annotated[
    int, Path(ge=1, le=MAX_ID, description="The recognition agreement's id.")
]


@router.post(
    "/recognitions",
    status_code=status.HTTP_201_CREATED,
    response_model=RecognitionOut,
    responses=problems(401, 403, 409, 422),
)
def register_recognition(
    body: RecognitionIn,
    caller: Annotated[Principal, allowed("recognition.register", project=False)],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> RecognitionOut:
    """Register that two jurisdictions recognise each other's credentials of one type.

    Symmetric: stored sorted, so CN↔DE after DE↔CN is a 409.
    """
    with session_scope(runtime.engine) as session:
        row = credential_service.recognise(
            session,
            ledger,
            first=body.first,
            second=body.second,
            credential_type=body.credential_type,
            actor=f"principal:{caller.id}",
        )
        out = RecognitionOut.of(row)
    response.headers["Location"] = f"/v1/recognitions/{out.id}"
    return out


@router.get("/recognitions", response_model=Page[RecognitionOut], responses=problems(401, 403, 422))
def list_recognitions(
    caller: Annotated[Principal, allowed("credential.read", project=False)],
    runtime: RuntimeDep,
    jurisdiction: Annotated[
        str | None,
        Query(pattern=JURISDICTION_PATTERN, description="Only those joining this jurisdiction."),
    ] = None,
    credential_type: Annotated[
        CredentialType | None, Query(alias="type", description="Only this type.")
    ] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[RecognitionOut]:
    """The recognition agreements, in the order they were registered."""
    after = decode_cursor(cursor)
    with session_scope(runtime.engine) as session:
        rows = credential_queries.list_recognitions(
            session,
            after=after,
            limit=limit + 1,
            jurisdiction=jurisdiction,
            credential_type=None if credential_type is None else credential_type.value,
        )
        return paged(rows, limit, lambda kept: [RecognitionOut.of(r) for r in kept])


@router.get(
    "/recognitions/{recognition_id}",
    response_model=RecognitionOut,
    responses=problems(401, 403, 404, 422),
)
def get_recognition(
    recognition_id: RecognitionIdPath,
    caller: Annotated[Principal, allowed("credential.read", project=False)],
    runtime: RuntimeDep,
) -> RecognitionOut:
    """One recognition agreement."""
    with session_scope(runtime.engine) as session:
        return RecognitionOut.of(credential_queries.get_recognition(session, recognition_id))
