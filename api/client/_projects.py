"""The client's calls on the projects resources (see docs/api/projects.md)."""

from __future__ import annotations

from api.client._base import Base


class ProjectsApi(Base):
    """Calls on the projects routes."""
