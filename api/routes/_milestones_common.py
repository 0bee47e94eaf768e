"""What the milestone, claim, funding and alert routes share: path and paging parameters,
the chain's problems, a milestone's path."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from api.schemas import CURSOR_PATTERN, MAX_ID

MilestoneNumber = Annotated[
    int, Path(ge=1, le=MAX_ID, description="The milestone's number within the project.")
]
LimitQuery = Annotated[int, Query(ge=1, le=200, description="At most this many items.")]
CursorQuery = Annotated[
    str | None, Query(pattern=CURSOR_PATTERN, description="`next_cursor` of the previous page.")
]

#: The statuses a route that reads or writes the chain may answer besides its own.
CHAIN_PROBLEMS = (502, 503)


def milestone_path(project_id: int, number: int) -> str:
    """The path of the project's milestone ``number``."""
    return f"/v1/projects/{project_id}/milestones/{number}"
