"""Checks of every field a caller supplies, each failing with a RuleViolation naming it.

Nothing here touches the database: the services run these checks before they take the
project's lock, so malformed input never waits for a writer or reaches storage.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import rfc8785
from eth_utils import is_address, to_checksum_address

from ledger.equity import Kind, Tier
from ledger.errors import RuleViolation, Unauthorized

#: Values are uint256 in the signed struct.
VALUE_BITS = 256
KEY_MAX = 128
REASON_MAX = 4000
OUTCOMES = ("uphold", "reject")
RESOLUTIONS = ("settlement", "ruling")
STATUSES = ("accepted", "disputed", "rejected")

_HASH = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")
_KEY = re.compile(r"^[\x20-\x7e]+$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def microseconds(moment: datetime) -> int:
    """Integer microseconds since the Unix epoch (exact; no float on the way)."""
    return (moment.astimezone(UTC) - _EPOCH) // timedelta(microseconds=1)


def check_choice(value: object, field: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise RuleViolation(
            f"{field} must be one of {', '.join(allowed)}, got {value!r}",
            field=field,
            allowed=list(allowed),
        )
    return value


def check_tier(value: object) -> str:
    return check_choice(value, "tier", tuple(t.value for t in Tier))


def check_kind(value: object) -> str:
    return check_choice(value, "kind", tuple(k.value for k in Kind))


def check_integer(value: object, field: str, *, minimum: int, bits: int | None = None) -> int:
    """An ``int`` (never a ``bool``) at least ``minimum`` and, given ``bits``, below 2**bits."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise RuleViolation(f"{field} must be an integer, got {type(value).__name__}", field=field)
    if value < minimum or (bits is not None and value >= 2**bits):
        bound = f"at least {minimum}" + ("" if bits is None else f" and below 2**{bits}")
        raise RuleViolation(f"{field} must be {bound}", field=field, value=str(value))
    return value


def check_digest(value: object, field: str) -> str:
    """A sha256-sized hash: 64 hex digits, ``0x`` optional; returned lower-case without it."""
    if not isinstance(value, str) or not _HASH.match(value):
        raise RuleViolation(f"{field} must be 64 hex digits (0x optional)", field=field)
    return value.removeprefix("0x").lower()


def check_key(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= KEY_MAX or not _KEY.match(value):
        raise RuleViolation(
            f"idempotency_key must be 1 to {KEY_MAX} printable ASCII characters",
            field="idempotency_key",
        )
    return value


def check_address(value: object, field: str) -> str:
    if not isinstance(value, str) or not is_address(value):
        raise RuleViolation(f"{field} must be a 20-byte hex address", field=field)
    return to_checksum_address(value)


def check_reason(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > REASON_MAX:
        raise RuleViolation(
            f"reason must be a non-blank text of at most {REASON_MAX} characters", field="reason"
        )
    return value


def check_signature(value: object) -> str:
    """A signature as hex text; its bytes are checked when it is recovered."""
    if not isinstance(value, str):
        raise Unauthorized("a signature is 65 bytes as hex text", field="signature")
    return value


def stored_signature(signature: str) -> str:
    """A verified signature as stored: ``0x`` and lower-case hex."""
    return "0x" + signature.removeprefix("0x").lower()


def text_hash(text: str) -> str:
    """Hex sha256 of a UTF-8 text (a dispute's reason)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Body:
    """The validated fields of a contribution, as its contributor signs them."""

    partner: str
    tier: str
    kind: str
    value: int
    evidence_hash: str
    asset_id: int | None
    idempotency_key: str

    @classmethod
    def parse(
        cls,
        *,
        partner: object,
        tier: object,
        kind: object,
        value: object,
        evidence_hash: object,
        asset_id: object,
        idempotency_key: object,
    ) -> Body:
        """Check every field, in the order of the signed struct.

        Raises:
            RuleViolation: naming the first invalid field.
        """
        return cls(
            partner=check_address(partner, "partner"),
            tier=check_tier(tier),
            kind=check_kind(kind),
            value=check_integer(value, "value", minimum=1, bits=VALUE_BITS),
            evidence_hash=check_digest(evidence_hash, "evidence_hash"),
            asset_id=None if asset_id is None else check_integer(asset_id, "asset_id", minimum=1),
            idempotency_key=check_key(idempotency_key),
        )

    def signed(self, chain_project_id: int) -> dict[str, Any]:
        """The signed fields as JSON (the value and the hash as text, the asset 0 when none)."""
        return {
            "assetId": self.asset_id or 0,
            "evidenceHash": "0x" + self.evidence_hash,
            "idempotencyKey": self.idempotency_key,
            "kind": self.kind,
            "partner": self.partner,
            "projectId": chain_project_id,
            "tier": self.tier,
            "value": str(self.value),
        }

    def hash(self, chain_project_id: int) -> str:
        """Hex sha256 of the RFC 8785 JSON of :meth:`signed`: what a retry is compared by."""
        return hashlib.sha256(rfc8785.dumps(self.signed(chain_project_id))).hexdigest()
