"""Signed tree heads: the byte layout, signing, and rejection of any changed byte."""

from __future__ import annotations

import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.record import (
    DOMAIN,
    ENCODED_SIZE,
    SIGNATURE_SIZE,
    SignedTreeHead,
    TreeHead,
    TreeHeadInvalid,
    sign_head,
    verify_head,
)

# A fixed key, so a failure is reproducible (RFC 8032 keys are any 32 bytes).
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
HEAD = TreeHead(tree_size=7, root_hash=bytes(range(32)), timestamp_ms=1_700_000_000_123)


def signed_or_none(data: bytes) -> SignedTreeHead | None:
    """Decode a signed head, or None when its layout is already broken."""
    try:
        return SignedTreeHead.from_bytes(data)
    except TreeHeadInvalid:
        return None


def test_encode_head_follows_the_documented_layout() -> None:
    encoded = HEAD.encode()
    assert len(encoded) == ENCODED_SIZE == 70
    assert encoded[:22] == DOMAIN == b"ipledger/tree-head/v1\x00"
    assert encoded[22:30] == (7).to_bytes(8, "big")
    assert encoded[30:38] == (1_700_000_000_123).to_bytes(8, "big")
    assert encoded[38:] == bytes(range(32))
    assert TreeHead.decode(encoded) == HEAD


def test_sign_head_verifies_with_the_signers_key_only() -> None:
    signed = sign_head(KEY, HEAD)
    assert len(signed.signature) == SIGNATURE_SIZE
    assert verify_head(KEY.public_key(), signed)
    assert not verify_head(OTHER_KEY.public_key(), signed)
    assert SignedTreeHead.from_bytes(signed.to_bytes()) == signed


def test_verify_head_fails_after_any_byte_changes() -> None:
    data = sign_head(KEY, HEAD).to_bytes()
    public = KEY.public_key()
    for position in range(len(data)):
        for mask in (0x01, 0x80):
            changed = bytearray(data)
            changed[position] ^= mask
            signed = signed_or_none(bytes(changed))
            assert signed is None or not verify_head(public, signed), position


def test_verify_head_fails_for_a_truncated_signature() -> None:
    signed = sign_head(KEY, HEAD)
    assert not verify_head(KEY.public_key(), SignedTreeHead(HEAD, signed.signature[:-1]))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"tree_size": -1}, "tree_size"),
        ({"tree_size": 2**64}, "tree_size"),
        ({"tree_size": True}, "tree_size"),
        ({"timestamp_ms": -5}, "timestamp_ms"),
        ({"root_hash": b"\x00" * 31}, "root_hash"),
        ({"root_hash": "00" * 32}, "root_hash"),
    ],
)
def test_tree_head_rejects_fields_outside_the_layout(fields: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {
        "tree_size": 1,
        "root_hash": b"\x00" * 32,
        "timestamp_ms": 0,
    }
    arguments.update(fields)
    with pytest.raises(TreeHeadInvalid) as caught:
        TreeHead(**arguments)  # type: ignore[arg-type]
    assert caught.value.fields["field"] == field


def test_decode_head_rejects_wrong_length_and_domain() -> None:
    with pytest.raises(TreeHeadInvalid):
        TreeHead.decode(HEAD.encode()[:-1])
    with pytest.raises(TreeHeadInvalid):
        TreeHead.decode(b"X" + HEAD.encode()[1:])
    with pytest.raises(TreeHeadInvalid):
        SignedTreeHead.from_bytes(sign_head(KEY, HEAD).to_bytes() + b"\x00")


heads = st.builds(
    TreeHead,
    tree_size=st.integers(0, 2**64 - 1),
    root_hash=st.binary(min_size=32, max_size=32),
    timestamp_ms=st.integers(0, 2**64 - 1),
)


@settings(max_examples=50, deadline=None)
@given(
    head=heads, position=st.integers(0, ENCODED_SIZE + SIGNATURE_SIZE - 1), mask=st.integers(1, 255)
)
def test_signed_heads_verify_and_fail_after_a_changed_byte(
    head: TreeHead, position: int, mask: int
) -> None:
    signed = sign_head(KEY, head)
    assert verify_head(KEY.public_key(), signed)
    assert TreeHead.decode(head.encode()) == head
    changed = bytearray(signed.to_bytes())
    changed[position] ^= mask
    tampered = signed_or_none(bytes(changed))
    assert tampered is None or not verify_head(KEY.public_key(), tampered)


def test_layout_struct_is_big_endian() -> None:
    # The layout does not depend on the machine: unpack it with an explicit format.
    label, size, stamp, root = struct.unpack(">22sQQ32s", HEAD.encode())
    assert (label, size, stamp, root) == (DOMAIN, 7, 1_700_000_000_123, bytes(range(32)))
