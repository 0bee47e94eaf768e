"""ipledger's domain: models, equity, record, credentials, and the chain gateway."""

from typing import Any


def __getattr__(name: str) -> Any:
    # The version is looked up on first use: importlib.metadata costs ~20 ms at start-up.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("ipledger")
        except PackageNotFoundError:  # a source tree that was not installed
            return "0.0.0+unknown"
    raise AttributeError(f"module 'ledger' has no attribute {name!r}")
