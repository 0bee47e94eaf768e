"""The authorization matrix: every action against every role, the project, acting-as and party
rules, and the matrix in docs/auth.md against the table. Pure: no database, no chain."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from ledger.chain.compiler import project_root
from ledger.db import Principal
from ledger.errors import Unauthorized
from ledger.permissions import (
    GLOBAL_ROLES,
    PERMISSIONS,
    ROLES,
    SELF_ACTIONS,
    require,
    require_not_party,
)

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
ADDRESS = "0x" + "ab" * 20
URN = "urn:ipledger:issuer:tu-munich"


def principal(role: str, project_id: int | None = 1, **overrides: Any) -> Principal:
    """A principal of ``role``: in ``project_id`` unless global, with an identity if it has one."""
    values: dict[str, Any] = {
        "id": 7,
        "name": role,
        "role": role,
        "project_id": None if role in GLOBAL_ROLES else project_id,
        "address": None if role in {"admin", "issuer"} else ADDRESS,
        "issuer_urn": URN if role == "issuer" else None,
        "key_id": "0" * 12,
        "key_hash": "0" * 64,
        "created_at": T0,
        "created_by": "1",
    }
    values.update(overrides)
    return Principal(**values)


def allowed(role: str, action: str, **kwargs: Any) -> bool:
    who = principal(role)
    kwargs.setdefault("project_id", 1)
    if action in SELF_ACTIONS:
        kwargs.setdefault("acting_as", who.address or who.issuer_urn)
    try:
        require(who, action, **kwargs)
    except Unauthorized as refused:
        assert refused.fields["rule"] == "role"
        assert refused.fields["action"] == action
        return False
    return True


# ---------------------------------------------------------------------- the table


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(PERMISSIONS))
def test_require_allows_exactly_the_roles_of_the_table(action: str, role: str) -> None:
    assert allowed(role, action) is (role in PERMISSIONS[action])


@pytest.mark.parametrize(
    ("action", "role"),
    [
        ("contribution.register", "partner"),
        ("contribution.attest", "arbiter"),
        ("dispute.open", "partner"),
        ("dispute.rule", "arbiter"),
        ("credential.issue", "issuer"),
        ("credential.revoke", "issuer"),
        ("funding.deposit", "funder"),
        ("project.create", "admin"),
        ("project.read", "licensee"),
        ("revenue.record", "licensee"),
        ("audit.read", "arbiter"),
        ("principal.create", "admin"),
    ],
)
def test_require_allows_these_by_hand(action: str, role: str) -> None:
    assert allowed(role, action)


@pytest.mark.parametrize(
    ("action", "role"),
    [
        ("dispute.rule", "partner"),
        ("dispute.rule", "admin"),
        ("credential.issue", "admin"),
        ("credential.issue", "partner"),
        ("project.read", "issuer"),
        ("contribution.register", "admin"),
        ("contribution.register", "arbiter"),
        ("project.create", "partner"),
        ("funding.deposit", "partner"),
        ("audit.read", "funder"),
        ("alert.read", "licensee"),
        ("principal.create", "partner"),
    ],
)
def test_require_refuses_these_by_hand(action: str, role: str) -> None:
    assert not allowed(role, action)


def test_only_an_arbiter_rules_and_only_an_issuer_issues() -> None:
    assert [r for r in ROLES if allowed(r, "dispute.rule")] == ["arbiter"]
    assert [r for r in ROLES if allowed(r, "credential.issue")] == ["issuer"]
    assert [r for r in ROLES if allowed(r, "funding.deposit")] == ["funder"]


def test_require_refuses_an_unknown_action() -> None:
    with pytest.raises(ValueError, match="no action 'project.delete'"):
        require(principal("admin"), "project.delete")


def test_require_refuses_a_revoked_principal() -> None:
    with pytest.raises(Unauthorized, match="revoked") as refused:
        require(principal("admin", revoked_at=T0), "project.read", project_id=1)
    assert refused.value.fields == {"rule": "revoked", "action": "project.read"}


# ---------------------------------------------------------------------- projects


@pytest.mark.parametrize("role", ["partner", "funder", "arbiter", "licensee"])
def test_project_role_is_refused_another_project_naming_it(role: str) -> None:
    with pytest.raises(Unauthorized, match="within project 1, not in project 2") as refused:
        require(principal(role), "project.read", project_id=2)
    assert refused.value.fields == {"rule": "project", "action": "project.read", "project_id": 2}
    with pytest.raises(Unauthorized, match="not outside any project") as refused:
        require(principal(role), "project.read")
    assert refused.value.fields["rule"] == "project"
    require(principal(role), "project.read", project_id=1)


@pytest.mark.parametrize("role", ["partner", "funder", "arbiter", "licensee"])
def test_a_project_role_reads_the_global_registry_of_credentials(role: str) -> None:
    require(principal(role), "credential.read")  # no project: the registry is everyone's
    require(principal(role), "credential.read", project_id=2)


def test_global_roles_act_in_every_project() -> None:
    for project_id in (None, 1, 2):
        require(principal("admin"), "audit.read", project_id=project_id)
        require(principal("issuer"), "credential.issue", project_id=project_id)


# ---------------------------------------------------------------------- acting as


def test_partner_registers_contributions_only_as_itself() -> None:
    partner = principal("partner")
    require(partner, "contribution.register", project_id=1, acting_as="0x" + ADDRESS[2:].upper())
    require(partner, "contribution.register", project_id=1, acting_as=ADDRESS)
    other = "0x" + "cd" * 20
    with pytest.raises(Unauthorized, match=f"acts as {ADDRESS}, not as {other}") as refused:
        require(partner, "contribution.register", project_id=1, acting_as=other)
    assert refused.value.fields == {
        "rule": "acting_as",
        "action": "contribution.register",
        "acting_as": other,
    }


@pytest.mark.parametrize("action", sorted(SELF_ACTIONS))
def test_self_action_without_acting_as_is_refused(action: str) -> None:
    with pytest.raises(Unauthorized, match="only as oneself") as refused:
        require(principal("partner"), action, project_id=1)
    assert refused.value.fields == {"rule": "acting_as", "action": action}


def test_acting_as_is_refused_to_who_acts_as_no_one() -> None:
    with pytest.raises(Unauthorized, match="acts as no one") as refused:
        require(principal("admin"), "milestone.plan", project_id=1, acting_as=ADDRESS)
    assert refused.value.fields["rule"] == "acting_as"
    with pytest.raises(Unauthorized, match="acts as no one"):
        require(
            principal("funder", address=None), "funding.deposit", project_id=1, acting_as=ADDRESS
        )


def test_issuer_acts_as_its_own_urn() -> None:
    require(principal("issuer"), "credential.issue", acting_as=URN)
    with pytest.raises(Unauthorized, match="not as urn:ipledger:issuer:ens-paris"):
        require(principal("issuer"), "credential.issue", acting_as="urn:ipledger:issuer:ens-paris")
    with pytest.raises(Unauthorized, match="not as urn:ipledger:issuer:tu-munich-2"):
        require(principal("issuer"), "credential.issue", acting_as=URN + "-2")


# ---------------------------------------------------------------------- parties


def test_arbiter_is_not_a_party_but_an_opener_is() -> None:
    opener = "0x" + "cd" * 20
    require_not_party(principal("arbiter"), opener)
    with pytest.raises(Unauthorized, match="opened this dispute") as refused:
        require_not_party(principal("arbiter", address=opener), opener.upper().replace("0X", "0x"))
    assert refused.value.fields["rule"] == "party"
    require_not_party(principal("admin"), opener)  # no address: no party


# ---------------------------------------------------------------------- the documented matrix

ROW = re.compile(r"^\| `([a-z.]+)` \|(.*)\|\s*$")


def documented() -> tuple[list[str], dict[str, frozenset[str]], set[str]]:
    text = (project_root() / "docs" / "auth.md").read_text(encoding="utf-8")
    section = text.split("### The matrix", 1)[1]
    header = next(line for line in section.splitlines() if line.startswith("| action |"))
    columns = [c.strip() for c in header.strip("|").split("|")][1:]
    table: dict[str, frozenset[str]] = {}
    own: set[str] = set()
    for line in section.splitlines():
        match = ROW.match(line)
        if match is None:
            continue
        cells = [c.strip() for c in match.group(2).split("|")]
        assert set(cells[:-1]) <= {"allow", "deny"}, line
        table[match.group(1)] = frozenset(
            r for r, c in zip(columns, cells, strict=True) if c == "allow"
        )
        if cells[-1] == "yes":
            own.add(match.group(1))
    return columns, table, own


def test_docs_matrix_is_the_table() -> None:
    columns, table, own = documented()
    assert columns == [*ROLES, "as itself"]
    assert table == PERMISSIONS
    assert own == SELF_ACTIONS
