"""Issuers and recognition agreements over HTTP, and the lists of issuers, credentials and
agreements: values, filters, pages, refusals, idempotent registration.

The helpers at the top serve ``test_credentials_flow.py`` too: three issuers (TU Munich in
DE, ENS Paris in FR, Tsinghua in CN), each with its Ed25519 key and its chain account, and
an issuer principal bound to each once registered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eth_account.signers.local import LocalAccount

from api.client import ApiError
from ledger import journal
from ledger.credentials import Issuer
from ledger.registry_record import REGISTRY_RECORD
from tests.api.world import World
from tests.contracts.conftest import key
from tests.ledger.credentials.support import ISSUER, KEY, OTHER_ISSUER, OTHER_KEY, public_bytes
from tests.ledger.services.credential_support import ENS_CHAIN, TUM_CHAIN

CN_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(64, 96)))
CN_ISSUER = Issuer(
    "urn:ipledger:issuer:tsinghua", "Tsinghua University", "CN", public_bytes(CN_KEY)
)
CN_CHAIN = key("tsinghua")

VALID_FROM = datetime(2026, 1, 1, tzinfo=UTC)
VALID_UNTIL = datetime(2031, 1, 1, tzinfo=UTC)
CREATED = datetime(2025, 12, 15, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Party:
    """An issuer as the tests play it: what the ledger trusts, and the keys it signs with."""

    issuer: Issuer
    key: Ed25519PrivateKey
    chain: LocalAccount

    @property
    def urn(self) -> str:
        return self.issuer.id

    @property
    def principal(self) -> str:
        """The name of the world's principal bound to this issuer."""
        return "issuer_" + self.urn.rsplit(":", 1)[1]


TUM = Party(ISSUER, KEY, TUM_CHAIN)
ENS = Party(OTHER_ISSUER, OTHER_KEY, ENS_CHAIN)
TSINGHUA = Party(CN_ISSUER, CN_KEY, CN_CHAIN)


def register(world: World, party: Party) -> dict[str, Any]:
    """Register the issuer as the admin, and give it an issuer principal of its own."""
    created = world.client("admin").register_issuer(
        party.urn,
        name=party.issuer.name,
        jurisdiction=party.issuer.jurisdiction,
        public_key=party.issuer.public_key,
        address=party.chain.address,
    )
    world.add_principal(party.principal, "issuer", issuer_urn=party.urn)
    return created  # type: ignore[no-any-return]


def issue(
    world: World,
    party: Party,
    *,
    holder: str = "urn:ipledger:person:ada",
    credential_type: str = "DegreeCredential",
    credential_id: str | None = None,
    valid_until: datetime | None = VALID_UNTIL,
) -> dict[str, Any]:
    """Issue a credential as ``party``, through its own issuer principal."""
    return world.client(party.principal).issue_credential(  # type: ignore[no-any-return]
        party.chain,
        party.key,
        issuer=party.urn,
        holder=holder,
        credential_type=credential_type,
        valid_from=VALID_FROM,
        valid_until=valid_until,
        details={"degree": "MSc", "field": "Materials Science"},
        credential_id=credential_id,
        created=CREATED,
    )


def refused(call: Any, status: int) -> dict[str, Any]:
    """The problem of a call that must fail with ``status``."""
    with pytest.raises(ApiError) as caught:
        call()
    assert caught.value.status == status, caught.value.problem
    assert caught.value.problem["status"] == status
    return caught.value.problem  # type: ignore[no-any-return]


