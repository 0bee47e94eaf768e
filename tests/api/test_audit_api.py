"""The record over HTTP: entries, inclusion and consistency proofs checked here with the
RFC 9162 verifiers, signed tree heads, anchors, and the full verify.

Every proof is checked from what the answer carries: the entry's fields are hashed here
(RFC 8785 and SHA-256, not the journal's code), and the root is the signed head's.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import text
from sqlmodel import select

from api.client import ApiError
from ledger import journal
from ledger.db import Project, TreeHeadRecord
from ledger.record import (
    TreeHead,
    check_consistency,
    check_inclusion,
    verify_consistency,
    verify_inclusion,
)
from ledger.recording import publish_head
from tests.api.world import World

ROUTES = ("entries", "entries/1", "consistency?first=1", "head", "heads", "anchors", "verify")


def refused(call: Any, status: int) -> dict[str, Any]:
    with pytest.raises(ApiError) as caught:
        call()
    assert caught.value.status == status, caught.value.problem
    return caught.value.problem


def grow(world: World, count: int) -> None:
    """Append ``count`` entries to the project's record (each a new principal)."""
    start = len(world.principals)
    for i in range(count):
        world.add_principal(f"funder {start + i}", "funder", project_id=world.project_id)


def anchor(world: World) -> int:
    """Publish and anchor the project's head as it stands; its size."""
    with world.session() as session:
        project = session.get(Project, world.project_id)
        assert project is not None
        return publish_head(session, world.ledger, project)


def rows(world: World, record: int | None = None) -> list[Any]:
    with world.session() as session:
        found = journal.entries(session, world.project_id if record is None else record)
        for row in found:
            session.expunge(row)
        return found


def entry_hash(entry: dict[str, Any]) -> str:
    """An entry's hash from the fields the API returned (docs/record.md)."""
    material = {
        "actor": entry["actor"],
        "kind": entry["kind"],
        "payload": entry["payload_jcs"],
        "prev_hash": entry["prev_hash"],
        "project_id": entry["project_id"],
        "recorded_at": entry["recorded_at"],
        "seq": entry["seq"],
        "signature": entry["signature"],
        "version": "ipledger-journal/1",
    }
    return hashlib.sha256(rfc8785.dumps(material)).hexdigest()


def leaf_of(entry: dict[str, Any]) -> bytes:
    return hashlib.sha256(b"\x00" + bytes.fromhex(entry_hash(entry))).digest()


def check_head(head: dict[str, Any]) -> None:
    """The head's signature verifies with the key it names, over the fields it shows."""
    encoded = TreeHead(
        head["tree_size"], bytes.fromhex(head["root_hash"]), head["timestamp_ms"]
    ).encode()
    assert head["encoded"] == encoded.hex()
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(head["public_key"]))
    key.verify(bytes.fromhex(head["signature"]), encoded)  # raises if it does not verify


def proves(answer: dict[str, Any], leaf: bytes | None = None) -> bool:
    head = answer["head"]
    return verify_inclusion(
        index=answer["leaf_index"],
        tree_size=head["tree_size"],
        leaf_hash=leaf_of(answer["entry"]) if leaf is None else leaf,
        proof=[bytes.fromhex(p) for p in answer["proof"]],
        root_hash=bytes.fromhex(head["root_hash"]),
    )


# ---------------------------------------------------------------------- entries


def test_entries_are_read_in_a_bounded_range_page_by_page(world: World) -> None:
    grow(world, 3)
    stored = rows(world)
    auditor = world.client("arbiter")
    every = auditor.pages(f"/v1/audit/{world.project_id}/entries")
    assert [e["seq"] for e in every] == [r.seq for r in stored] == list(range(1, len(stored) + 1))
    for got, row in zip(every, stored, strict=True):
        assert (got["kind"], got["actor"], got["signature"]) == (row.kind, row.actor, row.signature)
        assert got["payload_jcs"] == row.payload and got["payload"] == json.loads(row.payload)
        assert (got["prev_hash"], got["entry_hash"]) == (row.prev_hash, row.entry_hash)
        assert entry_hash(got) == row.entry_hash  # everything the hash covers is there
        assert got["leaf_hash"] == leaf_of(got).hex()
    assert every[0]["kind"] == "project.created" and every[-1]["kind"] == "principal.created"

    first = auditor.audit_entries(world.project_id, from_seq=2, to_seq=5, limit=2)
    assert [e["seq"] for e in first["items"]] == [2, 3]
    second = auditor.audit_entries(
        world.project_id, from_seq=2, to_seq=5, limit=2, cursor=first["next_cursor"]
    )
    assert [e["seq"] for e in second["items"]] == [4, 5]
    assert second["next_cursor"] is None
    tail = auditor.audit_entries(world.project_id, from_seq=len(stored) - 1)
    assert [e["seq"] for e in tail["items"]] == [len(stored) - 1, len(stored)]
    assert auditor.audit_entries(world.project_id, from_seq=len(stored) + 1)["items"] == []

    problem = refused(lambda: auditor.audit_entries(world.project_id, from_seq=5, to_seq=4), 422)
    assert problem["field"] == "to_seq"
    problem = refused(lambda: auditor.audit_entries(world.project_id, cursor="eHl6"), 422)
    assert problem["field"] == "cursor"
    for bad in ({"from_seq": 0}, {"limit": 201}, {"cursor": "?"}):
        refused(lambda bad=bad: auditor.audit_entries(world.project_id, **bad), 422)


