"""Types every router shares: wei and hex fields, problems, pages of a list, cursors.

Conventions (see ``docs/api.md``):

- Amounts of wei are decimal strings (``"3000000000000000007"``): a JSON number loses
  precision above 2**53 in most clients. Basis points are integers.
- Hashes are 64 hex characters without ``0x``; signatures and raw transactions are ``0x`` hex.
- A list is a :class:`Page`: ``items`` and ``next_cursor`` (``null`` on the last page); pass
  the cursor back as ``?cursor=`` with the same filters to get the next page.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from ledger.errors import RuleViolation

T = TypeVar("T")

MAX_UINT256 = 2**256 - 1


def _wei(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("an amount of wei is a decimal string")
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 78:
        raise ValueError("an amount of wei is a string of 1 to 78 decimal digits")
    amount = int(text)
    if amount > MAX_UINT256:
        raise ValueError("an amount of wei is at most 2**256 - 1")
    return amount


#: An amount of wei: a decimal string in JSON, an ``int`` in Python.
Wei = Annotated[
    int,
    BeforeValidator(_wei),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": "^[0-9]{1,78}$", "examples": ["3000000000000000007"]}
    ),
]
#: A SHA-256 or keccak digest: 64 lowercase or uppercase hex characters, no ``0x``.
Hash = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$", examples=["ab" * 32])]
#: An EIP-712 signature: ``0x`` and 130 hex characters.
Signature = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{130}$", examples=["0x" + "1b" * 65])]
#: A signed raw transaction, ``0x`` hex.
RawTransaction = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{2,65536}$")]
#: An account address, ``0x`` and 40 hex characters (checked against its checksum if mixed).
Address = Annotated[
    str,
    Field(
        pattern=r"^0x[0-9a-fA-F]{40}$",
        examples=["0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"],
    ),
]
#: The largest id, number or sequence number a request may name: ids are INTEGER columns on
#: PostgreSQL, and a larger literal would be an error of the database rather than of the
#: request.
MAX_ID = 2**31 - 1
#: A database id.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Problem(BaseModel):
    """An error (RFC 9457), with the error's own fields besides these."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "/problems/rule-violation",
                    "title": "Rule violated",
                    "status": 422,
                    "detail": "tier 'core' does not allow the kind 'marketing'",
                    "instance": "/v1/projects/1/contributions",
                    "field": "kind",
                }
            ]
        },
    )

    type: str = Field(description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str
    instance: str = Field(description="The request's path.")


_TITLES = {
    400: "Bad request",
    401: "Not authenticated: no API key, or one that is not valid",
    403: "Not allowed: the role, the project or the identity acted as",
    404: "Not found",
    409: "Conflict with the current state (or an Idempotency-Key reused)",
    422: "Invalid request, or a rule of the agreement broken",
    502: "The chain answered with an error",
    503: "The chain or the database is unavailable",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route: each status a problem document.

    The app's OpenAPI document serves them as ``application/problem+json`` (see
    ``api.app``), which is what every error answer's ``Content-Type`` is.
    """
    return {
        status: {"model": Problem, "description": _TITLES.get(status, "Error")}
        for status in statuses
    }


#: The problems every authenticated route may answer.
AUTH_PROBLEMS = (401, 403, 422)


class Page(BaseModel, Generic[T]):
    """One page of a list; ``next_cursor`` is ``null`` on the last page."""

    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as `?cursor=` (with the same filters) for the next page."
    )


#: ``?limit=`` of every list.
Limit = Annotated[int, Field(ge=1, le=200, description="At most this many items (1 to 200).")]
DEFAULT_LIMIT = 50
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,40}$"


def encode_cursor(last_id: int) -> str:
    """The opaque cursor after the item with id ``last_id``."""
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The id a cursor continues after (0 for no cursor).

    Raises:
        RuleViolation: ``field="cursor"`` for a cursor this API did not hand out.
    """
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "after" or not number.isascii() or not number.isdigit():
            raise ValueError(text)
        if int(number) > MAX_ID:
            raise ValueError(text)
        return int(number)
    except (ValueError, UnicodeDecodeError):
        raise RuleViolation("not a cursor this API handed out", field="cursor") from None


def page(items: list[T], limit: int, id_of: Any) -> Page[T]:
    """A page from up to ``limit + 1`` items fetched after the cursor, in id order."""
    more = len(items) > limit
    kept = items[:limit]
    return Page[T](items=kept, next_cursor=encode_cursor(id_of(kept[-1])) if more else None)
