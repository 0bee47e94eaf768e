"""What the audit routes share: the record's path parameter."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from api.schemas import MAX_ID

#: ``{project_id}`` of the audit routes: a project, or 0 for the registry's record.
RecordId = Annotated[
    int,
    Path(ge=0, le=MAX_ID, description="The project's id; 0 for record 0, the registry's."),
]
