"""The chapters around the milestones, over HTTP: founding, the registry, funding, the
background IP, the tier columns, and the audit an outsider can check (the foreground book
is in ``lifecycle_http_foreground.py``).

Each chapter takes the :class:`~tests.e2e.lifecycle_http.Story` and checks the API's
answers by their values; ``test_lifecycle_http.py`` runs them in the story's order.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eth_account.signers.local import LocalAccount

from ledger.record import SignedTreeHead, TreeHead, check_consistency, check_inclusion, leaf_hash
from ledger.record.heads import verify_head
from tests.e2e.lifecycle_http import (
    ARB,
    FUNDER,
    LICENSEE,
    TIERS,
    TUM,
    A,
    B,
    C,
    Story,
    agreement,
    matrix_of,
    refused,
)
from tests.ledger.credentials.support import ISSUER, KEY
from tests.ledger.services.lifecycle_support import AMOUNTS

DOCUMENT = b"Vision Works calibration process for line cameras, rev. 7 (trade secret)" * 20
TERMS = {"use": "project research only", "sublicence": False, "royalty_bps": 0}

# ---------------------------------------------------------------------- founding


def the_admin_founds_the_project_and_the_partners_join(story: Story) -> None:
    document = agreement()
    story.project = project = story.admin.create_project(document)
    assert (project["title"], project["host_jurisdiction"]) == (document["title"], "CN")
    assert (project["state"], project["agreement_version"], project["token"]) == ("active", 1, None)
    pid = story.project_id
    for as_, name, account in (
        ("a", "TU Example", A),
        ("b", "Vision Works", B),
        ("c", "A. Talent", C),
    ):
        story.principal(name, "partner", as_=as_, account=account, project_id=pid)
    story.principal("Arbiter", "arbiter", as_="arbiter", account=ARB, project_id=pid)
    story.principal("Development fund", "funder", as_="funder", account=FUNDER, project_id=pid)
    story.principal("Line maker", "licensee", as_="licensee", account=LICENSEE, project_id=pid)

    for account, side, number in ((A, "foreign", 1), (B, "local", 2), (C, "foreign", 3)):
        joined = story.partner[account].join(pid, account, side)
        assert (joined["number"], joined["address"], joined["side"]) == (
            number,
            account.address,
            side,
        )
        assert joined["payout_address"] == account.address and joined["joined_tx"]
    members = story.admin.partners(pid)
    assert [(p["number"], p["address"], p["side"], p["kind"]) for p in members] == [
        (1, A.address, "foreign", "university"),
        (2, B.address, "local", "enterprise"),
        (3, C.address, "foreign", "individual"),
    ]
    assert story.kinds() == ["project.created"] + ["principal.created"] * 6 + ["partner.joined"] * 3


def the_talents_degree_is_recognised_in_the_host_country(story: Story) -> None:
    """TU Munich (DE) vouches for A. Talent's doctorate; China comes to recognise it."""
    admin, size = story.admin, len(story.kinds())
    issuer = admin.register_issuer(
        ISSUER.id,
        name=ISSUER.name,
        jurisdiction=ISSUER.jurisdiction,
        public_key=ISSUER.public_key,
        address=TUM.address,
    )
    assert (issuer["urn"], issuer["address"]) == (ISSUER.id, TUM.address)
    assert issuer["public_key"] == ISSUER.public_key.hex()
    registrar = story.principal("TU Munich registrar", "issuer", as_="issuer", issuer_urn=ISSUER.id)

    holder = f"did:pkh:eip155:{admin.chain()['chain_id']}:{C.address}"
    credential_id = "urn:uuid:5d0c1e8a-7f3b-4c2d-9e1a-talent-doctorate"
    degree = registrar.issue_credential(
        TUM,  # signs the anchor of the credential's hash
        KEY,  # signs the credential
        issuer=ISSUER.id,
        holder=holder,
        credential_type="DegreeCredential",
        valid_from=(datetime.now(UTC) - timedelta(days=400)).replace(microsecond=0),
        details={"degree": "Dr.-Ing.", "field": "Machine vision"},
        credential_id=credential_id,
    )
    assert (degree["credential_id"], degree["holder"], degree["issuer"]) == (
        credential_id,
        holder,
        ISSUER.id,
    )
    assert (degree["type"], degree["state"]) == ("DegreeCredential", "active")
    assert degree["anchored_tx"] is not None

    home = admin.verify_credential(credential_id, "DE")
    assert (home["valid"], home["status"], home["home_jurisdiction"]) == (True, "valid", "DE")
    abroad = admin.verify_credential(credential_id, "CN")
    assert (abroad["valid"], abroad["status"], abroad["jurisdiction"]) == (
        False,
        "not_recognised",
        "CN",
    )
    recognition = admin.register_recognition("CN", "DE", "DegreeCredential")
    assert {recognition["first"], recognition["second"]} == {"CN", "DE"}
    recognised = story.clients["b"].verify_credential(credential_id, "CN")  # Vision Works
    assert (recognised["valid"], recognised["status"]) == (True, "valid")
    assert (recognised["anchored_by"], recognised["discrepancies"]) == (TUM.address, [])

    registry = [k for k in story.kinds(0) if not k.startswith("principal.")]
    assert registry == ["issuer.registered", "credential.stored", "recognition.registered"]
    assert len(story.kinds()) == size  # the registry's acts are not the project's


