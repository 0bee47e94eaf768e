"""Routes of the disputes resources (see docs/api/disputes.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["disputes"])
