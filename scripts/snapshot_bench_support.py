"""What ``python scripts/bench.py snapshots`` runs the service with: a ledger without chain,
a fixed clock, a throwaway PostgreSQL database, timers and the process's memory.

``take`` needs of the :class:`~ledger.context.Ledger` only its clock and, through
:func:`ledger.recording.record`, the journal: the chain and the record key are reached only
when an entry's sequence number is a multiple of ``anchor_every`` (100), which the
benchmark's journal of two entries never is. So :func:`bench_ledger` puts a stand-in that
fails the run if touched in place of every gateway, and a real Ed25519 record key.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import resource
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from ledger.context import Ledger

T = TypeVar("T")


class FixedClock:
    """The ledger's clock during one take: from a set moment, a microsecond per reading."""

    def __init__(self, at: datetime) -> None:
        self.now = at

    def __call__(self) -> datetime:
        current = self.now
        self.now += timedelta(microseconds=1)
        return current


class _Offline:
    """Stands in for the chain, its gateways and the document stores: fails if reached."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise RuntimeError(f"the benchmark's ledger has no chain, yet {name} was used")


def bench_ledger() -> Ledger:
    """A :class:`Ledger` with a real record key and no chain (see the module docstring)."""
    offline = cast(Any, _Offline())
    seed = hashlib.sha256(b"ipledger-bench-record-key").digest()
    return Ledger(
        chain=offline,
        registry=offline,
        escrow=offline,
        disputes=offline,
        rights=offline,
        foreground=offline,
        background=offline,
        credentials=offline,
        anchor=offline,
        record_key=Ed25519PrivateKey.from_private_bytes(seed),
        documents=offline,
        vault=offline,
        revenue_artifact=offline,
    )


def timed(work: Callable[[], T]) -> tuple[float, T]:
    """Seconds ``work`` takes, garbage from earlier work collected first, and its result."""
    gc.collect()
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def reset_peak() -> bool:
    """Reset the process's peak resident size to its current size (Linux); False if unable."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_kib() -> int:
    """The process's peak resident size in KiB since the last :func:`reset_peak`.

    ``resource.getrusage(RUSAGE_SELF).ru_maxrss``; Linux resets it with the high-water mark.
    """
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rss_kib() -> int:
    """The process's resident size now, in KiB (0 where /proc is not available)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A throwaway database on the server at ``admin_url``, dropped afterwards."""
    admin = make_url(admin_url).set(drivername="postgresql+psycopg")
    name = f"ipledger_bench_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        for attempt in range(40):  # an autovacuum worker may hold it for a moment
            try:
                with engine.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except DBAPIError:
                if attempt == 39:
                    raise
                time.sleep(0.25)
        engine.dispose()
