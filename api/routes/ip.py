"""Routes of the ip resources (see docs/api/ip.md).

Foreground assets and licences (:mod:`api.routes.ip_assets`), background IP in escrow
(:mod:`api.routes.ip_background`), revenue (:mod:`api.routes.ip_revenue`), tier columns and
the negotiated split (:mod:`api.routes.ip_rights`), all under ``/v1/projects/{project_id}``.
Each module adds its routes to the one router of :mod:`api.routes.ip_common`; importing
them here registers them.
"""

from __future__ import annotations

from api.routes import ip_assets, ip_background, ip_revenue, ip_rights  # noqa: F401
from api.routes.ip_common import router

__all__ = ["router"]
