"""Reading contributions: pages by id, filters, and what an equity snapshot counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine

from ledger import contributions, equity
from ledger.context import Ledger
from ledger.db import Project, session_scope
from ledger.errors import NotFound, RuleViolation
from tests.contracts.conftest import key
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B
from tests.ledger.services.contribution_support import register


def test_list_contributions_pages_by_id_and_filters(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    made = [
        register(engine, ledger, project, account, idempotency_key=f"k{i}", tier=tier)[0]
        for i, (account, tier) in enumerate(
            [(FOREIGN_A, "core"), (LOCAL_B, "core"), (FOREIGN_A, "derivative"), (FOREIGN_C, "core")]
        )
    ]
    ids = [row.id for row in made]
    with session_scope(engine) as session:

        def page(**filters: Any) -> list[int | None]:
            return [r.id for r in contributions.list_contributions(session, project.id, **filters)]

        assert page() == ids
        assert page(limit=2) == ids[:2]
        assert page(after_id=ids[1], limit=2) == ids[2:]
        assert page(after_id=ids[3]) == []
        assert page(partner=FOREIGN_A.address.lower()) == [ids[0], ids[2]]
        assert page(tier="core", status="accepted") == [ids[0], ids[1], ids[3]]
        assert page(status="disputed") == []
        for filters, field in (
            ({"tier": "frontier"}, "tier"),
            ({"status": "pending"}, "status"),
            ({"limit": 0}, "limit"),
            ({"limit": contributions.PAGE_MAX + 1}, "limit"),
            ({"after_id": -1}, "after_id"),
            ({"partner": "nobody"}, "partner"),
        ):
            with pytest.raises(RuleViolation) as caught:
                page(**filters)
            assert caught.value.fields["field"] == field
        with pytest.raises(NotFound):
            page(partner=key("stranger").address)
        with pytest.raises(NotFound):
            contributions.list_contributions(session, 999)
        for lookup in (
            contributions.get,
            contributions.attestations_of,
            contributions.disputes_of,
            contributions.get_dispute,
        ):
            with pytest.raises(NotFound):
                lookup(session, 999)


def test_counted_since_reads_accepted_contributions_up_to_the_cutoff(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    first, _ = register(engine, ledger, project, FOREIGN_A, idempotency_key="a", value=50)
    second, _ = register(engine, ledger, project, LOCAL_B, idempotency_key="b", kind="funding")
    later, _ = register(engine, ledger, project, FOREIGN_C, idempotency_key="c")
    with session_scope(engine) as session:
        counted = contributions.counted_since(session, project.id, 0, second.recorded_us)
        assert counted == [
            equity.Contribution(1, equity.Tier.CORE, equity.Kind.CODE, 50, first.recorded_us),
            equity.Contribution(2, equity.Tier.CORE, equity.Kind.FUNDING, 120, second.recorded_us),
        ]
        assert contributions.counted_since(session, project.id, first.id, later.recorded_us) == [
            contributions.as_engine_input(second),
            contributions.as_engine_input(later),
        ]
        assert contributions.last_recorded_id(session, project.id, second.recorded_us) == second.id
        assert contributions.last_recorded_id(session, project.id, first.recorded_us - 1) == 0
        assert contributions.not_counted(session, project.id, up_to_id=later.id or 0) == []
