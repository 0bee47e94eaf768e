"""Credentials over HTTP: issuing as one's own issuer, the issuer's signatures, revocation,
and the verification report (revoked, expired, recognised or not, ledger and chain at odds).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from ledger.credentials import Subject, credential_hash, issue
from tests.api.test_credentials_api import (
    CREATED,
    ENS,
    TSINGHUA,
    TUM,
    VALID_FROM,
    VALID_UNTIL,
    Party,
    refused,
    register,
    registry_entries,
)
from tests.api.test_credentials_api import issue as issue_as
from tests.api.world import World

ADA = "urn:ipledger:person:ada"


def document(
    party: Party,
    *,
    credential_id: str = "urn:uuid:degree-1",
    valid_until: datetime | None = VALID_UNTIL,
    credential_type: str = "DegreeCredential",
) -> dict[str, Any]:
    """A credential signed with the party's Ed25519 key, not yet sent anywhere."""
    return issue(
        party.key,
        party.issuer,
        Subject(ADA, {"degree": "MSc"}),
        credential_type,
        VALID_FROM,
        valid_until,
        credential_id,
        created=CREATED,
    )


def post_credential(world: World, who: str, body: dict[str, Any]) -> Any:
    return world.http.post("/v1/credentials", json=body, headers=world.headers(who))


def stored_ids(world: World) -> list[str]:
    return [c["credential_id"] for c in world.client("admin").credentials()]


# ---------------------------------------------------------------------- issuing


def test_a_bound_issuer_issues_a_credential_that_is_stored_and_anchored(world: World) -> None:
    register(world, TUM)
    issuer = world.client(TUM.principal)
    degree = document(TUM)
    body = {"credential": degree, "anchor_signature": issuer.anchor_signature(TUM.chain, degree)}
    response = post_credential(world, TUM.principal, body)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == "/v1/credentials/urn:uuid:degree-1"
    created = response.json()
    digest = credential_hash(degree)
    assert created["credential_id"] == "urn:uuid:degree-1"
    assert (created["issuer"], created["holder"], created["type"], created["state"]) == (
        TUM.urn,
        ADA,
        "DegreeCredential",
        "active",
    )
    assert created["credential_hash"] == digest.hex()
    assert created["credential"] == degree
    assert created["anchored_tx"] is not None
    assert (created["revoked_at"], created["revocation_reason"], created["revoked_tx"]) == (
        None,
        None,
        None,
    )
    chain = world.ledger.credentials.status(digest)
    assert chain.issuer == TUM.chain.address and not chain.revoked
    for who in ("admin", "issuer", TUM.principal):
        assert world.client(who).credential("urn:uuid:degree-1") == created
    (stored,) = [e for e in registry_entries(world) if e[0] == "credential.stored"]
    assert stored[1] == f"issuer:{TUM.urn}" and stored[2]["tx"] == created["anchored_tx"]


def test_the_client_issues_with_the_issuers_two_keys(world: World) -> None:
    register(world, TSINGHUA)
    created = issue_as(world, TSINGHUA, credential_id="urn:uuid:cn-1")
    assert created["credential"]["credentialSubject"]["jurisdiction"] == "CN"
    assert created["credential"]["proof"]["verificationMethod"] == TSINGHUA.urn + "#ed25519"
    report = world.client("admin").verify_credential("urn:uuid:cn-1")
    assert (report["valid"], report["status"], report["anchored_by"]) == (
        True,
        "valid",
        TSINGHUA.chain.address,
    )


