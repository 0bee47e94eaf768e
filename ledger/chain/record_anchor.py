"""Gateway to the RecordAnchor contract: tree heads of the record, on chain."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.chain.gateway import Bound, Chain, Receipt


@dataclass(frozen=True)
class AnchoredHead:
    """A tree head as the chain holds it."""

    index: int
    tree_size: int
    root_hash: bytes
    anchored_at: int
    block_number: int


class RecordAnchorGateway:
    """Anchor and read the record's signed tree heads."""

    NAME = "RecordAnchor"

    def __init__(self, chain: Chain, bound: Bound) -> None:
        self._chain = chain
        self._bound = bound

    @property
    def address(self) -> str:
        return self._bound.address

    def anchor(self, tree_size: int, root_hash: bytes) -> Receipt:
        """Anchor a tree head; sizes must strictly increase.

        Raises:
            ContractReverted: ``RecordAnchorConflictingHead`` when the size was anchored
                with another root, ``RecordAnchorSizeNotIncreasing``,
                ``RecordAnchorAlreadyAnchored``, ``RecordAnchorEmptyTree``,
                ``RecordAnchorZeroRoot``, or ``OwnableUnauthorizedAccount``.
        """
        return self._chain.transact(self._bound, "anchor", tree_size, root_hash)

    def count(self) -> int:
        return int(self._chain.call(self._bound, "headCount"))

    def head_at(self, index: int) -> AnchoredHead:
        size, root, at, block = self._chain.call(self._bound, "headAt", index)
        return AnchoredHead(index, size, bytes(root), at, block)

    def latest(self) -> AnchoredHead | None:
        """The newest head, or None before the first anchor."""
        count = self.count()
        return self.head_at(count - 1) if count else None

    def root_at(self, tree_size: int) -> bytes | None:
        root = bytes(self._chain.call(self._bound, "rootAt", tree_size))
        return None if root == bytes(32) else root

    def heads(self) -> list[AnchoredHead]:
        return [self.head_at(i) for i in range(self.count())]
