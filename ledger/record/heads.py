"""Signed tree heads of the record: a tree size, its root hash and a time, signed with Ed25519.

Canonical encoding (fixed binary layout, 70 bytes, big-endian integers)::

    offset  size  field
    0       22    domain label  b"ipledger/tree-head/v1\\x00"
    22      8     tree_size     uint64
    30      8     timestamp_ms  uint64, milliseconds since the Unix epoch (UTC)
    38      32    root_hash     the Merkle tree hash of the first tree_size entries

The domain label makes a head's signature useless as a signature of anything else
the same key signs, and names the version of the layout. The Ed25519 signature
(64 bytes, RFC 8032) is over exactly these 70 bytes. A signed head travels as the
encoding followed by the signature (134 bytes), see :meth:`SignedTreeHead.to_bytes`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.record.errors import TreeHeadInvalid

#: First bytes of every encoded tree head.
DOMAIN = b"ipledger/tree-head/v1\x00"
_LAYOUT = struct.Struct(f">{len(DOMAIN)}sQQ32s")
#: Length of an encoded tree head.
ENCODED_SIZE = _LAYOUT.size
#: Length of an Ed25519 signature.
SIGNATURE_SIZE = 64
_UINT64_MAX = 2**64 - 1


@dataclass(frozen=True, slots=True)
class TreeHead:
    """The state of the record at one size.

    Attributes:
        tree_size: Number of entries the root covers.
        root_hash: The 32-byte Merkle tree hash over those entries.
        timestamp_ms: When the head was made, in milliseconds since the Unix epoch.
    """

    tree_size: int
    root_hash: bytes
    timestamp_ms: int

    def __post_init__(self) -> None:
        for name in ("tree_size", "timestamp_ms"):
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value <= _UINT64_MAX:
                raise TreeHeadInvalid(f"{name} must be an integer in 0 .. 2**64 - 1", field=name)
        if type(self.root_hash) is not bytes or len(self.root_hash) != 32:
            raise TreeHeadInvalid("root_hash must be 32 bytes", field="root_hash")

    def encode(self) -> bytes:
        """Return the canonical 70-byte encoding (see the module docstring)."""
        return _LAYOUT.pack(DOMAIN, self.tree_size, self.timestamp_ms, self.root_hash)

    @classmethod
    def decode(cls, data: bytes) -> TreeHead:
        """Read a head from its canonical encoding.

        Args:
            data: Exactly :data:`ENCODED_SIZE` bytes.

        Returns:
            The head.

        Raises:
            TreeHeadInvalid: Wrong length or domain label.
        """
        if len(data) != ENCODED_SIZE:
            raise TreeHeadInvalid(
                f"an encoded tree head has {ENCODED_SIZE} bytes, not {len(data)}",
                field="encoding",
                length=len(data),
            )
        domain, tree_size, timestamp_ms, root_hash = _LAYOUT.unpack(data)
        if domain != DOMAIN:
            raise TreeHeadInvalid("the domain label is not a tree head's", field="domain")
        return cls(tree_size=tree_size, root_hash=root_hash, timestamp_ms=timestamp_ms)


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    """A tree head and the Ed25519 signature over its encoding."""

    head: TreeHead
    signature: bytes

    def to_bytes(self) -> bytes:
        """Return the head's encoding followed by the 64-byte signature."""
        return self.head.encode() + self.signature

    @classmethod
    def from_bytes(cls, data: bytes) -> SignedTreeHead:
        """Read a signed head written by :meth:`to_bytes`.

        Raises:
            TreeHeadInvalid: Wrong length or a malformed head.
        """
        if len(data) != ENCODED_SIZE + SIGNATURE_SIZE:
            raise TreeHeadInvalid(
                f"a signed tree head has {ENCODED_SIZE + SIGNATURE_SIZE} bytes, not {len(data)}",
                field="signed_head",
                length=len(data),
            )
        return cls(head=TreeHead.decode(data[:ENCODED_SIZE]), signature=bytes(data[ENCODED_SIZE:]))


def sign_head(private_key: Ed25519PrivateKey, head: TreeHead) -> SignedTreeHead:
    """Sign a tree head's canonical encoding.

    Args:
        private_key: The ledger's Ed25519 signing key.
        head: The head to sign.

    Returns:
        The head with its signature.
    """
    return SignedTreeHead(head=head, signature=private_key.sign(head.encode()))


def verify_head(public_key: Ed25519PublicKey, signed: SignedTreeHead) -> bool:
    """Return whether ``signed`` carries a valid signature by ``public_key``.

    Args:
        public_key: The ledger's Ed25519 public key.
        signed: The signed head.

    Returns:
        ``True`` if the signature verifies over the head's canonical encoding.
    """
    if len(signed.signature) != SIGNATURE_SIZE:
        return False
    try:
        public_key.verify(signed.signature, signed.head.encode())
    except InvalidSignature:
        return False
    return True
