"""Principals over HTTP: bearer keys, 401 and 403 problems, keys shown once, revocation."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.client import ApiError
from ledger import principals
from ledger.context import Ledger
from ledger.db import Principal, session_scope
from ledger.permissions import PERMISSIONS
from ledger.runtime import Runtime
from tests.api.world import World


def bootstrap(runtime: Runtime) -> str:
    with session_scope(runtime.engine) as session:
        return principals.bootstrap_admin(session, Ledger.of(runtime), "Consortium office").api_key


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def assert_problem(response, status: int, kind: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["type"]) == (status, kind)
    return body


def test_no_key_or_a_bad_key_is_401_with_the_bearer_scheme(
    client: TestClient, runtime: Runtime
) -> None:
    admin = bootstrap(runtime)
    key_id = admin.split("_")[1]
    for headers in (
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        auth("not-a-key"),
        auth(f"ipl_{key_id}_{'A' * 43}"),  # a real key id with another secret
        auth("ipl_000000000000_" + "A" * 43),
    ):
        response = client.get("/v1/me", headers=headers)
        body = assert_problem(response, 401, "/problems/unauthenticated")
        assert response.headers["www-authenticate"] == "Bearer"
        assert body["detail"] == "the API key is not valid"
    me = client.get("/v1/me", headers=auth(admin)).json()
    assert me["role"] == "admin"
    assert me["actions"] == [a for a, roles in PERMISSIONS.items() if "admin" in roles]
    assert "audit.read" in me["actions"] and "alert.read" not in me["actions"]


def test_an_admin_creates_an_issuer_whose_key_works_once_shown_and_never_stored(
    client: TestClient, runtime: Runtime
) -> None:
    admin = bootstrap(runtime)
    response = client.post(
        "/v1/principals", json={"name": "Degree office", "role": "issuer"}, headers=auth(admin)
    )
    assert response.status_code == 201, response.text
    created = response.json()
    key = created["api_key"]
    assert key.startswith(f"ipl_{created['principal']['key_id']}_")
    me = client.get("/v1/me", headers=auth(key)).json()
    assert (me["name"], me["role"], me["id"]) == (
        "Degree office",
        "issuer",
        created["principal"]["id"],
    )
    assert me["actions"] == ["credential.issue", "credential.revoke", "credential.read"]
    assert "api_key" not in client.get(f"/v1/principals/{me['id']}", headers=auth(admin)).json()
    with session_scope(runtime.engine) as session:
        row = session.get(Principal, me["id"])
        assert row is not None
        assert key.split("_", 2)[2] not in row.model_dump_json()


def test_roles_decide_and_refusals_are_403_or_422_problems(
    client: TestClient, runtime: Runtime
) -> None:
    admin = bootstrap(runtime)
    issuer = client.post(
        "/v1/principals", json={"name": "Registry", "role": "issuer"}, headers=auth(admin)
    ).json()
    # an issuer may not create principals, nor list them
    body = assert_problem(
        client.post(
            "/v1/principals", json={"name": "x", "role": "admin"}, headers=auth(issuer["api_key"])
        ),
        403,
        "/problems/unauthorized",
    )
    assert (body["rule"], body["action"]) == ("role", "principal.create")
    assert_problem(
        client.get("/v1/principals", headers=auth(issuer["api_key"])), 403, "/problems/unauthorized"
    )
    # a partner needs a project: the ledger's rule names the field
    body = assert_problem(
        client.post("/v1/principals", json={"name": "p", "role": "partner"}, headers=auth(admin)),
        422,
        "/problems/rule-violation",
    )
    assert body["field"] == "project_id"
    # a role the API does not know, or an unknown field: validation problems
    assert_problem(
        client.post("/v1/principals", json={"name": "p", "role": "root"}, headers=auth(admin)),
        422,
        "/problems/invalid-request",
    )
    assert_problem(
        client.post(
            "/v1/principals",
            json={"name": "p", "role": "admin", "password": "x"},
            headers=auth(admin),
        ),
        422,
        "/problems/invalid-request",
    )
    assert_problem(
        client.get("/v1/principals/999", headers=auth(admin)), 404, "/problems/not-found"
    )
    listed = client.get("/v1/principals", headers=auth(admin)).json()
    assert [p["role"] for p in listed] == ["admin", "issuer"]


def test_a_revoked_key_stops_working_and_revoking_again_changes_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    admin = bootstrap(runtime)
    issuer = client.post(
        "/v1/principals", json={"name": "Registry", "role": "issuer"}, headers=auth(admin)
    ).json()
    pid = issuer["principal"]["id"]
    # a principal revokes itself (a leaked key)
    first = client.delete(f"/v1/principals/{pid}", headers=auth(issuer["api_key"]))
    assert first.status_code == 200 and first.json()["revoked_at"] is not None
    assert_problem(
        client.get("/v1/me", headers=auth(issuer["api_key"])), 401, "/problems/unauthenticated"
    )
    again = client.delete(f"/v1/principals/{pid}", headers=auth(admin))
    assert again.json()["revoked_at"] == first.json()["revoked_at"]


def test_the_client_creates_lists_reads_and_revokes_principals(world: World) -> None:
    admin = world.client("admin")
    created = admin.create_principal("Second funder", "funder", project_id=world.project_id)
    new = created["principal"]
    funder = admin.as_key(created["api_key"])
    assert funder.me()["id"] == new["id"]
    assert new["id"] in [p["id"] for p in admin.principals(project_id=world.project_id)]
    assert admin.principal(new["id"])["name"] == "Second funder"
    assert funder.revoke_principal(new["id"])["revoked_at"] is not None  # itself
    with pytest.raises(ApiError) as refused:
        funder.me()
    assert refused.value.status == 401
