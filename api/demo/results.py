"""What the demo did, as data: each act's outcome, read back from the API's answers.

:func:`api.demo.run_demo` returns a :class:`DemoResult`; the tests assert on it, and the
command line prints the same story as it happens. Amounts are wei, shares bps, and partners
are keyed by their number in the project (the scenario's order, from 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CredentialResult:
    """A partner's credential and how it verified: at home, and in the host country."""

    partner: str
    credential_type: str
    issuer_jurisdiction: str
    at_home: str
    in_host_before: str
    in_host_after: str


@dataclass(frozen=True)
class DisputeResult:
    """A dispute on a released milestone and how the partners settled it."""

    milestone: int
    opened_by: str
    reason: str
    outcome: str
    status: str
    excluded: list[int]
    signers: int


@dataclass
class MilestoneResult:
    """A milestone from submission to the last claim."""

    number: int
    title: str
    amount: int
    contributions: int
    snapshot_numbers: list[int] = field(default_factory=list)
    submitted_payouts: dict[int, int] = field(default_factory=dict)
    payouts: dict[int, int] = field(default_factory=dict)
    claimed: dict[int, int] = field(default_factory=dict)
    released_by: list[str] = field(default_factory=list)
    engine_checked: int = 0
    dispute: DisputeResult | None = None


@dataclass(frozen=True)
class RefusalResult:
    """A licence the API refused, and the problem it answered with."""

    asset: str
    territory: str
    status: int
    field: str | None
    line: str


@dataclass(frozen=True)
class PaymentResult:
    """A payment on an asset (a licence fee or revenue) and each partner's share of it."""

    asset: str
    tier: str
    what: str
    amount: int
    cumulative_before: int
    split: dict[int, int]


@dataclass
class DemoResult:
    """Everything the demo did, in order."""

    scenario: str
    project_id: int = 0
    partners: dict[int, str] = field(default_factory=dict)
    credentials: list[CredentialResult] = field(default_factory=list)
    funded: int = 0
    milestones: list[MilestoneResult] = field(default_factory=list)
    refusal: RefusalResult | None = None
    licences: list[dict[str, str]] = field(default_factory=list)
    payments: list[PaymentResult] = field(default_factory=list)
    negotiated: dict[int, int] | None = None
    verified: bool = False
    record_size: int = 0
    registry_verified: bool = False
    seconds: float = 0.0
    #: Each party's API key: ``admin``, ``arbiter``, ``funder``, ``licensee`` and the partners
    #: by their scenario key (left out of the ``repr``, so printing a result shows no key).
    api_keys: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def disputes(self) -> list[DisputeResult]:
        return [m.dispute for m in self.milestones if m.dispute is not None]