def test_an_issuer_bound_to_one_issuer_cannot_issue_or_revoke_as_another(world: World) -> None:
    register(world, TUM)
    register(world, ENS)
    as_ens = world.client(ENS.principal)
    degree = document(TUM)
    # TU Munich's credential, with TU Munich's own signatures, sent by ENS Paris's principal
    problem = refused(lambda: as_ens.submit_credential(TUM.chain, degree), 403)
    assert (problem["rule"], problem["action"], problem["acting_as"]) == (
        "acting_as",
        "credential.issue",
        TUM.urn,
    )
    problem = refused(lambda: world.client("issuer").submit_credential(TUM.chain, degree), 403)
    assert problem["rule"] == "acting_as"  # an issuer principal bound to no issuer
    problem = refused(lambda: world.client("admin").submit_credential(TUM.chain, degree), 403)
    assert (problem["rule"], problem["action"]) == ("role", "credential.issue")
    assert stored_ids(world) == []
    assert world.ledger.credentials.status(credential_hash(degree)).issuer is None

    world.client(TUM.principal).submit_credential(TUM.chain, degree)
    problem = refused(
        lambda: as_ens.revoke_credential(TUM.chain, "urn:uuid:degree-1", "withdrawn"), 403
    )
    assert (problem["rule"], problem["action"], problem["acting_as"]) == (
        "acting_as",
        "credential.revoke",
        TUM.urn,
    )
    problem = refused(
        lambda: world.client("issuer").revoke_credential(TUM.chain, "urn:uuid:degree-1", "x"),
        403,
    )
    assert problem["rule"] == "acting_as"
    assert world.client("admin").credential("urn:uuid:degree-1")["state"] == "active"
    assert not world.ledger.credentials.status(credential_hash(degree)).revoked


def test_issuing_needs_the_issuers_anchor_signature(world: World) -> None:
    register(world, TUM)
    register(world, ENS)
    issuer = world.client(TUM.principal)
    degree = document(TUM)
    other = document(TUM, credential_id="urn:uuid:degree-2")
    missing = post_credential(world, TUM.principal, {"credential": degree})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "body.anchor_signature"
    for signature in (
        issuer.anchor_signature(ENS.chain, degree),  # another registered issuer's account
        issuer.anchor_signature(TSINGHUA.chain, degree),  # an account nobody registered
        issuer.anchor_signature(TUM.chain, other),  # the issuer's, made for another credential
    ):
        response = post_credential(
            world, TUM.principal, {"credential": degree, "anchor_signature": signature}
        )
        assert response.status_code == 403, response.text
        assert response.json()["field"] == "anchor_signature"
    assert stored_ids(world) == []
    assert refused(lambda: issuer.credential("urn:uuid:degree-1"), 404)["field"] == "credential_id"
    assert world.ledger.credentials.status(credential_hash(degree)).issuer is None
    assert [e[0] for e in registry_entries(world)] == ["issuer.registered"] * 2