def test_an_entry_proves_its_inclusion_under_the_latest_signed_head(world: World) -> None:
    grow(world, 4)
    size = len(rows(world))
    auditor = world.client("partner_a")
    for seq in (1, 2, size // 2, size):
        answer = auditor.audit_entry(world.project_id, seq)
        head = answer["head"]
        check_head(head)
        assert (answer["entry"]["seq"], answer["leaf_index"]) == (seq, seq - 1)
        assert answer["tree_size"] == head["tree_size"] == size
        check_inclusion(
            index=answer["leaf_index"],
            tree_size=head["tree_size"],
            leaf_hash=leaf_of(answer["entry"]),
            proof=[bytes.fromhex(p) for p in answer["proof"]],
            root_hash=bytes.fromhex(head["root_hash"]),
        )
        tampered = bytearray(leaf_of(answer["entry"]))
        tampered[0] ^= 1
        assert not proves(answer, bytes(tampered))
        other = leaf_of({**answer["entry"], "actor": answer["entry"]["actor"] + "x"})
        assert not proves(answer, other)
    # against an earlier size
    earlier = auditor.audit_entry(world.project_id, 3, tree_size=5)
    assert earlier["head"]["tree_size"] == 5 and proves(earlier)
    check_head(earlier["head"])
    latest = auditor.audit_entry(world.project_id, 3)
    assert not verify_inclusion(  # a proof holds for its own (size, root) only
        index=2,
        tree_size=size,
        leaf_hash=leaf_of(earlier["entry"]),
        proof=[bytes.fromhex(p) for p in earlier["proof"]],
        root_hash=bytes.fromhex(latest["head"]["root_hash"]),
    )
    problem = refused(lambda: auditor.audit_entry(world.project_id, 6, tree_size=5), 422)
    assert problem["field"] == "tree_size"
    problem = refused(lambda: auditor.audit_entry(world.project_id, 1, tree_size=size + 1), 422)
    assert problem["field"] == "tree_size"
    refused(lambda: auditor.audit_entry(world.project_id, size + 1), 404)
    refused(lambda: auditor.audit_entry(world.project_id, 1, tree_size=0), 422)


def test_a_published_head_is_the_one_entries_are_proved_against(world: World) -> None:
    size = anchor(world)
    auditor = world.client("admin")
    head = auditor.tree_head(world.project_id)
    with world.session() as session:
        stored = session.exec(
            select(TreeHeadRecord).where(TreeHeadRecord.project_id == world.project_id)
        ).one()
    assert (head["tree_size"], head["root_hash"], head["timestamp_ms"]) == (
        size,
        stored.root_hash,
        stored.timestamp_ms,
    )
    assert (head["signature"], head["published"]) == (stored.signature, True)
    assert (head["anchored_block"], head["anchored_tx"]) == (
        stored.anchored_block,
        stored.anchored_tx,
    )
    assert world.ledger.anchor.root_at(world.pid, size) == bytes.fromhex(head["root_hash"])
    answer = auditor.audit_entry(world.project_id, 2)
    assert answer["head"] == head and proves(answer)


# ---------------------------------------------------------------------- heads


def test_the_head_covers_the_whole_record_signed_by_the_record_key(world: World) -> None:
    auditor = world.client("arbiter")
    stored = rows(world)
    head = auditor.tree_head(world.project_id)
    check_head(head)
    assert head["tree_size"] == len(stored)
    assert head["root_hash"] == journal.tree(stored).root().hex()
    assert (head["published"], head["anchored_block"], head["anchored_tx"]) == (False, None, None)
    assert head["public_key"] == world.ledger.record_key.public_key().public_bytes_raw().hex()
    assert head["timestamp"].startswith("2026-11-28T09:00:00")
    grow(world, 1)
    grown = auditor.tree_head(world.project_id)
    assert grown["tree_size"] == len(stored) + 1
    assert grown["root_hash"] != head["root_hash"]
    forged = {
        **head,
        "root_hash": grown["root_hash"],
        "encoded": TreeHead(
            head["tree_size"], bytes.fromhex(grown["root_hash"]), head["timestamp_ms"]
        )
        .encode()
        .hex(),
    }
    with pytest.raises(InvalidSignature):
        check_head(forged)


def test_consistency_proves_an_earlier_head_is_a_prefix_of_a_later_one(world: World) -> None:
    grow(world, 5)
    stored = rows(world)
    tree = journal.tree(stored)
    auditor = world.client("partner_b")
    for first, second in ((1, len(stored)), (3, 7), (4, 8), (6, len(stored)), (5, 5)):
        answer = auditor.consistency(world.project_id, first, second)
        old, new = answer["first"], answer["second"]
        check_head(old)
        check_head(new)
        assert (old["tree_size"], new["tree_size"]) == (first, second)
        assert old["root_hash"] == tree.root(first).hex()
        assert new["root_hash"] == tree.root(second).hex()
        proof = [bytes.fromhex(p) for p in answer["proof"]]
        check_consistency(
            old_size=first,
            new_size=second,
            old_root=bytes.fromhex(old["root_hash"]),
            new_root=bytes.fromhex(new["root_hash"]),
            proof=proof,
        )
        if proof:
            changed = [bytes(32)] + proof[1:]
            assert not verify_consistency(
                old_size=first,
                new_size=second,
                old_root=bytes.fromhex(old["root_hash"]),
                new_root=bytes.fromhex(new["root_hash"]),
                proof=changed,
            )
    whole = auditor.consistency(world.project_id, 2)
    assert whole["second"]["tree_size"] == len(stored)
    problem = refused(lambda: auditor.consistency(world.project_id, 5, 4), 422)
    assert problem["field"] == "first"
    problem = refused(lambda: auditor.consistency(world.project_id, 1, len(stored) + 1), 422)
    assert problem["field"] == "second"
    problem = refused(lambda: auditor.get(f"/v1/audit/{world.project_id}/consistency"), 422)
    assert problem["errors"][0]["field"] == "query.first"


def test_published_heads_and_their_anchors_page_by_page(world: World) -> None:
    sizes = [anchor(world)]
    for _ in range(2):
        grow(world, 2)
        sizes.append(anchor(world))
    auditor = world.client("admin")
    first = auditor.tree_heads(world.project_id, limit=2)
    second = auditor.tree_heads(world.project_id, limit=2, cursor=first["next_cursor"])
    assert second["next_cursor"] is None
    heads = first["items"] + second["items"]
    assert [h["tree_size"] for h in heads] == sizes
    for head in heads:
        check_head(head)
        assert head["published"] and head["anchored_block"] is not None
    tree = journal.tree(rows(world))
    assert [h["root_hash"] for h in heads] == [tree.root(n).hex() for n in sizes]

    held = world.ledger.anchor.heads(world.pid)
    anchored = auditor.pages(f"/v1/audit/{world.project_id}/anchors", limit=2)
    assert [a["index"] for a in anchored] == [0, 1, 2]
    assert [a["tree_size"] for a in anchored] == sizes
    for got, on_chain, head in zip(anchored, held, heads, strict=True):
        assert got["root_hash"] == on_chain.root_hash.hex() == head["root_hash"]
        assert got["block_number"] == on_chain.block_number == head["anchored_block"]
        assert got["tx_hash"] == head["anchored_tx"]
        receipt = world.ledger.chain.w3.eth.get_transaction_receipt(got["tx_hash"])
        assert receipt["blockNumber"] == got["block_number"]
    page = auditor.anchors(world.project_id, limit=1)
    assert [a["index"] for a in page["items"]] == [0] and page["next_cursor"] is not None
    problem = refused(lambda: auditor.tree_heads(world.project_id, cursor="eHl6"), 422)
    assert problem["field"] == "cursor"
    problem = refused(lambda: auditor.anchors(world.project_id, cursor="eHl6"), 422)
    assert problem["field"] == "cursor"


def test_a_project_without_published_heads_lists_none(world: World) -> None:
    auditor = world.client("arbiter")
    assert auditor.tree_heads(world.project_id) == {"items": [], "next_cursor": None}
    assert auditor.anchors(world.project_id) == {"items": [], "next_cursor": None}


# ---------------------------------------------------------------------- verify


def test_verify_reports_a_tampered_entry_by_its_sequence_number(world: World) -> None:
    grow(world, 2)
    size = anchor(world)
    auditor = world.client("arbiter")
    clean = auditor.verify(world.project_id)
    assert clean["ok"], clean
    assert (clean["project_id"], clean["size"], clean["anchored_sizes"]) == (
        world.project_id,
        size,
        [size],
    )
    assert clean["root"] == auditor.tree_head(world.project_id)["root_hash"]
    assert clean["record"] == clean["heads"] == clean["snapshots"] == clean["chain"] == []
    assert clean["contributions"] == []
    assert clean["problems"] == []

    target = next(r for r in rows(world) if r.kind == "partner.joined")
    payload = json.loads(target.payload)
    payload["address"] = payload["address"].lower()
    with world.session() as session:
        session.execute(
            text("UPDATE journal_entry SET payload = :p WHERE project_id = :pid AND seq = :seq"),
            {"p": rfc8785.dumps(payload).decode(), "pid": world.project_id, "seq": target.seq},
        )
    report = auditor.verify(world.project_id)
    assert not report["ok"]
    assert [(p["seq"], p["kind"]) for p in report["record"]] == [(target.seq, "edited")]
    assert report["problems"] == [
        f"record entry {target.seq}: edited: the entry's content does not match its hash"
    ]
    # the entry read back no longer hashes to its stored hash: an auditor sees it too
    answer = auditor.audit_entry(world.project_id, target.seq)
    assert entry_hash(answer["entry"]) != answer["entry"]["entry_hash"]
    assert not proves(answer)


def test_verify_reports_a_forged_head_signature(world: World) -> None:
    size = anchor(world)
    with world.session() as session:
        row = session.exec(
            select(TreeHeadRecord).where(TreeHeadRecord.project_id == world.project_id)
        ).one()
        row.signature = row.signature[:-1] + ("0" if row.signature[-1] != "0" else "1")
        session.add(row)
    report = world.client("partner_c").verify(world.project_id)
    assert not report["ok"]
    assert report["heads"] == [f"signed tree head of size {size}: the signature does not verify"]
    assert report["record"] == []


# ---------------------------------------------------------------------- who may read


def test_funders_licensees_and_issuers_are_refused_every_audit_route(world: World) -> None:
    for who in ("funder", "licensee", "issuer"):
        for route in ROUTES:
            response = world.http.get(
                f"/v1/audit/{world.project_id}/{route}", headers=world.headers(who)
            )
            assert response.status_code == 403, (who, route, response.text)
            assert (response.json()["rule"], response.json()["action"]) == ("role", "audit.read")


def test_a_partner_or_arbiter_of_another_project_is_refused(world: World) -> None:
    second = world.second_project()
    for who in ("partner_a", "arbiter"):
        for route in ROUTES:
            response = world.http.get(f"/v1/audit/{second.id}/{route}", headers=world.headers(who))
            assert response.status_code == 403, (who, route, response.text)
            assert (response.json()["rule"], response.json()["project_id"]) == (
                "project",
                second.id,
            )
    # the admin reads it; an unknown project is 404
    assert world.client("admin").tree_head(second.id)["tree_size"] >= 1  # type: ignore[arg-type]
    for route in ROUTES:
        response = world.http.get(f"/v1/audit/999/{route}", headers=world.headers("admin"))
        assert response.status_code == 404, (route, response.text)


def test_record_zero_is_the_registrys_and_only_admins_read_it(world: World) -> None:
    admin = world.client("admin")
    stored = rows(world, 0)
    entries = admin.pages("/v1/audit/0/entries")
    assert [e["kind"] for e in entries] == [r.kind for r in stored]
    assert [json.loads(e["payload_jcs"])["role"] for e in entries] == ["admin", "issuer"]
    assert all(e["project_id"] == 0 and entry_hash(e) == e["entry_hash"] for e in entries)
    head = admin.tree_head(0)
    check_head(head)
    assert head["tree_size"] == len(stored)
    assert proves(admin.audit_entry(0, 2))
    consistency = admin.consistency(0, 1)
    check_consistency(
        old_size=1,
        new_size=len(stored),
        old_root=bytes.fromhex(consistency["first"]["root_hash"]),
        new_root=bytes.fromhex(head["root_hash"]),
        proof=[bytes.fromhex(p) for p in consistency["proof"]],
    )
    assert admin.anchors(0) == {"items": [], "next_cursor": None}
    assert admin.tree_heads(0) == {"items": [], "next_cursor": None}
    report = admin.verify(0)
    assert report["ok"] and report["size"] == len(stored) and report["anchored_sizes"] == []
    for who in ("partner_a", "arbiter"):
        response = world.http.get("/v1/audit/0/head", headers=world.headers(who))
        assert response.status_code == 403
        assert (response.json()["rule"], response.json()["project_id"]) == ("project", 0)
