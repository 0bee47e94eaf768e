"""The OpenAPI document: complete for every operation, and the checked-in copy up to date."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api.app import create_app
from api.cli import openapi_document
from tests.api.world import World

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = {("get", "/health")}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    paths = create_app().openapi()["paths"]
    return [(m, p, op) for p, item in paths.items() for m, op in item.items()]


def test_the_checked_in_document_is_the_one_the_code_serves() -> None:
    checked_in = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert checked_in == openapi_document(), "docs/openapi.json is stale: run `make openapi`"


def test_every_operation_is_described_and_documents_its_problems() -> None:
    for method, path, op in operations():
        where = f"{method.upper()} {path}"
        assert op.get("description") or op.get("summary"), where
        if (method, path) in PUBLIC:
            continue
        problems = {
            status: response
            for status, response in op["responses"].items()
            if status.startswith(("4", "5"))
        }
        assert "401" in problems, where
        if op.get("parameters") or op.get("requestBody"):
            assert "422" in problems, where  # what is validated can be refused
        for status, response in problems.items():
            assert list(response["content"]) == ["application/problem+json"], (where, status)
            schema = response["content"]["application/problem+json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}, (where, status)


def test_every_request_body_has_an_example() -> None:
    schemas = create_app().openapi()["components"]["schemas"]
    for method, path, op in operations():
        body = op.get("requestBody")
        if body is None:
            continue
        schema = body["content"]["application/json"]["schema"]
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
        assert schema.get("examples") or schema.get("example"), f"{method.upper()} {path}"


def test_project_routes_name_their_action_and_roles() -> None:
    for method, path, op in operations():
        if path.startswith("/v1/projects/{project_id}"):
            assert op.get("x-action"), f"{method.upper()} {path}"
            assert op.get("x-roles"), f"{method.upper()} {path}"


def test_schema_names_are_model_names_not_module_paths() -> None:
    schemas = create_app().openapi()["components"]["schemas"]
    assert not [name for name in schemas if "__" in name]


def test_the_docs_page_serves_the_document(world: World) -> None:
    page = world.http.get("/docs")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "/openapi.json" in page.text
    served = world.http.get("/openapi.json").json()
    assert served == create_app().openapi()
