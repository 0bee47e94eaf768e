"""A project's agreement: what the consortium signs, validated completely before anything is stored.

:class:`AgreementSpec` is the document (pydantic, so the API can reuse it as a request
model); :func:`parse_agreement` turns any mapping into one or raises a
:class:`~ledger.errors.RuleViolation` whose ``field`` is the dotted path of the first
offending field (``tiers.core.band.lo``, ``parties.2.jurisdiction``). From a valid spec come
the engine's :class:`~ledger.equity.Agreement` (:meth:`AgreementSpec.equity_terms`) and the
chain's :class:`~ledger.chain.registry.ProjectSetup` (:func:`chain_setup`).

The document's hash is sha256 over its RFC 8785 canonical JSON: it is the agreement hash
the registry stores and every partner signs when joining. Which terms an amendment may
change is :data:`AMENDABLE` (the rest are enforced on chain from the first version on).
See ``docs/projects.md``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import pycountry
import rfc8785
from eth_utils import is_address, to_checksum_address
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    model_validator,
)

from ledger.equity import BPS, UNBOUNDED, Agreement, Bracket, Kind, Side, Tier
from ledger.errors import RuleViolation

ZERO_ADDRESS = "0x" + "00" * 20

#: ISIC Rev. 4: each section letter and the range of its two-digit divisions.
ISIC_SECTIONS: dict[str, tuple[int, int]] = {
    "A": (1, 3),
    "B": (5, 9),
    "C": (10, 33),
    "D": (35, 35),
    "E": (36, 39),
    "F": (41, 43),
    "G": (45, 47),
    "H": (49, 53),
    "I": (55, 56),
    "J": (58, 63),
    "K": (64, 66),
    "L": (68, 68),
    "M": (69, 75),
    "N": (77, 82),
    "O": (84, 84),
    "P": (85, 85),
    "Q": (86, 88),
    "R": (90, 93),
    "S": (94, 96),
    "T": (97, 98),
    "U": (99, 99),
}
_ISIC = re.compile(r"^([A-U])(\d{2}\d?)?$")

#: Top-level terms an amendment may change; every other term is fixed on chain at creation.
AMENDABLE = frozenset({"valuation", "tier_weights", "title", "parties"})


def check_country(code: str) -> str:
    """An ISO 3166-1 alpha-2 code that exists (``DE``, ``CN``), else ValueError."""
    if not isinstance(code, str) or len(code) != 2 or not code.isupper():
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 code (two capital letters)")
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def check_isic(code: str) -> str:
    """An ISIC Rev. 4 code: a section letter, optionally its division and group (``C26``)."""
    match = _ISIC.match(code) if isinstance(code, str) else None
    if match is None:
        raise ValueError(f"{code!r} is not an ISIC Rev. 4 code (a section letter A-U, digits)")
    section, digits = match.group(1), match.group(2)
    if digits is not None:
        low, high = ISIC_SECTIONS[section]
        if not low <= int(digits[:2]) <= high:
            raise ValueError(
                f"{code!r}: division {digits[:2]} is not in section {section} "
                f"(divisions {low:02d}-{high:02d})"
            )
    return code


def check_address(value: str) -> str:
    """A 20-byte hex address, returned checksummed."""
    if not isinstance(value, str) or not is_address(value):
        raise ValueError(f"{value!r} is not a 20-byte hex address")
    return to_checksum_address(value)


def parse_amount(value: object) -> int:
    """An amount of the token's smallest unit: an int, or its decimal text (JSON-safe)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("must be an integer or a decimal string of one")
    if isinstance(value, str):
        if not value.isdigit() or not value.isascii():
            raise ValueError(f"{value!r} is not a decimal integer")
        return int(value)
    return value


