"""``Idempotency-Key`` on every POST: a retry gets the first response, another body a 409.

A client that did not hear the answer to a creating request sends it again with the same
``Idempotency-Key`` header. The first request with a key claims the key for its principal
(a row with no response yet); when it answers with a 2xx, that status, content type,
``Location`` and body are stored, and any later request by the same principal with the
same key and the same method, path, query and body gets them back, with
``Idempotent-Replayed: true``, without running again. Then:

- the same key with another request (method, path, query or body) is 409
  ``/problems/idempotency-key-reused``;
- the same key while the first request still runs is 409
  ``/problems/idempotency-key-in-flight`` (retry later);
- a first request that fails (4xx, 5xx, or an exception) releases the key: nothing was
  created, so a corrected retry runs anew;
- a claim whose request never answered (its process was killed) is a lease: once it is
  older than ``IPLEDGER_IDEMPOTENCY_LEASE_SECONDS`` (60 by default, far longer than any
  request runs), a retry with the same request takes it over and runs. Whether the killed
  request's work committed is then up to the ledger's own checks: a contribution carries
  its key in its signed fields and is stored once (the retry gets 200 with the stored one);
  a milestone release or a payout claim that was mined is recorded from its event on
  chain, not sent again.

Keys are per principal: two principals may use the same key for different things. A
request whose API key is not valid passes through untouched (the route answers 401). The
key is 1 to 255 visible ASCII characters; anything else is 422.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from anyio import to_thread
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import send_problem
from ledger.context import utc_now
from ledger.db import IdempotencyRecord, session_scope
from ledger.errors import Unauthenticated
from ledger.principals import authenticate

HEADER = "idempotency-key"
REPLAYED = "Idempotent-Replayed"
MAX_KEY = 255
#: How long a claim without an answer holds its key (``IPLEDGER_IDEMPOTENCY_LEASE_SECONDS``).
LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Claim:
    """What a request's key turned out to be: new (``row_id``), a replay, or a refusal."""

    row_id: int | None = None
    replay: IdempotencyRecord | None = None
    refusal: str | None = None  # "reused" or "in-flight"


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode()):
        digest.update(part + b"\0")
    digest.update(body)
    return digest.hexdigest()


def claim(
    engine: Engine, principal_id: int, key: str, print_: str, *, lease: timedelta = LEASE
) -> Claim:
    """Claim ``key`` for a new request, or find the request that holds it.

    A claim with no answer older than ``lease`` was left by a request that never finished
    (its process died): the same request takes it over.
    """
    try:
        with session_scope(engine) as session:
            row = IdempotencyRecord(
                principal_id=principal_id,
                key=key,
                fingerprint=print_,
                created_at=utc_now(),
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            return Claim(row_id=row.id)
    except IntegrityError:
        pass
    with session_scope(engine) as session:
        held = session.exec(  # type: ignore[call-overload]
            select(IdempotencyRecord).where(
                IdempotencyRecord.principal_id == principal_id,  # type: ignore[arg-type]
                IdempotencyRecord.key == key,  # type: ignore[arg-type]
            )
        ).scalar_one_or_none()
    if held is None:  # released between our insert and this read: the caller may retry
        return Claim(refusal="in-flight")
    if held.fingerprint != print_:
        return Claim(refusal="reused")
    if held.status is None:
        if held.created_at > utc_now() - lease or not _take_over(engine, held):
            return Claim(refusal="in-flight")
        assert held.id is not None
        return Claim(row_id=held.id)
    return Claim(replay=held)


def _take_over(engine: Engine, held: IdempotencyRecord) -> bool:
    """Renew an expired claim for this request; False when another retry renewed it first."""
    with session_scope(engine) as session:
        renewed = session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.id == held.id,  # type: ignore[arg-type]
                IdempotencyRecord.status.is_(None),  # type: ignore[union-attr]
                IdempotencyRecord.created_at == held.created_at,  # type: ignore[arg-type]
            )
            .values(created_at=utc_now())
        )
        return bool(renewed.rowcount)  # type: ignore[attr-defined]


def store(engine: Engine, row_id: int, status: int, headers: Headers, body: bytes) -> None:
    with session_scope(engine) as session:
        row = session.get(IdempotencyRecord, row_id)
        if row is None:
            return
        row.status = status
        row.content_type = headers.get("content-type")
        row.location = headers.get("location")
        row.body = body


def release(engine: Engine, row_id: int) -> None:
    with session_scope(engine) as session:
        session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == row_id))  # type: ignore[arg-type]


def _principal_id(engine: Engine, headers: Headers) -> int | None:
    scheme, _, token = (headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        with session_scope(engine) as session:
            return authenticate(session, token.strip()).id
    except Unauthenticated:
        return None


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY and all(33 <= ord(c) <= 126 or c == " " for c in key)


class IdempotencyMiddleware:
    """Pure ASGI middleware over the app (see the module's documentation)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        if not _valid_key(key):
            await send_problem(
                scope,
                send,
                422,
                "Invalid Idempotency-Key",
                f"the Idempotency-Key header is 1 to {MAX_KEY} visible ASCII characters",
                "/problems/invalid-request",
                field="Idempotency-Key",
            )
            return
        engine: Engine = scope["app"].state.runtime.engine
        principal_id = await to_thread.run_sync(_principal_id, engine, headers)
        if principal_id is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        print_ = fingerprint(
            scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1"), body
        )
        runtime = scope["app"].state.runtime
        lease = timedelta(seconds=runtime.settings.idempotency_lease_seconds)
        claimed = await to_thread.run_sync(
            partial(claim, engine, principal_id, key, print_, lease=lease)
        )
        if claimed.refusal == "reused":
            await send_problem(
                scope,
                send,
                409,
                "Idempotency-Key reused",
                "this Idempotency-Key was used for another request; use a new key",
                "/problems/idempotency-key-reused",
                field="Idempotency-Key",
            )
            return
        if claimed.refusal == "in-flight":
            await send_problem(
                scope,
                send,
                409,
                "Request in progress",
                "a request with this Idempotency-Key is still running; retry later",
                "/problems/idempotency-key-in-flight",
                field="Idempotency-Key",
            )
            return
        if claimed.replay is not None:
            await _replay(send, claimed.replay)
            return
        assert claimed.row_id is not None
        await self._first(scope, send, engine, claimed.row_id, body)

    async def _first(
        self, scope: Scope, send: Send, engine: Engine, row_id: int, body: bytes
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def receive_body() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, receive_body, capture)
        except BaseException:
            await to_thread.run_sync(release, engine, row_id)
            raise
        assert start is not None
        content = b"".join(chunks)
        status = int(start["status"])
        if 200 <= status < 300:
            await to_thread.run_sync(
                store, engine, row_id, status, Headers(raw=start["headers"]), content
            )
        else:
            await to_thread.run_sync(release, engine, row_id)
        await send(start)
        await send({"type": "http.response.body", "body": content, "more_body": False})


async def _read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


async def _replay(send: Send, row: IdempotencyRecord) -> None:
    body = row.body or b""
    headers = [
        (b"content-type", (row.content_type or "application/json").encode("latin-1")),
        (b"content-length", str(len(body)).encode()),
        (REPLAYED.lower().encode(), b"true"),
    ]
    if row.location:
        headers.append((b"location", row.location.encode("latin-1")))
    assert row.status is not None
    await send({"type": "http.response.start", "status": row.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
