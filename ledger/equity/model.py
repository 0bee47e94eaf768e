"""Inputs of the equity engine: partners, contributions and the agreement.

Plain frozen dataclasses, validated on construction; every number is an ``int``
(values, coefficients per mille, basis points, timestamps). Invalid input raises
:class:`~ledger.errors.RuleViolation` naming the offending field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from ledger.errors import RuleViolation

#: 100 % in basis points.
BPS = 10_000
#: The cap of the last core bracket: no upper bound (``type(uint256).max`` on chain).
UNBOUNDED = 2**256 - 1


class Side(StrEnum):
    """A partner is ``local`` if its jurisdiction is the project's host jurisdiction."""

    FOREIGN = "foreign"
    LOCAL = "local"


class Tier(StrEnum):
    """The three tiers of the rights model, in their tie-breaking order."""

    CORE = "core"
    APPLICATION = "application"
    DERIVATIVE = "derivative"


class Kind(StrEnum):
    """Contribution kinds of the valuation schedule."""

    FUNDING = "funding"
    LABOR_HOURS = "labor_hours"
    EQUIPMENT = "equipment"
    DATA = "data"
    CODE = "code"
    BACKGROUND_IP_LICENSE = "background_ip_license"
    TACIT_KNOWHOW_TRANSFER = "tacit_knowhow_transfer"
    TACIT_TRAINING = "tacit_training"
    TACIT_CONSULTING = "tacit_consulting"


#: Tiers in the order that breaks ties between them.
TIERS: tuple[Tier, ...] = (Tier.CORE, Tier.APPLICATION, Tier.DERIVATIVE)
#: Kinds in the order of the valuation schedule (the order of a snapshot's totals).
KINDS: tuple[Kind, ...] = tuple(Kind)
#: Sides in the order that breaks ties between them (DESIGN.md lists foreign first).
SIDES: tuple[Side, ...] = (Side.FOREIGN, Side.LOCAL)


def require_int(value: Any, field_name: str, *, minimum: int | None = 0) -> int:
    """``value`` if it is an ``int`` (not a ``bool``) at least ``minimum``, else a RuleViolation."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise RuleViolation(
            f"{field_name} must be an integer, got {type(value).__name__}",
            field=field_name,
            value=repr(value),
        )
    if minimum is not None and value < minimum:
        raise RuleViolation(
            f"{field_name} must be at least {minimum}, got {value}", field=field_name, value=value
        )
    return value


def require_enum(cls: type[Any], value: Any, field_name: str) -> Any:
    """``value`` as a member of the enum ``cls``, else a RuleViolation listing the members."""
    try:
        return cls(value)
    except ValueError:
        known = ", ".join(m.value for m in cls)
        raise RuleViolation(
            f"unknown {field_name} {value!r} (known: {known})", field=field_name, value=str(value)
        ) from None


@dataclass(frozen=True)
class Partner:
    """A partner of the project.

    Attributes:
        id: Integer assigned at registration in the project (from 1); breaks rounding ties.
        side: ``foreign`` or ``local``.
    """

    id: int
    side: Side

    def __post_init__(self) -> None:
        require_int(self.id, "partner_id", minimum=1)
        object.__setattr__(self, "side", require_enum(Side, self.side, "side"))


@dataclass(frozen=True)
class Contribution:
    """One signed contribution of a partner to a tier.

    Attributes:
        partner_id: The contributing partner.
        tier: ``core``, ``application`` or ``derivative``.
        kind: A kind of the valuation schedule.
        value: Declared value, an integer >= 0 in the schedule's unit for the kind.
        recorded_at: When the ledger recorded it, as an integer timestamp (Unix seconds, UTC).
        disputed: True while a dispute on it is open; it then counts nowhere.
    """

    partner_id: int
    tier: Tier
    kind: Kind
    value: int
    recorded_at: int
    disputed: bool = False

    def __post_init__(self) -> None:
        require_int(self.partner_id, "partner_id", minimum=1)
        object.__setattr__(self, "tier", require_enum(Tier, self.tier, "tier"))
        object.__setattr__(self, "kind", require_enum(Kind, self.kind, "kind"))
        require_int(self.value, "value")
        require_int(self.recorded_at, "recorded_at", minimum=None)
        if not isinstance(self.disputed, bool):
            raise RuleViolation("disputed must be a bool", field="disputed")

    @property
    def key(self) -> tuple[int, str, str, int, int]:
        """What identifies the contribution in the inputs' hash (the dispute flag is not part)."""
        # ``_value_`` is the enum's value without the ``value`` property's Python-level call
        return (self.partner_id, self.tier._value_, self.kind._value_, self.value, self.recorded_at)


