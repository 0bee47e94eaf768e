"""What the ip models share: the largest id, the tiers, a transaction hash, partners'
signatures."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from api.schemas import (
    MAX_ID,  # noqa: F401 - re-exported for the ip models
    Signature,
)

#: A tier of the rights model.
TierName = Literal["core", "application", "derivative"]

#: A transaction's hash, with or without ``0x``.
TxHash = Annotated[
    str,
    Field(pattern=r"^(0x)?[0-9a-fA-F]{64}$", examples=["0x" + "3c" * 32]),
]
#: A list of partners' EIP-712 signatures (a quorum, or every partner).
Signatures = Annotated[
    list[Signature],
    Field(
        min_length=1,
        max_length=64,
        description="EIP-712 signatures, `0x` and 130 hex characters each, in any order.",
        examples=[["0x" + "1b" * 65, "0x" + "1c" * 65]],
    ),
]
