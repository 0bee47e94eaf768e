"""Routes of the contributions resources (see docs/api/contributions.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["contributions"])
