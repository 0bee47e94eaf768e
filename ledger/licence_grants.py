"""Licences on foreground assets: restricted by the agreement, granted by a quorum, fees paid.

Part of :mod:`ledger.licensing` (which re-exports these functions).

- :func:`prepare_licence` checks a licence against the agreement (core assets only for its
  territories, application assets only for its industries) and returns the
  :class:`LicenceOffer` the quorum signs.
- :func:`grant_licence` checks the same, then the signatures, and only then submits.
- :func:`record_licence_fee` records the fee the licensee paid on chain, with the split the
  chain credited, reconciled with the model (:mod:`ledger.revenue_book`).
- :func:`prepare_licence_fee` returns the ether ``payLicenceFee`` transaction for a payer
  with no node of its own to sign; :func:`pay_licence_fee` relays it only if it is exactly
  that call and fee, then records it with :func:`record_licence_fee` in the same database
  transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from ledger.agreements import check_country, check_isic
from ledger.chain.registry import industry_code, territory_code
from ledger.chain.rights import LICENCE
from ledger.context import Ledger
from ledger.db import ForegroundAsset, Licence, Project, RevenuePayment
from ledger.equity import Tier
from ledger.errors import Conflict, RuleViolation
from ledger.foreground_book import get_asset, get_licence
from ledger.inputs import address, amount
from ledger.projects import agreement_of, get_project, partners_of
from ledger.recording import lock_project, record
from ledger.revenue_book import (
    book_payment,
    mined,
    payment_event,
    require_ether,
    signed_transaction,
)
from ledger.signatures import Signers, partner_signatures


@dataclass(frozen=True)
class LicenceOffer:
    """What a quorum of partners signs to grant a licence (ids on chain; ``licence_id`` is the
    registry's next one). ``Signer.licence(**dataclasses.asdict(offer))`` signs it."""

    project_id: int
    asset_id: int
    licensee: str
    territory: str
    industry: str
    fee: int
    licence_id: int

    def message(self) -> dict[str, object]:
        return {
            "projectId": self.project_id,
            "assetId": self.asset_id,
            "licensee": self.licensee,
            "territory": territory_code(self.territory),
            "industry": industry_code(self.industry),
            "fee": self.fee,
            "licenceId": self.licence_id,
        }


def prepare_licence(
    session: Session,
    ledger: Ledger,
    *,
    asset_id: int,
    licensee: str,
    territory: str,
    industry: str,
    fee: int,
) -> LicenceOffer:
    """Check a licence against the agreement and return the offer the quorum signs.

    Raises:
        NotFound: for an unknown asset.
        RuleViolation: for a bad ``licensee``, ``territory``, ``industry`` or ``fee``, or a
            territory (core) or industry (application) the agreement does not allow; the
            error carries the ``allowed`` list.
    """
    asset = get_asset(session, asset_id)
    project = get_project(session, asset.project_id)
    return _offer(session, ledger, asset, project, licensee, territory, industry, fee)


def grant_licence(
    session: Session,
    ledger: Ledger,
    *,
    asset_id: int,
    licensee: str,
    territory: str,
    industry: str,
    fee: int,
    signatures: list[str],
) -> Licence:
    """Grant a licence on a foreground asset with a quorum of partner signatures.

    The restriction is checked before anything else, so a forbidden licence never reaches
    the chain. Signatures may come in any order; the ledger orders them as the contract wants.

    Raises:
        NotFound: for an unknown asset.
        RuleViolation: as :func:`prepare_licence`.
        Unauthorized: for a signature that is not a partner's, a partner signing twice, or
            fewer signers than the agreement's quorum (``signatures``).
        ContractReverted: if the registry refuses the licence.
    """
    asset = get_asset(session, asset_id)
    project = lock_project(session, asset.project_id)
    offer = _offer(session, ledger, asset, project, licensee, territory, industry, fee)
    signers = _quorum(session, ledger, project, offer, signatures)
    assert asset.chain_asset_id is not None
    chain_id, receipt = ledger.foreground.grant_licence_tx(
        asset.chain_asset_id,
        offer.licensee,
        offer.territory,
        offer.industry,
        offer.fee,
        signers.ordered(),
    )
    row = Licence(
        project_id=project.id,
        asset_id=asset_id,
        licensee=offer.licensee,
        territory=offer.territory,
        industry=offer.industry,
        fee=offer.fee,
        chain_licence_id=chain_id,
    )
    session.add(row)
    session.flush()
    payload = {
        "asset_id": asset_id,
        "chain_licence_id": chain_id,
        "fee": str(offer.fee),
        "industry": offer.industry,
        "licence_id": row.id,
        "licensee": offer.licensee,
        "signers": signers.addresses(),
        "territory": offer.territory,
        "tx": receipt.tx_hash,
    }
    signed = ",".join(signatures)
    record(session, ledger, project, "licence.granted", payload, actor="partners", signature=signed)
    return row


def record_licence_fee(
    session: Session, ledger: Ledger, *, licence_id: int, tx_hash: str
) -> RevenuePayment:
    """Record the fee of a licence, paid on chain (by the licensee, or anyone for it).

    The fee is revenue of the asset: the payment is stored with the split the chain
    credited, once it equals the model's (see :mod:`ledger.revenue_book`).

    Raises:
        NotFound: for an unknown licence or transaction.
        Conflict: if the fee is recorded already.
        RuleViolation: for a transaction that failed or paid no fee of this licence.
        ChainStateError: if the chain's credits differ from the model's split.
    """
    licence = get_licence(session, licence_id)
    project = lock_project(session, licence.project_id, live=False)
    if licence.state == "paid":
        raise Conflict(f"the fee of licence {licence_id} is recorded already", field="licence_id")
    receipt = mined(ledger, tx_hash)
    fees = [
        f for f in ledger.foreground.fees_paid(receipt) if f.licence_id == licence.chain_licence_id
    ]
    if not fees:
        raise RuleViolation(
            f"transaction {receipt.tx_hash} paid no fee of licence {licence_id}", field="tx_hash"
        )
    asset = get_asset(session, licence.asset_id)
    event = payment_event(ledger, receipt, asset)
    row, payload = book_payment(session, ledger, project, asset, receipt, event, fees[0].payer)
    licence.state = "paid"
    session.add(licence)
    payload |= {"chain_licence_id": licence.chain_licence_id, "licence_id": licence.id}
    record(session, ledger, project, "licence.fee_paid", payload, actor=f"payer:{row.payer}")
    return row


def prepare_licence_fee(
    session: Session, ledger: Ledger, *, licence_id: int, payer: str
) -> dict[str, Any]:
    """The ether ``payLicenceFee`` of the licence's fee that ``payer`` signs (the licensee,
    or anyone paying for it).

    Raises:
        NotFound: for an unknown licence.
        Conflict: if its fee is recorded already.
        RuleViolation: for a bad ``payer``, or a project paid in an ERC-20 token (approve
            it and pay yourself, then :func:`record_licence_fee`).
    """
    licence = _unpaid(session, licence_id)
    project = get_project(session, licence.project_id)
    sender = address(payer, "payer", nonzero=True)
    require_ether(project)
    assert licence.chain_licence_id is not None and project.id is not None
    return ledger.foreground.pay_licence_fee_unsigned(
        licence.chain_licence_id,
        licence.fee,
        sender,
        partners=len(partners_of(session, project.id)),
    )


def pay_licence_fee(
    session: Session, ledger: Ledger, *, licence_id: int, transaction: str
) -> RevenuePayment:
    """Relay a payer's signed ether ``payLicenceFee`` and record the fee.

    The fee is recorded by :func:`record_licence_fee` from the mined transaction, so it is
    stored exactly as one recorded by its hash.

    Raises:
        NotFound: for an unknown licence.
        Conflict: if its fee is recorded already.
        RuleViolation: as :func:`prepare_licence_fee`, or for a transaction that is not
            exactly this payment of this fee (``transaction``).
        ContractReverted: when the registry refuses it (nothing is sent).
        ChainStateError: if the chain's credits differ from the model's split (the fee
            stands paid on chain, unrecorded).
    """
    raw = signed_transaction(transaction)
    licence = get_licence(session, licence_id)
    project = lock_project(session, licence.project_id, live=False)
    licence = _unpaid(session, licence_id)
    require_ether(project)
    assert licence.chain_licence_id is not None
    _, receipt = ledger.foreground.pay_licence_fee_relayed(
        raw, licence.chain_licence_id, licence.fee
    )
    return record_licence_fee(session, ledger, licence_id=licence_id, tx_hash=receipt.tx_hash)


# ---------------------------------------------------------------------- internal


def _unpaid(session: Session, licence_id: int) -> Licence:
    licence = get_licence(session, licence_id)
    if licence.state == "paid":
        raise Conflict(f"the fee of licence {licence_id} is recorded already", field="licence_id")
    return licence


def _offer(
    session: Session,
    ledger: Ledger,
    asset: ForegroundAsset,
    project: Project,
    licensee: str,
    territory: str,
    industry: str,
    fee: int,
) -> LicenceOffer:
    """Check a licence's inputs, then the agreement's restriction for the asset's tier."""
    to = address(licensee, "licensee", nonzero=True)
    place = _code(check_country, territory, "territory")
    sector = _code(check_isic, industry, "industry")
    price = amount(fee, "fee")
    tiers = agreement_of(session, asset.project_id).tiers
    tier = Tier(asset.tier)
    if tier is Tier.CORE and place not in tiers.core.territories:
        _refuse("territory", place, tier, list(tiers.core.territories))
    if tier is Tier.APPLICATION and sector not in tiers.application.industries:
        _refuse("industry", sector, tier, list(tiers.application.industries))
    assert project.chain_project_id is not None and asset.chain_asset_id is not None
    return LicenceOffer(
        project_id=project.chain_project_id,
        asset_id=asset.chain_asset_id,
        licensee=to,
        territory=place,
        industry=sector,
        fee=price,
        licence_id=ledger.foreground.next_licence_id(),
    )


def _refuse(field: str, value: str, tier: Tier, allowed: list[str]) -> None:
    raise RuleViolation(
        f"a {tier} asset may be licensed only for the agreement's {field} list "
        f"({', '.join(allowed) or 'none'}); {value} is not on it",
        field=field,
        value=value,
        tier=str(tier),
        allowed=allowed,
    )


def _quorum(
    session: Session, ledger: Ledger, project: Project, offer: LicenceOffer, signatures: list[str]
) -> Signers:
    """The partners who signed the offer, at least the agreement's quorum, else Unauthorized."""
    assert project.id is not None
    return partner_signatures(
        ledger.foreground.domain,
        "Licence",
        offer.message(),
        signatures,
        LICENCE,
        {p.address for p in partners_of(session, project.id)},
        act="licence",
        quorum=agreement_of(session, project.id).quorum.partners,
    )


def _code(check: Callable[[str], str], value: str, field: str) -> str:
    try:
        return check(value)
    except ValueError as exc:
        raise RuleViolation(str(exc), field=field) from None
