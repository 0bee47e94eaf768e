"""Scenario files: a consortium's agreement and what may happen to it, in TOML.

A scenario names the partners, the agreement's terms (the same shape as a project's
agreement, ``docs/projects.md``), the escrow funding, the milestones with their chances
of success and delay, the contribution streams of each partner, the revenue curve of each
asset, how disputes go, and the alternative rules to compare. Every field is documented in
``docs/simulation.md``. :func:`load_scenario` reads and validates a file and reports every
problem at once, each with its dotted path (``milestones[1].amount: …``).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from ledger.agreements import (
    AgreementSpec,
    ArbiterSpec,
    Band,
    Country,
    Party,
    Terms,
)
from ledger.credentials.model import CredentialType
from ledger.equity import BPS, Agreement, Kind, Partner, Side, Tier
from ledger.errors import RuleViolation
from ledger.simulation.distributions import Distribution, fixed

#: Units a scenario may write amounts in, and their size in wei.
UNITS = {"wei": 1, "gwei": 10**9, "ether": 10**18}
#: The rules every scenario can be compared under, besides those it defines.
BUILTIN_RULES = ("table2", "equal", "contribution")


class ScenarioError(RuleViolation):
    """A scenario file that cannot be read or breaks a rule; ``problems`` lists each one."""

    title = "Invalid scenario"


def parse_money(value: object) -> int:
    """Wei from an int, or from text: ``"2500000 ether"``, ``"0.5 ether"``, ``"120 gwei"``."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("must be an integer number of wei or text such as '1000 ether'")
    if isinstance(value, int):
        return value
    number, _, unit = value.replace("_", "").strip().partition(" ")
    unit = unit.strip() or "wei"
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r} in {value!r} (known: {', '.join(UNITS)})")
    try:
        exact = Decimal(number) * UNITS[unit]
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount such as '1000 ether'") from None
    if exact != exact.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number of wei")
    return int(exact)


def _check_key(value: str) -> str:
    if not (value[:1].isascii() and value[:1].islower() and value.replace("_", "").isalnum()):
        raise ValueError(f"{value!r} is not a key (lowercase letters, digits and _)")
    if not value.isascii() or value.lower() != value:
        raise ValueError(f"{value!r} is not a key (lowercase letters, digits and _)")
    return value