Country = Annotated[str, AfterValidator(check_country)]
#: Amounts beyond 2**53 do not survive JSON numbers: they travel as decimal strings.
Amount = Annotated[
    int,
    BeforeValidator(parse_amount),
    PlainSerializer(str, return_type=str, when_used="json"),
]
IsicCode = Annotated[str, AfterValidator(check_isic)]
Address = Annotated[str, AfterValidator(check_address)]
Bps = Annotated[int, Field(ge=0, le=BPS, strict=True)]
Seconds = Annotated[int, Field(ge=3600, le=2**32 - 1, strict=True)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(_Strict):
    """The foreign side's total in the core tier is clamped to [lo, hi] bps."""

    lo: Bps = 6000
    hi: Bps = 7000

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.lo > self.hi:
            raise ValueError(f"lo ({self.lo}) must not exceed hi ({self.hi})")
        return self


class BracketSpec(_Strict):
    """Up to ``cap`` (smallest units; null = unbounded) of an asset's revenue, the foreign side
    gets ``foreign_bps``."""

    cap: Annotated[Amount, Field(gt=0)] | None
    foreign_bps: Bps


def _default_brackets() -> list[BracketSpec]:
    unit = 10**18
    return [
        BracketSpec(cap=1_000_000 * unit, foreign_bps=7000),
        BracketSpec(cap=5_000_000 * unit, foreign_bps=6500),
        BracketSpec(cap=None, foreign_bps=6000),
    ]


class CorePolicy(_Strict):
    """Core algorithms: band on the foreign side, licences only in listed territories."""

    band: Band = Band()
    territories: list[Country] = Field(default_factory=list)
    brackets: list[BracketSpec] = Field(default_factory=_default_brackets, min_length=1)

    @model_validator(mode="after")
    def _brackets(self) -> CorePolicy:
        previous = 0
        for index, bracket in enumerate(self.brackets):
            last = index == len(self.brackets) - 1
            if bracket.cap is None and not last:
                raise ValueError(f"bracket {index}: only the last bracket may be unbounded")
            if bracket.cap is not None and bracket.cap <= previous:
                raise ValueError(f"bracket {index}: caps must increase")
            if last and bracket.cap is not None:
                raise ValueError(f"bracket {index}: the last bracket must be unbounded (cap null)")
            previous = bracket.cap or previous
        if len(set(self.territories)) != len(self.territories):
            raise ValueError("territories are listed twice")
        return self


class ApplicationPolicy(_Strict):
    """Application development: licences only for listed ISIC industry codes."""

    industries: list[IsicCode] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> ApplicationPolicy:
        if len(set(self.industries)) != len(self.industries):
            raise ValueError("industries are listed twice")
        return self


class DerivativePolicy(_Strict):
    """Derivative technologies: the local side's total is lifted to at least ``lead`` bps."""

    lead: Bps = 5100


class Tiers(_Strict):
    core: CorePolicy = CorePolicy()
    application: ApplicationPolicy = ApplicationPolicy()
    derivative: DerivativePolicy = DerivativePolicy()


class Quorum(_Strict):
    """k of n partner signatures approve a milestone, plus an arbiter's when ``arbiter``."""

    partners: Annotated[int, Field(ge=1, le=2**16 - 1, strict=True)] = 1
    arbiter: bool = False


class Deadlines(_Strict):
    """Windows in seconds, and the outcome of a dispute nobody rules on in time."""

    dispute_window: Seconds = 7 * 86_400
    arbitration_period: Seconds = 14 * 86_400
    claim_window: Seconds = 90 * 86_400
    lapse_outcome: Literal["uphold", "reject"] = "uphold"


class Party(_Strict):
    """A partner named in the agreement; it becomes a partner when it joins with its signature."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: Literal["university", "enterprise", "research_institute", "investor", "individual"]
    jurisdiction: Country
    address: Address
    payout_address: Address | None = None


class ArbiterSpec(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    address: Address


class Terms(_Strict):
    """The terms of an agreement, without who signs it: what a scenario file states too."""

    tiers: Tiers = Tiers()
    valuation: dict[Kind, Annotated[int, Field(ge=0, le=10**9, strict=True)]] = Field(
        default_factory=dict
    )
    tier_weights: Literal["by_contribution"] | dict[Tier, Bps] = "by_contribution"
    quorum: Quorum = Quorum()
    deadlines: Deadlines = Deadlines()
    arbiter_fee_cap_bps: Bps = 500


class AgreementSpec(Terms):
    """The agreement of a project (every field documented in ``docs/projects.md``)."""

    title: Annotated[str, Field(min_length=1, max_length=200)]
    host_jurisdiction: Country
    token: Address = ZERO_ADDRESS
    parties: list[Party] = Field(min_length=2)
    arbiters: list[ArbiterSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> AgreementSpec:
        addresses = [p.address for p in self.parties] + [a.address for a in self.arbiters]
        if len(set(addresses)) != len(addresses):
            raise ValueError("an address is named twice among parties and arbiters")
        sides = {self.side_of(p.jurisdiction) for p in self.parties}
        if sides != {Side.FOREIGN, Side.LOCAL}:
            missing = ({Side.FOREIGN, Side.LOCAL} - sides).pop()
            raise ValueError(
                f"the core tier needs a foreign and a local partner; no party is {missing} "
                f"(host jurisdiction {self.host_jurisdiction})"
            )
        if self.quorum.partners > len(self.parties):
            raise ValueError(
                f"quorum.partners ({self.quorum.partners}) exceeds the {len(self.parties)} parties"
            )
        if self.quorum.arbiter and not self.arbiters:
            raise ValueError("quorum.arbiter needs at least one arbiter")
        if isinstance(self.tier_weights, dict) and sum(self.tier_weights.values()) != BPS:
            raise ValueError(f"fixed tier_weights must sum to {BPS}")
        return self

    def side_of(self, jurisdiction: str) -> Side:
        """``local`` for the host jurisdiction, else ``foreign``."""
        return Side.LOCAL if jurisdiction == self.host_jurisdiction else Side.FOREIGN

    def party(self, address: str) -> Party | None:
        wanted = address.lower()
        return next((p for p in self.parties if p.address.lower() == wanted), None)

    def document(self) -> dict[str, Any]:
        """The canonical content (what is hashed and stored)."""
        return self.model_dump(mode="json")

    def canonical(self) -> str:
        return rfc8785.dumps(self.document()).decode("utf-8")

    def document_hash(self) -> str:
        """Hex sha256 of the canonical document: the agreement hash partners sign."""
        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()

    def equity_terms(self) -> Agreement:
        """The engine's terms."""
        weights = None if self.tier_weights == "by_contribution" else dict(self.tier_weights)
        return Agreement(
            coefficients=dict(self.valuation),
            core_lo=self.tiers.core.band.lo,
            core_hi=self.tiers.core.band.hi,
            derivative_lead=self.tiers.derivative.lead,
            tier_weights=weights,
            brackets=tuple(
                Bracket(UNBOUNDED if b.cap is None else b.cap, b.foreign_bps)
                for b in self.tiers.core.brackets
            ),
        )


def parse_agreement(data: Mapping[str, Any] | AgreementSpec) -> AgreementSpec:
    """Validate an agreement document.

    Raises:
        RuleViolation: naming the first offending field by its dotted path.
    """
    if isinstance(data, AgreementSpec):
        return data
    try:
        return AgreementSpec.model_validate(dict(data))
    except ValidationError as exc:
        raise _violation(exc) from None


def amend(current: AgreementSpec, changes: Mapping[str, Any]) -> AgreementSpec:
    """The next version: ``current`` with the top-level terms in ``changes`` replaced.

    Raises:
        RuleViolation: for a term that cannot be amended (it is enforced on chain), an
            amendment that changes nothing, a party removed, or an invalid result.
    """
    fixed = sorted(set(changes) - AMENDABLE)
    if fixed:
        raise RuleViolation(
            f"{fixed[0]} is fixed on chain at creation and cannot be amended "
            f"(amendable: {', '.join(sorted(AMENDABLE))})",
            field=fixed[0],
        )
    document = current.document() | dict(changes)
    amended = parse_agreement(document)
    if amended == current:
        raise RuleViolation("the amendment changes nothing", field="changes")
    kept = {p.address for p in amended.parties}
    dropped = [p.address for p in current.parties if p.address not in kept]
    if dropped:
        raise RuleViolation(
            f"party {dropped[0]} cannot be removed by an amendment", field="parties"
        )
    return amended


def _violation(exc: ValidationError) -> RuleViolation:
    error = exc.errors()[0]
    path = ".".join(
        str(part)
        for part in error["loc"]
        if not str(part).startswith("function-") and str(part) != "[key]"
    )
    message = error["msg"].removeprefix("Value error, ")
    detail = f"{path}: {message}" if path else message
    return RuleViolation(
        f"invalid agreement: {detail}", field=path or "agreement", problems=len(exc.errors())
    )
