"""Bodies are bounded before anything parses them: at most 2 MiB, JSON at most 64 levels deep.

A request body larger than :data:`MAX_BODY` is refused with 413 as soon as its size is known
(from ``Content-Length``, or while it streams in), and nothing past the limit is read. A JSON
body nested deeper than :data:`MAX_DEPTH` is refused with 422 before the JSON parser sees it:
parsing a hundred thousand nested brackets exhausts the interpreter's stack. Both answers
are problem documents (RFC 9457). The largest legitimate body, a background IP document of
1 MiB in base64, fits with room to spare; the deepest, a background deposit's terms, is 16.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import send_problem

MAX_BODY = 2 * 1024 * 1024
MAX_DEPTH = 64


class BodyTooLarge(Exception):
    pass


def nesting_depth(body: bytes) -> int:
    """How deep the brackets of a JSON text nest (brackets inside strings do not count)."""
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
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


class BodyGuardMiddleware:
    """Pure ASGI middleware: refuses oversized or over-deep bodies before the app reads them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in {"GET", "HEAD", "OPTIONS"}:
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
            break
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
