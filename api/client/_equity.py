"""The client's calls on the equity resources (see docs/api/equity.md)."""

from __future__ import annotations

from api.client._base import Base


class EquityApi(Base):
    """Calls on the equity routes."""