def the_funder_deposits_the_budget_itself(story: Story) -> None:
    """The funder signs the prepared deposit with its own key; the ledger relays it."""
    budget, funder = sum(AMOUNTS.values()), story.clients["funder"]
    unsigned = funder.prepare_funding(story.project_id, budget)
    escrow = funder.chain()["contracts"]["MilestoneEscrow"]
    assert (unsigned["value"], unsigned["to"]) == (str(budget), escrow)
    (deposit,) = funder.fund(story.project_id, FUNDER, budget)
    assert (deposit["funder"], deposit["amount"]) == (FUNDER.address, str(budget))
    assert [d["id"] for d in funder.funding_deposits(story.project_id)] == [deposit["id"]]
    assert story.kinds()[-1] == "funding.deposited"


def two_milestones_are_planned(story: Story) -> None:
    """Milestones 1 and 2 now; milestone 3 later, due seconds ahead, to fall overdue."""
    plans = {1: ("Labelled defect dataset and baseline detector", 4, 30)}
    plans[2] = ("Prototype on the pilot line", 6, 60)
    for number, (title, trl, days) in plans.items():
        due = (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)
        planned = story.admin.plan_milestone(
            story.project_id, title=title, amount=AMOUNTS[number], trl_target=trl, due_at=due
        )
        assert (planned["number"], planned["state"]) == (number, "planned")
        assert (planned["amount"], datetime.fromisoformat(planned["due_at"])) == (
            str(AMOUNTS[number]),
            due,
        )
        story.milestones[number] = planned
    assert story.payload("milestone.planned", 0)["amount"] == str(AMOUNTS[1])


# ---------------------------------------------------------------------- background IP


def vision_works_deposits_its_background_ip(story: Story) -> None:
    """The calibration process stays Vision Works'; TU Example gets its key at milestone 1."""
    vision = story.clients["b"]
    deposit = vision.deposit_background(
        story.project_id,
        B,
        DOCUMENT,
        title="Line camera calibration",
        terms=TERMS,
        beneficiary=A.address,
        release_milestone=1,
    )
    assert (deposit["owner"], deposit["beneficiary"], deposit["state"]) == (
        B.address,
        A.address,
        "held",
    )
    assert deposit["document_hash"] == hashlib.sha256(DOCUMENT).hexdigest()
    assert (deposit["terms"], deposit["release_milestone"]) == (TERMS, 1)
    assert deposit["chain_deposit_id"] is not None and deposit["released_to"] is None
    story.deposit = deposit
    assert vision.background_document(story.project_id, deposit["id"]) == DOCUMENT
    not_yet = refused(
        lambda: story.clients["a"].background_document(story.project_id, deposit["id"])
    )
    assert (not_yet.status, not_yet.problem["field"]) == (403, "reader")
    early = refused(
        lambda: story.clients["arbiter"].release_background_key(story.project_id, deposit["id"])
    )
    assert (early.status, early.problem["error"]) == (409, "BackgroundEscrowMilestoneNotReleased")
    assert story.kinds()[-1] == "background.deposited"


