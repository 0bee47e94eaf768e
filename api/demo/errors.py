"""The one error the demo raises: a step that failed, said in a line a newcomer can read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx2

from api.client import ApiError
from ledger.errors import LedgerError


class DemoError(LedgerError):
    """The demo stopped: ``message`` says at which step and why."""

    title = "Demo failed"


def problem_line(error: ApiError) -> str:
    """An API problem in one line: status, title, detail and the field it names."""
    problem = error.problem
    line = f"{error.status} {problem.get('title', '')}".strip()
    detail = problem.get("detail")
    if detail:
        line += f": {detail}"
    field = problem.get("field")
    if field:
        line += f" (field {field})"
    return line


@contextmanager
def step(name: str) -> Iterator[None]:
    """Turn whatever a step of the demo raises into a :class:`DemoError` naming the step."""
    try:
        yield
    except DemoError:
        raise
    except ApiError as error:
        raise DemoError(f"{name}: the API refused: {problem_line(error)}") from None
    except httpx2.HTTPError as error:
        raise DemoError(f"{name}: the server did not answer: {error}") from None
    except LedgerError as error:
        raise DemoError(f"{name}: {error.message}") from None
