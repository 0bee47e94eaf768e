"""Routes of the equity resources (see docs/api/equity.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["equity"])