def test_a_credential_that_is_not_valid_now_is_refused_naming_where(world: World) -> None:
    register(world, TUM)
    issuer = world.client(TUM.principal)
    lapsed = document(TUM, valid_until=datetime(2026, 6, 1, tzinfo=UTC))
    problem = refused(lambda: issuer.submit_credential(TUM.chain, lapsed), 422)
    assert (problem["field"], problem["verification_status"]) == (
        "credential.validUntil",
        "expired",
    )
    changed = document(TUM)
    changed["credentialSubject"]["details"]["degree"] = "PhD"
    problem = refused(lambda: issuer.submit_credential(TUM.chain, changed), 403)
    assert (problem["field"], problem["verification_status"]) == (
        "credential.proof",
        "bad_signature",
    )
    elsewhere = Party(replace(TUM.issuer, jurisdiction="FR"), TUM.key, TUM.chain)
    problem = refused(lambda: issuer.submit_credential(TUM.chain, document(elsewhere)), 422)
    assert (problem["field"], problem["verification_status"]) == (
        "credential.issuer",
        "unknown_issuer",
    )  # TU Munich issues in DE, not in FR
    nameless = {k: v for k, v in document(TUM).items() if k != "issuer"}
    response = post_credential(
        world,
        TUM.principal,
        {"credential": nameless, "anchor_signature": "0x" + "1b" * 65},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.credential"
    huge = document(TUM)
    huge["credentialSubject"]["details"]["notes"] = "x" * 70_000
    response = post_credential(
        world, TUM.principal, {"credential": huge, "anchor_signature": "0x" + "1b" * 65}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.credential"
    issuer.submit_credential(TUM.chain, document(TUM))
    problem = refused(lambda: issuer.submit_credential(TUM.chain, document(TUM)), 409)
    assert problem["field"] == "credential.id"
    assert stored_ids(world) == ["urn:uuid:degree-1"]


def test_issuing_again_with_the_same_idempotency_key_anchors_once(world: World) -> None:
    register(world, TUM)
    issuer = world.client(TUM.principal)
    first = issuer.submit_credential(TUM.chain, document(TUM), idempotency_key="degree-1")
    again = issuer.submit_credential(TUM.chain, document(TUM), idempotency_key="degree-1")
    assert again == first
    other = document(TUM, credential_id="urn:uuid:degree-2")
    problem = refused(
        lambda: issuer.submit_credential(TUM.chain, other, idempotency_key="degree-1"), 409
    )
    assert problem["type"] == "/problems/idempotency-key-reused"
    assert stored_ids(world) == ["urn:uuid:degree-1"]
    assert [e[0] for e in registry_entries(world)].count("credential.stored") == 1


# ---------------------------------------------------------------------- revocation


def test_a_revoked_credential_shows_revoked_in_its_verification(world: World) -> None:
    register(world, TUM)
    issuer = world.client(TUM.principal)
    created = issue_as(world, TUM, credential_id="urn:uuid:degree-1")
    assert world.client("admin").verify_credential("urn:uuid:degree-1")["status"] == "valid"
    revoked = issuer.revoke_credential(TUM.chain, "urn:uuid:degree-1", "degree withdrawn")
    assert (revoked["state"], revoked["revocation_reason"]) == ("revoked", "degree withdrawn")
    assert revoked["revoked_at"] is not None and revoked["revoked_tx"] is not None
    assert revoked["credential"] == created["credential"]
    assert world.client("issuer").credential("urn:uuid:degree-1") == revoked
    report = world.client("admin").verify_credential("urn:uuid:degree-1", "DE")
    assert (report["valid"], report["status"], report["discrepancies"]) == (
        False,
        "revoked",
        [],
    )
    assert report["detail"] == "the issuer revoked this credential"
    chain = world.ledger.credentials.status(bytes.fromhex(created["credential_hash"]))
    assert chain.revoked and chain.revocation_reason == b"degree withdrawn".ljust(32, b"\0")
    problem = refused(
        lambda: issuer.revoke_credential(TUM.chain, "urn:uuid:degree-1", "again"), 409
    )
    assert problem["field"] == "credential_id"
    (entry,) = [e for e in registry_entries(world) if e[0] == "credential.revoked"]
    assert (entry[1], entry[2]["reason"], entry[2]["tx"]) == (
        f"issuer:{TUM.urn}",
        "degree withdrawn",
        revoked["revoked_tx"],
    )


def test_revoking_needs_the_issuers_signature_over_that_reason(world: World) -> None:
    register(world, TUM)
    register(world, ENS)
    issuer = world.client(TUM.principal)
    one = issue_as(world, TUM, credential_id="urn:uuid:degree-1")
    two = issue_as(world, TUM, credential_id="urn:uuid:degree-2")
    path = "/v1/credentials/urn:uuid:degree-1/revocation"

    def revoke(body: dict[str, Any]) -> Any:
        return world.http.post(path, json=body, headers=world.headers(TUM.principal))

    missing = revoke({"reason": "withdrawn"})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "body.signature"
    digest = one["credential_hash"]
    for signature in (
        issuer.revocation_signature(ENS.chain, digest, "withdrawn"),  # another issuer's
        issuer.revocation_signature(TUM.chain, digest, "another reason"),  # not this reason
        issuer.revocation_signature(TUM.chain, two["credential_hash"], "withdrawn"),  # replayed
    ):
        response = revoke({"reason": "withdrawn", "signature": signature})
        assert response.status_code == 403, response.text
        assert response.json()["field"] == "signature"
    too_long = revoke({"reason": "x" * 33, "signature": "0x" + "1b" * 65})
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "body.reason"
    wide = "é" * 17  # 17 characters, 34 bytes: more than a bytes32
    response = revoke({"reason": wide, "signature": "0x" + "1b" * 65})
    assert (response.status_code, response.json()["field"]) == (422, "reason")
    blank = revoke(
        {"reason": "  ", "signature": issuer.revocation_signature(TUM.chain, digest, "  ")}
    )
    assert (blank.status_code, blank.json()["field"]) == (422, "reason")
    assert world.client("admin").credential("urn:uuid:degree-1")["state"] == "active"
    assert not world.ledger.credentials.status(bytes.fromhex(digest)).revoked
    assert world.client("admin").verify_credential("urn:uuid:degree-1")["status"] == "valid"
    problem = refused(lambda: issuer.revoke_credential(TUM.chain, "urn:uuid:nothing", "x"), 404)
    assert problem["credential_id"] == "urn:uuid:nothing"
    assert "credential.revoked" not in [e[0] for e in registry_entries(world)]


# ---------------------------------------------------------------------- verification


def test_a_degree_recognised_cn_de_counts_in_de_and_not_without_recognition(
    world: World,
) -> None:
    register(world, TSINGHUA)
    issue_as(world, TSINGHUA, credential_id="urn:uuid:cn-degree")
    issue_as(
        world,
        TSINGHUA,
        credential_id="urn:uuid:cn-qualification",
        credential_type="ProfessionalQualificationCredential",
    )
    reader = world.client("admin")
    home = reader.verify_credential("urn:uuid:cn-degree", "CN")
    assert (home["valid"], home["status"], home["home_jurisdiction"]) == (True, "valid", "CN")
    before = reader.verify_credential("urn:uuid:cn-degree", "DE")
    assert (before["valid"], before["status"], before["jurisdiction"]) == (
        False,
        "not_recognised",
        "DE",
    )
    assert before["detail"] == "no agreement CN↔DE for DegreeCredential"

    reader.register_recognition("CN", "DE", "DegreeCredential")
    report = world.client("issuer").verify_credential("urn:uuid:cn-degree", "DE")
    assert report == {
        "valid": True,
        "status": "valid",
        "detail": "valid",
        "checked_at": report["checked_at"],
        "jurisdiction": "DE",
        "credential_id": "urn:uuid:cn-degree",
        "issuer": TSINGHUA.urn,
        "credential_type": "DegreeCredential",
        "home_jurisdiction": "CN",
        "credential_hash": reader.credential("urn:uuid:cn-degree")["credential_hash"],
        "anchored_by": TSINGHUA.chain.address,
        "discrepancies": [],
    }
    for where in ("FR", "IT"):
        assert reader.verify_credential("urn:uuid:cn-degree", where)["status"] == "not_recognised"
    other_type = reader.verify_credential("urn:uuid:cn-qualification", "DE")
    assert other_type["status"] == "not_recognised"  # the agreement covers degrees only
    assert reader.verify_credential("urn:uuid:cn-degree")["status"] == "valid"


def test_verification_at_a_moment_and_its_bad_arguments(world: World) -> None:
    register(world, TUM)
    issue_as(world, TUM, credential_id="urn:uuid:degree-1")
    reader = world.client("admin")
    later = datetime(2031, 1, 1, tzinfo=UTC)
    report = reader.verify_credential("urn:uuid:degree-1", at=later)
    assert (report["status"], report["detail"]) == ("expired", "valid until 2031-01-01T00:00:00Z")
    assert datetime.fromisoformat(report["checked_at"]) == later
    early = reader.verify_credential("urn:uuid:degree-1", at=datetime(2025, 1, 1, tzinfo=UTC))
    assert early["status"] == "not_yet_valid"
    world.clock.advance(days=365 * 5)
    assert reader.verify_credential("urn:uuid:degree-1")["status"] == "expired"

    path = "/v1/credentials/urn:uuid:degree-1/verification"
    problem = refused(lambda: reader.get(path, at="2027-01-01T00:00:00"), 422)
    assert problem["field"] == "at"  # a moment without a time zone
    problem = refused(lambda: reader.get(path, jurisdiction="de"), 422)
    assert problem["errors"][0]["field"] == "query.jurisdiction"
    problem = refused(lambda: reader.verify_credential("urn:uuid:nothing"), 404)
    assert problem["credential_id"] == "urn:uuid:nothing"


def test_a_revocation_on_chain_only_shows_as_revoked_and_a_discrepancy(world: World) -> None:
    register(world, TUM)
    created = issue_as(world, TUM, credential_id="urn:uuid:degree-1")
    digest = bytes.fromhex(created["credential_hash"])
    reason = b"withdrawn".ljust(32, b"\0")
    signature = world.ledger.credentials.revocation_signature(TUM.chain, digest, reason)
    world.ledger.credentials.revoke(TUM.chain.address, digest, reason, signature)

    reader = world.client("admin")
    report = reader.verify_credential("urn:uuid:degree-1", "DE")
    assert (report["valid"], report["status"]) == (False, "revoked")
    assert [d["kind"] for d in report["discrepancies"]] == ["revoked_on_chain_only"]
    assert reader.credential("urn:uuid:degree-1")["state"] == "active"  # nothing repaired
    issuer = world.client(TUM.principal)
    problem = refused(
        lambda: issuer.revoke_credential(TUM.chain, "urn:uuid:degree-1", "withdrawn"), 409
    )
    assert (problem["type"], problem["error"]) == (
        "/problems/contract-reverted",
        "CredentialRegistryAlreadyRevoked",
    )
    assert reader.credential("urn:uuid:degree-1")["state"] == "active"


def test_a_presented_credential_is_checked_and_never_stored(world: World) -> None:
    register(world, TUM)
    reader = world.client("issuer")
    issue_as(world, TUM, credential_id="urn:uuid:degree-1")
    stored = reader.credential("urn:uuid:degree-1")["credential"]
    report = reader.verify_presented(stored, "DE")
    assert (report["valid"], report["status"], report["credential_id"]) == (
        True,
        "valid",
        "urn:uuid:degree-1",
    )
    assert reader.verify_presented(stored, "FR")["status"] == "not_recognised"

    changed = dict(stored, validUntil="2032-01-01T00:00:00Z")
    assert reader.verify_presented(changed)["status"] == "bad_signature"
    unanchored = document(TUM, credential_id="urn:uuid:never-sent")
    report = reader.verify_presented(unanchored)
    assert (report["status"], report["anchored_by"], report["discrepancies"]) == (
        "unknown_issuer",
        None,
        [],
    )
    assert reader.verify_presented({"hello": "world"})["status"] == "malformed"
    at = reader.verify_presented(stored, at=datetime(2031, 6, 1, tzinfo=UTC))
    assert at["status"] == "expired"
    assert stored_ids(world) == ["urn:uuid:degree-1"]


def test_a_credential_id_with_slashes_works_in_every_path(world: World) -> None:
    register(world, TUM)
    credential_id = "https://tum.de/credentials/42?v=1#degree"
    created = issue_as(world, TUM, credential_id=credential_id)
    reader = world.client("admin")
    assert reader.credential(credential_id) == created
    assert reader.verify_credential(credential_id, "DE")["credential_id"] == credential_id
    revoked = world.client(TUM.principal).revoke_credential(TUM.chain, credential_id, "error")
    assert (revoked["credential_id"], revoked["state"]) == (credential_id, "revoked")
    assert reader.verify_credential(credential_id)["status"] == "revoked"
    missing = "https://tum.de/credentials/43"
    assert refused(lambda: reader.credential(missing), 404)["credential_id"] == missing


def test_every_role_but_the_issuer_is_refused_issuing_and_revoking(world: World) -> None:
    register(world, TUM)
    created = issue_as(world, TUM, credential_id="urn:uuid:degree-1")
    signer = world.client(TUM.principal)
    revocation = {
        "reason": "withdrawn",
        "signature": signer.revocation_signature(
            TUM.chain, created["credential_hash"], "withdrawn"
        ),
    }
    degree = document(TUM, credential_id="urn:uuid:degree-2")
    issuing = {"credential": degree, "anchor_signature": signer.anchor_signature(TUM.chain, degree)}
    for who in ("admin", "partner_a", "funder", "arbiter", "licensee"):
        for path, body, action in (
            ("/v1/credentials/urn:uuid:degree-1/revocation", revocation, "credential.revoke"),
            ("/v1/credentials", issuing, "credential.issue"),
        ):
            response = world.http.post(path, json=body, headers=world.headers(who))
            assert response.status_code == 403, (who, path)
            assert (response.json()["rule"], response.json()["action"]) == ("role", action)
    assert stored_ids(world) == ["urn:uuid:degree-1"]
    assert world.client("admin").credential("urn:uuid:degree-1")["state"] == "active"
