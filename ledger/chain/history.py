"""What the contracts emitted: their events, per project, as typed records.

Receipt readers (``MilestoneEscrowGateway``'s and the others') tell what one transaction
did; the readers here answer what a contract ever did for a project, from the chain's logs
(from block 0 unless told otherwise), oldest first. Each record is wrapped in
:class:`Logged`, which says where it was emitted. :mod:`ledger.reconcile` compares them
with the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ledger.chain.background import BackgroundEscrowGateway
from ledger.chain.credentials import CredentialEvent, CredentialRegistryGateway
from ledger.chain.disputes import DisputeResolutionGateway, Subject
from ledger.chain.escrow import MilestoneEscrowGateway
from ledger.chain.record_anchor import RecordAnchorGateway
from ledger.chain.registry import ProjectRegistryGateway, Side, Tier
from ledger.chain.rights import (
    AssetRegistered,
    ForegroundRegistryGateway,
    LicenceFeePaid,
    RevenueReceived,
    RevenueSharingGateway,
    TieredRightsGateway,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Logged(Generic[T]):
    """An event and the transaction and block that emitted it."""

    event: T
    tx_hash: str
    block_number: int


@dataclass(frozen=True)
class PartnerJoined:
    partner: str
    partner_id: int
    side: Side


@dataclass(frozen=True)
class MilestoneReleased:
    milestone_id: int
    root: bytes
    total: int


@dataclass(frozen=True)
class Claimed:
    """Leaf ``index`` of a milestone's payout tree paid ``amount`` to ``account``."""

    milestone_id: int
    index: int
    account: str
    amount: int


@dataclass(frozen=True)
class DisputeOpened:
    dispute_id: int
    subject: Subject
    subject_id: int
    opened_by: str
    evidence_hash: bytes


@dataclass(frozen=True)
class HeadAnchored:
    tree_size: int
    root_hash: bytes
    index: int
    anchored_by: str


@dataclass(frozen=True)
class SnapshotCommitted:
    snapshot_id: int
    tier: Tier
    root: bytes
    column_hash: bytes


@dataclass(frozen=True)
class BackgroundDeposited:
    deposit_id: int
    owner: str
    document_hash: bytes


@dataclass(frozen=True)
class LicenceGranted:
    licence_id: int
    asset_id: int
    licensee: str
    territory: bytes
    industry: bytes
    fee: int


@dataclass(frozen=True)
class Deposited:
    funder: str
    amount: int
    log_index: int


@dataclass(frozen=True)
class IssuerRegistered:
    issuer: str
    jurisdiction: str
    name_hash: bytes


def _logged(log: Any, event: T) -> Logged[T]:
    return Logged(event, "0x" + bytes(log["transactionHash"]).hex(), int(log["blockNumber"]))


def partners_joined(
    registry: ProjectRegistryGateway, project_id: int
) -> list[Logged[PartnerJoined]]:
    """Every partner that joined a project, in joining order."""
    return [
        _logged(log, PartnerJoined(a["partner"], int(a["partnerId"]), Side(a["side"])))
        for log, a in _each(registry.logs("PartnerJoined", projectId=project_id))
    ]


def milestones_released(
    escrow: MilestoneEscrowGateway, project_id: int
) -> list[Logged[MilestoneReleased]]:
    """Every release of a project's milestones (root and total as released)."""
    return [
        _logged(log, MilestoneReleased(int(a["milestoneId"]), bytes(a["root"]), int(a["total"])))
        for log, a in _each(escrow.logs("MilestoneReleased", projectId=project_id))
    ]


def deposits(escrow: MilestoneEscrowGateway, project_id: int) -> list[Logged[Deposited]]:
    """Every funder's deposit into a project's escrow."""
    return [
        _logged(log, Deposited(a["funder"], int(a["amount"]), int(log["logIndex"])))
        for log, a in _each(escrow.logs("Deposited", projectId=project_id))
    ]


def claims(escrow: MilestoneEscrowGateway, project_id: int) -> list[Logged[Claimed]]:
    """Every payout claimed in a project."""
    return [
        _logged(
            log,
            Claimed(int(a["milestoneId"]), int(a["index"]), a["account"], int(a["amount"])),
        )
        for log, a in _each(escrow.logs("Claimed", projectId=project_id))
    ]


def disputes_opened(
    disputes: DisputeResolutionGateway, project_id: int
) -> list[Logged[DisputeOpened]]:
    """Every dispute opened in a project."""
    return [
        _logged(
            log,
            DisputeOpened(
                int(a["disputeId"]),
                Subject(a["subject"]),
                int(a["subjectId"]),
                a["openedBy"],
                bytes(a["evidenceHash"]),
            ),
        )
        for log, a in _each(disputes.logs("DisputeOpened", projectId=project_id))
    ]


def heads_anchored(anchor: RecordAnchorGateway, project_id: int) -> list[Logged[HeadAnchored]]:
    """Every tree head of a project's record anchored on chain."""
    return [
        _logged(
            log,
            HeadAnchored(
                int(a["treeSize"]), bytes(a["rootHash"]), int(a["index"]), a["anchoredBy"]
            ),
        )
        for log, a in _each(anchor.logs("HeadAnchored", projectId=project_id))
    ]


