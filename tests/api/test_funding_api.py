"""Funding over HTTP: a funder's deposit prepared, signed by the funder, relayed and recorded."""

from __future__ import annotations

from typing import Any

import pytest

from api.client import ApiError
from ledger import funding, journal
from tests.api.test_milestones_api import AMOUNT, CLAIMS_OPEN, released
from tests.api.world import World
from tests.contracts.conftest import key
from tests.ledger.services.conftest import signer
from tests.ledger.services.lifecycle_support import FUNDER

ETHER = 10**18
STRANGER = key("stranger")


@pytest.fixture
def world(world: World) -> World:
    """The world, with ether on the funder's own key (it pays the deposits and their gas)."""
    world.ledger.chain.send_value(FUNDER.address, 10 * ETHER)
    return world


def deposits_path(world: World, project_id: int | None = None) -> str:
    return f"/v1/projects/{project_id or world.project_id}/funding/deposits"


def recorded(world: World) -> list[str]:
    """The kinds of the project's ``funding.deposited`` entries."""
    with world.session() as session:
        entries = journal.entries(session, world.project_id)
    return [e.kind for e in entries if e.kind == "funding.deposited"]


def signed(world: World, amount: int, *, project_id: int | None = None) -> str:
    """The funder's signature over the deposit the ledger prepares for ``amount`` wei."""
    with world.session() as session:
        unsigned = funding.prepare_deposit(
            session,
            world.ledger,
            project_id=project_id or world.project_id,
            funder=FUNDER.address,
            amount=amount,
        )
    return signer(world.ledger, FUNDER).transaction(unsigned)


def post(world: World, body: dict[str, Any], who: str = "funder") -> Any:
    return world.http.post(deposits_path(world), json=body, headers=world.headers(who))


def nothing_deposited(world: World) -> None:
    assert world.client("partner_a").funding_deposits(world.project_id) == []
    assert recorded(world) == []
    assert world.ledger.escrow.available(world.pid) == 0


def test_the_prepared_deposit_is_the_funders_own_call(world: World) -> None:
    funder = world.client("funder")
    unsigned = funder.prepare_funding(world.project_id, 3 * ETHER)
    assert unsigned["type"] == 2
    assert unsigned["chainId"] == world.ledger.chain.chain_id
    assert unsigned["to"] == world.ledger.escrow.address
    assert unsigned["value"] == str(3 * ETHER)
    assert unsigned["nonce"] == 0  # the funder's first transaction
    assert unsigned["gas"] > 0
    assert int(unsigned["maxFeePerGas"]) >= int(unsigned["maxPriorityFeePerGas"]) > 0
    data = world.ledger.escrow.bound.contract.encode_abi("deposit", args=[world.pid])
    assert unsigned["data"] == data
    nothing_deposited(world)  # preparing sends nothing


def test_a_funder_principal_without_an_address_cannot_prepare_or_relay(world: World) -> None:
    world.add_principal("Anonymous fund", "funder", project_id=world.project_id)
    client = world.client("Anonymous fund")
    with pytest.raises(ApiError) as caught:
        client.prepare_funding(world.project_id, ETHER)
    assert (caught.value.status, caught.value.problem["field"]) == (422, "address")
    assert "no address" in caught.value.problem["detail"]
    response = post(
        world, {"amount": str(ETHER), "transaction": signed(world, ETHER)}, "Anonymous fund"
    )
    assert (response.status_code, response.json()["field"]) == (422, "address")
    nothing_deposited(world)


def test_a_relayed_deposit_is_credited_to_the_funder_and_recorded(world: World) -> None:
    (deposit,) = world.client("funder").fund(world.project_id, FUNDER, 3 * ETHER)
    assert deposit["funder"] == FUNDER.address
    assert deposit["amount"] == str(3 * ETHER)
    assert deposit["tx_hash"].startswith("0x") and deposit["block_number"] > 0
    assert world.ledger.escrow.deposit_of(world.pid, FUNDER.address) == 3 * ETHER
    assert world.ledger.escrow.available(world.pid) == 3 * ETHER
    reader = world.client("partner_b")
    assert reader.funding_deposits(world.project_id) == [deposit]
    assert reader.funding_deposit(world.project_id, deposit["id"]) == deposit
    assert recorded(world) == ["funding.deposited"]
    # the same transaction given again by its hash: the stored deposit, 200, nothing new
    again = post(world, {"tx_hash": deposit["tx_hash"]})
    assert again.status_code == 200, again.text
    assert again.json() == [deposit]
    assert recorded(world) == ["funding.deposited"]


