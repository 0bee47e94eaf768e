"""The client's calls on the audit resources (see docs/api/audit.md)."""

from __future__ import annotations

from api.client._base import Base


class AuditApi(Base):
    """Calls on the audit routes."""