def registry_entries(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    """Record 0's entries about issuers, credentials and agreements (not principals)."""
    with world.session() as session:
        return [
            (e.kind, e.actor, json.loads(e.payload))
            for e in journal.entries(session, REGISTRY_RECORD)
            if not e.kind.startswith("principal.")
        ]


def not_ours_cursor() -> str:
    """A cursor of the right shape that this API never hands out."""
    return "bm90LWEtY3Vyc29y"  # base64url of "not-a-cursor"


# ---------------------------------------------------------------------- issuers


def test_an_admin_registers_an_issuer_that_every_principal_reads(world: World) -> None:
    body = {
        "urn": TUM.urn,
        "name": "TU Munich",
        "jurisdiction": "DE",
        "public_key": "0x" + TUM.issuer.public_key.hex(),
        "address": TUM.chain.address.lower(),
    }
    response = world.http.post("/v1/issuers", json=body, headers=world.headers("admin"))
    assert response.status_code == 201, response.text
    assert response.headers["location"] == "/v1/issuers/urn:ipledger:issuer:tu-munich"
    created = response.json()
    assert {k: v for k, v in created.items() if k != "created_at"} == {
        "urn": TUM.urn,
        "name": "TU Munich",
        "jurisdiction": "DE",
        "public_key": TUM.issuer.public_key.hex(),
        "address": TUM.chain.address,  # checksummed
    }
    assert world.ledger.credentials.issuer_jurisdiction(TUM.chain.address) == "DE"
    for who in ("issuer", "admin"):
        assert world.client(who).issuer(TUM.urn) == created
        assert world.client(who).issuers() == [created]
    ((kind, actor, payload),) = registry_entries(world)
    assert (kind, actor) == ("issuer.registered", f"principal:{world.principals['admin'].id}")
    assert payload["urn"] == TUM.urn


def test_registering_an_issuer_is_for_admins_and_refuses_what_is_known(world: World) -> None:
    admin = world.client("admin")
    register(world, TUM)

    def again(**change: Any) -> Any:
        values = {
            "name": "TU Munich",
            "jurisdiction": "DE",
            "public_key": TUM.issuer.public_key,
            "address": TUM.chain.address,
        }
        urn = change.pop("urn", TUM.urn)
        return lambda: admin.register_issuer(urn, **{**values, **change})

    assert refused(again(address=ENS.chain.address), 409)["field"] == "urn"
    assert refused(again(urn="urn:ipledger:issuer:tum-2"), 409)["field"] == "address"
    problem = refused(again(urn="urn:ipledger:issuer:tum-2", address="0x" + "00" * 20), 422)
    assert problem["field"] == "address"  # the service's own check: the zero address
    problem = refused(again(urn="urn:ipledger:issuer:TUM"), 422)
    assert problem["errors"][0]["field"] == "body.urn"
    problem = refused(again(urn="urn:ipledger:issuer:x", public_key="ab" * 31), 422)
    assert problem["errors"][0]["field"] == "body.public_key"
    for who in ("partner_a", "issuer", "arbiter"):
        problem = refused(
            lambda who=who: world.client(who).register_issuer(
                ENS.urn,
                name="ENS",
                jurisdiction="FR",
                public_key=ENS.issuer.public_key,
                address=ENS.chain.address,
            ),
            403,
        )
        assert (problem["rule"], problem["action"]) == ("role", "issuer.register")
    assert [i["urn"] for i in admin.issuers()] == [TUM.urn]
    assert [kind for kind, _, _ in registry_entries(world)] == ["issuer.registered"]


def test_an_unknown_or_malformed_issuer_urn(world: World) -> None:
    reader = world.client("issuer")
    problem = refused(lambda: reader.issuer("urn:ipledger:issuer:nobody"), 404)
    assert problem["urn"] == "urn:ipledger:issuer:nobody"
    problem = refused(lambda: reader.issuer("nobody"), 422)
    assert problem["errors"][0]["field"] == "path.urn"


def test_issuers_come_in_pages(world: World) -> None:
    for party in (TUM, ENS, TSINGHUA):
        register(world, party)
    reader = world.client("issuer")
    first = reader.get("/v1/issuers", limit=2)
    assert [i["urn"] for i in first["items"]] == [TUM.urn, ENS.urn]
    second = reader.get("/v1/issuers", limit=2, cursor=first["next_cursor"])
    assert [i["urn"] for i in second["items"]] == [TSINGHUA.urn]
    assert second["next_cursor"] is None
    assert [i["urn"] for i in reader.issuers(limit=1)] == [TUM.urn, ENS.urn, TSINGHUA.urn]
    problem = refused(lambda: reader.get("/v1/issuers", cursor=not_ours_cursor()), 422)
    assert problem["field"] == "cursor"
    problem = refused(lambda: reader.get("/v1/issuers", limit=201), 422)
    assert problem["errors"][0]["field"] == "query.limit"


def test_registering_an_issuer_again_with_the_same_key_replays_the_first_answer(
    world: World,
) -> None:
    body = {
        "urn": TUM.urn,
        "name": "TU Munich",
        "jurisdiction": "DE",
        "public_key": TUM.issuer.public_key.hex(),
        "address": TUM.chain.address,
    }
    headers = {**world.headers("admin"), "Idempotency-Key": "tum-1"}
    first = world.http.post("/v1/issuers", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = world.http.post("/v1/issuers", json=body, headers=headers)
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    other = world.http.post("/v1/issuers", json={**body, "name": "TUM"}, headers=headers)
    assert other.status_code == 409
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert [i["name"] for i in world.client("admin").issuers()] == ["TU Munich"]
    assert [kind for kind, _, _ in registry_entries(world)] == ["issuer.registered"]


# ---------------------------------------------------------------------- recognition


def test_an_admin_registers_recognition_agreements(world: World) -> None:
    admin = world.client("admin")
    response = world.http.post(
        "/v1/recognitions",
        json={"first": "DE", "second": "CN", "credential_type": "DegreeCredential"},
        headers=world.headers("admin"),
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/v1/recognitions/{created['id']}"
    assert (created["first"], created["second"], created["credential_type"]) == (
        "CN",
        "DE",
        "DegreeCredential",
    )
    assert world.client("issuer").recognition(created["id"]) == created
    problem = refused(lambda: admin.register_recognition("CN", "DE", "DegreeCredential"), 409)
    assert problem["field"] == "credential_type"
    problem = refused(lambda: admin.register_recognition("DE", "DE", "DegreeCredential"), 422)
    assert problem["field"] == "second"
    problem = refused(lambda: admin.register_recognition("DE", "FR", "Diploma"), 422)
    assert problem["errors"][0]["field"] == "body.credential_type"
    problem = refused(lambda: admin.register_recognition("de", "FR", "DegreeCredential"), 422)
    assert problem["errors"][0]["field"] == "body.first"
    problem = refused(
        lambda: world.client("issuer").register_recognition("DE", "FR", "DegreeCredential"), 403
    )
    assert (problem["rule"], problem["action"]) == ("role", "recognition.register")
    assert [r["id"] for r in admin.recognitions()] == [created["id"]]
    entries = registry_entries(world)
    assert entries == [
        (
            "recognition.registered",
            f"principal:{world.principals['admin'].id}",
            {"credential_type": "DegreeCredential", "first": "CN", "second": "DE"},
        )
    ]


def test_an_unknown_recognition_is_404(world: World) -> None:
    reader = world.client("issuer")
    assert refused(lambda: reader.recognition(7), 404)["recognition_id"] == 7
    problem = refused(lambda: reader.get("/v1/recognitions/0"), 422)
    assert problem["errors"][0]["field"] == "path.recognition_id"


def test_recognitions_come_in_pages_by_jurisdiction_and_type(world: World) -> None:
    admin = world.client("admin")
    made = [
        admin.register_recognition("CN", "DE", "DegreeCredential"),
        admin.register_recognition("DE", "FR", "DegreeCredential"),
        admin.register_recognition("CN", "FR", "TRLAssessorCredential"),
        admin.register_recognition("CN", "DE", "ProfessionalQualificationCredential"),
    ]
    ids = [r["id"] for r in made]
    reader = world.client("admin")
    first = reader.get("/v1/recognitions", limit=3)
    assert [r["id"] for r in first["items"]] == ids[:3]
    rest = reader.get("/v1/recognitions", limit=3, cursor=first["next_cursor"])
    assert ([r["id"] for r in rest["items"]], rest["next_cursor"]) == (ids[3:], None)
    assert [r["id"] for r in reader.recognitions(jurisdiction="DE")] == [ids[0], ids[1], ids[3]]
    assert [r["id"] for r in reader.recognitions(jurisdiction="FR", limit=1)] == ids[1:3]
    assert reader.recognitions(jurisdiction="IT") == []
    assert [r["id"] for r in reader.recognitions(credential_type="DegreeCredential")] == ids[:2]
    both = reader.recognitions(jurisdiction="CN", credential_type="DegreeCredential")
    assert [r["id"] for r in both] == ids[:1]
    problem = refused(lambda: reader.get("/v1/recognitions", cursor=not_ours_cursor()), 422)
    assert problem["field"] == "cursor"
    problem = refused(lambda: reader.get("/v1/recognitions", jurisdiction="Germany"), 422)
    assert problem["errors"][0]["field"] == "query.jurisdiction"


# ---------------------------------------------------------------------- the list of credentials


def test_credentials_come_in_pages_by_holder_issuer_status_and_type(world: World) -> None:
    for party in (TUM, TSINGHUA):
        register(world, party)
    made = [
        issue(world, TUM, holder="urn:ipledger:person:ada", credential_id="urn:uuid:c-1"),
        issue(world, TSINGHUA, holder="urn:ipledger:person:li", credential_id="urn:uuid:c-2"),
        issue(
            world,
            TUM,
            holder="urn:ipledger:person:li",
            credential_type="TRLAssessorCredential",
            credential_id="urn:uuid:c-3",
        ),
        issue(world, TSINGHUA, holder="urn:ipledger:person:ada", credential_id="urn:uuid:c-4"),
    ]
    world.client(TUM.principal).revoke_credential(TUM.chain, "urn:uuid:c-3", "withdrawn")
    reader = world.client("issuer")

    def ids(**filters: Any) -> list[str]:
        return [c["credential_id"] for c in reader.credentials(**filters)]

    first = reader.get("/v1/credentials", limit=3)
    assert [c["credential_id"] for c in first["items"]] == [c["credential_id"] for c in made[:3]]
    assert first["items"][0] == made[0]
    rest = reader.get("/v1/credentials", limit=3, cursor=first["next_cursor"])
    assert ([c["credential_id"] for c in rest["items"]], rest["next_cursor"]) == (
        ["urn:uuid:c-4"],
        None,
    )
    assert ids(limit=1) == ["urn:uuid:c-1", "urn:uuid:c-2", "urn:uuid:c-3", "urn:uuid:c-4"]
    assert ids(holder="urn:ipledger:person:li") == ["urn:uuid:c-2", "urn:uuid:c-3"]
    assert ids(issuer=TSINGHUA.urn) == ["urn:uuid:c-2", "urn:uuid:c-4"]
    assert ids(issuer=ENS.urn) == []
    assert ids(status="revoked") == ["urn:uuid:c-3"]
    assert ids(status="active") == ["urn:uuid:c-1", "urn:uuid:c-2", "urn:uuid:c-4"]
    assert ids(credential_type="TRLAssessorCredential") == ["urn:uuid:c-3"]
    assert ids(holder="urn:ipledger:person:ada", issuer=TUM.urn, status="active") == [
        "urn:uuid:c-1"
    ]
    assert ids(holder="urn:ipledger:person:nobody") == []
    problem = refused(lambda: reader.get("/v1/credentials", cursor=not_ours_cursor()), 422)
    assert problem["field"] == "cursor"
    for bad, field in (
        ({"status": "expired"}, "query.status"),
        ({"type": "Diploma"}, "query.type"),
        ({"issuer": "TUM"}, "query.issuer"),
        ({"holder": "x" * 201}, "query.holder"),
    ):
        problem = refused(lambda bad=bad: reader.get("/v1/credentials", **bad), 422)
        assert problem["errors"][0]["field"] == field
