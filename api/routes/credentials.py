"""Routes of the credentials resources (see docs/api/credentials.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["credentials"])
