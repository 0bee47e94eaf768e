"""EIP-712 signatures the ledger itself verifies (not a contract), and their recovery.

Acts that bind a partner but never reach a contract as such (a contribution, an
attestation, an amendment, opening a dispute, settling or ruling on a dispute about a
contribution) are signed in the ledger's own EIP-712 domain: name ``ipledger``, version
``1``, the chain's id, and the project registry's address as verifying contract, so a
signature is bound to one deployment. Acts that a contract checks (joining, milestone
approvals, settlements of milestone disputes, negotiated splits) are signed in that
contract's domain (:mod:`ledger.chain`). ``projectId`` is always the project's id on chain.
``ledger.client`` makes these signatures; :func:`recover` checks them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_keys.exceptions import BadSignature
from eth_utils import to_checksum_address

from ledger.chain.eip712 import Domain, StructType, struct
from ledger.errors import Unauthorized

LEDGER_DOMAIN_NAME = "ipledger"

CONTRIBUTION = struct(
    "projectId uint256",
    "partner address",
    "tier string",
    "kind string",
    "value uint256",
    "evidenceHash bytes32",
    "assetId uint256",
    "idempotencyKey string",
)
ATTESTATION = struct("projectId uint256", "contributionId uint256", "bodyHash bytes32")
AMENDMENT = struct("projectId uint256", "version uint256", "documentHash bytes32")
DISPUTE = struct("projectId uint256", "subject string", "subjectId uint256", "reasonHash bytes32")
#: Both parties of a dispute on a contribution agree on its outcome (mediation).
CONTRIBUTION_SETTLEMENT = struct("projectId uint256", "disputeId uint256", "outcome string")
#: An arbiter decides a dispute on a contribution (arbitration).
CONTRIBUTION_RULING = struct("projectId uint256", "disputeId uint256", "outcome string")

#: Primary type name -> fields, for every struct of the ledger's domain.
TYPES: dict[str, StructType] = {
    "Contribution": CONTRIBUTION,
    "Attestation": ATTESTATION,
    "Amendment": AMENDMENT,
    "DisputeOpening": DISPUTE,
    "ContributionSettlement": CONTRIBUTION_SETTLEMENT,
    "ContributionRuling": CONTRIBUTION_RULING,
}


def ledger_domain(chain_id: int, registry_address: str) -> Domain:
    """The ledger's own EIP-712 domain on one deployment."""
    return Domain(LEDGER_DOMAIN_NAME, chain_id, registry_address)


def recover(
    domain: Domain,
    primary: str,
    message: Mapping[str, Any],
    signature: str,
    fields: StructType | None = None,
) -> str:
    """The checksummed address that signed ``message`` as struct ``primary`` in ``domain``.

    ``fields`` is the struct's type; by default the ledger domain's type of that name.

    Raises:
        Unauthorized: for a signature that is not 65 bytes of hex or recovers nothing.
    """
    try:
        raw = bytes.fromhex(signature.removeprefix("0x"))
        if len(raw) != 65:
            raise ValueError("a signature is 65 bytes")
        encoded = encode_typed_data(
            domain_data=domain.as_dict(),
            message_types={primary: fields or TYPES.get(primary) or _unknown(primary)},
            message_data=dict(message),
        )
        return to_checksum_address(Account.recover_message(encoded, signature=raw))
    except (ValueError, TypeError, BadSignature) as exc:  # r = s = 0 recovers no key
        raise Unauthorized(f"unreadable {primary} signature: {exc}", field="signature") from None


def require_signer(
    domain: Domain,
    primary: str,
    message: Mapping[str, Any],
    signature: str,
    signer: str,
    fields: StructType | None = None,
) -> None:
    """Raise Unauthorized unless ``signer`` signed the message."""
    recovered = recover(domain, primary, message, signature, fields)
    if recovered.lower() != signer.lower():
        raise Unauthorized(
            f"the {primary} signature is not {to_checksum_address(signer)}'s",
            field="signature",
            expected=to_checksum_address(signer),
            recovered=recovered,
        )


