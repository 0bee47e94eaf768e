"""Bodies no client should send: too deep, too big, not JSON, wrong types. Each a 4xx problem."""

from __future__ import annotations

import pytest

from tests.api.world import World


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
