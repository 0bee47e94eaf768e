"""Overdue alerts on a project's milestones: what the routes answer."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.models.milestones import State
from api.schemas import Address


class AlertOut(BaseModel):
    """An overdue alert: a milestone passed its due date before it was released."""

    id: int = Field(description="The alert's id (its journal entry's).")
    seq: int = Field(description="Its entry's sequence number in the project's record.")
    kind: Literal["overdue"]
    milestone: int = Field(description="The milestone's number.")
    due_at: datetime
    state: str = Field(description="The milestone's state when the alert was raised.")
    milestone_state: State = Field(description="The milestone's state now.")
    notified: list[Address] = Field(description="The partners and arbiters notified.")
    raised_at: datetime
