"""A naive, recursive transcription of RFC 9162 2.1 to check the ledger's tree against.

Deliberately slow and literal: MTH, PATH and SUBPROOF exactly as the RFC's definitions
read, over lists of leaf *data*.
"""

from __future__ import annotations

from hashlib import sha256


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(data: list[bytes]) -> bytes:
    """MTH(D[n])."""
    if not data:
        return sha256(b"").digest()
    if len(data) == 1:
        return sha256(b"\x00" + data[0]).digest()
    k = _k(len(data))
    return sha256(b"\x01" + mth(data[:k]) + mth(data[k:])).digest()


def path(m: int, data: list[bytes]) -> list[bytes]:
    """PATH(m, D[n])."""
    if len(data) == 1:
        return []
    k = _k(len(data))
    if m < k:
        return path(m, data[:k]) + [mth(data[k:])]
    return path(m - k, data[k:]) + [mth(data[:k])]


def subproof(m: int, data: list[bytes], complete: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b)."""
    n = len(data)
    if m == n:
        return [] if complete else [mth(data)]
    k = _k(n)
    if m <= k:
        return subproof(m, data[:k], complete) + [mth(data[k:])]
    return subproof(m - k, data[k:], False) + [mth(data[:k])]


def proof(m: int, data: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n])."""
    return subproof(m, data, True)
