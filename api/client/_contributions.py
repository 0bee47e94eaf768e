"""The client's calls on the contributions resources (see docs/api/contributions.md)."""

from __future__ import annotations

from api.client._base import Base


class ContributionsApi(Base):
    """Calls on the contributions routes."""
