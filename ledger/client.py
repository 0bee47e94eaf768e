"""Signing for partners, arbiters and scripts: every EIP-712 signature the ledger accepts.

A :class:`Signer` holds one secp256k1 account (a partner's or an arbiter's) and the
:class:`Domains` of one deployment; each method returns the ``0x`` hex signature of one
act, built from the same message functions the ledger verifies with
(:mod:`ledger.signatures`, the gateways' struct types), so a script or a test signs
exactly what the service checks::

    signer = Signer(account, Domains.of(ledger))
    signature = signer.contribution(project.chain_project_id, tier="core", kind="code",
                                    value=120, evidence_hash=digest, idempotency_key="c-1")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount

from ledger.chain.background import (
    BACKGROUND_DEPOSIT,
    BACKGROUND_RELEASE,
    BACKGROUND_WITHDRAWAL,
    DepositTerms,
)
from ledger.chain.eip712 import Domain, sign
from ledger.chain.escrow import RELEASE, SETTLEMENT
from ledger.chain.registry import JOIN, Side, industry_code, territory_code
from ledger.chain.rights import LICENCE, NEGOTIATED_SPLIT, SNAPSHOT, NegotiatedSplit, RightsColumn
from ledger.context import Ledger
from ledger.signatures import (
    AMENDMENT,
    ATTESTATION,
    CONTRIBUTION,
    CONTRIBUTION_RULING,
    CONTRIBUTION_SETTLEMENT,
    DISPUTE,
    attestation_message,
    contribution_message,
    contribution_resolution_message,
    dispute_message,
    ledger_domain,
)


@dataclass(frozen=True)
class Domains:
    """The EIP-712 domains of one deployment: the ledger's own and each contract's."""

    chain_id: int
    registry: str
    escrow: str
    disputes: str
    rights: str
    background: str
    foreground: str = ""

    @classmethod
    def of(cls, ledger: Ledger) -> Domains:
        return cls(
            chain_id=ledger.chain.chain_id,
            registry=ledger.registry.address,
            escrow=ledger.escrow.address,
            disputes=ledger.disputes.address,
            rights=ledger.rights.address,
            background=ledger.background.address,
            foreground=ledger.foreground.address,
        )

    def ledger(self) -> Domain:
        return ledger_domain(self.chain_id, self.registry)

    def contract(self, name: str) -> Domain:
        """The domain of a contract by its name (``MilestoneEscrow``, …)."""
        address = {
            "ProjectRegistry": self.registry,
            "MilestoneEscrow": self.escrow,
            "DisputeResolution": self.disputes,
            "TieredRights": self.rights,
            "BackgroundEscrow": self.background,
            "ForegroundRegistry": self.foreground,
        }[name]
        return Domain(name, self.chain_id, address)


class Signer:
    """One account's signatures over the acts of the ledger."""

    def __init__(self, account: LocalAccount, domains: Domains) -> None:
        self.account = account
        self.domains = domains

    @property
    def address(self) -> str:
        return str(self.account.address)

    def _sign(self, domain: Domain, primary: str, fields: list, message: dict) -> str:  # type: ignore[type-arg]
        return "0x" + sign(self.account, domain, primary, fields, message).hex()

    def transaction(self, unsigned: dict[str, Any]) -> str:
        """Sign a transaction the ledger prepared for this account to send (hex).

        Used where a contract needs the partner or arbiter itself as the sender (opening a
        dispute, an arbiter's ruling); the ledger relays it only if it is exactly the call
        it prepared.
        """
        return "0x" + bytes(self.account.sign_transaction(unsigned).raw_transaction).hex()

    def join(self, project_id: int, agreement_hash: str, side: Side) -> str:
        """Join a project (registry's domain) over its agreement hash."""
        message = {
            "projectId": project_id,
            "partner": self.address,
            "side": int(side),
            "agreementHash": bytes.fromhex(agreement_hash),
        }
        return self._sign(self.domains.contract("ProjectRegistry"), "Join", JOIN, message)

    def contribution(
        self,
        project_id: int,
        *,
        tier: str,
        kind: str,
        value: int,
        evidence_hash: str,
        idempotency_key: str,
        asset_id: int | None = None,
    ) -> str:
        """Register a contribution (ledger's domain)."""
        message = contribution_message(
            project_id=project_id,
            partner=self.address,
            tier=tier,
            kind=kind,
            value=value,
            evidence_hash=evidence_hash,
            asset_id=asset_id,
            idempotency_key=idempotency_key,
        )
        return self._sign(self.domains.ledger(), "Contribution", CONTRIBUTION, message)

    def attestation(self, project_id: int, contribution_id: int, body_hash: str) -> str:
        """Countersign a contribution (ledger's domain)."""
        message = attestation_message(
            project_id=project_id, contribution_id=contribution_id, body_hash=body_hash
        )
        return self._sign(self.domains.ledger(), "Attestation", ATTESTATION, message)

    def amendment(self, project_id: int, version: int, document_hash: str) -> str:
        """Adopt a version of the agreement (ledger's domain)."""
        message = {
            "projectId": project_id,
            "version": version,
            "documentHash": bytes.fromhex(document_hash),
        }
        return self._sign(self.domains.ledger(), "Amendment", AMENDMENT, message)

    def dispute(self, project_id: int, subject: str, subject_id: int, reason_hash: str) -> str:
        """Open a dispute (ledger's domain)."""
        message = dispute_message(
            project_id=project_id, subject=subject, subject_id=subject_id, reason_hash=reason_hash
        )
        return self._sign(self.domains.ledger(), "DisputeOpening", DISPUTE, message)

    def contribution_settlement(self, project_id: int, dispute_id: int, outcome: str) -> str:
        """Settle a dispute on a contribution, as its contributor or opener (ledger's domain)."""
        message = contribution_resolution_message(
            project_id=project_id, dispute_id=dispute_id, outcome=outcome
        )
        domain = self.domains.ledger()
        return self._sign(domain, "ContributionSettlement", CONTRIBUTION_SETTLEMENT, message)

    def contribution_ruling(self, project_id: int, dispute_id: int, outcome: str) -> str:
        """Rule on a dispute on a contribution, as an arbiter (ledger's domain)."""
        message = contribution_resolution_message(
            project_id=project_id, dispute_id=dispute_id, outcome=outcome
        )
        domain = self.domains.ledger()
        return self._sign(domain, "ContributionRuling", CONTRIBUTION_RULING, message)

    def release(self, project_id: int, milestone: int, root: bytes, total: int) -> str:
        """Approve a milestone's release (escrow's domain)."""
        message = {"projectId": project_id, "milestoneId": milestone, "root": root, "total": total}
        return self._sign(self.domains.contract("MilestoneEscrow"), "Release", RELEASE, message)

    def settlement(self, dispute_id: int, outcome: int, new_root: bytes, new_total: int) -> str:
        """Settle a dispute by mediation (dispute resolution's domain)."""
        message = {
            "disputeId": dispute_id,
            "outcome": outcome,
            "newRoot": new_root,
            "newTotal": new_total,
        }
        domain = self.domains.contract("DisputeResolution")
        return self._sign(domain, "Settlement", SETTLEMENT, message)

    def negotiated_split(self, project_id: int, split: NegotiatedSplit) -> str:
        """Agree to a split of derivative revenue (tiered rights' domain)."""
        message = {"projectId": project_id, "nonce": split.nonce, "splitHash": split.split_hash()}
        domain = self.domains.contract("TieredRights")
        return self._sign(domain, "NegotiatedSplit", NEGOTIATED_SPLIT, message)

    def rights_column(
        self,
        project_id: int,
        snapshot_id: int,
        tier: int,
        column: RightsColumn,
        root: bytes,
        inputs_hash: bytes,
    ) -> str:
        """Agree to commit a snapshot's tier column (tiered rights' domain).

        The arguments are what :func:`ledger.tier_rights.commit_message` returns.
        """
        message = {
            "projectId": project_id,
            "snapshotId": snapshot_id,
            "tier": int(tier),
            "root": root,
            "inputsHash": inputs_hash,
            "columnHash": column.column_hash(),
        }
        return self._sign(self.domains.contract("TieredRights"), "Snapshot", SNAPSHOT, message)

    def background_deposit(self, terms: DepositTerms) -> str:
        """Deposit background IP into the escrow (background escrow's domain)."""
        domain = self.domains.contract("BackgroundEscrow")
        return self._sign(domain, "BackgroundDeposit", BACKGROUND_DEPOSIT, terms.message())

    def background_release(self, deposit_id: int, recipient: str) -> str:
        """Rule, as an arbiter, that a deposit's key goes to ``recipient`` (background escrow's
        domain; ``deposit_id`` is the id on chain)."""
        domain = self.domains.contract("BackgroundEscrow")
        message = {"depositId": deposit_id, "recipient": recipient}
        return self._sign(domain, "BackgroundRelease", BACKGROUND_RELEASE, message)

    def background_withdrawal(self, deposit_id: int) -> str:
        """Withdraw one's own deposit after the project's termination (id on chain)."""
        domain = self.domains.contract("BackgroundEscrow")
        message = {"depositId": deposit_id}
        return self._sign(domain, "BackgroundWithdrawal", BACKGROUND_WITHDRAWAL, message)

    def licence(
        self,
        project_id: int,
        *,
        asset_id: int,
        licensee: str,
        territory: str,
        industry: str,
        fee: int,
        licence_id: int,
    ) -> str:
        """Grant a licence on a foreground asset (foreground registry's domain); ids are the ids
        on chain, ``licence_id`` the registry's next one."""
        message = {
            "projectId": project_id,
            "assetId": asset_id,
            "licensee": licensee,
            "territory": territory_code(territory),
            "industry": industry_code(industry),
            "fee": fee,
            "licenceId": licence_id,
        }
        return self._sign(self.domains.contract("ForegroundRegistry"), "Licence", LICENCE, message)
