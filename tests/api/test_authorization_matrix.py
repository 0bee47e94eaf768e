"""Every role against every route: the documented allow or deny, read from the routes themselves.

Each ``/v1`` route declares its action (``api.deps.Permit``); ``ledger.permissions.PERMISSIONS``
says which roles may take it. A role outside the action's roles is refused with 403
(``rule="role"``) before anything else is looked at; a role inside it is never refused by
role, and a project-scoped principal asking about another project is refused with 403
(``rule="project"``). Nothing answers 5xx. The requests carry an empty body: an allowed role
gets a validation problem or the route's own answer, which is all this test needs.
"""

from __future__ import annotations

import re

import pytest

from api.app import api_routes
from api.deps import action_of
from ledger.permissions import GLOBAL_ROLES, PERMISSIONS, ROLES
from tests.api.world import ONE_OF_EACH_ROLE, World

#: Routes any authenticated principal may call (they check what they show themselves).
ANY_PRINCIPAL = {
    ("GET", "/v1/me"),
    ("GET", "/v1/chain"),
    ("GET", "/v1/principals/{principal_id}"),
    ("DELETE", "/v1/principals/{principal_id}"),
}
#: Routes without authentication.
PUBLIC = {("GET", "/health")}


def routes(world: World | None = None) -> list[tuple[str, str, str | None]]:
    found = []
    for route in api_routes():
        for method in sorted(route.methods):
            found.append((method, route.path, action_of(route.dependant)))
    return found


def concrete(path: str, project_id: int) -> str:
    path = path.replace("{project_id}", str(project_id))
    return re.sub(r"\{[a-z_]+(:[a-z]+)?\}", "1", path)


def call(world: World, who: str, method: str, path: str):  # type: ignore[no-untyped-def]
    body = {} if method in {"POST", "PUT", "PATCH"} else None
    return world.http.request(method, path, json=body, headers=world.headers(who))


def test_every_route_declares_its_action_or_is_open_to_every_principal(world: World) -> None:
    for method, path, action in routes(world):
        if (method, path) in PUBLIC | ANY_PRINCIPAL:
            continue
        assert action is not None, f"{method} {path} declares no action"
        assert action in PERMISSIONS


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_allowed_or_refused_as_the_matrix_says(world: World, role: str) -> None:
    who = ONE_OF_EACH_ROLE[role]
    checked = 0
    for method, path, action in routes(world):
        if action is None:
            continue
        response = call(world, who, method, concrete(path, world.project_id))
        assert response.status_code < 500, (method, path, response.text)
        rule = response.json().get("rule") if response.status_code == 403 else None
        refused_by_role = rule == "role"
        if role in PERMISSIONS[action]:
            assert rule not in {"role", "project"}, (role, method, path, response.text)
            assert response.status_code != 401
        else:
            assert refused_by_role, (role, method, path, response.status_code, response.text)
            assert response.json()["action"] == action
        checked += 1
    assert checked == len([r for r in routes(world) if r[2] is not None])


@pytest.mark.parametrize("role", sorted(set(ROLES) - GLOBAL_ROLES))
def test_a_project_principal_is_refused_every_other_project(world: World, role: str) -> None:
    who = ONE_OF_EACH_ROLE[role]
    other = world.project_id + 1000
    for method, path, action in routes(world):
        if action is None or "{project_id}" not in path or role not in PERMISSIONS[action]:
            continue
        response = call(world, who, method, concrete(path, other))
        assert response.status_code == 403, (role, method, path, response.text)
        assert response.json()["rule"] == "project"


def test_without_a_key_every_route_but_health_is_401(world: World) -> None:
    for method, path, _ in routes(world):
        if (method, path) in PUBLIC:
            continue
        body = {} if method in {"POST", "PUT", "PATCH"} else None
        response = world.http.request(method, concrete(path, world.project_id), json=body)
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
