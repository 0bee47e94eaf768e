"""The audit view: a static page at ``/audit/`` over the ``/v1`` API (``docs/audit-view.md``).

HTML, JavaScript modules and CSS from ``api/static/audit/``, nothing built or fetched at
run time. The page asks for an API key, keeps it in the tab's ``sessionStorage`` and sends
it only in the ``Authorization`` header of its own ``/v1`` requests, so the server serves
the same files to everyone and every answer is the API's, under that key's permissions.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

#: Where the page's files are (package data).
STATIC = Path(__file__).parent / "static" / "audit"

#: Everything the page loads comes from this server: no inline script or style, no other
#: origin, no frames, no form posted anywhere (the key form is handled by the script).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class AuditView(StaticFiles):
    """The page's files, each answered with :data:`HEADERS`."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(HEADERS)
        return response


def mount(app: FastAPI) -> None:
    """Serve the audit view at ``/audit/`` (``/audit`` redirects there)."""
    app.mount("/audit", AuditView(directory=STATIC, html=True), name="audit")
