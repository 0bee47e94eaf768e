"""Checks of service inputs that many services share; each failure names its field."""

from __future__ import annotations

from eth_utils import to_checksum_address
from sqlmodel import Session, select

from ledger.db import Partner
from ledger.errors import RuleViolation

ZERO_ADDRESS = "0x" + "00" * 20


def address(value: object, field: str, *, nonzero: bool = False) -> str:
    """A 20-byte hex address, checksummed.

    Raises:
        RuleViolation: naming ``field`` for anything else (or the zero address if ``nonzero``).
    """
    try:
        checked = to_checksum_address(value)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        raise RuleViolation(f"{value!r} is not an address", field=field) from None
    if nonzero and checked == ZERO_ADDRESS:
        raise RuleViolation(f"{field} cannot be the zero address", field=field)
    return checked


def hex_bytes(value: object, field: str, *, size: int | None = None) -> bytes:
    """Bytes from hex text (``0x`` optional), of ``size`` bytes if given.

    Raises:
        RuleViolation: naming ``field``.
    """
    try:
        raw = bytes.fromhex(value.removeprefix("0x"))  # type: ignore[attr-defined]
    except (ValueError, AttributeError, TypeError):
        raise RuleViolation(f"{field} is not hex", field=field) from None
    if size is not None and len(raw) != size:
        raise RuleViolation(f"{field} must be {size} bytes, got {len(raw)}", field=field)
    return raw


def amount(value: object, field: str) -> int:
    """A non-negative integer amount of the token's smallest unit (not a bool, not a float).

    Raises:
        RuleViolation: naming ``field``.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value >= 2**256:
        raise RuleViolation(f"{field} must be an integer from 0 to 2**256 - 1", field=field)
    return value


def partner_at(session: Session, project_id: int, account: str, field: str) -> Partner:
    """The project's partner with that address.

    Raises:
        RuleViolation: naming ``field`` if the address is not a partner of the project.
    """
    who = address(account, field)
    partner = session.exec(
        select(Partner).where(Partner.project_id == project_id).where(Partner.address == who)
    ).first()
    if partner is None:
        raise RuleViolation(
            f"{who} is not a partner of project {project_id}", field=field, address=who
        )
    return partner
