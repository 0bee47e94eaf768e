"""Idempotency-Key: a retry gets the first response, another body a 409, a failure no claim."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from sqlmodel import select

from api.idempotency import fingerprint
from ledger.context import utc_now
from ledger.db import IdempotencyRecord, Principal
from tests.api.world import World

BODY = {"name": "Second funder", "role": "funder", "project_id": None}


def post(world: World, key: str | None, body: dict, who: str = "admin"):  # type: ignore[no-untyped-def,type-arg]
    headers = world.headers(who)
    if key is not None:
        headers["Idempotency-Key"] = key
    return world.http.post("/v1/principals", json=body, headers=headers)


def funders(world: World) -> list[str]:
    with world.session() as session:
        rows = session.exec(select(Principal).where(Principal.role == "funder")).all()
        return sorted(p.name for p in rows)


def test_a_retry_with_the_same_key_returns_the_first_response_and_creates_once(
    world: World,
) -> None:
    body = {**BODY, "project_id": world.project_id}
    first = post(world, "k-1", body)
    assert first.status_code == 201, first.text
    again = post(world, "k-1", body)
    assert again.status_code == 201
    assert again.json() == first.json()  # the same key shown again, not a second principal
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert funders(world) == ["Second funder", "funder"]


def test_the_same_key_with_another_body_is_409_and_creates_nothing(world: World) -> None:
    body = {**BODY, "project_id": world.project_id}
    assert post(world, "k-2", body).status_code == 201
    other = post(world, "k-2", {**body, "name": "Third funder"})
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    problem = other.json()
    assert problem["type"] == "/problems/idempotency-key-reused"
    assert problem["field"] == "Idempotency-Key"
    assert funders(world) == ["Second funder", "funder"]


def test_keys_belong_to_their_principal(world: World) -> None:
    body = {**BODY, "project_id": world.project_id}
    assert post(world, "shared", body).status_code == 201
    world.add_principal("admin_2", "admin")
    second = post(world, "shared", {**body, "name": "Other funder"}, who="admin_2")
    assert second.status_code == 201, second.text
    assert "idempotent-replayed" not in second.headers
    assert funders(world) == ["Other funder", "Second funder", "funder"]


def test_a_failed_first_request_releases_its_key_for_a_corrected_retry(world: World) -> None:
    refused = post(world, "k-3", {**BODY, "project_id": 999})  # unknown project
    assert refused.status_code == 404
    with world.session() as session:
        assert session.exec(select(IdempotencyRecord)).all() == []
    corrected = post(world, "k-3", {**BODY, "project_id": world.project_id})
    assert corrected.status_code == 201, corrected.text


def test_a_key_that_is_not_visible_ascii_or_too_long_is_422(world: World) -> None:
    body = {**BODY, "project_id": world.project_id}
    for key in (b"x" * 256, "caf\u00e9".encode(), b"tab\tkey"):
        response = world.http.post(
            "/v1/principals",
            json=body,
            headers={**world.headers("admin"), "Idempotency-Key": key},  # type: ignore[dict-item]
        )
        assert response.status_code == 422
        assert response.json()["field"] == "Idempotency-Key"
    assert funders(world) == ["funder"]


def test_without_a_valid_api_key_the_route_answers_401_and_nothing_is_claimed(
    world: World,
) -> None:
    response = world.http.post(
        "/v1/principals",
        json=BODY,
        headers={"Authorization": "Bearer ipl_nope", "Idempotency-Key": "k-4"},
    )
    assert response.status_code == 401
    with world.session() as session:
        assert session.exec(select(IdempotencyRecord)).all() == []


def test_concurrent_requests_with_one_key_create_once(world: World) -> None:
    body = {**BODY, "project_id": world.project_id}
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def send() -> None:
        barrier.wait()
        statuses.append(post(world, "k-5", body).status_code)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # each is either the first, a replay of it, or told the first is still running
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    assert funders(world) == ["Second funder", "funder"]


def leave_claim(world: World, key: str, body: bytes, *, age: timedelta) -> None:
    """A claim as a request killed before it answered leaves it, claimed ``age`` ago."""
    with world.session() as session:
        session.add(
            IdempotencyRecord(
                principal_id=world.principals["admin"].id,
                key=key,
                fingerprint=fingerprint("POST", "/v1/principals", "", body),
                created_at=utc_now() - age,
            )
        )


def post_raw(world: World, key: str, body: bytes):  # type: ignore[no-untyped-def]
    headers = {**world.headers("admin"), "Idempotency-Key": key}
    headers["Content-Type"] = "application/json"
    return world.http.post("/v1/principals", content=body, headers=headers)


def test_a_claim_left_by_a_killed_request_holds_its_key_until_its_lease_ends(
    world: World,
) -> None:
    lease = timedelta(seconds=world.http.app.state.runtime.settings.idempotency_lease_seconds)
    body = json.dumps({**BODY, "project_id": world.project_id}).encode()
    leave_claim(world, "k-6", body, age=lease / 2)
    refused = post_raw(world, "k-6", body)
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/idempotency-key-in-flight"
    assert funders(world) == ["funder"]

    leave_claim(world, "k-7", body, age=lease * 2)
    other = post_raw(world, "k-7", body.replace(b"Second", b"Third"))
    assert other.status_code == 409  # another request: still the key's reuse, not a takeover
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    taken = post_raw(world, "k-7", body)
    assert taken.status_code == 201, taken.text  # the same request takes the expired claim
    again = post_raw(world, "k-7", body)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == taken.json()
    assert funders(world) == ["Second funder", "funder"]