@dataclass(frozen=True)
class Signers:
    """The partners who signed one message, each once: address → raw signature."""

    by: dict[str, bytes]

    def addresses(self) -> list[str]:
        """The signers, sorted."""
        return sorted(self.by)

    def ordered(self) -> list[bytes]:
        """The signatures in ascending signer address order, as the contracts require."""
        return [self.by[a] for a in sorted(self.by, key=lambda a: int(a, 16))]


def partner_signatures(
    domain: Domain,
    primary: str,
    message: Mapping[str, Any],
    signatures: Sequence[str],
    fields: StructType,
    members: Collection[str],
    *,
    act: str,
    quorum: int | None = None,
    everyone: bool = False,
) -> Signers:
    """Recover who signed ``message`` and check they are partners, each once.

    Args:
        act: What is signed, for the messages ("release", "settlement", …).
        quorum: At least this many partners must have signed.
        everyone: Every partner in ``members`` must have signed.

    Raises:
        Unauthorized: for a signer who is not a partner (or signed another message), a
            partner twice, fewer than ``quorum`` signers, or a partner missing.
    """
    signed: dict[str, bytes] = {}
    for signature in signatures:
        who = recover(domain, primary, message, signature, fields)
        if who not in members:
            raise Unauthorized(
                f"{who} signed the {act} but is not a partner (or signed another {act})",
                field="signatures",
                signer=who,
            )
        if who in signed:
            raise Unauthorized(f"{who} signed the {act} twice", field="signatures")
        signed[who] = bytes.fromhex(signature.removeprefix("0x"))
    if quorum is not None and len(signed) < quorum:
        raise Unauthorized(
            f"the {act} needs {quorum} partner signatures, got {len(signed)}",
            field="signatures",
            quorum=quorum,
        )
    missing = sorted(set(members) - signed.keys()) if everyone else []
    if missing:
        raise Unauthorized(
            f"every partner signs the {act}; missing {', '.join(missing)}",
            field="signatures",
            missing=missing,
        )
    return Signers(signed)


def _unknown(primary: str) -> StructType:
    raise ValueError(f"unknown struct {primary}")


def contribution_message(
    *,
    project_id: int,
    partner: str,
    tier: str,
    kind: str,
    value: int,
    evidence_hash: str,
    asset_id: int | None,
    idempotency_key: str,
) -> dict[str, Any]:
    """The ``Contribution`` struct a partner signs (``project_id`` is the id on chain)."""
    return {
        "projectId": project_id,
        "partner": to_checksum_address(partner),
        "tier": tier,
        "kind": kind,
        "value": value,
        "evidenceHash": bytes.fromhex(evidence_hash.removeprefix("0x")),
        "assetId": asset_id or 0,
        "idempotencyKey": idempotency_key,
    }


def attestation_message(*, project_id: int, contribution_id: int, body_hash: str) -> dict[str, Any]:
    """The ``Attestation`` struct: a countersignature of one contribution's signed body."""
    return {
        "projectId": project_id,
        "contributionId": contribution_id,
        "bodyHash": bytes.fromhex(body_hash.removeprefix("0x")),
    }


def dispute_message(
    *, project_id: int, subject: str, subject_id: int, reason_hash: str
) -> dict[str, Any]:
    """The ``DisputeOpening`` struct: who disputes what, and the hash of the stated reason."""
    return {
        "projectId": project_id,
        "subject": subject,
        "subjectId": subject_id,
        "reasonHash": bytes.fromhex(reason_hash.removeprefix("0x")),
    }


def contribution_resolution_message(
    *, project_id: int, dispute_id: int, outcome: str
) -> dict[str, Any]:
    """The ``ContributionSettlement`` or ``ContributionRuling`` struct: one dispute's outcome.

    ``dispute_id`` is the ledger's id of the dispute; ``outcome`` is ``uphold`` or ``reject``.
    """
    return {"projectId": project_id, "disputeId": dispute_id, "outcome": outcome}
