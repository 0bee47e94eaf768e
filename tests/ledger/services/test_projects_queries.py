"""Reading projects, partners and agreement versions a page at a time."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from ledger import projects, projects_queries
from ledger.agreements import amend
from ledger.context import Ledger
from ledger.db import Project, session_scope
from ledger.errors import NotFound
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, PARTIES, signer


def test_projects_after_an_id_in_id_order(
    engine: Engine, make_project: Callable[..., Project]
) -> None:
    made = [make_project(joiners=()).id for _ in range(3)]
    with session_scope(engine) as session:
        assert [p.id for p in projects_queries.projects_after(session, 0, 10)] == made
        assert [p.id for p in projects_queries.projects_after(session, 0, 2)] == made[:2]
        assert [p.id for p in projects_queries.projects_after(session, made[0], 10)] == made[1:]
        assert projects_queries.projects_after(session, made[2], 10) == []


def test_partners_after_a_number_in_joining_order(
    engine: Engine, make_project: Callable[..., Project]
) -> None:
    project = make_project(joiners=(LOCAL_B, FOREIGN_C, FOREIGN_A))
    empty = make_project(joiners=())
    assert project.id is not None and empty.id is not None
    with session_scope(engine) as session:
        rows = projects_queries.partners_after(session, project.id, 0, 10)
        assert [(p.number, p.address) for p in rows] == [
            (1, LOCAL_B.address),
            (2, FOREIGN_C.address),
            (3, FOREIGN_A.address),
        ]
        assert [p.number for p in projects_queries.partners_after(session, project.id, 1, 1)] == [2]
        assert projects_queries.partners_after(session, empty.id, 0, 10) == []
        assert projects_queries.partner_by_number(session, project.id, 3).address == (
            FOREIGN_A.address
        )
        with pytest.raises(NotFound) as caught:
            projects_queries.partner_by_number(session, empty.id, 1)
        assert caught.value.fields == {"project_id": empty.id, "number": 1}
        with pytest.raises(NotFound):
            projects_queries.partners_after(session, 999, 0, 10)
        with pytest.raises(NotFound):
            projects_queries.partner_by_number(session, 999, 1)


def test_agreement_versions_after_a_version_and_the_current_one(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    other = make_project(joiners=())
    assert project.id is not None and other.id is not None
    with session_scope(engine) as session:
        current = projects.agreement_of(session, project.id)
    changes = {"valuation": {"tacit_training": 2000}}
    digest = amend(current, changes).document_hash()
    signatures = [signer(ledger, a).amendment(project.chain_project_id, 2, digest) for a in PARTIES]
    with session_scope(engine) as session:
        projects.amend(
            session,
            ledger,
            project_id=project.id,
            changes=changes,
            reason="training",
            signatures=signatures,
        )
    with session_scope(engine) as session:
        rows = projects_queries.versions_after(session, project.id, 0, 10)
        assert [(v.version, v.reason) for v in rows] == [(1, "created"), (2, "training")]
        assert [v.version for v in projects_queries.versions_after(session, project.id, 1, 10)] == [
            2
        ]
        assert [v.version for v in projects_queries.versions_after(session, project.id, 0, 1)] == [
            1
        ]
        assert projects_queries.agreement_version(session, project.id).document_hash == digest
        first = projects_queries.agreement_version(session, project.id, 1)
        assert first.document_hash == project.agreement_hash
        assert projects_queries.agreement_version(session, other.id).version == 1
        with pytest.raises(NotFound) as caught:
            projects_queries.agreement_version(session, other.id, 2)
        assert caught.value.fields == {"project_id": other.id, "version": 2}
        with pytest.raises(NotFound):
            projects_queries.versions_after(session, 999, 0, 10)
        with pytest.raises(NotFound):
            projects_queries.agreement_version(session, 999)
