"""Gateway to ProjectRegistry: projects, agreements, partners joining by signature."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass, field
from enum import IntEnum

from eth_account.signers.local import LocalAccount

from ledger.chain.contract import ContractGateway
from ledger.chain.eip712 import sign, sign_by_all, struct
from ledger.chain.gateway import Receipt

UNBOUNDED = 2**256 - 1

JOIN = struct("projectId uint256", "partner address", "side uint8", "agreementHash bytes32")
TERMINATE = struct("projectId uint256", "reason bytes32")


class Side(IntEnum):
    FOREIGN = 1
    LOCAL = 2


class Tier(IntEnum):
    CORE = 0
    APPLICATION = 1
    DERIVATIVE = 2


class Outcome(IntEnum):
    NONE = 0
    UPHOLD = 1
    REJECT = 2
    REPLACE = 3


@dataclass(frozen=True)
class Bracket:
    """Up to ``cap`` cumulative revenue of a core asset, the foreign side gets ``foreign_bps``."""

    cap: int
    foreign_bps: int


#: DESIGN.md's default core brackets, in whole tokens: scaled by the token's unit on use.
DEFAULT_BRACKETS_UNITS = (
    Bracket(1_000_000, 7000),
    Bracket(5_000_000, 6500),
    Bracket(UNBOUNDED, 6000),
)


def default_brackets(unit: int = 10**18) -> list[Bracket]:
    """The default brackets for a token whose whole unit is ``unit`` smallest units."""
    return [
        Bracket(b.cap if b.cap == UNBOUNDED else b.cap * unit, b.foreign_bps)
        for b in DEFAULT_BRACKETS_UNITS
    ]


@dataclass(frozen=True)
class AgreementTerms:
    """The part of an agreement the chain enforces (mirrors the Solidity ``Agreement``)."""

    agreement_hash: bytes
    ledger_signer: str
    token: str = "0x" + "00" * 20
    core_lo: int = 6000
    core_hi: int = 7000
    derivative_lead: int = 5100
    quorum: int = 1
    arbiter_approval: bool = False
    dispute_window: int = 7 * 86_400
    arbitration_period: int = 14 * 86_400
    claim_window: int = 90 * 86_400
    arbiter_fee_cap_bps: int = 500
    lapse_outcome: Outcome = Outcome.UPHOLD

    def as_tuple(self) -> tuple[object, ...]:
        return astuple(self)


@dataclass(frozen=True)
class ProjectSetup:
    terms: AgreementTerms
    arbiters: Sequence[str] = ()
    territories: Sequence[str] = ()  # ISO 3166-1 alpha-2, e.g. "DE"
    industries: Sequence[str] = ()  # ISIC codes, e.g. "C26"
    brackets: Sequence[Bracket] = field(default_factory=default_brackets)


def territory_code(code: str) -> bytes:
    """ISO 3166-1 alpha-2 as the contracts store it (bytes2)."""
    if len(code) != 2 or not code.isascii() or not code.isupper():
        raise ValueError(f"not an ISO 3166-1 alpha-2 code: {code!r}")
    return code.encode()


def industry_code(code: str) -> bytes:
    """An ISIC code (section letter and up to three digits) as bytes4, right-padded with zeros."""
    if not 1 <= len(code) <= 4 or not code.isascii():
        raise ValueError(f"not an ISIC code: {code!r}")
    return code.encode().ljust(4, b"\0")


class ProjectRegistryGateway(ContractGateway):
    """Create projects, let partners join with their signature, terminate by quorum."""

    NAME = "ProjectRegistry"

    def create_project(self, setup: ProjectSetup, *, sender: LocalAccount | None = None) -> int:
        """Create a project (operator only); returns its id."""
        receipt = self._chain.transact(
            self.bound,
            "createProject",
            setup.terms.as_tuple(),
            list(setup.arbiters),
            [territory_code(t) for t in setup.territories],
            [industry_code(i) for i in setup.industries],
            [(b.cap, b.foreign_bps) for b in setup.brackets],
            sender=sender,
        )
        (event,) = self._chain.decode_events(self.bound, "ProjectCreated", receipt)
        return int(event["args"]["projectId"])

    def join_signature(self, project_id: int, partner: LocalAccount, side: Side) -> bytes:
        """The partner's signature that lets it join (it signs the agreement hash)."""
        terms = self.agreement(project_id)
        message = {
            "projectId": project_id,
            "partner": partner.address,
            "side": int(side),
            "agreementHash": terms[0],
        }
        return sign(partner, self.domain, "Join", JOIN, message)

    def join(
        self,
        project_id: int,
        partner: str,
        side: Side,
        signature: bytes,
        *,
        sender: LocalAccount | None = None,
    ) -> Receipt:
        """Submit a partner's join signature (anyone may submit it)."""
        return self._chain.transact(
            self.bound, "join", project_id, partner, int(side), signature, sender=sender
        )

    def terminate(self, project_id: int, reason: bytes, signers: Sequence[LocalAccount]) -> Receipt:
        """Terminate the project with the given partners' signatures."""
        message = {"projectId": project_id, "reason": reason}
        signatures = sign_by_all(signers, self.domain, "Terminate", TERMINATE, message)
        return self._chain.transact(self.bound, "terminate", project_id, reason, signatures)

    # ------------------------------------------------------------------ views

    def agreement(self, project_id: int) -> tuple[object, ...]:
        return tuple(self._chain.call(self.bound, "agreementOf", project_id))

    def partner(self, project_id: int, account: str) -> tuple[int, int]:
        partner_id, side = self._chain.call(self.bound, "partnerOf", project_id, account)
        return int(partner_id), int(side)

    def partner_count(self, project_id: int) -> int:
        return int(self._chain.call(self.bound, "partnerCount", project_id))

    def is_terminated(self, project_id: int) -> bool:
        return bool(self._chain.call(self.bound, "isTerminated", project_id))
