"""Errors of the record's Merkle tree, proofs and tree heads.

All three are rule violations (the caller asked for, or presented, something the
rules of the tree do not allow), so they derive from :class:`ledger.errors.RuleViolation`
and keep their structured fields::

    RuleViolation
    ├── TreeRangeError      a size or index outside the tree (when building)
    ├── ProofInvalid        a proof that does not verify, with a stable ``reason``
    └── TreeHeadInvalid     a tree head or its encoding that breaks the layout
"""

from __future__ import annotations

from typing import Any

from ledger.errors import RuleViolation


class TreeRangeError(RuleViolation):
    """A tree size, leaf index or old size lies outside what the tree holds."""

    title = "Outside the record tree"

    def __init__(self, detail: str, **fields: Any) -> None:
        super().__init__(detail, **fields)


class ProofInvalid(RuleViolation):
    """A proof does not verify.

    Attributes:
        reason: A short, stable code (``"index_out_of_range"``, ``"root_mismatch"``, ...)
            that callers may branch on; the message adds the values involved.
    """

    title = "Proof does not verify"

    def __init__(self, reason: str, detail: str, **fields: Any) -> None:
        self.reason = reason
        super().__init__(f"{reason}: {detail}", reason=reason, **fields)


class TreeHeadInvalid(RuleViolation):
    """A tree head's fields or its byte encoding break the documented layout."""

    title = "Invalid tree head"

    def __init__(self, detail: str, **fields: Any) -> None:
        super().__init__(detail, **fields)
