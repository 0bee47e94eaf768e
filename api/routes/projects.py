"""Routes of the projects resources (see docs/api/projects.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["projects"])
