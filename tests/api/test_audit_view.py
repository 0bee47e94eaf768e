"""The audit view's files as the app serves them: where, with which headers, and that the
package installs every one of them (the page itself is tested in ``tests/browser``)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.audit_view import STATIC
from ledger.chain.compiler import project_root


@pytest.fixture
def static_client() -> Iterator[TestClient]:
    """The app without its lifespan: static files need no chain or database."""
    yield TestClient(create_app())


def test_the_page_is_served_at_audit_with_a_policy_that_allows_only_this_server(
    static_client: TestClient,
) -> None:
    page = static_client.get("/audit/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="app.js">' in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-content-type-options"] == "nosniff"
    redirect = static_client.get("/audit", follow_redirects=False)
    assert redirect.status_code in {307, 308} and redirect.headers["location"].endswith("/audit/")


def test_the_scripts_are_javascript_and_a_missing_file_is_a_404_problem(
    static_client: TestClient,
) -> None:
    script = static_client.get("/audit/pages/record.js")
    assert script.status_code == 200
    assert script.headers["content-type"].split(";")[0] in {
        "text/javascript",
        "application/javascript",
    }
    assert script.headers["content-security-policy"]
    missing = static_client.get("/audit/nowhere.js")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_nothing_on_the_page_is_fetched_from_elsewhere() -> None:
    for path in STATIC.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".svg":  # its xmlns names a namespace, fetches nothing
            text = text.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "http://" not in text and "https://" not in text, path.name
        if path.suffix == ".css":
            assert "@import" not in text and "url(" not in text, path.name


def test_the_package_installs_every_file_of_the_page() -> None:
    pyproject = tomllib.loads((project_root() / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["api"]
    api = STATIC.parent.parent
    installed = {path for pattern in patterns for path in api.glob(pattern)}
    files = {path for path in STATIC.rglob("*") if path.is_file()}
    assert len(files) >= 14
    assert files == installed
