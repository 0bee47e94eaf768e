"""Settings: every knob is an ``IPLEDGER_*`` environment variable (or a ``.env`` line).

Reach them through :func:`get_settings` (cached) so that tests can build their own
:class:`Settings` and pass it down instead of patching a global.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.errors import ConfigurationError

#: The well-known development mnemonic of anvil and hardhat. Its keys are public.
DEV_MNEMONIC = "test test test test test test test test test test test junk"


class Settings(BaseSettings):
    """Configuration of one ipledger process."""

    model_config = SettingsConfigDict(
        env_prefix="IPLEDGER_", env_file=".env", extra="ignore", frozen=True
    )

    env: Literal["development", "test", "production"] = Field(
        "development",
        description="Deployment environment; unsafe defaults fail outside development.",
    )
    home: Path = Field(
        Path(".ipledger"), description="Data folder: SQLite file, embedded chain, build cache."
    )
    database_url: str | None = Field(
        None, description="PostgreSQL URL (postgresql://…); unset means SQLite in the data folder."
    )
    rpc_url: str | None = Field(
        None, description="EVM JSON-RPC node (http://…); unset means the embedded eth-tester chain."
    )
    solc: Path | None = Field(None, description="Path to a solc binary to compile with.")
    mnemonic: SecretStr | None = Field(
        None, description="BIP-39 mnemonic of the operator and test accounts on an RPC node."
    )
    operator_key: SecretStr | None = Field(
        None, description="Hex private key of the operator on an RPC node (wins over the mnemonic)."
    )
    record_key: SecretStr | None = Field(
        None,
        description="Hex Ed25519 seed (32 bytes) that signs the record's tree heads; "
        "unset means a key generated once into the data folder (development only).",
    )
    anchor_every: int = Field(
        100, ge=1, description="Anchor the record's head on chain at least every N entries."
    )
    anchor_retry_seconds: float = Field(
        30.0,
        gt=0,
        description="How often `ipledger serve` retries anchoring heads left unanchored "
        "(the chain node was down when they were signed).",
    )
    idempotency_lease_seconds: float = Field(
        60.0,
        gt=0,
        description="How long an Idempotency-Key claimed by a request that never answered "
        "(its process died) refuses retries as in flight before a retry takes it over.",
    )
    host: str = Field("127.0.0.1", description="Address `ipledger serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `ipledger serve` listens on.")
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Logging level."
    )

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        scheme = urlsplit(value).scheme
        if scheme in ("postgresql", "postgres"):
            return "postgresql+psycopg" + value[len(scheme) :]
        if scheme == "postgresql+psycopg" or scheme.startswith("sqlite"):
            return value
        raise ValueError(f"must be a postgresql:// or sqlite:// URL, not {scheme or value!r}")

    @field_validator("rpc_url")
    @classmethod
    def _rpc_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"must be an http(s):// URL with a host, not {value!r}")
        return value

    @field_validator("solc")
    @classmethod
    def _solc(cls, value: Path | None) -> Path | None:
        if value is not None and not (value.is_file() and os.access(value, os.X_OK)):
            raise ValueError(f"{value} is not an executable file")
        return value

    @field_validator("operator_key", "record_key")
    @classmethod
    def _hex_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        raw = value.get_secret_value().removeprefix("0x")
        if len(raw) != 64 or any(c not in "0123456789abcdefABCDEF" for c in raw):
            raise ValueError("must be 32 bytes of hex (64 hex digits, 0x optional)")
        return value

    @model_validator(mode="after")
    def _no_unsafe_defaults(self) -> Settings:
        if self.env != "production":
            return self
        if self.mnemonic is not None and self.mnemonic.get_secret_value() == DEV_MNEMONIC:
            raise ValueError("IPLEDGER_MNEMONIC is the public development mnemonic")
        if self.rpc_url and self.operator_key is None and self.mnemonic is None:
            raise ValueError(
                "IPLEDGER_OPERATOR_KEY or IPLEDGER_MNEMONIC is required with an RPC node"
            )
        if self.record_key is None:
            raise ValueError("IPLEDGER_RECORD_KEY is required in production")
        return self

    # ------------------------------------------------------------------ derived

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to SQLite inside the data folder."""
        return self.database_url or f"sqlite:///{(self.home / 'ledger.sqlite3').resolve()}"

    @property
    def db_backend(self) -> str:
        return "postgresql" if self.sqlalchemy_url.startswith("postgresql") else "sqlite"

    @property
    def chain_backend(self) -> str:
        return "rpc" if self.rpc_url else "eth-tester"

    @property
    def chain_dir(self) -> Path:
        return self.home / "chain"

    @property
    def build_dir(self) -> Path:
        return self.home / "build"


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, turning errors into one line each.

    Raises:
        ConfigurationError: naming the variable and what is wrong with it.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigurationError(_one_line(exc)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return load_settings()


def _one_line(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        loc = [str(p) for p in error["loc"] if p != "__root__"]
        message = error["msg"].removeprefix("Value error, ")
        if loc:
            problems.append(f"IPLEDGER_{loc[0].upper()}: {message}")
        else:
            problems.append(message)
    return "invalid setting: " + "; ".join(problems)
