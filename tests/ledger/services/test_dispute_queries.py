"""Reading disputes: one within its project, pages filtered by status and subject kind."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from ledger.context import Ledger
from ledger.db import Dispute, Project, session_scope
from ledger.dispute_queries import dispute_in, dispute_page
from ledger.errors import NotFound
from tests.ledger.services.conftest import LOCAL_B, T0

#: (subject, status) of the rows stored in project 1, in id order; one in project 2 after.
ROWS = [
    ("milestone", "settled"),
    ("snapshot", "open"),
    ("contribution", "open"),  # a contribution's: never listed here
    ("milestone", "open"),
    ("snapshot", "lapsed"),
    ("milestone", "ruled"),
]


@pytest.fixture
def stored(engine: Engine, make_project: Callable[..., Project]) -> tuple[int, int, list[int]]:
    """Project ids and the ids of ``ROWS`` (stored directly: only the reading is tested)."""
    first, second = make_project(), make_project()
    assert first.id is not None and second.id is not None
    ids = []
    with session_scope(engine) as session:
        for n, (subject, status) in enumerate([*ROWS, ("milestone", "open")]):
            row = Dispute(
                project_id=first.id if n < len(ROWS) else second.id,
                subject=subject,
                subject_id=n + 1,
                opened_by=LOCAL_B.address,
                reason="why",
                evidence_hash="ab" * 32,
                status=status,
                deadline_at=T0,
                opened_at=T0,
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            ids.append(row.id)
    return first.id, second.id, ids


def test_a_dispute_is_found_only_within_its_project(
    engine: Engine, ledger: Ledger, stored: tuple[int, int, list[int]]
) -> None:
    first, second, ids = stored
    with session_scope(engine) as session:
        assert dispute_in(session, first, ids[0]).subject == "milestone"
        assert dispute_in(session, second, ids[-1]).project_id == second
        for project_id, dispute_id in ((first, ids[-1]), (second, ids[0]), (first, ids[2])):
            with pytest.raises(NotFound):
                dispute_in(session, project_id, dispute_id)
        with pytest.raises(NotFound):
            dispute_in(session, first, 10_000)


def test_pages_follow_ids_and_leave_out_contributions_and_other_projects(
    engine: Engine, ledger: Ledger, stored: tuple[int, int, list[int]]
) -> None:
    first, second, ids = stored
    listed = [i for i, (subject, _) in zip(ids, ROWS, strict=False) if subject != "contribution"]
    with session_scope(engine) as session:
        assert [d.id for d in dispute_page(session, first, limit=100)] == listed
        assert [d.id for d in dispute_page(session, first, limit=2)] == listed[:2]
        assert [d.id for d in dispute_page(session, first, after=listed[1], limit=2)] == listed[2:4]
        assert dispute_page(session, first, after=listed[-1], limit=5) == []
        assert [d.id for d in dispute_page(session, second, limit=5)] == [ids[-1]]


def test_pages_filter_by_status_and_subject(
    engine: Engine, ledger: Ledger, stored: tuple[int, int, list[int]]
) -> None:
    first, _, ids = stored

    def of(**filters: str) -> list[int | None]:
        with session_scope(engine) as session:
            return [d.id for d in dispute_page(session, first, limit=100, **filters)]

    assert of(status="open") == [ids[1], ids[3]]
    assert of(status="ruled") == [ids[5]]
    assert of(subject="snapshot") == [ids[1], ids[4]]
    assert of(subject="milestone", status="open") == [ids[3]]
    assert of(subject="contribution") == []
    assert of(status="settled", subject="snapshot") == []
