"""Routes of the ip resources (see docs/api/ip.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["ip"])
