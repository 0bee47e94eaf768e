"""The foreground book: assets, licences and revenue payments against ForegroundRegistry and
RevenueSharing."""

from __future__ import annotations

import json

import rfc8785
from sqlmodel import col, select

from ledger.chain import history
from ledger.chain.history import Logged
from ledger.chain.rights import RevenueReceived
from ledger.db import ForegroundAsset, Licence, RevenuePayment
from ledger.errors import ContractReverted
from ledger.reconcile._model import address_text, hex_text, tx_text
from ledger.reconcile._scope import Scope


def check_foreground(scope: Scope) -> None:
    """Assets, then licences on them, then revenue paid for them."""
    assets = scope.session.exec(
        select(ForegroundAsset)
        .where(ForegroundAsset.project_id == scope.project_id)
        .order_by(col(ForegroundAsset.id))
    ).all()
    chain_assets = _check_assets(scope, list(assets))
    by_id = {a.id: a.chain_asset_id for a in assets}
    _check_licences(scope, by_id, chain_assets)
    _check_revenue(scope, by_id, chain_assets)


def _check_assets(scope: Scope, rows: list[ForegroundAsset]) -> set[int]:
    """Each asset row against ``assetOf``; ``AssetRegistered`` events no row names. Returns
    the chain ids of every asset of the project, on either side."""
    gateway, found = scope.ledger.foreground, scope.found
    for row in rows:
        ref, what = str(row.id), f"foreground asset {row.id}"
        if row.chain_asset_id is None:
            found.ledger_only("asset", ref, row.content_hash, what)
            continue
        try:
            project_id, tier, _, asset_hash = gateway.asset(row.chain_asset_id)
        except ContractReverted:
            found.ledger_only("asset", ref, row.chain_asset_id, what)
            continue
        found.compare("asset", ref, "project", scope.chain_id, project_id, what)
        found.compare("asset", ref, "tier", row.tier, tier.name.lower(), what)
        found.compare("asset", ref, "content_hash", hex_text(row.content_hash), asset_hash, what)
    named = {row.chain_asset_id for row in rows}
    registered = history.assets_registered(gateway, scope.chain_id)
    for logged in registered:
        event = logged.event
        if event.asset_id not in named:
            what = f"foreground asset {event.asset_id} registered by {event.registrant}"
            found.chain_only("asset", event.asset_id, what)
    return {e.event.asset_id for e in registered} | {a for a in named if a is not None}


def _check_licences(
    scope: Scope, assets: dict[int | None, int | None], chain_assets: set[int]
) -> None:
    """Each licence row against ``licenceOf``; ``LicenceGranted`` events on the project's
    assets that no row names."""
    gateway, found = scope.ledger.foreground, scope.found
    rows = scope.session.exec(
        select(Licence).where(Licence.project_id == scope.project_id).order_by(col(Licence.id))
    ).all()
    for row in rows:
        ref, what = str(row.id), f"licence {row.id}"
        if row.chain_licence_id is None:
            found.ledger_only("licence", ref, row.licensee, what)
            continue
        try:
            held = gateway.licence(row.chain_licence_id)
        except ContractReverted:
            found.ledger_only("licence", ref, row.chain_licence_id, what)
            continue
        territory = held.territory.decode("ascii", "replace")
        industry = held.industry.rstrip(b"\0").decode("ascii", "replace")
        state = "paid" if held.paid else "granted"
        found.compare("licence", ref, "asset", assets.get(row.asset_id), held.asset_id, what)
        found.compare("licence", ref, "licensee", address_text(row.licensee), held.licensee, what)
        found.compare("licence", ref, "territory", row.territory, territory, what)
        found.compare("licence", ref, "industry", row.industry, industry, what)
        found.compare("licence", ref, "fee", row.fee, held.fee, what)
        found.compare("licence", ref, "state", row.state, state, what)
    named = {row.chain_licence_id for row in rows}
    for logged in history.licences_granted(gateway, chain_assets):
        event = logged.event
        if event.licence_id not in named:
            what = f"licence {event.licence_id} on asset {event.asset_id} to {event.licensee}"
            found.chain_only("licence", event.licence_id, what)


def _check_revenue(
    scope: Scope, assets: dict[int | None, int | None], chain_assets: set[int]
) -> None:
    """Each payment row against the ``RevenueReceived`` event of its transaction and asset
    (amount, payer, cumulative revenue before it, the credits); payments no row names. The
    payer of a licence fee is the ``LicenceFeePaid`` payer (the registry forwards the fee)."""
    found = scope.found
    fee_payers = {
        (logged.tx_hash, logged.event.asset_id): logged.event.payer
        for logged in history.licence_fees_paid(scope.ledger.foreground, chain_assets)
    }
    paid: dict[tuple[str, int], Logged[RevenueReceived]] = {
        (logged.tx_hash, logged.event.asset_id): logged
        for logged in history.revenue_received(scope.ledger.revenue, scope.chain_id)
    }
    rows = scope.session.exec(
        select(RevenuePayment)
        .where(RevenuePayment.project_id == scope.project_id)
        .order_by(col(RevenuePayment.id))
    ).all()
    named: set[tuple[str | None, int | None]] = set()
    for row in rows:
        ref, what = str(row.id), f"revenue payment {row.id}"
        key = (tx_text(row.tx_hash), assets.get(row.asset_id))
        named.add(key)
        logged = paid.get(key)  # type: ignore[arg-type]
        if logged is None:
            found.ledger_only("revenue", ref, row.tx_hash, what)
            continue
        event = logged.event
        payer = fee_payers.get((logged.tx_hash, event.asset_id), event.payer)
        before = event.cumulative - event.amount
        credits = {partner: str(wei) for partner, (_, wei) in event.credits.items() if wei}
        found.compare("revenue", ref, "amount", row.amount, event.amount, what)
        found.compare("revenue", ref, "payer", address_text(row.payer), payer, what)
        found.compare("revenue", ref, "cumulative_before", row.cumulative_before, before, what)
        found.compare("revenue", ref, "split", _canonical(row.split), _json(credits), what)
    for key in sorted(set(paid) - named):
        event = paid[key].event
        what = f"a revenue payment of {event.amount} for asset {event.asset_id} by {event.payer}"
        found.chain_only("revenue", key[0], what)


def _canonical(text: str) -> str:
    """The stored split in canonical form (text that is not JSON is kept as it is)."""
    try:
        return _json(json.loads(text))
    except ValueError:
        return text


def _json(value: object) -> str:
    return rfc8785.dumps(value).decode("utf-8")
