"""The client's calls on background IP in escrow (see docs/api/ip.md).

A deposit is made as its owner: the client asks the server for the terms, signs them with
:class:`~ledger.client.Signer` over the escrow's domain, and sends the signature. An
arbiter's ruling and an owner's withdrawal are signed the same way.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from eth_account.signers.local import LocalAccount

from api.client._base import Base
from ledger.chain.background import DepositTerms


def _project(project_id: int) -> str:
    return f"/v1/projects/{project_id}"


class BackgroundApi(Base):
    """Calls on the background routes."""

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