def test_a_relay_answers_201_with_the_deposits_location(world: World) -> None:
    response = post(world, {"amount": str(ETHER), "transaction": signed(world, ETHER)})
    assert response.status_code == 201, response.text
    (deposit,) = response.json()
    assert response.headers["location"] == f"{deposits_path(world)}/{deposit['id']}"


def test_a_transaction_that_is_not_exactly_the_prepared_call_is_refused(world: World) -> None:
    other = world.second_project()
    one_ether = signed(world, ETHER)
    cases: list[tuple[dict[str, Any], int, str | None]] = [
        ({"amount": str(2 * ETHER), "transaction": one_ether}, 422, "value"),
        (  # the deposit into another project, presented to this one
            {
                "amount": str(ETHER),
                "transaction": signed(world, ETHER, project_id=other.id),
            },
            422,
            "data",
        ),
        ({"amount": str(ETHER), "transaction": "0x00"}, 422, None),
        ({"amount": str(ETHER), "transaction": "0x02c0"}, 422, None),
    ]
    for body, status, part in cases:
        response = post(world, body)
        assert response.status_code == status, (body, response.text)
        problem = response.json()
        assert problem["field"] == "transaction"
        if part is not None:
            assert problem["part"] == part
    # another key's deposit: the funder acts only as itself
    with world.session() as session:
        unsigned = funding.prepare_deposit(
            session,
            world.ledger,
            project_id=world.project_id,
            funder=STRANGER.address,
            amount=ETHER,
        )
    foreign = signer(world.ledger, STRANGER).transaction(unsigned)
    response = post(world, {"amount": str(ETHER), "transaction": foreign})
    assert response.status_code == 403
    assert response.json()["rule"] == "acting_as"
    nothing_deposited(world)
    # the prepared one still goes through
    assert post(world, {"amount": str(ETHER), "transaction": one_ether}).status_code == 201


