"""Background IP documents: sealed with AES-256-GCM, stored off chain, keys held in a vault.

A partner's background document never goes on chain. :func:`seal` encrypts it under a
fresh 256-bit key; the ciphertext goes to a :class:`DocumentStore` (files in the data
folder, named by the document's hash); the key goes to a :class:`KeyVault`, itself
encrypted under the vault's own key; the chain gets the document hash and a commitment to
the key (``BackgroundEscrow``). The vault hands a key out only to the deposit's owner, or
to the party the chain says it was released to (:func:`may_read`).

Hashes: ``document_hash = sha256(document)``; ``key_commitment = sha256(b"ipledger/key/v1"
|| key)``. The GCM associated data binds a ciphertext to its document hash, so a stored
ciphertext cannot be swapped for another document's.

Store and vault entries are named by the document's hash unless the caller gives another
``name``: the deposit service names them by the key commitment, so that one document sealed
twice (another project, a retried deposit) never overwrites an earlier sealing.
:meth:`KeyVault.wrap` hands a key out in a form only the vault can open again (the deposit
service's two-step protocol, ``docs/ip-books.md``).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger.errors import NotFound, RuleViolation, Unauthorized

KEY_DOMAIN = b"ipledger/key/v1"
AAD_DOMAIN = b"ipledger/background/v1:"
NONCE_SIZE = 12


@dataclass(frozen=True)
class Sealed:
    """A sealed document: what is stored, what is kept secret, and what goes on chain."""

    ciphertext: bytes  # nonce (12 bytes) || AES-256-GCM ciphertext and tag
    key: bytes
    document_hash: bytes
    key_commitment: bytes


def key_commitment(key: bytes) -> bytes:
    """The commitment to a document key that the chain records."""
    return hashlib.sha256(KEY_DOMAIN + key).digest()


def fresh_key() -> bytes:
    """A new random 256-bit document key."""
    return AESGCM.generate_key(bit_length=256)


def seal(document: bytes, key: bytes | None = None) -> Sealed:
    """Encrypt a document under a fresh AES-256-GCM key (or ``key``, made by :func:`fresh_key`).

    Raises:
        RuleViolation: for a given key that is not 32 bytes.
    """
    if key is None:
        key = fresh_key()
    elif len(key) != 32:
        raise RuleViolation("a document key is 32 bytes", field="key")
    digest = hashlib.sha256(document).digest()
    nonce = os.urandom(NONCE_SIZE)
    ciphertext = nonce + AESGCM(key).encrypt(nonce, document, AAD_DOMAIN + digest)
    return Sealed(ciphertext, key, digest, key_commitment(key))


def unseal(ciphertext: bytes, key: bytes, document_hash: bytes) -> bytes:
    """Decrypt a sealed document and check it is the document the hash names.

    Raises:
        RuleViolation: for a wrong key, a changed ciphertext, or another document's hash.
    """
    if len(key) != 32:
        raise RuleViolation("a document key is 32 bytes", field="key")
    if len(ciphertext) <= NONCE_SIZE:
        raise RuleViolation("not a sealed document", field="ciphertext")
    nonce, body = ciphertext[:NONCE_SIZE], ciphertext[NONCE_SIZE:]
    try:
        document = AESGCM(key).decrypt(nonce, body, AAD_DOMAIN + document_hash)
    except InvalidTag:
        raise RuleViolation(
            "the key does not open this document, or the ciphertext was changed",
            field="ciphertext",
            document_hash=document_hash.hex(),
        ) from None
    if hashlib.sha256(document).digest() != document_hash:  # guarded by the AAD as well
        raise RuleViolation("the document does not match its hash", field="document_hash")
    return document


class DocumentStore:
    """Ciphertexts as files named by their document's hash (or a given name), written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, name: bytes) -> Path:
        """Where the ciphertext stored under ``name`` lives."""
        return self.root / f"{name.hex()}.sealed"

    def put(self, sealed: Sealed, *, name: bytes | None = None) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.path(name or sealed.document_hash)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(sealed.ciphertext)
        os.replace(tmp, path)
        return path

    def get(self, document_hash: bytes, *, name: bytes | None = None) -> bytes:
        path = self.path(name or document_hash)
        if not path.is_file():
            raise NotFound(
                f"no sealed document {document_hash.hex()}", document_hash=document_hash.hex()
            )
        return path.read_bytes()


class KeyVault:
    """Document keys, each encrypted under the vault's key, in one JSON file.

    The vault's key is 32 bytes the operator provides (or :meth:`generate_key` makes);
    without it the stored keys are unreadable.
    """

    def __init__(self, path: Path, vault_key: bytes) -> None:
        if len(vault_key) != 32:
            raise RuleViolation("the vault key must be 32 bytes", field="vault_key")
        self.path = path
        self._aead = AESGCM(vault_key)

    @staticmethod
    def generate_key() -> bytes:
        return AESGCM.generate_key(bit_length=256)

    def _load(self) -> dict[str, str]:
        if not self.path.is_file():
            return {}
        return dict(json.loads(self.path.read_text()))

    def store(self, document_hash: bytes, key: bytes, *, name: bytes | None = None) -> None:
        entries = self._load()
        entries[(name or document_hash).hex()] = self.wrap(key, document_hash).hex()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(entries, sort_keys=True))
        os.replace(tmp, self.path)

    def key_for(self, document_hash: bytes, *, name: bytes | None = None) -> bytes:
        wrapped = self._load().get((name or document_hash).hex())
        if wrapped is None:
            raise NotFound(
                f"no key for document {document_hash.hex()}", document_hash=document_hash.hex()
            )
        try:
            return self.unwrap(bytes.fromhex(wrapped), document_hash)
        except RuleViolation:
            raise RuleViolation(
                "the vault key does not open this entry", field="vault_key"
            ) from None

    def wrap(self, key: bytes, context: bytes) -> bytes:
        """``key`` encrypted under the vault's key and bound to ``context``."""
        nonce = os.urandom(NONCE_SIZE)
        return nonce + self._aead.encrypt(nonce, key, context)

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        """The key :meth:`wrap` wrapped for the same ``context``.

        Raises:
            RuleViolation: if the vault did not wrap it, for another context, or it changed.
        """
        try:
            if len(wrapped) <= NONCE_SIZE:
                raise InvalidTag
            return self._aead.decrypt(wrapped[:NONCE_SIZE], wrapped[NONCE_SIZE:], context)
        except InvalidTag:
            raise RuleViolation(
                "this vault did not wrap this key for this context", field="wrapped"
            ) from None


def may_read(*, reader: str, owner: str, released_to: str | None) -> None:
    """Whether ``reader`` may have a deposit's key: its owner always; anyone else only
    when the chain says the key was released to them.

    Raises:
        Unauthorized: naming the reader.
    """
    reader_l = reader.lower()
    if reader_l == owner.lower():
        return
    if released_to is not None and reader_l == released_to.lower():
        return
    raise Unauthorized(
        f"{reader} may not read this background document's key",
        field="reader",
        reader=reader,
        owner=owner,
    )
