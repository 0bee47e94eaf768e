"""Both database backends: migrations on start-up, pragmas, sessions."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import select

from ledger.db import Deployment, create_db_engine, current_revision, migrate, session_scope
from ledger.db.engine import head_revision
from ledger.db.models import metadata
from ledger.errors import ConfigurationError

HEAD = head_revision()


def make_row(name: str = "RecordAnchor", address: str = "0x" + "11" * 20) -> Deployment:
    return Deployment(
        chain_id=131277322940537,  # larger than 32 bits: needs BIGINT
        genesis_hash="0x" + "ab" * 32,
        name=name,
        address=address,
        code_hash="cd" * 32,
        tx_hash="0x" + "ef" * 32,
        block_number=1,
    )


def test_migrate_creates_schema(database_url: str) -> None:
    engine = create_db_engine(database_url)
    assert current_revision(engine) is None

    assert migrate(engine) == HEAD

    assert "deployment" in inspect(engine).get_table_names()
    assert migrate(engine) == HEAD  # a second run changes nothing
    engine.dispose()


def test_session_scope_commits_and_rolls_back(database_url: str) -> None:
    engine = create_db_engine(database_url)
    migrate(engine)
    with session_scope(engine) as session:
        session.add(make_row())
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.add(make_row(name="Lost"))
        raise RuntimeError("boom")

    with session_scope(engine) as session:
        rows = session.exec(select(Deployment)).all()
    assert [(r.name, r.chain_id) for r in rows] == [("RecordAnchor", 131277322940537)]
    assert rows[0].deployed_at.tzinfo is not None
    engine.dispose()


def test_concurrent_migrations_are_safe(database_url: str) -> None:
    engines = [create_db_engine(database_url) for _ in range(3)]
    failures: list[BaseException] = []

    def run(engine):  # type: ignore[no-untyped-def]
        try:
            migrate(engine)
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert current_revision(engines[0]) == HEAD
    for engine in engines:
        engine.dispose()


def test_sqlite_uses_wal_and_foreign_keys(tmp_path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'x' / 'ledger.sqlite3'}")
    with engine.connect() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_unreachable_database_is_a_clear_error() -> None:
    engine = create_db_engine("postgresql+psycopg://nobody:x@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(ConfigurationError, match="cannot migrate the database") as exc:
        migrate(engine)
    assert "x@" not in str(exc.value)  # the password is not shown


def test_migrations_match_the_declared_tables(database_url: str) -> None:
    engine = create_db_engine(database_url)
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []
