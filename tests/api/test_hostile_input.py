"""Bodies no client should send: too deep, too big, not JSON, wrong types, NUL characters,
ids beyond the database's integers. Each a 4xx problem; a body cut off never reaches the app,
and one with a thousand errors lists the first fifty."""

from __future__ import annotations

import asyncio
import json

import pytest
from starlette.types import Message, Receive, Scope, Send

from api.body_guard import BodyGuardMiddleware
from api.errors import MAX_LISTED_ERRORS
from tests.api.world import World
from tests.ledger.services.conftest import FOREIGN_A

ADDRESS = FOREIGN_A.address


def post(world: World, path: str, content: bytes, **headers: str):  # type: ignore[no-untyped-def]
    return world.http.post(
        path,
        content=content,
        headers={**world.headers("partner_a"), "Content-Type": "application/json", **headers},
    )


def assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert "Traceback" not in response.text
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_json_is_refused_without_a_server_error(world: World, depth: int) -> None:
    body = b"[" * depth + b"]" * depth
    response = post(world, f"/v1/projects/{world.project_id}/contributions", body)
    assert_problem(response, 422)


def test_a_body_over_the_limit_is_413_before_it_is_read(world: World) -> None:
    body = b'{"padding": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    response = post(world, f"/v1/projects/{world.project_id}/contributions", body)
    problem = assert_problem(response, 413)
    assert problem["limit"] == 2 * 1024 * 1024


def test_a_body_that_is_not_json_is_a_client_error(world: World) -> None:
    path = f"/v1/projects/{world.project_id}/contributions"
    for content in (b"{not json", b""):
        assert_problem(post(world, path, content), 422)
    assert_problem(post(world, path, b"\xff\xfe\x00"), 400)  # not even text


def test_huge_negative_and_mistyped_numbers_are_422(world: World) -> None:
    path = f"/v1/projects/{world.project_id}/milestones"
    for amount in ("-1", "1" * 200, 10**80, 1.5, True, None, ["1"]):
        response = world.http.post(
            path,
            json={
                "title": "M",
                "amount": amount,
                "trl_target": 4,
                "due_at": "2027-01-01T00:00:00Z",
            },
            headers=world.headers("partner_a"),
        )
        assert_problem(response, 422)
    for project in ("-1", "99999999999999999999999", "1e3", "%00"):
        response = world.http.get(f"/v1/projects/{project}", headers=world.headers("admin"))
        assert response.status_code in {404, 422}, (project, response.text)
        assert response.headers["content-type"] == "application/problem+json"


def milestone_body(title: str) -> bytes:
    """A milestone the partner may plan, its title written as raw JSON (escapes kept)."""
    return (
        b'{"title": "' + title.encode() + b'", "amount": "1", "trl_target": 4, '
        b'"due_at": "2027-01-01T00:00:00Z"}'
    )


def test_a_nul_character_is_422_on_both_databases_and_nothing_is_stored(world: World) -> None:
    path = f"/v1/projects/{world.project_id}/milestones"
    for body in (
        milestone_body("a\\u0000b"),
        milestone_body("\\\\\\u0000"),  # an escaped backslash, then NUL
        milestone_body("a\\u0000b").decode().encode("utf-16"),  # the parser reads UTF-16 too
    ):
        problem = assert_problem(post(world, path, body), 422)
        assert problem["detail"] == "a string of the JSON body holds a NUL character"
    admin = world.headers("admin")
    assert world.http.get(path, headers=admin).json()["items"] == []
    for target in ("/v1/credentials/a%00b", "/v1/credentials?holder=a%00b"):
        problem = assert_problem(world.http.get(target, headers=admin), 422)
        assert problem["detail"] == "the request's path or query holds a NUL character"
    # a backslash written before "u0000" is text, not NUL: stored and read back as sent
    created = post(world, path, milestone_body("a\\\\u0000b"))
    assert created.status_code == 201, created.text
    assert created.json()["title"] == "a\\u0000b"


def guarded(*messages: Message) -> tuple[list[bytes], list[Message]]:
    """Run the body guard over ``messages``; the bodies the app read and what was sent."""
    pending = iter(messages)
    reached: list[bytes] = []
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append((await receive())["body"])

    async def receive() -> Message:
        return next(pending)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/principals",
        "query_string": b"",
        "headers": [],
    }
    asyncio.run(BodyGuardMiddleware(app)(scope, receive, send))
    return reached, sent


def test_a_body_the_client_stops_sending_never_reaches_the_app() -> None:
    begun = b'{"name": "cut off", "role": "admin"}'  # valid JSON, but more was announced
    cut_off = guarded(
        {"type": "http.request", "body": begun, "more_body": True}, {"type": "http.disconnect"}
    )
    assert cut_off == ([], [])
    whole = guarded(
        {"type": "http.request", "body": begun[:10], "more_body": True},
        {"type": "http.request", "body": begun[10:], "more_body": False},
    )
    assert whole == ([begun], [])


def test_a_body_with_many_errors_lists_the_first_fifty(world: World) -> None:
    body = json.dumps({"outcome": "replace", "excluded": ["x"] * 1000})  # 1000 bad ids
    response = post(world, f"/v1/projects/{world.project_id}/disputes/999/propose", body.encode())
    problem = assert_problem(response, 422)
    assert len(problem["errors"]) == MAX_LISTED_ERRORS == 50
    assert problem["errors"][0]["field"] == "body.excluded.0"
    assert problem["error_count"] == 1000
    assert problem["detail"].endswith("; and 950 more")
    assert len(response.content) < 20_000  # all thousand were 200 kB


def test_a_split_of_too_many_partners_is_one_error_not_one_per_partner(world: World) -> None:
    body = json.dumps({"bps": {str(-k): 1 for k in range(20_000)}, "signatures": []})
    response = post(world, f"/v1/projects/{world.project_id}/split", body.encode())
    problem = assert_problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == ["body.bps", "body.signatures"]
    assert "at most 100 partners, not 20000" in problem["errors"][0]["message"]


def test_a_project_id_beyond_the_database_s_integers_is_422(world: World) -> None:
    for project_id in (2**256, 2**63, 2**31, 0, -1):
        body = {"name": "X", "role": "partner", "project_id": project_id, "address": ADDRESS}
        response = world.http.post("/v1/principals", json=body, headers=world.headers("admin"))
        problem = assert_problem(response, 422)
        assert [e["field"] for e in problem["errors"]] == ["body.project_id"], project_id
