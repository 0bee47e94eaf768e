"""The base of every contract gateway: a deployed contract on a chain, and its EIP-712 domain."""

from __future__ import annotations

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
