"""The client's calls on the ip resources (see docs/api/ip.md).

Acts that bind partners or an arbiter take their accounts and sign inside: the client asks
the server what to sign (a deposit's terms, a licence offer, a column's struct, a split),
signs it with :class:`~ledger.client.Signer` over the deployment's domains, and sends the
signatures. Transactions a party sends on chain itself (registering an asset, paying
revenue or a licence fee) are recorded by their hash.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from eth_account.signers.local import LocalAccount

from api.client._base import Base
from ledger.chain.background import DepositTerms
from ledger.chain.rights import NegotiatedSplit, RightsColumn


def _project(project_id: int) -> str:
    return f"/v1/projects/{project_id}"


class IpApi(Base):
    """Calls on the ip routes."""

    # ------------------------------------------------------------------ background IP

    def prepare_background_deposit(
        self,
        project_id: int,
        owner: str,
        document: bytes,
        *,
        terms: Mapping[str, Any],
        beneficiary: str,
        release_milestone: int,
    ) -> dict[str, Any]:
        """The terms ``owner`` signs to deposit ``document``, and the handle; stores nothing."""
        body = {
            "owner": owner,
            "document": base64.b64encode(document).decode("ascii"),
            "terms": dict(terms),
            "beneficiary": beneficiary,
            "release_milestone": release_milestone,
        }
        return self.post(f"{_project(project_id)}/background/prepare", body)  # type: ignore[no-any-return]

    def deposit_background(
        self,
        project_id: int,
        account: LocalAccount,
        document: bytes,
        *,
        title: str,
        terms: Mapping[str, Any],
        beneficiary: str,
        release_milestone: int,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Deposit ``document`` as ``account`` (its owner): prepare, sign the terms, deposit."""
        prepared = self.prepare_background_deposit(
            project_id,
            account.address,
            document,
            terms=terms,
            beneficiary=beneficiary,
            release_milestone=release_milestone,
        )
        signature = self.signer(account).background_deposit(deposit_terms(prepared["terms"]))
        body = {
            "owner": account.address,
            "title": title,
            "document": base64.b64encode(document).decode("ascii"),
            "terms": dict(terms),
            "beneficiary": beneficiary,
            "release_milestone": release_milestone,
            "handle": prepared["handle"],
            "signature": signature,
        }
        return self.post(  # type: ignore[no-any-return]
            f"{_project(project_id)}/background", body, idempotency_key=idempotency_key
        )

    def background_deposits(
        self, project_id: int, *, state: str | None = None, owner: str | None = None
    ) -> list[dict[str, Any]]:
        """Every background deposit of the project (metadata), oldest first."""
        return self.pages(f"{_project(project_id)}/background", state=state, owner=owner)

    def background_deposit(self, project_id: int, deposit_id: int) -> dict[str, Any]:
        """One background deposit's metadata."""
        return self.get(f"{_project(project_id)}/background/{deposit_id}")  # type: ignore[no-any-return]

    def release_background_key(
        self,
        project_id: int,
        deposit_id: int,
        arbiter: LocalAccount | None = None,
        recipient: str | None = None,
    ) -> dict[str, Any]:
        """Release a deposit's key: on its milestone (no ``arbiter``), or to ``recipient`` by
        ``arbiter``'s signed ruling."""
        body: dict[str, Any] = {}
        if arbiter is not None:
            if recipient is None:
                raise ValueError("a ruling names its recipient")
            held = self.background_deposit(project_id, deposit_id)
            ruling = self.signer(arbiter).background_release(held["chain_deposit_id"], recipient)
            body = {"recipient": recipient, "arbiter_signature": ruling}
        return self.post(f"{_project(project_id)}/background/{deposit_id}/release", body)  # type: ignore[no-any-return]

    def withdraw_background(
        self, project_id: int, deposit_id: int, account: LocalAccount
    ) -> dict[str, Any]:
        """Withdraw an unreleased deposit as its owner ``account`` (the project terminated)."""
        held = self.background_deposit(project_id, deposit_id)
        signature = self.signer(account).background_withdrawal(held["chain_deposit_id"])
        return self.post(  # type: ignore[no-any-return]
            f"{_project(project_id)}/background/{deposit_id}/withdraw", {"signature": signature}
        )

    def background_document(self, project_id: int, deposit_id: int) -> bytes:
        """The deposited document, for the party its key was released to (or its owner)."""
        answer = self.get(f"{_project(project_id)}/background/{deposit_id}/document")
        return base64.b64decode(answer["document"])

    # ------------------------------------------------------------------ assets

    def register_asset(
        self,
        project_id: int,
        *,
        tier: str,
        title: str,
        content_hash: str,
        tx_hash: str,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Record an asset a partner registered on chain with transaction ``tx_hash``."""
        body = {"tier": tier, "title": title, "content_hash": content_hash, "tx_hash": tx_hash}
        return self.post(  # type: ignore[no-any-return]
            f"{_project(project_id)}/assets", body, idempotency_key=idempotency_key
        )

    def assets(self, project_id: int, *, tier: str | None = None) -> list[dict[str, Any]]:
        """Every foreground asset of the project, oldest first."""
        return self.pages(f"{_project(project_id)}/assets", tier=tier)

    def asset(self, project_id: int, asset_id: int) -> dict[str, Any]:
        """One foreground asset, with each partner's ownership in bps."""
        return self.get(f"{_project(project_id)}/assets/{asset_id}")  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ licences

    def licence_offer(
        self,
        project_id: int,
        asset_id: int,
        licensee: str,
        territory: str,
        industry: str,
        fee: int,
    ) -> dict[str, Any]:
        """The offer a quorum signs for this licence (checked against the agreement)."""
        body = _licence_body(licensee, territory, industry, fee)
        return self.post(f"{_project(project_id)}/assets/{asset_id}/licences/prepare", body)  # type: ignore[no-any-return]

    def grant_licence(
        self,
        project_id: int,
        asset_id: int,
        licensee: str,
        territory: str,
        industry: str,
        fee: int,
        accounts: Sequence[LocalAccount],
    ) -> dict[str, Any]:
        """Grant a licence: each of ``accounts`` (a quorum of partners) signs the offer."""
        offer = self.licence_offer(project_id, asset_id, licensee, territory, industry, fee)
        signatures = [self.signer(a).licence(**licence_message(offer)) for a in accounts]
        body = {**_licence_body(licensee, territory, industry, fee), "signatures": signatures}
        return self.post(f"{_project(project_id)}/assets/{asset_id}/licences", body)  # type: ignore[no-any-return]

    def licences(
        self,
        project_id: int,
        *,
        asset_id: int | None = None,
        licensee: str | None = None,
        state: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every licence of the project (or of one asset), oldest first."""
        return self.pages(
            f"{_project(project_id)}/licences", asset_id=asset_id, licensee=licensee, state=state
        )

    def licence(self, project_id: int, licence_id: int) -> dict[str, Any]:
        """One licence."""
        return self.get(f"{_project(project_id)}/licences/{licence_id}")  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ revenue

    def record_licence_fee(self, project_id: int, licence_id: int, tx_hash: str) -> dict[str, Any]:
        """Record a licence's fee the licensee paid on chain with ``tx_hash``."""
        return self.post(  # type: ignore[no-any-return]
            f"{_project(project_id)}/licences/{licence_id}/fee", {"tx_hash": tx_hash}
        )

    def record_revenue(
        self,
        project_id: int,
        asset_id: int,
        tx_hash: str,
        amount: int | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Record revenue paid on chain for an asset with ``tx_hash`` (``amount`` checked)."""
        body: dict[str, Any] = {"asset_id": asset_id, "tx_hash": tx_hash}
        if amount is not None:
            body["amount"] = str(amount)
        return self.post(  # type: ignore[no-any-return]
            f"{_project(project_id)}/revenue", body, idempotency_key=idempotency_key
        )

    def revenue(
        self,
        project_id: int,
        *,
        asset_id: int | None = None,
        tier: str | None = None,
        payer: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every revenue payment of the project (or of one asset, tier or payer), oldest first."""
        return self.pages(
            f"{_project(project_id)}/revenue", asset_id=asset_id, tier=tier, payer=payer
        )

    def payment(self, project_id: int, payment_id: int) -> dict[str, Any]:
        """One revenue payment and each partner's share of it."""
        return self.get(f"{_project(project_id)}/revenue/{payment_id}")  # type: ignore[no-any-return]

    def revenue_by_tier(self, project_id: int) -> dict[str, Any]:
        """Each tier's revenue and each partner's share of it, in wei."""
        return self.get(f"{_project(project_id)}/revenue/tiers")  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ tier columns

    def tier_column_message(self, project_id: int, snapshot_id: int, tier: str) -> dict[str, Any]:
        """What partners sign to commit a snapshot's tier column."""
        path = f"{_project(project_id)}/snapshots/{snapshot_id}/columns/{tier}"
        return self.get(path)  # type: ignore[no-any-return]

    def commit_tier_column(
        self, project_id: int, snapshot_id: int, tier: str, accounts: Sequence[LocalAccount]
    ) -> dict[str, Any]:
        """Commit a snapshot's tier column: each of ``accounts`` (a quorum) signs it."""
        message = column_message(self.tier_column_message(project_id, snapshot_id, tier))
        signatures = [self.signer(a).rights_column(**message) for a in accounts]
        path = f"{_project(project_id)}/snapshots/{snapshot_id}/columns/{tier}"
        return self.post(path, {"signatures": signatures})  # type: ignore[no-any-return]

    def committed_column(self, project_id: int, tier: str) -> dict[str, Any]:
        """The tier's column committed on chain now."""
        return self.get(f"{_project(project_id)}/columns/{tier}")  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ negotiated split

    def split_proposal(self, project_id: int, bps: Mapping[int, int]) -> dict[str, Any]:
        """The derivative split every partner signs: ``bps`` by partner number."""
        pairs = [f"{number}:{share}" for number, share in bps.items()]
        return self.get(f"{_project(project_id)}/split/proposal", bps=pairs)  # type: ignore[no-any-return]

    def negotiate_split(
        self, project_id: int, bps: Mapping[int, int], accounts: Sequence[LocalAccount]
    ) -> dict[str, Any]:
        """Set the derivative split ``bps`` (by partner number): every partner in
        ``accounts`` signs it."""
        proposal = self.split_proposal(project_id, bps)
        split = negotiated_split(proposal)
        pid = proposal["chain_project_id"]
        signatures = [self.signer(a).negotiated_split(pid, split) for a in accounts]
        body = {"bps": {str(n): share for n, share in bps.items()}, "signatures": signatures}
        return self.post(f"{_project(project_id)}/split", body)  # type: ignore[no-any-return]

    def current_split(self, project_id: int) -> dict[str, Any]:
        """The derivative split set on chain now (``nonce`` 0: none)."""
        return self.get(f"{_project(project_id)}/split")  # type: ignore[no-any-return]


# ---------------------------------------------------------------------- what is signed


def deposit_terms(terms: Mapping[str, Any]) -> DepositTerms:
    """The `BackgroundDeposit` struct from a preparation's ``terms``."""
    return DepositTerms(
        project_id=terms["project_id"],
        owner=terms["owner"],
        document_hash=bytes.fromhex(terms["document_hash"]),
        key_commitment=bytes.fromhex(terms["key_commitment"]),
        terms_hash=bytes.fromhex(terms["terms_hash"]),
        beneficiary=terms["beneficiary"],
        release_milestone=terms["release_milestone"],
    )


def licence_message(offer: Mapping[str, Any]) -> dict[str, Any]:
    """``Signer.licence``'s arguments from a licence offer."""
    return {**offer, "fee": int(offer["fee"])}


def column_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """``Signer.rights_column``'s arguments from a column's commit message."""
    column = message["column"]
    return {
        "project_id": message["chain_project_id"],
        "snapshot_id": message["snapshot_number"],
        "tier": message["tier_code"],
        "column": RightsColumn(
            tuple(column["partners"]), tuple(column["rights_bps"]), tuple(column["profit_bps"])
        ),
        "root": bytes.fromhex(message["root"]),
        "inputs_hash": bytes.fromhex(message["inputs_hash"]),
    }


def negotiated_split(proposal: Mapping[str, Any]) -> NegotiatedSplit:
    """The `NegotiatedSplit` of a proposal."""
    return NegotiatedSplit(proposal["nonce"], tuple(proposal["partners"]), tuple(proposal["bps"]))


def _licence_body(licensee: str, territory: str, industry: str, fee: int) -> dict[str, Any]:
    return {"licensee": licensee, "territory": territory, "industry": industry, "fee": str(fee)}
