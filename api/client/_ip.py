"""The client's calls on the ip resources (see docs/api/ip.md)."""

from __future__ import annotations

from api.client._base import Base


class IpApi(Base):
    """Calls on the ip routes."""
