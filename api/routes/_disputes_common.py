"""What the milestone- and snapshot-dispute routes share: the dispute's path parameter, the
chain's problems, an error's ``status`` renamed, a raw transaction's signer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Path

from api.schemas import MAX_ID
from ledger.chain.gateway import transaction_sender
from ledger.errors import LedgerError, RuleViolation

DisputeIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The dispute's id.")]
#: The statuses a route that reads or writes the chain may answer besides its own.
CHAIN_PROBLEMS = (502, 503)


@contextmanager
def status_named() -> Iterator[None]:
    """Name whose ``status`` an error reports (``dispute_status``, ``project_status``).

    A problem's ``status`` member is its HTTP status (RFC 9457); the dispute services report
    a closed dispute's, or a terminated project's, status in a field of that name.
    """
    try:
        yield
    except LedgerError as exc:
        if "status" in exc.fields:
            owner = "project" if exc.fields.get("field") == "project" else "dispute"
            exc.fields[f"{owner}_status"] = exc.fields.pop("status")
        raise


def signer_of(transaction: str) -> str:
    """Who signed a raw transaction (the identity a relayed call is taken as)."""
    try:
        raw = bytes.fromhex(transaction.removeprefix("0x"))
    except ValueError:
        raise RuleViolation(
            "transaction must be a signed transaction in hex", field="transaction"
        ) from None
    return transaction_sender(raw)
