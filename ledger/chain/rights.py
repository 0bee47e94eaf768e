"""Gateways to TieredRights, ForegroundRegistry and RevenueSharing.

- :class:`TieredRightsGateway`: commit a tier's rights column signed by a quorum, set the
  derivative tier's negotiated split signed by every partner, read them back.
- :class:`ForegroundRegistryGateway`: register foreground assets, grant licences signed by a
  quorum, pay licence fees (they become revenue of the asset).
- :class:`RevenueSharingGateway`: pay revenue for an asset, withdraw credits, name a payout
  address by signature.

Registering an asset, paying a licence fee and paying revenue are a party's own acts (the
contracts take ``msg.sender`` as the registrant or payer). Each has an ``..._unsigned``
method that returns the transaction for the party to sign, and a ``..._relayed`` one that
sends it only if it is exactly that call (:meth:`~ledger.chain.gateway.Chain.send_signed`).

ForegroundRegistry deploys its RevenueSharing in its constructor; :func:`deploy_rights`
deploys the three and returns their gateways.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address

from ledger.chain.compiler import Build
from ledger.chain.contract import ContractGateway
from ledger.chain.eip712 import sign, sign_by_all, struct
from ledger.chain.gateway import Chain, Receipt
from ledger.chain.registry import Tier, industry_code, territory_code

ZERO_ADDRESS = "0x" + "00" * 20

SNAPSHOT = struct(
    "projectId uint256",
    "snapshotId uint256",
    "tier uint8",
    "root bytes32",
    "inputsHash bytes32",
    "columnHash bytes32",
)
NEGOTIATED_SPLIT = struct("projectId uint256", "nonce uint256", "splitHash bytes32")
LICENCE = struct(
    "projectId uint256",
    "assetId uint256",
    "licensee address",
    "territory bytes2",
    "industry bytes4",
    "fee uint256",
    "licenceId uint256",
)
PAYOUT = struct("partner address", "payout address", "nonce uint256")

#: Gas limits measured on solc 0.8.30 (optimizer 200) with 3 partners, plus headroom.
GAS_WITHDRAW = 80_000
#: The first asset on a chain costs about 150k (its counter's slot is new), later ones 133k.
GAS_REGISTER_ASSET = 180_000
#: A payment credits every partner in the column: measured 235k (fee) and 142k (revenue) with
#: 2 partners, about 40k and 23k more per partner (new credit slots cost the most), 633k and
#: 362k with 12. The limits below leave at least 15 % for any number of partners.
GAS_LICENCE_FEE = 200_000
GAS_REVENUE = 150_000
GAS_PER_PARTNER_CREDITED = 45_000


@dataclass(frozen=True)
class RightsColumn:
    """A tier's column as committed: partners in ascending address order and their bps.

    ``profit_bps`` is given for the application tier only (its revenue split); it is empty for
    core and derivative columns, whose revenue follows the rights bps.
    """

    partners: tuple[str, ...]
    rights_bps: tuple[int, ...]
    profit_bps: tuple[int, ...] = ()

    @classmethod
    def of(cls, rights: dict[str, int], profit: dict[str, int] | None = None) -> RightsColumn:
        """Build a column from ``{address: bps}``, sorting the partners as the contract requires."""
        order = sorted(rights, key=lambda a: int(a, 16))
        return cls(
            tuple(to_checksum_address(a) for a in order),
            tuple(rights[a] for a in order),
            tuple(profit[a] for a in order) if profit is not None else (),
        )

    def column_hash(self) -> bytes:
        """keccak256(abi.encode(partners, rightsBps, profitBps)), as signed in ``Snapshot``."""
        return keccak(
            abi_encode(
                ["address[]", "uint16[]", "uint16[]"],
                [list(self.partners), list(self.rights_bps), list(self.profit_bps)],
            )
        )

    def as_tuple(self) -> tuple[list[str], list[int], list[int]]:
        return list(self.partners), list(self.rights_bps), list(self.profit_bps)


@dataclass(frozen=True)
class CommittedColumn:
    """The latest column of a tier on chain; ``snapshot_id`` 0 means none yet."""

    snapshot_id: int
    committed_at: int
    root: bytes
    inputs_hash: bytes
    column: RightsColumn


@dataclass(frozen=True)
class NegotiatedSplit:
    """Derivative revenue split signed by every partner; ``nonce`` 0 means none yet."""

    nonce: int
    partners: tuple[str, ...]
    bps: tuple[int, ...]

    def split_hash(self) -> bytes:
        return keccak(abi_encode(["address[]", "uint16[]"], [list(self.partners), list(self.bps)]))


@dataclass(frozen=True)
class Licence:
    asset_id: int
    licensee: str
    territory: bytes
    industry: bytes
    fee: int
    paid: bool


@dataclass(frozen=True)
class AssetRegistered:
    """An ``AssetRegistered`` event."""

    asset_id: int
    project_id: int
    tier: Tier
    asset_hash: bytes
    registrant: str


@dataclass(frozen=True)
class LicenceFeePaid:
    """A ``LicenceFeePaid`` event."""

    licence_id: int
    asset_id: int
    payer: str
    fee: int


@dataclass(frozen=True)
class RevenueReceived:
    """A ``RevenueReceived`` event and the ``RevenueCredited`` events of the same asset in its
    transaction: partner -> (payee, wei), only partners credited a non-zero amount."""

    asset_id: int
    project_id: int
    payer: str
    amount: int
    cumulative: int
    credits: dict[str, tuple[str, int]]


class TieredRightsGateway(ContractGateway):
    """Commit and read the tiers' rights columns and the derivative negotiated split."""

    NAME = "TieredRights"

    def snapshot_message(
        self,
        project_id: int,
        snapshot_id: int,
        tier: Tier,
        column: RightsColumn,
        root: bytes,
        inputs_hash: bytes,
    ) -> dict[str, object]:
        return {
            "projectId": project_id,
            "snapshotId": snapshot_id,
            "tier": int(tier),
            "root": root,
            "inputsHash": inputs_hash,
            "columnHash": column.column_hash(),
        }

    def sign_snapshot(
        self,
        signers: Sequence[LocalAccount],
        project_id: int,
        snapshot_id: int,
        tier: Tier,
        column: RightsColumn,
        root: bytes,
        inputs_hash: bytes,
    ) -> list[bytes]:
        """The partners' signatures over a snapshot column, in ascending signer order."""
        message = self.snapshot_message(project_id, snapshot_id, tier, column, root, inputs_hash)
        return sign_by_all(signers, self.domain, "Snapshot", SNAPSHOT, message)

    def commit_snapshot(
        self,
        project_id: int,
        snapshot_id: int,
        tier: Tier,
        column: RightsColumn,
        root: bytes,
        inputs_hash: bytes,
        signatures: Sequence[bytes],
        *,
        sender: LocalAccount | None = None,
        gas: int | None = None,
    ) -> Receipt:
        """Commit a tier's column (anyone may submit; the signatures decide).

        ``gas`` is the limit; by default the node estimates it.

        Raises:
            ContractReverted: ``TieredRights*`` for a column the tier rules refuse,
                ``PartnerQuorum*`` for missing or bad signatures.
        """
        return self._chain.transact(
            self.bound,
            "commitSnapshot",
            project_id,
            snapshot_id,
            int(tier),
            column.as_tuple(),
            root,
            inputs_hash,
            list(signatures),
            sender=sender,
            gas=gas,
        )

    def sign_negotiated_split(
        self, signers: Sequence[LocalAccount], project_id: int, split: NegotiatedSplit
    ) -> list[bytes]:
        """Every partner's signature over a derivative split, in ascending signer order."""
        message = {"projectId": project_id, "nonce": split.nonce, "splitHash": split.split_hash()}
        return sign_by_all(signers, self.domain, "NegotiatedSplit", NEGOTIATED_SPLIT, message)

    def set_negotiated_split(
        self,
        project_id: int,
        split: NegotiatedSplit,
        signatures: Sequence[bytes],
        *,
        sender: LocalAccount | None = None,
        gas: int | None = None,
    ) -> Receipt:
        """Store a split of derivative revenue signed by every partner (``gas``: as
        :meth:`commit_snapshot`)."""
        return self._chain.transact(
            self.bound,
            "setNegotiatedSplit",
            project_id,
            split.nonce,
            list(split.partners),
            list(split.bps),
            list(signatures),
            sender=sender,
            gas=gas,
        )

    def column(
        self, project_id: int, tier: Tier, *, block: int | str = "latest"
    ) -> CommittedColumn:
        """The tier's latest column (as of ``block``)."""
        snapshot_id, at, root, inputs, partners, rights, profit = self._chain.call(
            self.bound, "columnOf", project_id, int(tier), block=block
        )
        return CommittedColumn(
            int(snapshot_id),
            int(at),
            bytes(root),
            bytes(inputs),
            RightsColumn(tuple(partners), tuple(rights), tuple(profit)),
        )

    def negotiated_split(self, project_id: int, *, block: int | str = "latest") -> NegotiatedSplit:
        """The derivative tier's latest negotiated split (as of ``block``)."""
        nonce, partners, bps = self._chain.call(
            self.bound, "negotiatedSplitOf", project_id, block=block
        )
        return NegotiatedSplit(int(nonce), tuple(partners), tuple(bps))


