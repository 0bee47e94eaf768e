"""The client's calls on the milestones resources (see docs/api/milestones.md)."""

from __future__ import annotations

from api.client._base import Base


class MilestonesApi(Base):
    """Calls on the milestones routes."""
