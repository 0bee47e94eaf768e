"""The record's Merkle tree (RFC 9162 section 2.1), its proofs and signed tree heads.

Pure: no database, chain, web or API imports. See ``docs/record.md``.
"""

from ledger.record.errors import ProofInvalid, TreeHeadInvalid, TreeRangeError
from ledger.record.frontier import Frontier
from ledger.record.heads import (
    DOMAIN,
    ENCODED_SIZE,
    SIGNATURE_SIZE,
    SignedTreeHead,
    TreeHead,
    sign_head,
    verify_head,
)
from ledger.record.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
)
from ledger.record.verify import (
    check_consistency,
    check_inclusion,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "DOMAIN",
    "EMPTY_ROOT",
    "Frontier",
    "ENCODED_SIZE",
    "HASH_SIZE",
    "SIGNATURE_SIZE",
    "MerkleTree",
    "ProofInvalid",
    "SignedTreeHead",
    "TreeHead",
    "TreeHeadInvalid",
    "TreeRangeError",
    "check_consistency",
    "check_inclusion",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root",
    "sign_head",
    "verify_consistency",
    "verify_head",
    "verify_inclusion",
]
