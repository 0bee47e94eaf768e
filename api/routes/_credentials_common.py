"""What the issuer, credential and recognition routes share: paging."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Query

from api.schemas import CURSOR_PATTERN, Page, page

Row = TypeVar("Row")
Out = TypeVar("Out")

LimitQuery = Annotated[int, Query(ge=1, le=200, description="At most this many items.")]
CursorQuery = Annotated[
    str | None, Query(pattern=CURSOR_PATTERN, description="`next_cursor` of the previous page.")
]


def paged(rows: list[Row], limit: int, show: Callable[[list[Row]], list[Out]]) -> Page[Out]:
    """A page of ``rows`` (at most ``limit``, cut by id), each shown as ``show`` makes it."""
    found = page(rows, limit, lambda r: r.id)
    return Page[Out](items=show(found.items), next_cursor=found.next_cursor)
