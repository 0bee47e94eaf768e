"""Routes of the milestones resources (see docs/api/milestones.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["milestones"])
