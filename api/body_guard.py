"""Bodies are bounded before anything parses them: at most 2 MiB, JSON at most 64 levels deep.

A request body larger than :data:`MAX_BODY` is refused with 413 as soon as its size is known
(from ``Content-Length``, or while it streams in), and the app reads nothing past the limit
(the server discards the rest of the upload). A JSON body nested deeper than
:data:`MAX_DEPTH` is refused with 422 before the JSON parser sees it: parsing a hundred
thousand nested brackets exhausts the interpreter's stack. The largest legitimate body, a
background IP document of 1 MiB in base64, fits with room to spare; the deepest, a
background deposit's terms, is 16.

A NUL character is refused with 422 wherever a request could carry it into the database: the
path, the query, or a string of the JSON body (the escape ``\\u0000``). PostgreSQL cannot
store NUL in text at all, so without this a NUL was a server error there while SQLite kept it.

A body the client stops sending before it is complete (the connection closes first) never
reaches the app: its beginning may be valid JSON, and acting on it would do what the client
did not finish asking for. Every refusal is a problem document (RFC 9457).
"""

from __future__ import annotations

import json
import re

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import send_problem

MAX_BODY = 2 * 1024 * 1024
MAX_DEPTH = 64


#: The JSON escape of NUL, when its backslash is not itself escaped (``\\u0000`` is text).
_NUL_ESCAPE = r"(?<!\\)(?:\\\\)*\\u0000"
_NUL_IN_UTF8 = re.compile(_NUL_ESCAPE.encode())
_NUL_IN_TEXT = re.compile(_NUL_ESCAPE)


class BodyTooLarge(Exception):
    pass


class BodyCutOff(Exception):
    """The client disconnected before its body was complete."""


def holds_nul(body: bytes) -> bool:
    """Whether a JSON text has a NUL character in a string (a raw NUL byte is not JSON text).

    Raw NUL bytes mean UTF-16 or UTF-32, which the JSON parser also reads: such a body is
    decoded first so that its escapes are found too.
    """
    if b"\x00" not in body:
        return b"\\u0000" in body and _NUL_IN_UTF8.search(body) is not None
    try:
        text = body.decode(json.detect_encoding(body))
    except UnicodeDecodeError:
        return False  # not text: the parser refuses it
    return _NUL_IN_TEXT.search(text) is not None


def nul_in_target(scope: Scope) -> bool:
    """Whether the request's path or query holds a NUL character (``%00`` or a raw one)."""
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope["path"] or b"%00" in query or b"\x00" in query


def nesting_depth(body: bytes) -> int:
    """How deep the brackets of a JSON text nest (brackets inside strings do not count), as
    far as the limit matters: the scan stops one level past :data:`MAX_DEPTH`."""
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return 0  # cannot be deeper than the limit: skip the scan
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                break  # a body of 2 MiB of brackets is not scanned to its end
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


class BodyGuardMiddleware:
    """Pure ASGI middleware: refuses oversized or over-deep bodies before the app reads them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if nul_in_target(scope):
            await _holds_nul(scope, send, "the request's path or query holds a NUL character")
            return
        if scope["method"] in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
            await _too_large(scope, send)
            return
        try:
            body = await _read(receive)
        except BodyTooLarge:
            await _too_large(scope, send)
            return
        except BodyCutOff:
            return  # nobody is left to answer, and nothing was asked in full
        if nesting_depth(body) > MAX_DEPTH:
            await send_problem(
                scope,
                send,
                422,
                "Invalid request",
                f"the JSON body nests deeper than {MAX_DEPTH} levels",
                "/problems/invalid-request",
                limit=MAX_DEPTH,
            )
            return
        if holds_nul(body):
            await _holds_nul(scope, send, "a string of the JSON body holds a NUL character")
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()  # after the body: the client's disconnect, if any
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _read(receive: Receive) -> bytes:
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BodyCutOff()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise BodyTooLarge()
        parts.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(parts)


async def _too_large(scope: Scope, send: Send) -> None:
    await send_problem(
        scope,
        send,
        413,
        "Content too large",
        f"the request body is larger than {MAX_BODY} bytes",
        "/problems/body-too-large",
        limit=MAX_BODY,
    )


async def _holds_nul(scope: Scope, send: Send, detail: str) -> None:
    await send_problem(scope, send, 422, "Invalid request", detail, "/problems/invalid-request")
