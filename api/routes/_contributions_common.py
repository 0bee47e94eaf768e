"""What the contribution, attestation and contribution-dispute routes share: path
parameters, finding a contribution or a dispute of the project, an error's clashing
fields renamed, a resource's path."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Path
from sqlmodel import Session

from api.schemas import MAX_ID
from ledger.db import Contribution, Dispute
from ledger.errors import LedgerError, NotFound

ContributionIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The contribution's id.")]
DisputeIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The dispute's id.")]
AttestationIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The attestation's id.")]


def contribution_in(session: Session, project_id: int, contribution_id: int) -> Contribution:
    """The project's contribution; another project's is as unknown as a missing one."""
    row = session.get(Contribution, contribution_id)
    if row is None or row.project_id != project_id:
        raise NotFound(
            f"project {project_id} has no contribution {contribution_id}",
            contribution_id=contribution_id,
        )
    return row


def dispute_on(session: Session, project_id: int, contribution_id: int, dispute_id: int) -> Dispute:
    """A dispute on that contribution of the project."""
    contribution_in(session, project_id, contribution_id)
    row = session.get(Dispute, dispute_id)
    if (
        row is None
        or row.subject != "contribution"
        or row.subject_id != contribution_id
        or row.project_id != project_id
    ):
        raise NotFound(
            f"contribution {contribution_id} has no dispute {dispute_id}", dispute_id=dispute_id
        )
    return row


#: Members every problem document has; an error field of the same name would clash.
_PROBLEM_MEMBERS = frozenset({"type", "title", "status", "detail", "instance"})


@contextmanager
def renaming_clashing_fields() -> Iterator[None]:
    """Let an error whose fields reuse a problem member's name (a decided dispute's or a
    rejected contribution's ``status``) reach the client as ``current_<name>``.

    ``api/errors.py`` passes an error's fields as keyword arguments next to the problem's
    own ``status``; a field of that name would make the handler fail with a 500.
    """
    try:
        yield
    except LedgerError as exc:
        for name in _PROBLEM_MEMBERS & exc.fields.keys():
            exc.fields[f"current_{name}"] = exc.fields.pop(name)
        raise


def contribution_url(project_id: int, *parts: object) -> str:
    """The path of the project's contribution ``parts[0]``, or of what is under it."""
    return f"/v1/projects/{project_id}/contributions/" + "/".join(str(p) for p in parts)
