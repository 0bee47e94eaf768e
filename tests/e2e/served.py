"""A real ``ipledger serve`` on 127.0.0.1, its first admin, and accounts the chain has funded.

:func:`serve` makes a data folder (its build cache already warm), creates the first admin
with ``ipledger bootstrap-admin`` and starts ``ipledger serve`` on a free port, on the
embedded eth-tester chain and the database given (SQLite in the folder by default). The
parties act with eth-tester's prefunded development accounts 1 to 9 (account 0 is the
server's operator), so they pay their own gas, as they would on a real chain.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_tester.backends.pyevm.main import get_default_account_keys

from tests.conftest import free_port, wait_for_http


def funded_accounts() -> list[LocalAccount]:
    """eth-tester's development accounts 1 to 9 (prefunded; 0 is the server's operator)."""
    keys = list(get_default_account_keys(10))
    return [Account.from_key(key.to_bytes()) for key in keys[1:]]


@dataclass(frozen=True)
class Served:
    """The running server: where it listens and the first admin's key."""

    url: str
    admin_key: str
    home: Path
    process: subprocess.Popen[bytes]


def _environment(home: Path, database_url: str | None) -> dict[str, str]:
    env = {**os.environ, "IPLEDGER_HOME": str(home), "IPLEDGER_LOG_LEVEL": "warning"}
    env.pop("IPLEDGER_DATABASE_URL", None)
    if database_url is not None and not database_url.startswith("sqlite"):
        env["IPLEDGER_DATABASE_URL"] = database_url
    return env


def prepare_home(home: Path, build_file: Path) -> None:
    """A data folder whose build cache already holds the compiled contracts."""
    (home / "build").mkdir(parents=True, exist_ok=True)
    shutil.copy(build_file, home / "build")


def bootstrap_admin(env: dict[str, str]) -> str:
    """``ipledger bootstrap-admin`` in ``env``; the first admin's API key."""
    bootstrap = subprocess.run(
        [sys.executable, "-m", "api.cli", "bootstrap-admin", "Consortium office"],
        env=env,
        capture_output=True,
        check=True,
        timeout=300,
    )
    return next(word for word in bootstrap.stdout.decode().split() if word.startswith("ipl_"))


def spawn_serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``ipledger serve`` on a free port, its stderr appended to ``log`` (a file, not a
    pipe: a pipe nobody reads fills and blocks the server); the process and its URL. The
    caller waits for ``/health`` and stops it."""
    port = free_port()
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    return process, f"http://127.0.0.1:{port}"


@contextmanager
def serve(home: Path, build_file: Path, *, database_url: str | None = None) -> Iterator[Served]:
    """Run ``ipledger serve`` until the block ends (then SIGTERM, and its log checked: no
    traceback in ``serve.log`` of the data folder)."""
    prepare_home(home, build_file)
    env = _environment(home, database_url)
    admin_key = bootstrap_admin(env)
    log = home / "serve.log"
    process, url = spawn_serve(env, log)
    try:
        wait_for_http(f"{url}/health", timeout=120)
        yield Served(url=url, admin_key=admin_key, home=home, process=process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    stderr = log.read_text(errors="replace")
    assert "Traceback" not in stderr, stderr
