"""A private ``ipledger serve`` for the demo: its data folder, its first admin, a free port.

The server runs in a process of its own, exactly as ``make run`` starts it, on the embedded
default (the eth-tester chain and SQLite in the data folder) whatever ``IPLEDGER_*``
variables the caller has set: only ``IPLEDGER_SOLC`` is passed on. Its log goes to
``serve.log`` in the data folder and is shown only if it fails to start.

The contracts are compiled (or read from the build cache) into the usual data folder's
cache first and copied into the demo's, so a second demo does not compile again.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2

from api.demo.errors import DemoError
from ledger.errors import LedgerError

#: How long the server may take to answer ``/health`` (it deploys the contracts first).
START_TIMEOUT = 120.0
#: The ``ipledger`` command line, as this interpreter runs it.
COMMAND = [sys.executable, "-m", "api.cli"]
#: Files that show a data folder already holds a ledger.
LEDGER_FILES = ("ledger.sqlite3", "chain")


@dataclass(frozen=True)
class Server:
    """The running server: where it listens, the first admin's key, its data folder."""

    url: str
    admin_key: str
    home: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _environment(home: Path) -> dict[str, str]:
    """The caller's environment without its ``IPLEDGER_*`` settings (but the compiler)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("IPLEDGER_") or name == "IPLEDGER_SOLC"
    }
    env.update(IPLEDGER_HOME=str(home), IPLEDGER_LOG_LEVEL="warning", IPLEDGER_ENV="development")
    return env


def _tail(text: str, lines: int = 12) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return "\n".join(f"  {line}" for line in kept)


def prepare_home(home: Path) -> None:
    """Check that ``home`` holds no ledger yet and put the compiled contracts in it.

    Raises:
        DemoError: for a folder that already holds a ledger, or contracts that do not compile.
    """
    from ledger.chain.compiler import compile_contracts, project_root
    from ledger.settings import load_settings

    if home.exists() and not home.is_dir():
        raise DemoError(f"--home {home} is a file, not a folder")
    taken = [name for name in LEDGER_FILES if (home / name).exists()]
    if taken:
        raise DemoError(
            f"--home {home} already holds a ledger ({taken[0]}): give a new or empty folder"
        )
    try:
        settings = load_settings()
        cache = settings.build_dir
        build = compile_contracts(root=project_root(), cache_dir=cache, solc_path=settings.solc)
    except LedgerError as exc:
        raise DemoError(f"compiling the contracts: {exc.message}") from None
    target = home / "build"
    target.mkdir(parents=True, exist_ok=True)
    source = cache / f"{build.key}.json"
    if source.resolve() != (target / source.name).resolve():
        shutil.copy(source, target)


def _bootstrap(env: dict[str, str]) -> str:
    """Create the first admin with ``ipledger bootstrap-admin``; its API key."""
    try:
        done = subprocess.run(
            [*COMMAND, "bootstrap-admin", "Consortium office"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        raise DemoError("creating the first admin took more than 5 minutes") from None
    key = next((w for w in done.stdout.split() if w.startswith("ipl_")), None)
    if done.returncode != 0 or key is None:
        raise DemoError(f"creating the first admin failed:\n{_tail(done.stderr)}")
    return key


def _wait_for_health(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    with httpx2.Client(base_url=url, timeout=2.0) as http:
        while True:
            if process.poll() is not None:
                text = log.read_text(encoding="utf-8", errors="replace")
                raise DemoError(
                    f"the server stopped on start (exit code {process.returncode}):\n{_tail(text)}"
                )
            try:
                if http.get("/health").status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline:
                raise DemoError(f"the server did not answer on {url} within {START_TIMEOUT:.0f} s")
            time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def serving(home: Path) -> Iterator[str]:
    """``ipledger serve`` on 127.0.0.1 over the data folder ``home`` until the block ends;
    its URL. The folder is used as it is (a kept demo folder, say): nothing is created.

    Raises:
        DemoError: if the server stops on start or does not answer ``/health`` in time.
    """
    env = _environment(home)
    port = _free_port()
    log = home / "serve.log"
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [*COMMAND, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for_health(url, process, log)
        yield url
    finally:
        _stop(process)


@contextmanager
def running_server(home: Path | None = None) -> Iterator[Server]:
    """An ``ipledger serve`` on 127.0.0.1 until the block ends, then stopped.

    Args:
        home: The data folder to use (kept afterwards); ``None`` for a temporary one,
            removed at the end.

    Raises:
        DemoError: if the folder holds a ledger already or the server does not start.
    """
    temporary = None
    if home is None:
        temporary = tempfile.TemporaryDirectory(prefix="ipledger-demo-")
        home = Path(temporary.name)
    try:
        home = home.resolve()
        prepare_home(home)
        admin_key = _bootstrap(_environment(home))
        (home / "serve.log").write_bytes(b"")
        with serving(home) as url:
            yield Server(url=url, admin_key=admin_key, home=home)
    finally:
        if temporary is not None:
            temporary.cleanup()
