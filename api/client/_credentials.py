"""The client's calls on the credentials resources (see docs/api/credentials.md)."""

from __future__ import annotations

from api.client._base import Base


class CredentialsApi(Base):
    """Calls on the credentials routes."""