def columns_committed(
    rights: TieredRightsGateway, project_id: int
) -> list[Logged[SnapshotCommitted]]:
    """Every rights column committed in a project, each tier's latest last."""
    return [
        _logged(
            log,
            SnapshotCommitted(
                int(a["snapshotId"]), Tier(a["tier"]), bytes(a["root"]), bytes(a["columnHash"])
            ),
        )
        for log, a in _each(rights.logs("SnapshotCommitted", projectId=project_id))
    ]


def background_deposited(
    background: BackgroundEscrowGateway, project_id: int
) -> list[Logged[BackgroundDeposited]]:
    """Every background deposit made in a project."""
    return [
        _logged(
            log,
            BackgroundDeposited(int(a["depositId"]), a["owner"], bytes(a["documentHash"])),
        )
        for log, a in _each(background.logs("BackgroundDeposited", projectId=project_id))
    ]


def assets_registered(
    foreground: ForegroundRegistryGateway, project_id: int
) -> list[Logged[AssetRegistered]]:
    """Every foreground asset registered in a project."""
    return [
        _logged(
            log,
            AssetRegistered(
                int(a["assetId"]),
                int(a["projectId"]),
                Tier(a["tier"]),
                bytes(a["assetHash"]),
                a["registrant"],
            ),
        )
        for log, a in _each(foreground.logs("AssetRegistered", projectId=project_id))
    ]


def licences_granted(
    foreground: ForegroundRegistryGateway, asset_ids: Iterable[int]
) -> list[Logged[LicenceGranted]]:
    """Every licence granted on the given assets (chain ids)."""
    wanted = sorted(set(asset_ids))
    if not wanted:
        return []
    return [
        _logged(
            log,
            LicenceGranted(
                int(a["licenceId"]),
                int(a["assetId"]),
                a["licensee"],
                bytes(a["territory"]),
                bytes(a["industry"]),
                int(a["fee"]),
            ),
        )
        for log, a in _each(foreground.logs("LicenceGranted", assetId=wanted))
    ]


def licence_fees_paid(
    foreground: ForegroundRegistryGateway, asset_ids: Iterable[int]
) -> list[Logged[LicenceFeePaid]]:
    """Every licence fee paid for the given assets (chain ids)."""
    wanted = sorted(set(asset_ids))
    if not wanted:
        return []
    return [
        _logged(
            log,
            LicenceFeePaid(int(a["licenceId"]), int(a["assetId"]), a["payer"], int(a["fee"])),
        )
        for log, a in _each(foreground.logs("LicenceFeePaid", assetId=wanted))
    ]


def revenue_received(
    revenue: RevenueSharingGateway, project_id: int
) -> list[Logged[RevenueReceived]]:
    """Every revenue payment of a project, each with the credits its transaction made for
    that asset (partner -> (payee, wei))."""
    payments = list(_each(revenue.logs("RevenueReceived", projectId=project_id)))
    if not payments:
        return []
    asset_ids = sorted({int(a["assetId"]) for _, a in payments})
    credits: dict[tuple[str, int], dict[str, tuple[str, int]]] = {}
    for log, a in _each(revenue.logs("RevenueCredited", assetId=asset_ids)):
        key = ("0x" + bytes(log["transactionHash"]).hex(), int(a["assetId"]))
        credits.setdefault(key, {})[a["partner"]] = (a["payee"], int(a["amount"]))
    out = []
    for log, a in payments:
        asset_id = int(a["assetId"])
        tx = "0x" + bytes(log["transactionHash"]).hex()
        event = RevenueReceived(
            asset_id,
            int(a["projectId"]),
            a["payer"],
            int(a["amount"]),
            int(a["cumulative"]),
            credits.get((tx, asset_id), {}),
        )
        out.append(_logged(log, event))
    return out


def issuers_registered(credentials: CredentialRegistryGateway) -> list[Logged[IssuerRegistered]]:
    """Every issuer the operator registered."""
    return [
        _logged(
            log,
            IssuerRegistered(a["issuer"], bytes(a["jurisdiction"]).decode(), bytes(a["nameHash"])),
        )
        for log, a in _each(credentials.logs("IssuerRegistered"))
    ]


def credentials_anchored(credentials: CredentialRegistryGateway) -> list[Logged[CredentialEvent]]:
    """Every credential hash anchored, with the issuer that anchored it."""
    return [
        _logged(log, CredentialEvent(bytes(a["credentialHash"]), a["issuer"]))
        for log, a in _each(credentials.logs("CredentialAnchored"))
    ]


def credentials_revoked(credentials: CredentialRegistryGateway) -> list[Logged[CredentialEvent]]:
    """Every credential revocation, with its issuer and reason."""
    return [
        _logged(log, CredentialEvent(bytes(a["credentialHash"]), a["issuer"], bytes(a["reason"])))
        for log, a in _each(credentials.logs("CredentialRevoked"))
    ]


def _each(logs: list[Any]) -> Iterable[tuple[Any, Any]]:
    return ((log, log["args"]) for log in logs)
