"""Background IP documents: sealed, stored, keys vaulted and handed out only as allowed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.background_ip import (
    DocumentStore,
    KeyVault,
    key_commitment,
    may_read,
    seal,
    unseal,
)
from ledger.errors import NotFound, RuleViolation, Unauthorized

DOCUMENT = b"%PDF-1.7 vision inspection algorithm, patent family EP1234567" * 20
OWNER = "0x" + "aa" * 20
PARTNER = "0x" + "bb" * 20


def test_seal_then_unseal_round_trip() -> None:
    sealed = seal(DOCUMENT)
    assert sealed.document_hash == hashlib.sha256(DOCUMENT).digest()
    assert sealed.key_commitment == key_commitment(sealed.key)
    assert DOCUMENT not in sealed.ciphertext
    assert unseal(sealed.ciphertext, sealed.key, sealed.document_hash) == DOCUMENT


def test_each_seal_uses_a_fresh_key_and_nonce() -> None:
    first, second = seal(DOCUMENT), seal(DOCUMENT)
    assert first.key != second.key
    assert first.ciphertext[:12] != second.ciphertext[:12]
    assert first.document_hash == second.document_hash


@pytest.mark.parametrize("position", [0, 12, 40, -1])
def test_changed_ciphertext_is_refused(position: int) -> None:
    sealed = seal(DOCUMENT)
    changed = bytearray(sealed.ciphertext)
    changed[position] ^= 0x01
    with pytest.raises(RuleViolation, match="ciphertext was changed"):
        unseal(bytes(changed), sealed.key, sealed.document_hash)


def test_wrong_key_or_other_documents_hash_is_refused() -> None:
    sealed, other = seal(DOCUMENT), seal(b"another document")
    with pytest.raises(RuleViolation):
        unseal(sealed.ciphertext, other.key, sealed.document_hash)
    with pytest.raises(RuleViolation):  # the ciphertext is bound to its own hash
        unseal(sealed.ciphertext, sealed.key, other.document_hash)
    with pytest.raises(RuleViolation, match="32 bytes"):
        unseal(sealed.ciphertext, b"short", sealed.document_hash)


@given(st.binary(max_size=2048))
def test_any_document_round_trips(document: bytes) -> None:
    sealed = seal(document)
    assert unseal(sealed.ciphertext, sealed.key, sealed.document_hash) == document


def test_store_and_vault_keep_what_they_are_given(tmp_path: Path) -> None:
    sealed = seal(DOCUMENT)
    store = DocumentStore(tmp_path / "documents")
    vault = KeyVault(tmp_path / "keys.json", KeyVault.generate_key())
    store.put(sealed)
    vault.store(sealed.document_hash, sealed.key)

    assert sealed.key.hex() not in (tmp_path / "keys.json").read_text()  # wrapped, not plain
    key = vault.key_for(sealed.document_hash)
    assert unseal(store.get(sealed.document_hash), key, sealed.document_hash) == DOCUMENT


def test_vault_needs_its_own_key(tmp_path: Path) -> None:
    sealed = seal(DOCUMENT)
    KeyVault(tmp_path / "keys.json", KeyVault.generate_key()).store(
        sealed.document_hash, sealed.key
    )
    with pytest.raises(RuleViolation, match="vault key"):
        KeyVault(tmp_path / "keys.json", KeyVault.generate_key()).key_for(sealed.document_hash)
    with pytest.raises(RuleViolation, match="32 bytes"):
        KeyVault(tmp_path / "keys.json", b"too short")


def test_unknown_documents_are_not_found(tmp_path: Path) -> None:
    missing = hashlib.sha256(b"missing").digest()
    with pytest.raises(NotFound):
        DocumentStore(tmp_path).get(missing)
    with pytest.raises(NotFound):
        KeyVault(tmp_path / "keys.json", KeyVault.generate_key()).key_for(missing)


def test_only_owner_or_released_party_may_read() -> None:
    may_read(reader=OWNER, owner=OWNER, released_to=None)  # the owner, always
    may_read(reader=PARTNER.upper().replace("0X", "0x"), owner=OWNER, released_to=PARTNER)
    with pytest.raises(Unauthorized):
        may_read(reader=PARTNER, owner=OWNER, released_to=None)  # not released yet
    with pytest.raises(Unauthorized):
        may_read(reader=PARTNER, owner=OWNER, released_to="0x" + "cc" * 20)