@dataclass(frozen=True)
class Bracket:
    """Up to ``cap`` wei of an asset's cumulative revenue, the foreign side gets ``foreign_bps``.

    Bracket i covers ``(cap_{i-1}, cap_i]``; the last cap is :data:`UNBOUNDED`.
    """

    cap: int
    foreign_bps: int


#: DESIGN.md's default core brackets, caps in whole tokens.
DEFAULT_BRACKETS_UNITS: tuple[Bracket, ...] = (
    Bracket(1_000_000, 7000),
    Bracket(5_000_000, 6500),
    Bracket(UNBOUNDED, 6000),
)


def default_brackets(unit: int = 10**18) -> tuple[Bracket, ...]:
    """The default brackets for a token whose whole unit is ``unit`` wei (as the chain has them)."""
    return tuple(
        Bracket(b.cap if b.cap == UNBOUNDED else b.cap * unit, b.foreign_bps)
        for b in DEFAULT_BRACKETS_UNITS
    )


def check_brackets(brackets: tuple[Bracket, ...]) -> None:
    """Caps strictly increasing and ending unbounded, bps within 10000 (as the registry checks)."""
    if not brackets:
        raise RuleViolation("core brackets must not be empty", field="brackets")
    previous = -1
    for index, b in enumerate(brackets):
        require_int(b.cap, "brackets.cap")
        require_int(b.foreign_bps, "brackets.foreign_bps")
        if b.foreign_bps > BPS or b.cap <= previous:
            raise RuleViolation(
                f"core bracket {index} is invalid: caps must increase, bps be at most {BPS}",
                field="brackets",
                index=index,
            )
        previous = b.cap
    if brackets[-1].cap != UNBOUNDED:
        raise RuleViolation(
            "the last core bracket must be unbounded", field="brackets", index=len(brackets) - 1
        )


def _default_coefficients() -> Mapping[Kind, int]:
    return MappingProxyType(dict.fromkeys(Kind, 1000))


@dataclass(frozen=True)
class Agreement:
    """The equity terms of a project's agreement.

    Attributes:
        coefficients: Per mille coefficient of each kind; a kind left out counts 1000.
        core_lo: Lower bound (bps) of the foreign side's total in the core tier.
        core_hi: Upper bound (bps) of the foreign side's total in the core tier.
        derivative_lead: Least total (bps) of the local side in the derivative tier.
        tier_weights: ``None`` for ``by_contribution``; else fixed bps per tier summing to
            10000 (a tier left out weighs 0).
        brackets: Core profit brackets on an asset's cumulative revenue, caps in wei.
    """

    coefficients: Mapping[Kind, int] = field(default_factory=_default_coefficients)
    core_lo: int = 6000
    core_hi: int = 7000
    derivative_lead: int = 5100
    tier_weights: Mapping[Tier, int] | None = None
    brackets: tuple[Bracket, ...] = field(default_factory=default_brackets)

    def __post_init__(self) -> None:
        coefficients = dict.fromkeys(Kind, 1000)
        for kind, coefficient in self.coefficients.items():
            coefficients[require_enum(Kind, kind, "kind")] = require_int(
                coefficient, "coefficients"
            )
        object.__setattr__(self, "coefficients", MappingProxyType(coefficients))
        require_int(self.core_lo, "core_lo")
        require_int(self.core_hi, "core_hi")
        require_int(self.derivative_lead, "derivative_lead")
        if not self.core_lo <= self.core_hi <= BPS:
            raise RuleViolation(
                f"core band must satisfy 0 <= lo <= hi <= {BPS}",
                field="core_lo",
                core_lo=self.core_lo,
                core_hi=self.core_hi,
            )
        if self.derivative_lead > BPS:
            raise RuleViolation(f"derivative lead must be at most {BPS}", field="derivative_lead")
        if self.tier_weights is not None:
            weights = dict.fromkeys(TIERS, 0)
            for tier, bps in self.tier_weights.items():
                weights[require_enum(Tier, tier, "tier")] = require_int(bps, "tier_weights")
            if sum(weights.values()) != BPS:
                raise RuleViolation(
                    f"fixed tier weights must sum to {BPS}, got {sum(weights.values())}",
                    field="tier_weights",
                )
            object.__setattr__(self, "tier_weights", MappingProxyType(weights))
        object.__setattr__(self, "brackets", tuple(self.brackets))
        check_brackets(self.brackets)

    def coefficient(self, kind: Kind) -> int:
        """The per mille coefficient of ``kind``."""
        return self.coefficients[kind]
