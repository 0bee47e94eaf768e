"""Gateway to BackgroundEscrow: the background-IP book (never the foreground one)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from eth_account.signers.local import LocalAccount

from ledger.chain.contract import ContractGateway
from ledger.chain.eip712 import sign, struct
from ledger.chain.gateway import Receipt

BACKGROUND_DEPOSIT = struct(
    "projectId uint256",
    "owner address",
    "documentHash bytes32",
    "keyCommitment bytes32",
    "termsHash bytes32",
    "beneficiary address",
    "releaseMilestone uint256",
)
BACKGROUND_WITHDRAWAL = struct("depositId uint256")
BACKGROUND_RELEASE = struct("depositId uint256", "recipient address")


class DepositState(IntEnum):
    NONE = 0
    DEPOSITED = 1
    RELEASED = 2
    WITHDRAWN = 3


@dataclass(frozen=True)
class BackgroundDeposit:
    deposit_id: int
    project_id: int
    owner: str
    beneficiary: str
    release_milestone: int
    document_hash: bytes
    key_commitment: bytes
    terms_hash: bytes
    state: DepositState
    released_to: str


@dataclass(frozen=True)
class BackgroundRelease:
    """A ``BackgroundReleased`` event: whose key went to whom (``arbiter`` zero: by milestone)."""

    deposit_id: int
    recipient: str
    key_commitment: bytes
    arbiter: str


@dataclass(frozen=True)
class DepositTerms:
    """What an owner signs to deposit background IP."""

    project_id: int
    owner: str
    document_hash: bytes
    key_commitment: bytes
    terms_hash: bytes
    beneficiary: str
    release_milestone: int

    def message(self) -> dict[str, object]:
        return {
            "projectId": self.project_id,
            "owner": self.owner,
            "documentHash": self.document_hash,
            "keyCommitment": self.key_commitment,
            "termsHash": self.terms_hash,
            "beneficiary": self.beneficiary,
            "releaseMilestone": self.release_milestone,
        }

    def as_tuple(self) -> tuple[object, ...]:
        return tuple(self.message().values())


class BackgroundEscrowGateway(ContractGateway):
    """Deposit background IP; release its key on a milestone or a ruling; withdraw."""

    NAME = "BackgroundEscrow"

    def deposit_signature(self, owner: LocalAccount, terms: DepositTerms) -> bytes:
        return sign(owner, self.domain, "BackgroundDeposit", BACKGROUND_DEPOSIT, terms.message())

    def deposit(self, terms: DepositTerms, signature: bytes) -> int:
        """Relay an owner's signed deposit; returns the deposit id."""
        return self.deposit_tx(terms, signature)[0]

    def deposit_tx(self, terms: DepositTerms, signature: bytes) -> tuple[int, Receipt]:
        """Relay an owner's signed deposit; returns the deposit id and the receipt."""
        receipt = self._chain.transact(self.bound, "deposit", terms.as_tuple(), signature)
        (event,) = self._chain.decode_events(self.bound, "BackgroundDeposited", receipt)
        return int(event["args"]["depositId"]), receipt

    def releases(self, receipt: Receipt) -> list[BackgroundRelease]:
        """The key releases a transaction made."""
        return [
            BackgroundRelease(
                int(e["args"]["depositId"]),
                e["args"]["recipient"],
                bytes(e["args"]["keyCommitment"]),
                e["args"]["arbiter"],
            )
            for e in self._chain.decode_events(self.bound, "BackgroundReleased", receipt)
        ]

    def release_on_milestone(self, deposit_id: int) -> Receipt:
        return self._chain.transact(self.bound, "releaseOnMilestone", deposit_id)

    def ruling_signature(self, arbiter: LocalAccount, deposit_id: int, recipient: str) -> bytes:
        message = {"depositId": deposit_id, "recipient": recipient}
        return sign(arbiter, self.domain, "BackgroundRelease", BACKGROUND_RELEASE, message)

    def release_by_ruling(self, deposit_id: int, recipient: str, signature: bytes) -> Receipt:
        return self._chain.transact(self.bound, "releaseByRuling", deposit_id, recipient, signature)

    def withdrawal_signature(self, owner: LocalAccount, deposit_id: int) -> bytes:
        message = {"depositId": deposit_id}
        return sign(owner, self.domain, "BackgroundWithdrawal", BACKGROUND_WITHDRAWAL, message)

    def withdraw(self, deposit_id: int, signature: bytes) -> Receipt:
        return self._chain.transact(self.bound, "withdraw", deposit_id, signature)

    def get(self, deposit_id: int) -> BackgroundDeposit:
        fields = self._chain.call(self.bound, "depositOf", deposit_id)
        (project, owner, beneficiary, milestone, doc, key, terms, state, released_to) = fields
        return BackgroundDeposit(
            deposit_id,
            project,
            owner,
            beneficiary,
            milestone,
            bytes(doc),
            bytes(key),
            bytes(terms),
            DepositState(state),
            released_to,
        )
