"""Errors of the ledger, one hierarchy for every layer above the chain.

Each error keeps its structured fields (the API turns them into RFC 9457 problem
members) and builds its own message from them::

    LedgerError
    ├── NotFound
    ├── Conflict
    ├── RuleViolation
    ├── Unauthorized
    ├── Unauthenticated
    ├── StorageUnavailable
    ├── ConfigurationError
    ├── CompilerError
    │   ├── CompilerNotFound
    │   └── CompilationFailed
    └── ChainError
        ├── ChainUnavailable
        ├── ChainStateError
        └── ContractReverted
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class LedgerError(Exception):
    """Root of every error the ledger raises on purpose."""

    #: Short, stable, human-readable title of the error class (RFC 9457 ``title``).
    title = "Ledger error"

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, Any] = fields


class NotFound(LedgerError):
    title = "Not found"


class Conflict(LedgerError):
    title = "Conflict"


class RuleViolation(LedgerError):
    title = "Rule violated"


class Unauthorized(LedgerError):
    """Forbidden: the caller, or the signature it brought, may not do this."""

    title = "Not authorized"


class Unauthenticated(LedgerError):
    """The caller could not be identified: no valid API key.

    One message for every cause (malformed, unknown, wrong or revoked key), so that a caller
    learns nothing about which keys exist.
    """

    title = "Not authenticated"

    def __init__(self, message: str = "the API key is not valid") -> None:
        super().__init__(message)


class StorageUnavailable(LedgerError):
    """The database does not answer."""

    title = "Storage unavailable"


class ConfigurationError(LedgerError):
    """A setting or the environment makes start-up impossible."""

    title = "Configuration error"


class CompilerError(LedgerError):
    title = "Compiler error"


class CompilerNotFound(CompilerError):
    title = "No Solidity compiler"


@dataclass(frozen=True)
class Diagnostic:
    """One message of the Solidity compiler, located in a source file."""

    severity: str
    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.file else "<input>"
        return f"{where}: {self.severity}: {self.message}"


class CompilationFailed(CompilerError):
    title = "Compilation failed"

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        text = "\n".join(str(d) for d in diagnostics) or "the compiler reported no detail"
        super().__init__(text, diagnostics=[str(d) for d in diagnostics])


class ChainError(LedgerError):
    title = "Chain error"


class ChainUnavailable(ChainError):
    title = "Chain unavailable"


class ChainStateError(ChainError):
    """The chain's stored state cannot be opened or does not check out."""

    title = "Chain state error"


class ContractReverted(ChainError):
    """A contract call reverted; ``error`` is the decoded custom error, if any."""

    title = "Contract call reverted"

    def __init__(self, contract: str, error: str, values: dict[str, Any]) -> None:
        self.contract = contract
        self.error = error
        self.values = values
        shown = ", ".join(f"{k}={_show(v)}" for k, v in values.items())
        super().__init__(
            f"{contract} reverted with {error}({shown})",
            contract=contract,
            error=error,
            values={k: _show(v) for k, v in values.items()},
        )


def _show(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return value
