"""A discrepancy between the ledger and the chain, and the collector every check writes to."""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_utils import to_checksum_address

#: The field of a discrepancy where one side holds the subject and the other does not.
PRESENCE = "presence"


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """One thing the ledger and the chain disagree about.

    Values are text, so that a report travels as JSON unchanged: wei and counts in decimal,
    hashes as lower-case hex without ``0x``, addresses checksummed, transaction hashes with
    ``0x``, flags ``true``/``false``, names as the ledger spells them; None where that side
    holds nothing.

    Attributes:
        subject: What it is about: ``project``, ``partner``, ``milestone``, ``claim``,
            ``anchor``, ``rights_column``, ``background_deposit``, ``asset``, ``licence``,
            ``revenue``, ``dispute``, ``issuer`` or ``credential``.
        ref: The ledger's name of the subject (a number, a row id, a tree size, a
            credential id; see ``docs/reconciliation.md``), or None when only the chain
            holds it.
        field: What differs (``presence`` when one side lacks the subject altogether).
        ledger: The ledger's value.
        chain: The chain's value.
        detail: One line for people.
    """

    subject: str
    ref: str | None
    field: str
    ledger: str | None
    chain: str | None
    detail: str


def text(value: object) -> str | None:
    """A value as a discrepancy carries it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def hex_text(value: str | bytes | None) -> str | None:
    """A hash as lower-case hex without ``0x``."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.hex()
    return value.removeprefix("0x").lower()


def tx_text(value: str | None) -> str | None:
    """A transaction hash as ``0x`` and lower-case hex."""
    return None if value is None else "0x" + value.removeprefix("0x").lower()


def address_text(value: str | None) -> str | None:
    """An address checksummed (text that is not an address is kept as it is)."""
    if value is None:
        return None
    try:
        return to_checksum_address(value)
    except (ValueError, TypeError):
        return value


@dataclass
class Findings:
    """The discrepancies found so far, in the order the checks found them."""

    items: list[Discrepancy] = field(default_factory=list)

    def compare(
        self, subject: str, ref: str | None, name: str, ledger: object, chain: object, what: str
    ) -> None:
        """Report ``name`` of ``what`` when the two sides' values (as text) differ."""
        mine, theirs = text(ledger), text(chain)
        if mine != theirs:
            self.items.append(
                Discrepancy(
                    subject,
                    ref,
                    name,
                    mine,
                    theirs,
                    f"{what}: {name} is {_shown(mine)} in the ledger, {_shown(theirs)} on chain",
                )
            )

    def ledger_only(self, subject: str, ref: str, key: object, what: str) -> None:
        """Report a subject the ledger records and the chain does not hold (``key``: how the
        ledger identifies it, e.g. a transaction hash; ``ref`` when it has nothing better)."""
        shown = ref if key is None else text(key)
        self.items.append(
            Discrepancy(
                subject, ref, PRESENCE, shown, None, f"{what} is in the ledger, not on chain"
            )
        )

    def chain_only(self, subject: str, key: object, what: str) -> None:
        """Report a subject the chain holds and the ledger never recorded."""
        self.items.append(
            Discrepancy(
                subject, None, PRESENCE, None, text(key), f"{what} is on chain, not in the ledger"
            )
        )


def _shown(value: str | None) -> str:
    return "nothing" if value is None else repr(value)
