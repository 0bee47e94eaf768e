"""The fields a caller supplies to the dispute services, each checked or refused by name."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from ledger.chain.disputes import Outcome, Subject
from ledger.db import Project
from ledger.errors import RuleViolation

SUBJECTS = ("milestone", "snapshot")
OUTCOMES = ("uphold", "reject", "replace")
REASON_MAX = 4000

SUBJECT_CODES = {"milestone": Subject.MILESTONE, "snapshot": Subject.SNAPSHOT}
OUTCOME_CODES = {"uphold": Outcome.UPHOLD, "reject": Outcome.REJECT, "replace": Outcome.REPLACE}


def chain_id_of(project: Project) -> int:
    assert project.chain_project_id is not None
    return project.chain_project_id


def excluded_ids(values: Sequence[int]) -> tuple[int, ...]:
    if isinstance(values, str | bytes) or any(
        not isinstance(v, int) or isinstance(v, bool) or v < 1 for v in values
    ):
        raise RuleViolation("excluded lists contribution ids (integers ≥ 1)", field="excluded")
    ids = tuple(sorted(set(values)))
    if len(ids) != len(values):
        raise RuleViolation("excluded names a contribution twice", field="excluded")
    return ids


def fee_amount(value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**256:
        raise RuleViolation("fee must be an integer number of wei ≥ 0", field="fee")
    return value


def reason_text(value: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(text) <= REASON_MAX:
        raise RuleViolation(
            f"a dispute needs a reason of 1 to {REASON_MAX} characters", field="reason"
        )
    return text


def digest(value: str) -> bytes:
    text = value.removeprefix("0x") if isinstance(value, str) else ""
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise RuleViolation("evidence_hash must be 32 bytes of hex", field="evidence_hash")
    return raw


def raw_transaction(value: str) -> bytes:
    try:
        raw = bytes.fromhex(value.removeprefix("0x")) if isinstance(value, str) else b""
    except ValueError:
        raw = b""
    if not raw:
        raise RuleViolation("transaction must be a signed transaction in hex", field="transaction")
    return raw


def utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)