def the_background_key_follows_milestone_1(story: Story) -> None:
    pid, deposit_id = story.project_id, story.deposit["id"]
    opened = story.clients["arbiter"].release_background_key(pid, deposit_id)
    assert (opened["state"], opened["released_to"]) == ("released", A.address)
    assert story.payload("background.released")["by"] == "milestone"
    assert story.clients["a"].background_document(pid, deposit_id) == DOCUMENT
    assert story.clients["b"].background_document(pid, deposit_id) == DOCUMENT  # still B's
    stranger = refused(lambda: story.clients["c"].background_document(pid, deposit_id))
    assert (stranger.status, stranger.problem["field"]) == (403, "reader")


# ---------------------------------------------------------------------- tier columns


def the_quorum_commits_the_columns_of(story: Story, milestone: int, *quorum: LocalAccount) -> None:
    """A quorum signs each tier column of the milestone's snapshot; the chain holds them."""
    pid, snapshot = story.project_id, story.snapshot_of(milestone)
    matrix = matrix_of(snapshot)
    for tier in TIERS:
        message = story.admin.tier_column_message(pid, snapshot["id"], tier)
        assert (message["snapshot_number"], message["inputs_hash"]) == (
            snapshot["number"],
            snapshot["inputs_hash"],
        )
        story.partner[quorum[0]].commit_tier_column(pid, snapshot["id"], tier, list(quorum))
        held = story.admin.committed_column(pid, tier)
        assert (held["snapshot_number"], held["inputs_hash"]) == (
            snapshot["number"],
            snapshot["inputs_hash"],
        )
        column = held["column"]
        assert dict(zip(column["numbers"], column["rights_bps"], strict=True)) == matrix[tier]
        assert sum(column["rights_bps"]) == 10_000
    application = story.admin.committed_column(pid, "application")["column"]
    assert sum(application["profit_bps"]) == 10_000
    committed = [story.payload("rights.committed", i) for i in (-3, -2, -1)]
    assert [(p["snapshot"], p["tier"]) for p in committed] == [
        (snapshot["number"], t) for t in TIERS
    ]


# ---------------------------------------------------------------------- the audit


def the_record_verifies_and_an_entry_proves_its_inclusion(story: Story) -> None:
    """The arbiter audits: the full check passes; the ruling's entry, recomputed from its
    fields, is a leaf of the signed head; the first anchored head is a prefix of it."""
    pid, arbiter, size = story.project_id, story.clients["arbiter"], len(story.kinds())
    report = arbiter.verify(pid)
    assert report["ok"], report["problems"]
    assert (report["size"], report["problems"], report["chain"]) == (size, [], [])
    assert len(report["anchored_sizes"]) >= 3 and max(report["anchored_sizes"]) <= size
    assert story.admin.verify(0)["ok"]  # the registry's record, too

    seq = next(e["seq"] for e in story.entries() if e["kind"] == "dispute.ruled")
    answer = arbiter.audit_entry(pid, seq)
    entry, head = answer["entry"], answer["head"]
    fields = ("actor", "kind", "prev_hash", "project_id", "recorded_at", "seq", "signature")
    material = {name: entry[name] for name in fields}
    material |= {"payload": entry["payload_jcs"], "version": "ipledger-journal/1"}
    recomputed = hashlib.sha256(rfc8785.dumps(material)).digest()
    assert recomputed.hex() == entry["entry_hash"]
    assert (answer["leaf_index"], head["tree_size"], head["root_hash"]) == (
        seq - 1,
        size,
        report["root"],
    )
    check_inclusion(
        index=answer["leaf_index"],
        tree_size=head["tree_size"],
        leaf_hash=leaf_hash(recomputed),
        proof=[bytes.fromhex(p) for p in answer["proof"]],
        root_hash=bytes.fromhex(head["root_hash"]),
    )
    signed = SignedTreeHead(
        TreeHead(head["tree_size"], bytes.fromhex(head["root_hash"]), head["timestamp_ms"]),
        bytes.fromhex(head["signature"]),
    )
    assert signed.head.encode().hex() == head["encoded"]
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(head["public_key"]))
    assert verify_head(key, signed)

    anchored = arbiter.anchors(pid)["items"][0]
    proof = arbiter.consistency(pid, anchored["tree_size"])
    assert proof["first"]["root_hash"] == anchored["root_hash"]
    check_consistency(
        old_size=anchored["tree_size"],
        new_size=size,
        old_root=bytes.fromhex(anchored["root_hash"]),
        new_root=bytes.fromhex(head["root_hash"]),
        proof=[bytes.fromhex(p) for p in proof["proof"]],
    )
