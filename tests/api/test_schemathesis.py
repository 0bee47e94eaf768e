"""The API against its own OpenAPI document: generated requests, zero 5xx, zero schema violations.

Schemathesis reads ``/openapi.json`` from the app of the test's world and, for every
operation, Hypothesis sends a bounded number of generated requests (valid and invalid bodies,
path and query values at and beyond their bounds) as the admin and as a partner. Every answer
must be documented for that operation, match its schema (a problem document for errors), and
never be a server error. ``IPLEDGER_SCHEMATHESIS_EXAMPLES`` sets the examples per operation
(10 by default). Every failing operation is reported, not only the first.

One check is left out: that every request valid by the schema is accepted. A request can be
well formed and still break a rule of the agreement or of the state (a signature by someone
else, a milestone not yet submitted), which is a documented 409 or 422 here.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from tests.api.world import World

EXAMPLES = int(os.environ.get("IPLEDGER_SCHEMATHESIS_EXAMPLES", "10"))


def test_generated_requests_get_documented_answers_and_no_server_error(world: World) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.http.app)
    failures: dict[str, str] = {}
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            for who in ("admin", "partner_a"):
                case.call_and_validate(
                    headers=world.headers(who), excluded_checks=[positive_data_acceptance]
                )

        try:
            check()
        except Exception as exc:  # every operation's failure is collected and shown together
            failures[operation.label] = f"{type(exc).__name__}: {exc}"[:2000]
        checked += 1
    paths = world.http.app.openapi()["paths"]  # type: ignore[attr-defined]
    assert checked == sum(len(item) for item in paths.values()) > 80
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
