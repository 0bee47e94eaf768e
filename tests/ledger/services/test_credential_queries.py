"""The lists of issuers, stored credentials and recognition agreements, on each backend."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from ledger import credential_queries as queries
from ledger import credential_service as service
from ledger.context import Ledger
from ledger.credentials import CredentialType, Subject
from ledger.db import session_scope
from ledger.errors import NotFound
from tests.ledger.credentials.support import ISSUER, KEY, OTHER_ISSUER, OTHER_KEY
from tests.ledger.services.conftest import T0
from tests.ledger.services.credential_support import (
    ENS_CHAIN,
    TUM_CHAIN,
    register_both,
    revocation_signature,
)


def issue(
    engine: Engine,
    ledger: Ledger,
    credential_id: str,
    *,
    holder: str,
    tum: bool = True,
    kind: CredentialType = CredentialType.DEGREE,
) -> None:
    with session_scope(engine) as session:
        service.issue_and_store(
            session,
            ledger,
            urn=(ISSUER if tum else OTHER_ISSUER).id,
            issuer_key=KEY if tum else OTHER_KEY,
            anchor_account=TUM_CHAIN if tum else ENS_CHAIN,
            subject=Subject(holder),
            credential_type=kind,
            valid_from=T0 - timedelta(days=1),
            credential_id=credential_id,
        )


def test_issuers_in_id_order_after_an_id(engine: Engine, ledger: Ledger) -> None:
    register_both(engine, ledger)
    with session_scope(engine) as session:
        every = queries.list_issuers(session)
        assert [i.urn for i in every] == [ISSUER.id, OTHER_ISSUER.id]
        assert [i.urn for i in queries.list_issuers(session, limit=1)] == [ISSUER.id]
        after = queries.list_issuers(session, after=every[0].id or 0)
        assert [i.urn for i in after] == [OTHER_ISSUER.id]
        assert queries.list_issuers(session, after=every[1].id or 0) == []
        assert queries.issuer_urns(session, [i.id or 0 for i in every] + [999]) == {
            i.id: i.urn for i in every
        }
        assert queries.issuer_urns(session, []) == {}


def test_credentials_by_holder_issuer_state_and_type(engine: Engine, ledger: Ledger) -> None:
    register_both(engine, ledger)
    issue(engine, ledger, "urn:uuid:1", holder="urn:p:ada")
    issue(engine, ledger, "urn:uuid:2", holder="urn:p:li", tum=False)
    issue(engine, ledger, "urn:uuid:3", holder="urn:p:li", kind=CredentialType.TRL_ASSESSOR)
    with session_scope(engine) as session:
        row = service.get_credential(session, "urn:uuid:3")
        document = row.document
    with session_scope(engine) as session:
        service.revoke(
            session,
            ledger,
            credential_id="urn:uuid:3",
            reason="degree withdrawn",
            signature=revocation_signature(ledger, json.loads(document)),
        )

    def ids(**filters: object) -> list[str]:
        with session_scope(engine) as session:
            rows = queries.list_credentials(session, **filters)  # type: ignore[arg-type]
            return [r.credential_id for r in rows]

    assert ids() == ["urn:uuid:1", "urn:uuid:2", "urn:uuid:3"]
    assert ids(limit=2) == ["urn:uuid:1", "urn:uuid:2"]
    with session_scope(engine) as session:
        first = service.get_credential(session, "urn:uuid:1").id
    assert ids(after=first) == ["urn:uuid:2", "urn:uuid:3"]
    assert ids(holder="urn:p:li") == ["urn:uuid:2", "urn:uuid:3"]
    assert ids(issuer=ISSUER.id) == ["urn:uuid:1", "urn:uuid:3"]
    assert ids(issuer="urn:ipledger:issuer:nobody") == []
    assert ids(state="active") == ["urn:uuid:1", "urn:uuid:2"]
    assert ids(state="revoked") == ["urn:uuid:3"]
    assert ids(credential_type="TRLAssessorCredential") == ["urn:uuid:3"]
    assert ids(holder="urn:p:li", issuer=ISSUER.id, state="active") == []


def test_recognitions_by_jurisdiction_and_type(engine: Engine, ledger: Ledger) -> None:
    agreements = [("DE", "CN", "DegreeCredential"), ("FR", "DE", "TRLAssessorCredential")]
    with session_scope(engine) as session:
        made = [
            service.recognise(session, ledger, first=a, second=b, credential_type=t).id
            for a, b, t in agreements
        ]

    def ids(**filters: object) -> list[int | None]:
        with session_scope(engine) as session:
            return [r.id for r in queries.list_recognitions(session, **filters)]  # type: ignore[arg-type]

    assert ids() == made
    assert ids(after=made[0] or 0) == made[1:]
    assert ids(limit=1) == made[:1]
    assert ids(jurisdiction="DE") == made
    assert ids(jurisdiction="CN") == made[:1]
    assert ids(jurisdiction="FR") == made[1:]
    assert ids(jurisdiction="IT") == []
    assert ids(credential_type="TRLAssessorCredential") == made[1:]
    with session_scope(engine) as session:
        row = queries.get_recognition(session, made[0] or 0)
        assert (row.first, row.second, row.credential_type) == ("CN", "DE", "DegreeCredential")
        with pytest.raises(NotFound) as caught:
            queries.get_recognition(session, 999)
    assert caught.value.fields["field"] == "recognition_id"