class ForegroundRegistryGateway(ContractGateway):
    """The foreground IP book: assets, licences and their fees."""

    NAME = "ForegroundRegistry"

    def register_asset(
        self, project_id: int, tier: Tier, asset_hash: bytes, *, partner: LocalAccount
    ) -> int:
        """Register a foreground asset; the partner sends the transaction. Returns the asset id."""
        (event,) = self.registered(
            self.register_asset_tx(project_id, tier, asset_hash, partner=partner)
        )
        return event.asset_id

    def register_asset_tx(
        self, project_id: int, tier: Tier, asset_hash: bytes, *, partner: LocalAccount
    ) -> Receipt:
        """The partner's own registration transaction (the ledger records it from the receipt)."""
        return self._chain.transact(
            self.bound,
            "registerAsset",
            project_id,
            int(tier),
            asset_hash,
            sender=partner,
            gas=GAS_REGISTER_ASSET,
        )

    def register_asset_unsigned(
        self, project_id: int, tier: Tier, asset_hash: bytes, sender: str
    ) -> dict[str, Any]:
        """The ``registerAsset`` transaction for partner ``sender`` to sign (see
        :meth:`register_asset_relayed`)."""
        return self._chain.unsigned(
            self.bound,
            "registerAsset",
            project_id,
            int(tier),
            asset_hash,
            sender=sender,
            gas=GAS_REGISTER_ASSET,
        )

    def register_asset_relayed(
        self, raw: bytes, project_id: int, tier: Tier, asset_hash: bytes
    ) -> tuple[str, Receipt]:
        """Relay a partner's signed ``registerAsset``; returns the registrant and the receipt.

        Raises:
            RuleViolation: unless ``raw`` is exactly this ``registerAsset`` call, signed.
            ContractReverted: ``ForegroundRegistry*`` refusals (nothing is sent).
        """
        return self._chain.send_signed(
            self.bound, raw, "registerAsset", project_id, int(tier), asset_hash
        )

    def registered(self, receipt: Receipt) -> list[AssetRegistered]:
        """The assets a transaction registered."""
        return [
            AssetRegistered(
                int(a["assetId"]),
                int(a["projectId"]),
                Tier(a["tier"]),
                bytes(a["assetHash"]),
                a["registrant"],
            )
            for a in (
                e["args"] for e in self._chain.decode_events(self.bound, "AssetRegistered", receipt)
            )
        ]

    def fees_paid(self, receipt: Receipt) -> list[LicenceFeePaid]:
        """The licence fees a transaction paid."""
        return [
            LicenceFeePaid(int(a["licenceId"]), int(a["assetId"]), a["payer"], int(a["fee"]))
            for a in (
                e["args"] for e in self._chain.decode_events(self.bound, "LicenceFeePaid", receipt)
            )
        ]

    def next_licence_id(self) -> int:
        return int(self._chain.call(self.bound, "counts")[1]) + 1

    def sign_licence(
        self,
        signers: Sequence[LocalAccount],
        project_id: int,
        asset_id: int,
        licensee: str,
        territory: str,
        industry: str,
        fee: int,
        licence_id: int | None = None,
    ) -> list[bytes]:
        """Quorum signatures over a licence; by default for the next licence id."""
        message = {
            "projectId": project_id,
            "assetId": asset_id,
            "licensee": licensee,
            "territory": territory_code(territory),
            "industry": industry_code(industry),
            "fee": fee,
            "licenceId": self.next_licence_id() if licence_id is None else licence_id,
        }
        return sign_by_all(signers, self.domain, "Licence", LICENCE, message)

    def grant_licence(
        self,
        asset_id: int,
        licensee: str,
        territory: str,
        industry: str,
        fee: int,
        signatures: Sequence[bytes],
        *,
        sender: LocalAccount | None = None,
    ) -> int:
        """Grant a quorum-signed licence; returns the licence id."""
        return self.grant_licence_tx(
            asset_id, licensee, territory, industry, fee, signatures, sender=sender
        )[0]

    def grant_licence_tx(
        self,
        asset_id: int,
        licensee: str,
        territory: str,
        industry: str,
        fee: int,
        signatures: Sequence[bytes],
        *,
        sender: LocalAccount | None = None,
    ) -> tuple[int, Receipt]:
        """Grant a quorum-signed licence; returns the licence id and the receipt."""
        receipt = self._chain.transact(
            self.bound,
            "grantLicence",
            asset_id,
            licensee,
            territory_code(territory),
            industry_code(industry),
            fee,
            list(signatures),
            sender=sender,
        )
        (event,) = self._chain.decode_events(self.bound, "LicenceGranted", receipt)
        return int(event["args"]["licenceId"]), receipt

    def pay_licence_fee(
        self, licence_id: int, *, value: int = 0, sender: LocalAccount | None = None
    ) -> Receipt:
        """Pay a licence's fee: ``value`` is the fee in ether projects, 0 for ERC-20 ones."""
        return self._chain.transact(
            self.bound, "payLicenceFee", licence_id, sender=sender, value=value
        )

    def pay_licence_fee_unsigned(
        self, licence_id: int, fee: int, sender: str, *, partners: int
    ) -> dict[str, Any]:
        """The ether ``payLicenceFee`` of ``fee`` wei for ``sender`` to sign; ``partners`` is
        how many the payment may credit (it sets the gas limit)."""
        return self._chain.unsigned(
            self.bound,
            "payLicenceFee",
            licence_id,
            sender=sender,
            gas=GAS_LICENCE_FEE + GAS_PER_PARTNER_CREDITED * partners,
            value=fee,
        )

    def pay_licence_fee_relayed(self, raw: bytes, licence_id: int, fee: int) -> tuple[str, Receipt]:
        """Relay a payer's signed ether ``payLicenceFee``; returns the payer and the receipt.

        Raises:
            RuleViolation: unless ``raw`` is exactly this call carrying ``fee`` wei, signed.
            ContractReverted: ``ForegroundRegistry*`` refusals (nothing is sent).
        """
        return self._chain.send_signed(self.bound, raw, "payLicenceFee", licence_id, value=fee)

    def asset(self, asset_id: int) -> tuple[int, Tier, str, bytes]:
        project_id, tier, registrant, asset_hash = self._chain.call(self.bound, "assetOf", asset_id)
        return int(project_id), Tier(tier), registrant, bytes(asset_hash)

    def licence(self, licence_id: int) -> Licence:
        asset_id, licensee, territory, industry, fee, paid = self._chain.call(
            self.bound, "licenceOf", licence_id
        )
        return Licence(int(asset_id), licensee, bytes(territory), bytes(industry), int(fee), paid)

    def revenue_address(self) -> str:
        return str(self._chain.call(self.bound, "revenue"))


