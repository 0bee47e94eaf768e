"""Listing contributions with every filter (``ledger.contributions._listing``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import Engine

from ledger import snapshots
from ledger.context import Ledger
from ledger.contributions._listing import Filters, page, partner_of
from ledger.db import Project, session_scope
from ledger.errors import NotFound, RuleViolation
from ledger.recording import lock_project
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, Clock
from tests.ledger.services.contribution_support import contribute, open_dispute


def ids(engine: Engine, project: Project, filters: Filters | None = None, **paging: int) -> list:  # type: ignore[type-arg]
    with session_scope(engine) as session:
        return [row.id for row in page(session, project.id, filters, **paging)]  # type: ignore[arg-type]


def take(engine: Engine, ledger: Ledger, project: Project) -> int:
    with session_scope(engine) as session:
        return snapshots.take(session, ledger, lock_project(session, project.id), reason="t").id  # type: ignore[arg-type,return-value]


def test_a_snapshot_filter_skips_a_long_run_of_left_out_ids(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    rows = [contribute(engine, ledger, project, FOREIGN_A, "core", "code", v) for v in range(1, 7)]
    for row in rows[1:5]:
        open_dispute(engine, ledger, project, row, LOCAL_B)
    snapshot_id = take(engine, ledger, project)
    later = contribute(engine, ledger, project, FOREIGN_A, "core", "code", 99)
    counted = Filters(snapshot_id=snapshot_id)
    assert ids(engine, project, counted) == [rows[0].id, rows[5].id]
    # one row a read: the second page reads four left-out rows before it finds one
    assert ids(engine, project, counted, limit=1) == [rows[0].id]
    assert ids(engine, project, counted, limit=1, after_id=rows[0].id) == [rows[5].id]  # type: ignore[arg-type]
    assert ids(engine, project, counted, after_id=rows[5].id) == []  # type: ignore[arg-type]
    assert ids(engine, project)[-1] == later.id
    assert ids(engine, project, Filters(status="disputed")) == [r.id for r in rows[1:5]]


def test_filters_combine(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project], clock: Clock
) -> None:
    project = make_project()
    a_code = contribute(engine, ledger, project, FOREIGN_A, "core", "code", 1)
    b_data = contribute(engine, ledger, project, LOCAL_B, "application", "data", 2)
    clock.advance(minutes=5)
    middle = clock.now
    c_code = contribute(engine, ledger, project, FOREIGN_C, "core", "code", 3)
    a_data = contribute(engine, ledger, project, FOREIGN_A, "application", "data", 4)
    assert ids(engine, project, Filters(partner=1)) == [a_code.id, a_data.id]
    assert ids(engine, project, Filters(partner=FOREIGN_A.address.lower(), kind="data")) == [
        a_data.id
    ]
    assert ids(engine, project, Filters(tier="core", recorded_from=middle)) == [c_code.id]
    assert ids(engine, project, Filters(recorded_to=middle)) == [a_code.id, b_data.id]
    assert ids(engine, project, Filters(kind="data", status="accepted")) == [b_data.id, a_data.id]


def test_refusals_name_the_filter(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    other = make_project()
    contribute(engine, ledger, other, FOREIGN_A, "core", "code", 1)
    theirs = take(engine, ledger, other)
    cases: list[tuple[Filters, dict[str, int], type[Exception], str | None]] = [
        (Filters(tier="platinum"), {}, RuleViolation, "tier"),
        (Filters(kind="marketing"), {}, RuleViolation, "kind"),
        (Filters(status="pending"), {}, RuleViolation, "status"),
        (Filters(recorded_from=datetime(2026, 1, 1)), {}, RuleViolation, "recorded_from"),
        (Filters(recorded_to=datetime(2026, 1, 1)), {}, RuleViolation, "recorded_to"),
        (Filters(partner="0x12"), {}, RuleViolation, "partner"),
        (Filters(partner=0), {}, RuleViolation, "partner"),
        (Filters(), {"limit": 0}, RuleViolation, "limit"),
        (Filters(), {"limit": 1001}, RuleViolation, "limit"),
        (Filters(), {"after_id": -1}, RuleViolation, "after_id"),
        (Filters(partner=4), {}, NotFound, None),
        (Filters(snapshot_id=theirs), {}, NotFound, None),
        (Filters(milestone=1), {}, NotFound, None),
    ]
    for filters, paging, error, field in cases:
        with pytest.raises(error) as caught:
            ids(engine, project, filters, **paging)
        if field is not None:
            assert caught.value.fields["field"] == field, filters  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        ids(engine, Project(id=(project.id or 0) + 50), Filters())


def test_partner_of_reads_an_address_or_a_number(
    engine: Engine, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    with session_scope(engine) as session:
        assert partner_of(session, project.id, 2).address == LOCAL_B.address  # type: ignore[arg-type]
        assert partner_of(session, project.id, FOREIGN_C.address.lower()).number == 3  # type: ignore[arg-type]
        with pytest.raises(NotFound):
            partner_of(session, project.id, 4)  # type: ignore[arg-type]
