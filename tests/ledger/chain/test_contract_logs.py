"""A gateway reads its contract's past events, filtered on indexed arguments, on both backends."""

from __future__ import annotations

from ledger.chain.compiler import Build
from ledger.chain.contract import ContractGateway
from ledger.chain.gateway import Chain


def test_logs_filter_on_one_value_or_any_of_several(chain: Chain, build: Build) -> None:
    bound, receipt = chain.deploy(build["GatewayProbe"])
    gateway = ContractGateway(chain, bound)
    for key in (1, 2, 3):
        chain.transact(bound, "set", key, key * 10)

    assert [e["args"]["value"] for e in gateway.logs("ValueSet")] == [10, 20, 30]
    assert [e["args"]["value"] for e in gateway.logs("ValueSet", key=2)] == [20]
    assert [e["args"]["value"] for e in gateway.logs("ValueSet", key=[1, 3])] == [10, 30]
    assert gateway.logs("ValueSet", key=[4, 5]) == []
    later = gateway.logs("ValueSet", from_block=receipt.block_number + 2)
    assert [e["args"]["key"] for e in later] == [2, 3]
