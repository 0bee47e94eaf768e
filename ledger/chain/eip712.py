"""EIP-712 typed-data signatures, as the contracts verify them.

Every contract that accepts signatures has its own domain (name, version "1", chain id,
its own address), so a signature is bound to one chain and one contract; the signed
struct carries the project id and a milestone, snapshot or licence id, so it is bound
to one project and one act as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address

#: An EIP-712 struct type: its fields, in order, as name/type pairs.
StructType = list[dict[str, str]]


def struct(*fields: str) -> StructType:
    """``struct("projectId uint256", "partner address")`` -> EIP-712 field list."""
    out = []
    for spec in fields:
        name, kind = spec.split()
        out.append({"name": name, "type": kind})
    return out


@dataclass(frozen=True)
class Domain:
    """The EIP-712 domain of one deployed contract."""

    name: str
    chain_id: int
    verifying_contract: str
    version: str = "1"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "chainId": self.chain_id,
            "verifyingContract": to_checksum_address(self.verifying_contract),
        }


def sign(
    account: LocalAccount,
    domain: Domain,
    primary: str,
    fields: StructType,
    message: Mapping[str, Any],
) -> bytes:
    """The 65-byte signature (r, s, v) of ``account`` over the struct ``primary``."""
    signed = account.sign_typed_data(
        domain_data=domain.as_dict(),
        message_types={primary: fields},
        message_data=dict(message),
    )
    return bytes(signed.signature)


def sign_by_all(
    accounts: Iterable[LocalAccount],
    domain: Domain,
    primary: str,
    fields: StructType,
    message: Mapping[str, Any],
) -> list[bytes]:
    """Signatures of several accounts, in the ascending signer order the contracts require."""
    ordered = sorted(accounts, key=lambda a: int(a.address, 16))
    return [sign(a, domain, primary, fields, message) for a in ordered]


def hash_text(text: str) -> bytes:
    """keccak256 of a UTF-8 text, e.g. a reason or a document reference."""
    return keccak(text.encode())
