"""Gateway to the RecordAnchor contract: a project's record tree heads, on chain."""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount

from ledger.chain.contract import ContractGateway
from ledger.chain.gateway import Receipt


@dataclass(frozen=True)
class AnchoredHead:
    """A tree head as the chain holds it."""

    index: int
    tree_size: int
    root_hash: bytes
    anchored_at: int
    block_number: int


class RecordAnchorGateway(ContractGateway):
    """Anchor and read a project's signed tree heads."""

    NAME = "RecordAnchor"

    def anchor(
        self,
        project_id: int,
        tree_size: int,
        root_hash: bytes,
        *,
        sender: LocalAccount | None = None,
    ) -> Receipt:
        """Anchor a tree head; the sender must be the project's ledger signer.

        Raises:
            ContractReverted: ``RecordAnchorNotLedgerSigner``, ``RecordAnchorConflictingHead``
                when the size was anchored with another root, ``RecordAnchorSizeNotIncreasing``,
                ``RecordAnchorAlreadyAnchored``, ``RecordAnchorEmptyTree``,
                ``RecordAnchorZeroRoot``.
        """
        return self._chain.transact(
            self.bound, "anchor", project_id, tree_size, root_hash, sender=sender
        )

    def count(self, project_id: int) -> int:
        return int(self._chain.call(self.bound, "headCount", project_id))

    def head_at(self, project_id: int, index: int) -> AnchoredHead:
        size, root, at, block = self._chain.call(self.bound, "headAt", project_id, index)
        return AnchoredHead(index, size, bytes(root), at, block)

    def latest(self, project_id: int) -> AnchoredHead | None:
        """The newest head, or None before the first anchor."""
        count = self.count(project_id)
        return self.head_at(project_id, count - 1) if count else None

    def root_at(self, project_id: int, tree_size: int) -> bytes | None:
        root = bytes(self._chain.call(self.bound, "rootAt", project_id, tree_size))
        return None if root == bytes(32) else root

    def heads(self, project_id: int) -> list[AnchoredHead]:
        return [self.head_at(project_id, i) for i in range(self.count(project_id))]
