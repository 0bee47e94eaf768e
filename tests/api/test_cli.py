"""The ``ipledger`` command line: help, version, compile, deploy, serve, bootstrap-admin."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from typer.testing import CliRunner

from api.cli import app
from ledger import __version__
from ledger.chain import compiler
from ledger.chain.compiler import Build
from ledger.errors import CompilationFailed, Diagnostic
from tests.conftest import free_port, wait_for_http

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, build: Build, build_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """IPLEDGER_HOME for the command, its build cache already warm."""
    home = tmp_path / "home"
    (home / "build").mkdir(parents=True)
    shutil.copy(build_cache / f"{build.key}.json", home / "build")
    monkeypatch.setenv("IPLEDGER_HOME", str(home))
    return home


@pytest.mark.parametrize(
    "command", [[], ["serve"], ["compile"], ["deploy"], ["bootstrap-admin"], ["demo"]]
)
def test_help_on_every_command(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
    if command:
        assert command[0] in result.output


def test_help_lists_the_commands() -> None:
    output = runner.invoke(app, ["--help"]).output
    for command in ("serve", "compile", "deploy", "bootstrap-admin", "demo"):
        assert command in output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"ipledger {__version__}"


def test_compile_lists_contracts_with_sizes(home: Path, build: Build) -> None:
    result = runner.invoke(app, ["compile"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "RecordAnchor" in result.output
    assert f"{build['RecordAnchor'].deployed_size:,}" in result.output
    assert "from the build cache" in result.output


def test_compile_error_shows_file_and_line(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**kwargs: object) -> None:
        raise CompilationFailed(
            [Diagnostic("error", "contracts/Broken.sol", 6, 16, "DeclarationError: Undeclared")]
        )

    monkeypatch.setattr(compiler, "compile_contracts", broken)
    result = runner.invoke(app, ["compile"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "contracts/Broken.sol:6:16: error: DeclarationError: Undeclared" in result.output
    assert "Traceback" not in result.output


def test_deploy_twice_keeps_address(home: Path) -> None:
    first = runner.invoke(app, ["deploy"], env={"COLUMNS": "200"})
    second = runner.invoke(app, ["deploy"], env={"COLUMNS": "200"})
    assert first.exit_code == 0, first.output
    address = next(w for w in first.output.split() if w.startswith("0x") and len(w) == 42)
    assert address in second.output


@pytest.mark.parametrize("command", ["serve", "compile", "deploy"])
def test_bad_setting_is_one_line(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPLEDGER_PORT", "eighty")
    result = runner.invoke(app, [command], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: invalid setting: IPLEDGER_PORT:")


# ---------------------------------------------------------------------- serve


def spawn_serve(home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "IPLEDGER_HOME": str(home), "IPLEDGER_LOG_LEVEL": "warning"}
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_serve_survives_sigkill(home: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/health"
    proc = spawn_serve(home, port)
    try:
        wait_for_http(url, timeout=60)
        before = requests.get(url, timeout=5).json()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert before["chain"]["backend"] == "eth-tester"
    assert before["db"]["backend"] == "sqlite"

    proc = spawn_serve(home, port)
    try:
        wait_for_http(url, timeout=60)
        after = requests.get(url, timeout=5).json()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises the signal it caught
    assert proc.returncode in (0, -signal.SIGTERM), stderr.decode()
    assert b"Traceback" not in stderr
    assert after["contracts"] == before["contracts"]
    assert after["chain"] == before["chain"]  # same id, block number and block hash


def test_serve_on_port_in_use_fails_cleanly(home: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = spawn_serve(home, port)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert b"Traceback" not in stderr
    assert b"address already in use" in stderr.lower()


def test_bootstrap_admin_prints_a_working_key_once_then_refuses(home: Path) -> None:
    from ledger.db import create_db_engine, session_scope
    from ledger.principals import authenticate

    result = runner.invoke(app, ["bootstrap-admin", "Consortium office"])
    assert result.exit_code == 0, result.output
    key = next(line for line in result.stdout.splitlines() if line.startswith("ipl_"))
    engine = create_db_engine(f"sqlite:///{home / 'ledger.sqlite3'}")
    with session_scope(engine) as session:
        assert authenticate(session, key).role == "admin"
    engine.dispose()
    again = runner.invoke(app, ["bootstrap-admin", "Someone else"])
    assert again.exit_code != 0
    assert "Traceback" not in again.output and "admin" in again.output


def test_serve_help_names_its_defaults() -> None:
    result = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "(default: IPLEDGER_HOST, else 127.0.0.1)" in result.output
    assert "(default: IPLEDGER_PORT, else 8000)" in result.output
