"""The base of every contract gateway: a deployed contract on a chain, and its EIP-712 domain."""

from __future__ import annotations

from typing import Any

from ledger.chain.eip712 import Domain
from ledger.chain.gateway import Bound, Chain


class ContractGateway:
    """One deployed contract. Subclasses name it (``NAME``, also its EIP-712 domain name) and
    offer its functions in domain terms; only they touch ``contract.functions``."""

    NAME = ""

    def __init__(self, chain: Chain, bound: Bound) -> None:
        self._chain = chain
        self.bound = bound

    @property
    def address(self) -> str:
        return self.bound.address

    @property
    def domain(self) -> Domain:
        """The contract's EIP-712 domain: its name, version 1, the chain id, its address."""
        return Domain(self.NAME, self._chain.chain_id, self.bound.address)

    def logs(self, event: str, *, from_block: int = 0, **filters: Any) -> list[Any]:
        """Decoded logs of one of the contract's events since ``from_block``, oldest first.

        Keyword arguments filter on indexed arguments (a list matches any of its values).
        """
        return self._chain.events(self.bound, event, from_block=from_block, filters=filters or None)
