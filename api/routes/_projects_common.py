"""What the project, agreement and partner routes share: paging parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from api.schemas import CURSOR_PATTERN

LimitQuery = Annotated[int, Query(ge=1, le=200, description="At most this many items (1 to 200).")]
CursorQuery = Annotated[
    str | None, Query(pattern=CURSOR_PATTERN, description="`next_cursor` of the previous page.")
]