class RevenueSharingGateway(ContractGateway):
    """Revenue in, credits out: pay revenue, withdraw, name a payout address."""

    NAME = "RevenueSharing"

    def deposit_revenue(
        self,
        asset_id: int,
        amount: int,
        *,
        ether: bool = True,
        sender: LocalAccount | None = None,
        gas: int | None = None,
    ) -> Receipt:
        """Pay revenue for an asset: in ether (sent along) or in the project's ERC-20 (approved).

        ``gas`` is the limit (``GAS_REVENUE + GAS_PER_PARTNER_CREDITED × partners`` covers
        any column); by default the node estimates it.
        """
        return self._chain.transact(
            self.bound,
            "depositRevenue",
            asset_id,
            amount,
            sender=sender,
            value=amount if ether else 0,
            gas=gas,
        )

    def deposit_revenue_unsigned(
        self, asset_id: int, amount: int, sender: str, *, partners: int
    ) -> dict[str, Any]:
        """The ether ``depositRevenue`` of ``amount`` wei for payer ``sender`` to sign;
        ``partners`` is how many the payment may credit (it sets the gas limit)."""
        return self._chain.unsigned(
            self.bound,
            "depositRevenue",
            asset_id,
            amount,
            sender=sender,
            gas=GAS_REVENUE + GAS_PER_PARTNER_CREDITED * partners,
            value=amount,
        )

    def deposit_revenue_relayed(
        self, raw: bytes, asset_id: int, amount: int
    ) -> tuple[str, Receipt]:
        """Relay a payer's signed ether ``depositRevenue``; returns the payer and the receipt.

        Raises:
            RuleViolation: unless ``raw`` is exactly this call carrying ``amount`` wei, signed.
            ContractReverted: ``RevenueSharing*`` refusals (nothing is sent).
        """
        return self._chain.send_signed(
            self.bound, raw, "depositRevenue", asset_id, amount, value=amount
        )

    def withdraw(self, *, payee: LocalAccount) -> Receipt:
        """Withdraw the payee's whole ether credit."""
        return self._chain.transact(self.bound, "withdraw", sender=payee, gas=GAS_WITHDRAW)

    def withdraw_token(self, token: str, *, payee: LocalAccount) -> Receipt:
        """Withdraw the payee's whole credit in an ERC-20 token."""
        return self._chain.transact(self.bound, "withdrawToken", token, sender=payee)

    def set_payout_address(
        self,
        partner: LocalAccount,
        payout: str,
        nonce: int,
        *,
        sender: LocalAccount | None = None,
    ) -> Receipt:
        """Have ``partner`` sign and submit the address its future credits go to."""
        message = {"partner": partner.address, "payout": payout, "nonce": nonce}
        signature = sign(partner, self.domain, "Payout", PAYOUT, message)
        return self._chain.transact(
            self.bound,
            "setPayoutAddress",
            partner.address,
            payout,
            nonce,
            signature,
            sender=sender,
        )

    def received(self, receipt: Receipt) -> list[RevenueReceived]:
        """The revenue payments a transaction made, each with its credits."""
        credited = self._chain.decode_events(self.bound, "RevenueCredited", receipt)
        out = []
        for event in self._chain.decode_events(self.bound, "RevenueReceived", receipt):
            a = event["args"]
            asset_id = int(a["assetId"])
            credits = {
                c["args"]["partner"]: (c["args"]["payee"], int(c["args"]["amount"]))
                for c in credited
                if int(c["args"]["assetId"]) == asset_id
            }
            out.append(
                RevenueReceived(
                    asset_id,
                    int(a["projectId"]),
                    a["payer"],
                    int(a["amount"]),
                    int(a["cumulative"]),
                    credits,
                )
            )
        return out

    def credit(self, payee: str, token: str = ZERO_ADDRESS) -> int:
        return int(self._chain.call(self.bound, "creditOf", payee, token))

    def cumulative_revenue(self, asset_id: int) -> int:
        return int(self._chain.call(self.bound, "cumulativeRevenueOf", asset_id))

    def preview_split(self, asset_id: int, amount: int) -> dict[str, int]:
        partners, amounts = self._chain.call(self.bound, "previewSplit", asset_id, amount)
        return {p: int(a) for p, a in zip(partners, amounts, strict=True)}

    def payout_of(self, partner: str) -> str:
        return str(self._chain.call(self.bound, "payoutOf", partner))


@dataclass(frozen=True)
class RightsContracts:
    rights: TieredRightsGateway
    foreground: ForegroundRegistryGateway
    revenue: RevenueSharingGateway


def deploy_rights(chain: Chain, build: Build, registry_address: str) -> RightsContracts:
    """Deploy TieredRights and ForegroundRegistry (which deploys RevenueSharing)."""
    rights, _ = chain.deploy(build["TieredRights"], registry_address)
    foreground, _ = chain.deploy(build["ForegroundRegistry"], registry_address, rights.address)
    fg = ForegroundRegistryGateway(chain, foreground)
    revenue = chain.at(build["RevenueSharing"], fg.revenue_address())
    return RightsContracts(
        TieredRightsGateway(chain, rights), fg, RevenueSharingGateway(chain, revenue)
    )
