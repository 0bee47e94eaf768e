"""Principals: created by an admin with a key shown once, authenticated by that key alone,
revoked for good, every change on the record; on each database backend."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import func, select

from ledger import journal, principals
from ledger.context import Ledger
from ledger.db import JournalEntry, Principal, Project, session_scope
from ledger.errors import Conflict, NotFound, RuleViolation, Unauthenticated, Unauthorized
from ledger.principals import CreatedPrincipal
from ledger.registry_record import REGISTRY_RECORD
from tests.contracts.conftest import key
from tests.ledger.credentials.support import ISSUER
from tests.ledger.services.conftest import ARBITER, FOREIGN_A, LOCAL_B, T0, Clock
from tests.ledger.services.credential_support import register

KEY_FORMAT = re.compile(r"ipl_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")
FUNDER = key("funder")


def bootstrap(engine: Engine, ledger: Ledger, name: str = "Operator") -> CreatedPrincipal:
    with session_scope(engine) as session:
        return principals.bootstrap_admin(session, ledger, name)


def create(
    engine: Engine, ledger: Ledger, by: Principal, role: str, **values: Any
) -> CreatedPrincipal:
    values.setdefault("name", f"the {role}")
    with session_scope(engine) as session:
        return principals.create_principal(session, ledger, role=role, created_by=by, **values)


def authenticate(engine: Engine, api_key: Any) -> Principal:
    with session_scope(engine) as session:
        return principals.authenticate(session, api_key)


def revoke(engine: Engine, ledger: Ledger, principal_id: int, by: Principal) -> Principal:
    with session_scope(engine) as session:
        return principals.revoke(session, ledger, principal_id=principal_id, by=by)


def entries(engine: Engine, record: int, prefix: str = "principal.") -> list[JournalEntry]:
    with session_scope(engine) as session:
        return [e for e in journal.entries(session, record) if e.kind.startswith(prefix)]


def count(engine: Engine, table: type) -> int:
    with session_scope(engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def secret_of(created: CreatedPrincipal) -> str:
    return created.api_key.split("_", 2)[2]


# ---------------------------------------------------------------------- creation and keys


def test_each_role_is_created_and_authenticates_with_its_key(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    register(engine, ledger)
    admin = bootstrap(engine, ledger)
    made = {
        "admin": create(engine, ledger, admin.principal, "admin"),
        "issuer": create(engine, ledger, admin.principal, "issuer", issuer_urn=ISSUER.id),
        "partner": create(
            engine,
            ledger,
            admin.principal,
            "partner",
            project_id=project.id,
            address=FOREIGN_A.address.lower(),
        ),
        "arbiter": create(
            engine,
            ledger,
            admin.principal,
            "arbiter",
            project_id=project.id,
            address=ARBITER.address,
        ),
        "funder": create(
            engine, ledger, admin.principal, "funder", project_id=project.id, address=FUNDER.address
        ),
        "licensee": create(engine, ledger, admin.principal, "licensee", project_id=project.id),
    }
    for role, created in made.items():
        assert KEY_FORMAT.fullmatch(created.api_key)
        assert created.api_key not in repr(created)
        found = authenticate(engine, created.api_key)
        assert (found.id, found.role) == (created.principal.id, role)
        assert found.key_id == created.api_key[4:16]
    assert authenticate(engine, admin.api_key).created_by == principals.BOOTSTRAP
    partner = made["partner"].principal
    assert partner.address == FOREIGN_A.address  # stored checksummed
    assert (partner.project_id, partner.created_by) == (project.id, str(admin.principal.id))
    assert made["issuer"].principal.issuer_urn == ISSUER.id
    assert made["issuer"].principal.project_id is None
    assert made["licensee"].principal.address is None
    assert len({c.api_key for c in made.values()}) == len(made)
    with session_scope(engine) as session:
        listed = principals.list_principals(session)
        of_project = principals.list_principals(session, project_id=project.id)
        assert principals.get_principal(session, partner.id).name == "the partner"  # type: ignore[arg-type]
    assert [p.id for p in listed] == sorted(p.id for p in listed) and len(listed) == 7
    assert [p.role for p in of_project] == ["partner", "arbiter", "funder", "licensee"]


def test_unknown_principal_is_not_found(engine: Engine) -> None:
    with pytest.raises(NotFound) as missing, session_scope(engine) as session:
        principals.get_principal(session, 404)
    assert missing.value.fields["field"] == "principal_id"


def test_stored_row_and_record_hold_no_secret(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    admin = bootstrap(engine, ledger)
    created = create(
        engine, ledger, admin.principal, "partner", project_id=project.id, address=LOCAL_B.address
    )
    secret = secret_of(created)
    with session_scope(engine) as session:
        rows = list(session.exec(select(Principal)).all())
    for row in rows:
        stored = json.dumps(row.model_dump(), default=str)
        assert secret not in stored and created.api_key not in stored
    row = next(r for r in rows if r.id == created.principal.id)
    assert row.key_hash != secret and len(row.key_hash) == 64
    assert row.key_hash == principals.key_hash(row.key_id, secret)
    written = entries(engine, project.id) + entries(engine, REGISTRY_RECORD)
    assert len(written) == 2
    for entry in written:
        for hidden in (secret, created.api_key, row.key_hash, admin.principal.key_hash):
            assert hidden not in entry.payload


def test_authenticate_refuses_every_bad_key_alike(engine: Engine, ledger: Ledger) -> None:
    admin = bootstrap(engine, ledger)
    other = create(engine, ledger, admin.principal, "issuer")
    good = admin.api_key
    key_id, secret = good[4:16], secret_of(admin)
    wrong_secret = f"ipl_{key_id}_{'A' if secret[0] != 'A' else 'B'}{secret[1:]}"
    unknown_id = f"ipl_{'0' * 12 if key_id != '0' * 12 else '1' * 12}_{secret}"
    swapped = f"ipl_{other.api_key[4:16]}_{secret}"  # a real key id, another key's secret
    malformed = [
        "",
        "ipl_",
        f"Bearer {good}",
        good + "x",
        good[:-1],
        good.upper(),
        good.replace("ipl_", "ipk_"),
        f"ipl_{key_id}{secret}",
        f"ipl_{key_id}_{secret[:-1]}=",
        None,
        12345,
    ]
    revoke(engine, ledger, other.principal.id, admin.principal)  # type: ignore[arg-type]
    refused = [wrong_secret, unknown_id, swapped, other.api_key, *malformed]
    seen = set()
    for bad in refused:
        with pytest.raises(Unauthenticated) as caught:
            authenticate(engine, bad)
        assert not isinstance(caught.value, Unauthorized)
        seen.add((str(caught.value), caught.value.title, tuple(caught.value.fields)))
    assert seen == {("the API key is not valid", "Not authenticated", ())}
    assert authenticate(engine, good).id == admin.principal.id


# ---------------------------------------------------------------------- the record


def test_creation_goes_to_the_principals_own_record(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    register(engine, ledger)
    admin = bootstrap(engine, ledger)
    issuer = create(engine, ledger, admin.principal, "issuer", issuer_urn=ISSUER.id)
    arbiter = create(
        engine, ledger, admin.principal, "arbiter", project_id=project.id, address=ARBITER.address
    )
    global_entries = entries(engine, REGISTRY_RECORD)
    assert [(e.kind, e.actor) for e in global_entries] == [
        ("principal.created", "bootstrap"),
        ("principal.created", f"principal:{admin.principal.id}"),
    ]
    assert json.loads(global_entries[1].payload) == {
        "address": None,
        "created_by": str(admin.principal.id),
        "id": issuer.principal.id,
        "issuer_urn": ISSUER.id,
        "key_id": issuer.principal.key_id,
        "name": "the issuer",
        "project": None,
        "role": "issuer",
    }
    (entry,) = entries(engine, project.id)
    assert (entry.kind, entry.actor) == ("principal.created", f"principal:{admin.principal.id}")
    assert json.loads(entry.payload) == {
        "address": ARBITER.address,
        "created_by": str(admin.principal.id),
        "id": arbiter.principal.id,
        "issuer_urn": None,
        "key_id": arbiter.principal.key_id,
        "name": "the arbiter",
        "project": project.id,
        "role": "arbiter",
    }
    with session_scope(engine) as session:
        assert journal.verify(session, project.id).ok
        assert journal.verify(session, REGISTRY_RECORD).ok


def test_revoke_is_idempotent_and_journaled_once(
    engine: Engine, ledger: Ledger, clock: Clock, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    admin = bootstrap(engine, ledger)
    partner = create(
        engine, ledger, admin.principal, "partner", project_id=project.id, address=FOREIGN_A.address
    )
    pid = partner.principal.id
    assert pid is not None
    first = revoke(engine, ledger, pid, admin.principal)
    assert first.revoked_at is not None and first.revoked_at > T0
    assert first.revoked_by == str(admin.principal.id)
    clock.advance(days=1)
    again = revoke(engine, ledger, pid, admin.principal)
    assert (again.revoked_at, again.revoked_by) == (first.revoked_at, first.revoked_by)
    revoked = [e for e in entries(engine, project.id) if e.kind == "principal.revoked"]
    assert len(revoked) == 1
    assert revoked[0].actor == f"principal:{admin.principal.id}"
    assert json.loads(revoked[0].payload) == {
        "address": FOREIGN_A.address,
        "id": pid,
        "issuer_urn": None,
        "key_id": partner.principal.key_id,
        "name": "the partner",
        "project": project.id,
        "revoked_by": str(admin.principal.id),
        "role": "partner",
    }
    with pytest.raises(Unauthenticated):
        authenticate(engine, partner.api_key)


def test_global_principal_revocation_goes_to_record_zero(engine: Engine, ledger: Ledger) -> None:
    admin = bootstrap(engine, ledger)
    issuer = create(engine, ledger, admin.principal, "issuer")
    revoke(engine, ledger, issuer.principal.id, admin.principal)  # type: ignore[arg-type]
    kinds = [e.kind for e in entries(engine, REGISTRY_RECORD)]
    assert kinds == ["principal.created", "principal.created", "principal.revoked"]


def test_a_principal_revokes_itself_but_no_other(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    admin = bootstrap(engine, ledger)
    partner = create(
        engine, ledger, admin.principal, "partner", project_id=project.id, address=LOCAL_B.address
    )
    arbiter = create(
        engine, ledger, admin.principal, "arbiter", project_id=project.id, address=ARBITER.address
    )
    with pytest.raises(Unauthorized) as refused:
        revoke(engine, ledger, arbiter.principal.id, partner.principal)  # type: ignore[arg-type]
    assert refused.value.fields == {"rule": "role", "action": "principal.revoke", "role": "partner"}
    own = revoke(engine, ledger, partner.principal.id, partner.principal)  # type: ignore[arg-type]
    assert own.revoked_by == str(partner.principal.id)
    assert authenticate(engine, arbiter.api_key).revoked_at is None
    with pytest.raises(NotFound):
        revoke(engine, ledger, 404, admin.principal)


# ---------------------------------------------------------------------- refusals


def test_partner_principal_must_be_a_partner_of_the_project(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project(joiners=(FOREIGN_A,))  # LOCAL_B is a party but has not joined
    admin = bootstrap(engine, ledger)
    before = (count(engine, Principal), count(engine, JournalEntry))
    for address in (key("outsider").address, ARBITER.address):
        with pytest.raises(RuleViolation, match="nor a party its agreement names") as refused:
            create(
                engine, ledger, admin.principal, "partner", project_id=project.id, address=address
            )
        assert refused.value.fields["field"] == "address"
    assert (count(engine, Principal), count(engine, JournalEntry)) == before
    # a party the agreement names gets its key before it joins, so it can join through the API
    created = create(
        engine, ledger, admin.principal, "partner", project_id=project.id, address=LOCAL_B.address
    )
    assert created.principal.address == LOCAL_B.address


def test_arbiter_principal_must_be_an_arbiter_of_the_agreement(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    admin = bootstrap(engine, ledger)
    for address in (FOREIGN_A.address, key("outsider").address):
        with pytest.raises(RuleViolation, match="is not an arbiter of project") as refused:
            create(
                engine, ledger, admin.principal, "arbiter", project_id=project.id, address=address
            )
        assert refused.value.fields["field"] == "address"
    assert count(engine, Principal) == 1


@pytest.mark.parametrize("role", ["partner", "funder", "arbiter", "licensee"])
def test_project_role_needs_a_project(engine: Engine, ledger: Ledger, role: str) -> None:
    admin = bootstrap(engine, ledger)
    with pytest.raises(RuleViolation, match="belongs to one project") as refused:
        create(engine, ledger, admin.principal, role, address=FOREIGN_A.address)
    assert refused.value.fields["field"] == "project_id"


@pytest.mark.parametrize("role", ["admin", "issuer"])
def test_global_role_takes_no_project(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project], role: str
) -> None:
    project = make_project(joiners=())
    admin = bootstrap(engine, ledger)
    with pytest.raises(RuleViolation, match="is global and belongs to no project") as refused:
        create(engine, ledger, admin.principal, role, project_id=project.id)
    assert refused.value.fields["field"] == "project_id"


@pytest.mark.parametrize(
    ("role", "values", "field", "message"),
    [
        ("owner", {}, "role", "'owner' is not a role"),
        ("admin", {"name": "  "}, "name", "1 to 200 characters"),
        ("admin", {"name": "x" * 201}, "name", "1 to 200 characters"),
        ("admin", {"address": FOREIGN_A.address}, "address", "an admin acts with no address"),
        ("issuer", {"address": FOREIGN_A.address}, "address", "an issuer acts with no address"),
        ("partner", {"project_id": 1}, "address", "a partner acts with its signing address"),
        ("arbiter", {"project_id": 1}, "address", "an arbiter acts with its signing address"),
        ("funder", {"project_id": 1, "address": "0x12"}, "address", "is not an address"),
        ("issuer", {"issuer_urn": "urn:ipledger:issuer:nobody"}, "issuer_urn", "no registered"),
        ("licensee", {"project_id": 1, "issuer_urn": ISSUER.id}, "issuer_urn", "only an issuer"),
    ],
)
def test_invalid_principal_is_refused_naming_the_field(
    engine: Engine,
    ledger: Ledger,
    make_project: Callable[..., Project],
    role: str,
    values: dict[str, Any],
    field: str,
    message: str,
) -> None:
    make_project(joiners=())  # project 1
    admin = bootstrap(engine, ledger)
    with pytest.raises(RuleViolation, match=message) as refused:
        create(engine, ledger, admin.principal, role, **values)
    assert refused.value.fields["field"] == field
    assert count(engine, Principal) == 1


def test_unknown_project_is_not_found(engine: Engine, ledger: Ledger) -> None:
    admin = bootstrap(engine, ledger)
    with pytest.raises(NotFound, match="no project 9"):
        create(engine, ledger, admin.principal, "licensee", project_id=9)


def test_only_an_active_admin_creates_principals(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    admin = bootstrap(engine, ledger)
    partner = create(
        engine, ledger, admin.principal, "partner", project_id=project.id, address=FOREIGN_A.address
    )
    with pytest.raises(Unauthorized) as refused:
        create(engine, ledger, partner.principal, "licensee", project_id=project.id)
    assert refused.value.fields["rule"] == "role"
    second = create(engine, ledger, admin.principal, "admin")
    revoke(engine, ledger, second.principal.id, admin.principal)  # type: ignore[arg-type]
    with session_scope(engine) as session:
        stale = principals.get_principal(session, second.principal.id)  # type: ignore[arg-type]
    with pytest.raises(Unauthorized, match="revoked") as refused:
        create(engine, ledger, stale, "admin")
    assert refused.value.fields["rule"] == "revoked"
    assert count(engine, Principal) == 3


# ---------------------------------------------------------------------- bootstrap


def test_bootstrap_admin_only_while_no_admin_exists(engine: Engine, ledger: Ledger) -> None:
    first = bootstrap(engine, ledger)
    assert first.principal.role == "admin" and first.principal.created_by == "bootstrap"
    with pytest.raises(Conflict, match=f"admin {first.principal.id} exists") as refused:
        bootstrap(engine, ledger, "Intruder")
    assert refused.value.fields == {"field": "role", "principal_id": first.principal.id}
    assert count(engine, Principal) == 1
    revoke(engine, ledger, first.principal.id, first.principal)  # type: ignore[arg-type]
    again = bootstrap(engine, ledger, "Recovery")
    assert again.principal.id != first.principal.id
    assert authenticate(engine, again.api_key).name == "Recovery"
