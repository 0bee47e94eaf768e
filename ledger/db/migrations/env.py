"""Alembic environment: runs on the connection that :func:`ledger.db.migrate` hands over."""

from alembic import context
from sqlmodel import create_engine

import ledger.db.domain  # noqa: F401  (declares the domain tables on the metadata)
from ledger.db.models import metadata

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # `alembic` on the command line: -x url=...
        url = context.get_x_argument(as_dictionary=True)["url"]
        with create_engine(url).begin() as own:
            _run_on(own)
    else:
        _run_on(connection)


def _run_on(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