def test_a_deposit_body_is_one_way_or_the_other(world: World) -> None:
    tx_hash = "0x" + "ab" * 32
    for body in (
        {},
        {"amount": str(ETHER)},
        {"transaction": "0x02"},
        {"tx_hash": tx_hash, "amount": str(ETHER)},
        {"tx_hash": tx_hash, "amount": str(ETHER), "transaction": "0x02"},
        {"tx_hash": "ab" * 32},
        {"amount": "0", "transaction": "0xzz"},
        {"tx_hash": tx_hash, "note": "x"},
    ):
        response = post(world, body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["type"] == "/problems/invalid-request"
    response = post(world, {"amount": "0", "transaction": signed(world, ETHER)})
    assert (response.status_code, response.json()["field"]) == (422, "amount")
    nothing_deposited(world)


def test_a_deposit_the_funder_sent_itself_is_recorded_from_its_hash(world: World) -> None:
    receipt = world.ledger.escrow.deposit(world.pid, ETHER, sender=FUNDER)
    funder = world.client("funder")
    (deposit,) = funder.record_funding(world.project_id, receipt.tx_hash)
    assert (deposit["funder"], deposit["amount"], deposit["tx_hash"]) == (
        FUNDER.address,
        str(ETHER),
        receipt.tx_hash,
    )
    assert deposit["block_number"] == receipt.block_number
    # unknown, failed or foreign transactions are refused and record nothing more
    other = world.second_project()
    elsewhere = world.ledger.escrow.deposit(other.chain_project_id, ETHER, sender=FUNDER)
    with pytest.raises(ApiError) as caught:
        funder.record_funding(world.project_id, elsewhere.tx_hash)
    assert (caught.value.status, caught.value.problem["field"]) == (422, "tx_hash")
    with pytest.raises(ApiError) as caught:
        funder.record_funding(world.project_id, "0x" + "ab" * 32)
    assert caught.value.status == 404
    assert funder.funding_deposits(world.project_id) == [deposit]
    assert recorded(world) == ["funding.deposited"]


def test_only_funders_deposit(world: World) -> None:
    receipt = world.ledger.escrow.deposit(world.pid, ETHER, sender=FUNDER)
    for who in ("admin", "partner_a", "arbiter", "licensee"):
        with pytest.raises(ApiError) as caught:
            world.client(who).record_funding(world.project_id, receipt.tx_hash)
        assert (caught.value.status, caught.value.problem["rule"]) == (403, "role")
        with pytest.raises(ApiError) as caught:
            world.client(who).prepare_funding(world.project_id, ETHER)
        assert caught.value.status == 403
    assert recorded(world) == []


def test_deposits_are_listed_a_page_at_a_time_and_by_funder(world: World) -> None:
    senders = [FUNDER, FUNDER, world.ledger.operator, FUNDER, world.ledger.operator]
    funder = world.client("funder")
    for i, sender in enumerate(senders, start=1):
        receipt = world.ledger.escrow.deposit(world.pid, i * ETHER, sender=sender)
        funder.record_funding(world.project_id, receipt.tx_hash)
    client = world.client("licensee")
    path = deposits_path(world)
    seen, cursor, pages = [], None, 0
    while True:
        got = client.get(path, limit=2, cursor=cursor)
        pages += 1
        seen += [d["amount"] for d in got["items"]]
        cursor = got["next_cursor"]
        if cursor is None:
            break
    assert (pages, seen) == (3, [str(i * ETHER) for i in range(1, 6)])
    mine = client.funding_deposits(world.project_id, funder=FUNDER.address.lower())
    assert [d["amount"] for d in mine] == [str(i * ETHER) for i in (1, 2, 4)]
    operator = client.get(path, funder=world.ledger.operator.address, limit=1)
    assert [d["amount"] for d in operator["items"]] == [str(3 * ETHER)]
    rest = client.get(path, funder=world.ledger.operator.address, cursor=operator["next_cursor"])
    assert ([d["amount"] for d in rest["items"]], rest["next_cursor"]) == ([str(5 * ETHER)], None)
    for params, field in (
        ({"cursor": "bm90LWEtY3Vyc29y"}, "cursor"),
        ({"funder": "0x123"}, "query.funder"),
        ({"limit": 0}, "query.limit"),
    ):
        response = world.http.get(path, params=params, headers=world.headers("licensee"))
        assert response.status_code == 422, (params, response.text)
        problem = response.json()
        assert field in [problem.get("field")] + [e["field"] for e in problem.get("errors", [])]


def test_another_projects_deposit_is_404_here(world: World) -> None:
    other = world.second_project()
    elsewhere = world.ledger.escrow.deposit(other.chain_project_id, ETHER, sender=FUNDER)
    with world.session() as session:
        (row,) = funding.record_deposit(
            session, world.ledger, project_id=other.id, tx_hash=elsewhere.tx_hash
        )
    client = world.client("partner_a")
    for deposit_id in (row.id, 9999):
        with pytest.raises(ApiError) as caught:
            client.funding_deposit(world.project_id, deposit_id)
        assert caught.value.status == 404
        assert elsewhere.tx_hash not in str(caught.value.problem)
    assert client.funding_deposits(world.project_id) == []
    assert world.client("admin").funding_deposit(other.id, row.id)["tx_hash"] == elsewhere.tx_hash
    with pytest.raises(ApiError) as caught:
        client.funding_deposits(other.id)
    assert (caught.value.status, caught.value.problem["rule"]) == (403, "project")


# ---------------------------------------------------------------------- the balance


def amounts(balance: dict[str, Any]) -> dict[str, int]:
    """The balance's amounts as integers (the answer carries them as decimal strings)."""
    assert balance["token"] is None  # an ether project
    return {name: int(value) for name, value in balance.items() if name != "token"}


def test_the_balance_follows_deposits_releases_and_claims(world: World) -> None:
    reader = world.client("licensee")  # any role that reads the project
    empty = amounts(reader.funding_balance(world.project_id))
    assert set(empty.values()) == {0} and len(empty) == 9

    world.client("funder").fund(world.project_id, FUNDER, 3 * ETHER)
    funded = amounts(reader.funding_balance(world.project_id))
    assert (funded["deposited"], funded["available"], funded["held"]) == (3 * ETHER,) * 3

    released(world)  # the operator deposits 2 × AMOUNT more; milestone 1 locks AMOUNT
    locked = amounts(reader.funding_balance(world.project_id))
    assert locked["deposited"] == locked["held"] == 3 * ETHER + 2 * AMOUNT
    assert (locked["available"], locked["locked"]) == (3 * ETHER + AMOUNT, AMOUNT)

    world.ledger.chain.advance_time(CLAIMS_OPEN)
    claim = world.client("partner_a").claim(world.project_id, 1, 1)
    paid = int(claim["amount"])
    after = amounts(reader.funding_balance(world.project_id))
    assert after["claimed"] == paid > 0
    assert after["locked"] == AMOUNT - paid
    assert after["held"] == 3 * ETHER + 2 * AMOUNT - paid
    assert after["held"] == after["available"] + after["locked"]  # no fees, no refunds
    # the only project with funds: the escrow's own ether is exactly what it holds for it
    assert world.ledger.chain.balance(world.ledger.escrow.address) == after["held"]


def test_the_balance_of_an_unknown_project_is_404(world: World) -> None:
    response = world.http.get("/v1/projects/999/funding/balance", headers=world.headers("admin"))
    assert response.status_code == 404, response.text
