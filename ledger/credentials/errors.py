"""Errors of the credentials module.

Verification never raises for a bad credential: it answers with a status (see
:mod:`ledger.credentials.verify`). These errors are for the caller's own mistakes, such as
issuing a credential whose fields break the rules, or asking for a verification at a time
without a time zone::

    RuleViolation
    └── CredentialInvalid   a field given to issue/verify or to a model breaks the rules
"""

from __future__ import annotations

from typing import Any

from ledger.errors import RuleViolation


class CredentialInvalid(RuleViolation):
    """A value given to build, issue or verify a credential breaks the documented rules.

    Attributes:
        field: The name of the offending field or argument.
    """

    title = "Invalid credential input"

    def __init__(self, field: str, detail: str, **fields: Any) -> None:
        self.field = field
        super().__init__(f"{field}: {detail}", field=field, **fields)