Money = Annotated[int, BeforeValidator(parse_money), Field(ge=0)]
Key = Annotated[str, Field(min_length=1, max_length=32), AfterValidator(_check_key)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Bps = Annotated[int, Field(ge=0, le=BPS, strict=True)]
Day = Annotated[int, Field(ge=0, le=36_500, strict=True)]
Title = Annotated[str, Field(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioPartner(_Strict):
    """A partner; its id in the project is its place in the list, from 1."""

    key: Key
    name: Title
    kind: Literal["university", "enterprise", "research_institute", "investor", "individual"]
    jurisdiction: Country
    credentials: list[CredentialType] = Field(default_factory=list)


class ScenarioAgreement(Terms):
    """The agreement's terms, as in a project's agreement, plus the negotiated split."""

    negotiated: dict[Key, Bps] | None = None


class Funding(_Strict):
    """What the funder deposits into the milestone escrow before the first milestone."""

    funder: Title = "Funder"
    amount: Money


class MilestoneSpec(_Strict):
    """A milestone: paid out on release; it may fail (the project stops) or be late."""

    title: Title
    amount: Annotated[Money, Field(gt=0)]
    due_day: Annotated[Day, Field(ge=1)]
    trl_target: Annotated[int, Field(ge=1, le=9, strict=True)]
    p_success: Probability = 1.0
    delay_days: Distribution = fixed(0)


class Stream(_Strict):
    """A partner's contributions of one kind to one tier: ``rate`` of them per 30 days."""

    partner: Key
    tier: Tier
    kind: Kind
    value: Distribution
    rate: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)]
    from_day: Day = 0
    until_day: Day | None = None

    @model_validator(mode="after")
    def _window(self) -> Stream:
        if self.until_day is not None and self.until_day <= self.from_day:
            raise ValueError(f"until_day ({self.until_day}) must be after from_day")
        return self


class BackgroundSpec(_Strict):
    """Background IP a partner deposits into the IP escrow and licenses for project use.

    The licence counts as one contribution of kind ``background_ip_license`` to ``tier``,
    of ``value`` in the valuation schedule's unit, recorded on ``day``; ownership never
    moves. The document's key is released to the project on ``release_milestone``.
    """

    owner: Key
    title: Title
    tier: Tier
    value: Annotated[int, Field(ge=0, le=10**15, strict=True)]
    day: Day = 0
    release_milestone: Annotated[int, Field(ge=1, strict=True)] | None = None


class Curve(_Strict):
    """An asset's revenue: ``periods`` payments, one every ``period_days``, shaped by ``shape``."""

    shape: Literal["constant", "ramp", "logistic", "decline"]
    peak: Money
    periods: Annotated[int, Field(ge=1, le=400, strict=True)]
    period_days: Annotated[int, Field(ge=1, le=3660, strict=True)] = 90
    noise: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.0


class AssetSpec(_Strict):
    """A foreground asset of a tier; its revenue starts when ``after_milestone`` is released."""

    title: Title
    tier: Tier
    after_milestone: Annotated[int, Field(ge=1, strict=True)]
    revenue: Curve


Outcome = Literal["settle", "uphold", "reject", "correct"]


class DisputeModel(_Strict):
    """A milestone is disputed with ``probability``; then one of ``outcomes`` happens."""

    probability: Probability = 0.0
    outcomes: dict[Outcome, Probability] = Field(default_factory=lambda: {"settle": 1.0})
    mediation_days: Distribution = fixed(14)

    @model_validator(mode="after")
    def _sums_to_one(self) -> DisputeModel:
        if abs(sum(self.outcomes.values()) - 1) > 1e-9:
            raise ValueError(
                f"outcome probabilities must sum to 1, got {sum(self.outcomes.values())}"
            )
        return self


class RuleSpec(_Strict):
    """A rule to compare: the tiered model (with changed terms), equal shares, or pure weight."""

    kind: Literal["tiered", "equal", "contribution"]
    description: str = ""
    core_band: Band | None = None
    derivative_lead: Bps | None = None
    tier_weights: Literal["by_contribution"] | dict[Tier, Bps] | None = None
    valuation: dict[Kind, Annotated[int, Field(ge=0, le=10**9, strict=True)]] | None = None

    @model_validator(mode="after")
    def _terms_for_tiered_only(self) -> RuleSpec:
        changed = [
            f
            for f in ("core_band", "derivative_lead", "tier_weights", "valuation")
            if getattr(self, f) is not None
        ]
        if changed and self.kind != "tiered":
            raise ValueError(f"{changed[0]} applies to tiered rules only")
        if isinstance(self.tier_weights, dict) and sum(self.tier_weights.values()) != BPS:
            raise ValueError(f"fixed tier_weights must sum to {BPS}")
        return self


BUILTIN_SPECS: dict[str, RuleSpec] = {
    "table2": RuleSpec(kind="tiered", description="Table 2 tiers, as the agreement says"),
    "equal": RuleSpec(kind="equal", description="every partner an equal share"),
    "contribution": RuleSpec(kind="contribution", description="by weighted contribution only"),
}


class Scenario(_Strict):
    """A whole scenario file (see ``docs/simulation.md``)."""

    name: Title
    description: str = ""
    host_jurisdiction: Country
    start: dt.date = dt.date(2027, 1, 1)
    partners: list[ScenarioPartner] = Field(min_length=2, max_length=200)
    agreement: ScenarioAgreement = ScenarioAgreement()
    funding: Funding
    milestones: list[MilestoneSpec] = Field(min_length=1, max_length=50)
    streams: list[Stream] = Field(min_length=1)
    background: list[BackgroundSpec] = Field(default_factory=list)
    assets: list[AssetSpec] = Field(default_factory=list)
    disputes: DisputeModel = DisputeModel()
    rules: dict[Key, RuleSpec] = Field(default_factory=dict)
    compare: list[str] = Field(default_factory=lambda: list(BUILTIN_RULES), min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        problems = [*self._partner_problems(), *self._plan_problems(), *self._rule_problems()]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _partner_problems(self) -> list[str]:
        keys = [p.key for p in self.partners]
        problems = [
            f"partner key {k!r} is used twice" for k in sorted(set(keys)) if keys.count(k) > 1
        ]
        sides = {self.side_of(p) for p in self.partners}
        if sides != set(Side):
            problems.append(
                f"the core tier needs a foreign and a local partner (host {self.host_jurisdiction})"
            )
        for index, stream in enumerate(self.streams):
            if stream.partner not in keys:
                problems.append(f"streams[{index}].partner {stream.partner!r} is not a partner key")
        for index, deposit in enumerate(self.background):
            if deposit.owner not in keys:
                problems.append(f"background[{index}].owner {deposit.owner!r} is not a partner key")
        if self.agreement.quorum.partners > len(self.partners):
            problems.append(
                f"agreement.quorum.partners ({self.agreement.quorum.partners}) exceeds the "
                f"{len(self.partners)} partners"
            )
        negotiated = self.agreement.negotiated
        if negotiated is not None:
            unknown = sorted(set(negotiated) - set(keys))
            if unknown:
                problems.append(f"agreement.negotiated names {unknown[0]!r}, not a partner key")
            if sum(negotiated.values()) != BPS:
                problems.append(f"agreement.negotiated must sum to {BPS} bps")
        return problems

    def _plan_problems(self) -> list[str]:
        problems = []
        days = [m.due_day for m in self.milestones]
        if days != sorted(set(days)) or len(set(days)) != len(days):
            problems.append("milestones must have strictly increasing due_day")
        total = sum(m.amount for m in self.milestones)
        if total > self.funding.amount:
            problems.append(
                f"the milestones pay {total} wei but funding.amount is {self.funding.amount} wei"
            )
        for index, deposit in enumerate(self.background):
            if (deposit.release_milestone or 0) > len(self.milestones):
                problems.append(
                    f"background[{index}].release_milestone {deposit.release_milestone} is "
                    f"beyond the {len(self.milestones)} milestones"
                )
        for index, asset in enumerate(self.assets):
            if asset.after_milestone > len(self.milestones):
                problems.append(
                    f"assets[{index}].after_milestone {asset.after_milestone} is beyond the "
                    f"{len(self.milestones)} milestones"
                )
        return problems

    def _rule_problems(self) -> list[str]:
        problems = [
            f"rules.{name} clashes with a built-in rule"
            for name in self.rules
            if name in BUILTIN_RULES
        ]
        known = set(BUILTIN_RULES) | set(self.rules)
        problems += [
            f"compare names {name!r}, not a rule (known: {', '.join(sorted(known))})"
            for name in self.compare
            if name not in known
        ]
        if len(set(self.compare)) != len(self.compare):
            problems.append("compare lists a rule twice")
        if problems:
            return problems
        # the terms as a project's agreement must hold too (whatever the schema above missed)
        for name, rule in [
            ("agreement", None),
            *((f"rules.{n}", r) for n, r in self.rules.items()),
        ]:
            try:
                self.equity_terms(rule)
            except (ValidationError, RuleViolation) as exc:
                detail = (
                    exc.errors()[0]["msg"].removeprefix("Value error, ")
                    if isinstance(exc, ValidationError)
                    else exc.message
                )
                problems.append(f"{name}: not a valid agreement: {detail}")
        return problems

    # ------------------------------------------------------------------ derived

    def side_of(self, partner: ScenarioPartner) -> Side:
        """``local`` if the partner is in the host jurisdiction, else ``foreign``."""
        return Side.LOCAL if partner.jurisdiction == self.host_jurisdiction else Side.FOREIGN

    def partner_id(self, key: str) -> int:
        """The id (from 1, in file order) of the partner with ``key``."""
        return next(i for i, p in enumerate(self.partners, start=1) if p.key == key)

    def engine_partners(self) -> tuple[Partner, ...]:
        """The partners as the equity engine takes them."""
        return tuple(Partner(i, self.side_of(p)) for i, p in enumerate(self.partners, start=1))

    def negotiated_split(self) -> dict[int, int] | None:
        """The derivative tier's negotiated split by partner id, if the scenario signs one."""
        negotiated = self.agreement.negotiated
        if negotiated is None:
            return None
        return {self.partner_id(key): bps for key, bps in negotiated.items()}

    def rule(self, name: str) -> RuleSpec:
        """A rule by name: the file's own, or a built-in one."""
        if name in self.rules:
            return self.rules[name]
        if name in BUILTIN_SPECS:
            return BUILTIN_SPECS[name]
        known = ", ".join(sorted(set(BUILTIN_RULES) | set(self.rules)))
        raise ScenarioError(f"unknown rule {name!r} (known: {known})", field="rule", value=name)

    def equity_terms(self, rule: RuleSpec | None = None) -> Agreement:
        """The engine's terms of the agreement, with a tiered rule's changes applied.

        Placeholder addresses stand for the parties (and for an arbiter, which a quorum
        that asks for one requires); the engine's terms do not depend on them.
        """
        spec = self.agreement_spec(
            {p.key: f"0x{i:040x}" for i, p in enumerate(self.partners, start=1)},
            arbiters={"arbiter": f"0x{len(self.partners) + 1:040x}"},
            **self.rule_changes(rule),
        )
        return spec.equity_terms()

    def rule_changes(self, rule: RuleSpec | None = None) -> dict[str, Any]:
        """The agreement's ``tiers``, ``tier_weights`` and ``valuation`` under a tiered rule.

        The same terms serve the engine (:meth:`equity_terms`) and a project created on
        chain for the rule (:meth:`agreement_spec` takes them as changes).
        """
        terms = self.agreement
        tiers = terms.tiers
        if rule is not None and rule.core_band is not None:
            tiers = tiers.model_copy(
                update={"core": tiers.core.model_copy(update={"band": rule.core_band})}
            )
        if rule is not None and rule.derivative_lead is not None:
            lead = tiers.derivative.model_copy(update={"lead": rule.derivative_lead})
            tiers = tiers.model_copy(update={"derivative": lead})
        weights = (
            terms.tier_weights if rule is None or rule.tier_weights is None else rule.tier_weights
        )
        valuation = terms.valuation if rule is None or rule.valuation is None else rule.valuation
        return {"tiers": tiers, "tier_weights": weights, "valuation": valuation}

    def agreement_spec(
        self,
        addresses: Mapping[str, str],
        *,
        arbiters: Mapping[str, str] | None = None,
        **changes: Any,
    ) -> AgreementSpec:
        """The project agreement of this scenario, for partners at ``addresses`` (by key).

        Args:
            addresses: Each partner's account address, by partner key.
            arbiters: Arbiter accounts by name.
            changes: Top-level agreement terms to use instead of the scenario's.
        """
        terms = self.agreement
        document: dict[str, Any] = {
            "title": self.name,
            "host_jurisdiction": self.host_jurisdiction,
            "parties": [
                Party(
                    name=p.name, kind=p.kind, jurisdiction=p.jurisdiction, address=addresses[p.key]
                )
                for p in self.partners
            ],
            "arbiters": [
                ArbiterSpec(name=name, address=address)
                for name, address in (arbiters or {}).items()
            ],
            "tiers": terms.tiers,
            "valuation": terms.valuation,
            "tier_weights": terms.tier_weights,
            "quorum": terms.quorum,
            "deadlines": terms.deadlines,
            "arbiter_fee_cap_bps": terms.arbiter_fee_cap_bps,
        }
        document.update(changes)
        return AgreementSpec.model_validate(document)


def _location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        text = str(part)
        if isinstance(part, int):
            path += f"[{part}]"
        elif text.startswith("function-") or text in {"[key]"}:
            continue
        elif text in {"fixed", "uniform", "triangular", "normal", "lognormal"}:
            continue  # the discriminated union's branch, already named by the field
        else:
            path += f".{text}" if path else text
    return path


def problems_of(exc: ValidationError) -> list[str]:
    """Every validation problem as ``path: message``."""
    out = []
    for error in exc.errors():
        path = _location(error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "value_error" and not path:
            out.extend(message.split("; "))
        else:
            out.append(f"{path}: {message}" if path else message)
    return out


def _unbounded_caps(data: dict[str, Any]) -> dict[str, Any]:
    """TOML has no null: a core bracket's ``cap = "unbounded"`` stands for the agreement's null."""
    try:
        brackets = data["agreement"]["tiers"]["core"]["brackets"]
    except (KeyError, TypeError):
        return data
    if isinstance(brackets, list):
        for bracket in brackets:
            if isinstance(bracket, dict) and bracket.get("cap") == "unbounded":
                bracket["cap"] = None
    return data


def parse_scenario(data: Mapping[str, Any], *, source: str = "scenario") -> Scenario:
    """Validate a scenario document (the parsed TOML).

    Raises:
        ScenarioError: listing every problem, each with its dotted path.
    """
    try:
        return Scenario.model_validate(_unbounded_caps(dict(data)))
    except ValidationError as exc:
        problems = problems_of(exc)
        listed = "\n".join(f"  - {p}" for p in problems)
        raise ScenarioError(
            f"{source}: {len(problems)} problem(s):\n{listed}", field="scenario", problems=problems
        ) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Raises:
        ScenarioError: for a missing file, bad TOML (with its line and column) or any
            rule the scenario breaks.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{file}: cannot read the scenario: {exc}", field="path") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{file}: not valid TOML: {exc}", field="path") from None
    return parse_scenario(data, source=str(file))
