"""Settings: defaults, derived values, and one-line errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.errors import ConfigurationError
from ledger.settings import DEV_MNEMONIC, load_settings


def test_defaults_are_embedded_chain_and_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(_env_file=None)
    assert settings.chain_backend == "eth-tester"
    assert settings.db_backend == "sqlite"
    assert settings.home == Path(".ipledger")
    assert settings.sqlalchemy_url.endswith(".ipledger/ledger.sqlite3")
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("IPLEDGER_HOME", str(tmp_path))
    monkeypatch.setenv("IPLEDGER_RPC_URL", "http://127.0.0.1:8545")
    monkeypatch.setenv("IPLEDGER_DATABASE_URL", "postgresql://u:p@127.0.0.1/db")
    settings = load_settings(_env_file=None)
    assert settings.home == tmp_path
    assert settings.chain_backend == "rpc"
    assert settings.db_backend == "postgresql"
    assert settings.sqlalchemy_url == "postgresql+psycopg://u:p@127.0.0.1/db"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("IPLEDGER_PORT", "eighty", "IPLEDGER_PORT: Input should be a valid integer"),
        ("IPLEDGER_PORT", "70000", "IPLEDGER_PORT: Input should be less than or equal to 65535"),
        ("IPLEDGER_RPC_URL", "ws://node", "IPLEDGER_RPC_URL: must be an http(s):// URL"),
        ("IPLEDGER_DATABASE_URL", "mysql://x/y", "IPLEDGER_DATABASE_URL: must be a postgresql://"),
        (
            "IPLEDGER_SOLC",
            "/nonexistent/solc",
            "IPLEDGER_SOLC: /nonexistent/solc is not an executable",
        ),
        ("IPLEDGER_OPERATOR_KEY", "0x1234", "IPLEDGER_OPERATOR_KEY: must be 32 bytes of hex"),
        ("IPLEDGER_ENV", "staging", "IPLEDGER_ENV: Input should be 'development', 'test'"),
        ("IPLEDGER_LOG_LEVEL", "loud", "IPLEDGER_LOG_LEVEL: Input should be"),
    ],
)
def test_bad_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as exc:
        load_settings(_env_file=None)
    text = str(exc.value)
    assert message in text
    assert "\n" not in text


def test_production_refuses_development_mnemonic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPLEDGER_ENV", "production")
    monkeypatch.setenv("IPLEDGER_MNEMONIC", DEV_MNEMONIC)
    with pytest.raises(ConfigurationError, match="IPLEDGER_MNEMONIC is the public development"):
        load_settings(_env_file=None)


def test_production_rpc_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPLEDGER_ENV", "production")
    monkeypatch.setenv("IPLEDGER_RPC_URL", "http://127.0.0.1:8545")
    with pytest.raises(ConfigurationError, match="IPLEDGER_OPERATOR_KEY or IPLEDGER_MNEMONIC"):
        load_settings(_env_file=None)


def test_secrets_are_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "0x" + "5a" * 32
    monkeypatch.setenv("IPLEDGER_OPERATOR_KEY", key)
    settings = load_settings(_env_file=None)
    assert key not in repr(settings)
    assert settings.operator_key is not None
    assert settings.operator_key.get_secret_value() == key


def test_production_needs_a_record_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPLEDGER_ENV", "production")
    with pytest.raises(ConfigurationError, match="IPLEDGER_RECORD_KEY is required"):
        load_settings(_env_file=None)
    monkeypatch.setenv("IPLEDGER_RECORD_KEY", "ab" * 32)
    assert load_settings(_env_file=None).record_key is not None


def test_record_key_must_be_32_bytes_of_hex(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPLEDGER_RECORD_KEY", "ab" * 31)
    with pytest.raises(ConfigurationError, match="IPLEDGER_RECORD_KEY: must be 32 bytes"):
        load_settings(_env_file=None)


def test_anchor_every_must_be_positive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPLEDGER_ANCHOR_EVERY", "0")
    with pytest.raises(ConfigurationError, match="IPLEDGER_ANCHOR_EVERY"):
        load_settings(_env_file=None)
