"""The client's calls on the disputes resources (see docs/api/disputes.md)."""

from __future__ import annotations

from api.client._base import Base


class DisputesApi(Base):
    """Calls on the disputes routes."""
