"""Every error is an RFC 9457 problem document, never a stack trace."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import errors
from ledger.errors import (
    ChainUnavailable,
    ContractReverted,
    NotFound,
    RuleViolation,
    Unauthenticated,
)


@pytest.fixture
def app_client() -> Iterator[TestClient]:
    app = FastAPI()
    errors.install(app)

    @app.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        if item_id == 404:
            raise NotFound("item 404 does not exist", item_id=item_id)
        if item_id == 422:
            raise RuleViolation(
                "core band broken", tier="core", rule="foreign share in [6000, 7000]"
            )
        if item_id == 409:
            raise ContractReverted("RecordAnchor", "RecordAnchorEmptyTree", {})
        if item_id == 503:
            raise ChainUnavailable("the chain node does not answer")
        if item_id == 401:
            raise Unauthenticated()
        if item_id == 500:
            raise RuntimeError("secret internals /etc/passwd")
        return {"id": item_id}

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def assert_problem(response, status: int, kind: str, title: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"] == kind
    assert body["title"] == title
    assert body["instance"] == response.request.url.path
    return body


def test_ledger_error_carries_its_fields(app_client: TestClient) -> None:
    body = assert_problem(app_client.get("/items/404"), 404, "/problems/not-found", "Not found")
    assert body["detail"] == "item 404 does not exist"
    assert body["item_id"] == 404


def test_rule_violation_is_422(app_client: TestClient) -> None:
    body = assert_problem(
        app_client.get("/items/422"), 422, "/problems/rule-violation", "Rule violated"
    )
    assert body["tier"] == "core"


def test_contract_revert_is_409_with_error_name(app_client: TestClient) -> None:
    body = assert_problem(
        app_client.get("/items/409"), 409, "/problems/contract-reverted", "Contract call reverted"
    )
    assert body["error"] == "RecordAnchorEmptyTree"


def test_a_missing_or_bad_key_is_401_naming_the_bearer_scheme(app_client: TestClient) -> None:
    response = app_client.get("/items/401")
    assert_problem(response, 401, "/problems/unauthenticated", "Not authenticated")
    assert response.headers["www-authenticate"] == "Bearer"


def test_chain_down_is_503(app_client: TestClient) -> None:
    assert_problem(
        app_client.get("/items/503"), 503, "/problems/chain-unavailable", "Chain unavailable"
    )


def test_validation_error_names_the_field(app_client: TestClient) -> None:
    body = assert_problem(
        app_client.get("/items/abc"), 422, "/problems/invalid-request", "Invalid request"
    )
    assert body["errors"][0]["field"] == "path.item_id"
    assert "integer" in body["detail"]


def test_unknown_route_is_404_problem(app_client: TestClient) -> None:
    assert_problem(app_client.get("/nowhere"), 404, "about:blank", "Not Found")


def test_wrong_method_is_405_problem(app_client: TestClient) -> None:
    response = app_client.post("/items/1")
    assert_problem(response, 405, "about:blank", "Method Not Allowed")
    assert response.headers["allow"] == "GET"


def test_unexpected_error_hides_internals(app_client: TestClient) -> None:
    body = assert_problem(app_client.get("/items/500"), 500, "about:blank", "Internal error")
    assert "passwd" not in str(body)
    assert "Traceback" not in str(body)
