"""Random scenario documents for the differential run, each validated as a scenario file is.

:func:`random_document` builds scenario number ``number`` of a seed as the parsed TOML of a
file would be (money as ``"N wei"`` text, core caps as decimal text, the last one
``"unbounded"``), and :func:`random_scenario` validates it with
:func:`~ledger.simulation.scenario.parse_scenario`, the validation ``load_scenario`` runs
on a file. The same seed and number give the same document on every machine.

What varies: the host and the partners' jurisdictions (2 to 8 partners, both sides, in any
order), their kinds and credentials; the agreement (core band, brackets with caps in odd
wei, derivative lead, valuation coefficients, fixed or contribution-driven tier weights,
quorum with or without the arbiter, deadlines, a negotiated derivative split); the
milestones (1 to 5, odd amounts from a few wei to hundreds of ether, chances of success,
delays); contribution streams per partner, tier and kind; background deposits; the
revenue of up to three assets; disputes and their outcomes; and sometimes a tiered rule
with changed terms, which is then the one replayed.

Every scenario has two background deposits of positive weight on day 0 in a tier that
weighs something, so each milestone has something to share: a ``correct`` ruling
excludes one contribution of its own milestone's period, so at most one of the two.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from ledger.credentials.model import CredentialType
from ledger.equity import BPS, Kind, Tier
from ledger.simulation.scenario import Scenario, parse_scenario

COUNTRIES = ("DE", "CN", "FR", "NL", "IT", "PT", "AT", "JP", "US", "BR", "IN", "KR", "SE", "PL")
PARTNER_KINDS = ("university", "enterprise", "research_institute", "investor", "individual")
TIERS = tuple(t.value for t in Tier)
KINDS = tuple(k.value for k in Kind)
OUTCOMES = ("settle", "uphold", "correct", "reject")
SHAPES = ("constant", "ramp", "decline", "logistic")
DAY = 86_400
#: The name of the tiered rule with changed terms a scenario may define.
ALTERNATIVE = "alt"


def random_scenario(seed: int, number: int) -> tuple[Scenario, str]:
    """Scenario ``number`` of ``seed``, validated, and the tiered rule to replay it under."""
    document = random_document(seed, number)
    rule = ALTERNATIVE if ALTERNATIVE in document.get("rules", {}) else "table2"
    return parse_scenario(document, source=f"random scenario {number} of seed {seed}"), rule


def random_document(seed: int, number: int) -> dict[str, Any]:
    """The parsed TOML of scenario ``number`` of ``seed``."""
    rng = random.Random(f"ipledger-differential:{seed}:{number}")
    host = rng.choice(COUNTRIES)
    partners = _partners(rng, host)
    keys = [p["key"] for p in partners]
    milestones = _milestones(rng)
    agreement, anchor = _agreement(rng, keys)
    document: dict[str, Any] = {
        "name": f"Random consortium {number} of seed {seed}",
        "host_jurisdiction": host,
        "start": dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(1500)),
        "partners": partners,
        "agreement": agreement,
        "funding": {"amount": _wei(_total(milestones) + rng.choice((0, rng.randrange(10**18))))},
        "milestones": milestones,
        "streams": _streams(rng, keys, milestones[-1]["due_day"]),
        "background": _background(rng, keys, anchor, len(milestones)),
        "assets": _assets(rng, len(milestones)),
        "disputes": _disputes(rng),
    }
    if rng.random() < 0.25:
        document["rules"] = {ALTERNATIVE: _alternative(rng)}
    return document


def _wei(amount: int) -> str:
    return f"{amount} wei"


def _total(milestones: list[dict[str, Any]]) -> int:
    return sum(int(m["amount"].split()[0]) for m in milestones)


def _odd(rng: random.Random, top: int) -> int:
    """An odd amount below ``top``, of a magnitude drawn on a log scale."""
    digits = rng.randint(1, len(str(top)) - 1)
    return min(rng.randrange(10 ** (digits - 1), 10**digits), top - 2) | 1


def _distribution(rng: random.Random, low: int, high: int) -> dict[str, Any]:
    """A distribution of values roughly between ``low`` and ``high``."""
    a, b = sorted((rng.randint(low, high), rng.randint(low, high)))
    match rng.choice(("fixed", "uniform", "triangular", "normal", "lognormal")):
        case "fixed":
            return {"dist": "fixed", "value": b}
        case "uniform":
            return {"dist": "uniform", "low": a, "high": b}
        case "triangular":
            return {"dist": "triangular", "low": a, "mode": rng.randint(a, b), "high": b}
        case "normal":
            return {"dist": "normal", "mean": b, "sd": round(rng.uniform(0, b / 2), 3)}
        case _:
            return {"dist": "lognormal", "median": max(b, 1), "sigma": round(rng.uniform(0, 1), 3)}


def _partners(rng: random.Random, host: str) -> list[dict[str, Any]]:
    count = rng.randint(2, 8)
    local = rng.randint(1, count - 1)
    abroad = rng.sample([c for c in COUNTRIES if c != host], rng.randint(1, 3))
    places = [host] * local + [rng.choice(abroad) for _ in range(count - local)]
    rng.shuffle(places)
    credentials = [c.value for c in CredentialType]
    return [
        {
            "key": f"p{i}_{place.lower()}",
            "name": f"Partner {i} ({place})",
            "kind": rng.choice(PARTNER_KINDS),
            "jurisdiction": place,
            "credentials": rng.sample(credentials, rng.randint(0, len(credentials))),
        }
        for i, place in enumerate(places, start=1)
    ]


def _split(rng: random.Random, parts: int, total: int = BPS) -> list[int]:
    """``parts`` non-negative integers summing to ``total``."""
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _band(rng: random.Random) -> dict[str, int]:
    lo = rng.randint(0, BPS)
    return {"lo": lo, "hi": rng.randint(lo, BPS)}


def _agreement(rng: random.Random, keys: list[str]) -> tuple[dict[str, Any], str]:
    """The agreement's terms, and a tier that weighs something (where the anchors go)."""
    core: dict[str, Any] = {}
    if rng.random() < 0.7:
        core["band"] = _band(rng)
    if rng.random() < 0.7:
        caps = sorted({_odd(rng, 10**21) for _ in range(rng.randint(1, 3))})
        core["brackets"] = [
            {"cap": str(cap), "foreign_bps": rng.randint(0, BPS)} for cap in caps
        ] + [{"cap": "unbounded", "foreign_bps": rng.randint(0, BPS)}]
    tiers: dict[str, Any] = {"core": core}
    if rng.random() < 0.7:
        tiers["derivative"] = {"lead": rng.randint(0, BPS)}
    valuation = {k: rng.randint(0, 3000) for k in rng.sample(KINDS, rng.randint(0, len(KINDS)))}
    valuation[Kind.BACKGROUND_IP_LICENSE.value] = rng.randint(1, 3000)
    agreement: dict[str, Any] = {
        "tiers": tiers,
        "valuation": valuation,
        "quorum": {"partners": rng.randint(1, len(keys)), "arbiter": rng.random() < 0.3},
        "deadlines": {
            "dispute_window": rng.randint(3600, 20 * DAY),
            "arbitration_period": rng.randint(3600, 30 * DAY),
            "claim_window": rng.randint(3600, 120 * DAY),
            "lapse_outcome": rng.choice(("uphold", "reject")),
        },
        "arbiter_fee_cap_bps": rng.randint(0, 2000),
    }
    anchor = rng.choice(TIERS)
    if rng.random() < 0.5:
        weights = dict(zip(TIERS, _split(rng, 3), strict=True))
        anchor = max(TIERS, key=lambda t: (weights[t], rng.random()))
        agreement["tier_weights"] = weights
    if rng.random() < 0.3:
        named = rng.sample(keys, rng.randint(1, len(keys)))
        agreement["negotiated"] = dict(zip(named, _split(rng, len(named)), strict=True))
    return agreement, anchor


def _milestones(rng: random.Random) -> list[dict[str, Any]]:
    out, day, trl = [], 0, 1
    for k in range(rng.randint(1, 5)):
        day += rng.randint(5, 200)
        trl = rng.randint(trl, 9)
        milestone: dict[str, Any] = {
            "title": f"Milestone {k + 1}",
            "amount": _wei(_odd(rng, 10**21)),
            "due_day": day,
            "trl_target": trl,
            "p_success": rng.choice((1.0, round(rng.uniform(0.8, 1.0), 3))),
        }
        if rng.random() < 0.6:
            milestone["delay_days"] = _distribution(rng, 0, 40)
        out.append(milestone)
    return out


def _streams(rng: random.Random, keys: list[str], last_due: int) -> list[dict[str, Any]]:
    streams = []
    for key in keys:
        for _ in range(rng.randint(0, 3)):
            stream: dict[str, Any] = {
                "partner": key,
                "tier": rng.choice(TIERS),
                "kind": rng.choice(KINDS),
                "value": _distribution(rng, 0, 1000),
                "rate": round(rng.uniform(0.2, 6), 3),
            }
            if rng.random() < 0.3:
                stream["from_day"] = rng.randrange(last_due)
            if rng.random() < 0.3:
                stream["until_day"] = stream.get("from_day", 0) + rng.randint(1, last_due)
            streams.append(stream)
    if not streams:
        streams.append(
            {
                "partner": rng.choice(keys),
                "tier": rng.choice(TIERS),
                "kind": rng.choice(KINDS),
                "value": _distribution(rng, 0, 1000),
                "rate": 1.0,
            }
        )
    return streams


def _background(
    rng: random.Random, keys: list[str], anchor: str, milestones: int
) -> list[dict[str, Any]]:
    deposits = [
        {
            "owner": rng.choice(keys),
            "title": f"Anchor {i}",
            "tier": anchor,
            "value": rng.randint(1, 500),
        }
        for i in (1, 2)
    ]
    for i in range(rng.randint(0, 2)):
        deposit: dict[str, Any] = {
            "owner": rng.choice(keys),
            "title": f"Background {i + 1}",
            "tier": rng.choice(TIERS),
            "value": rng.randint(0, 2000),
            "day": rng.randint(0, 400),
        }
        if rng.random() < 0.5:
            deposit["release_milestone"] = rng.randint(1, milestones)
        deposits.append(deposit)
    return deposits


def _assets(rng: random.Random, milestones: int) -> list[dict[str, Any]]:
    return [
        {
            "title": f"Asset {i + 1}",
            "tier": rng.choice(TIERS),
            "after_milestone": rng.randint(1, milestones),
            "revenue": {
                "shape": rng.choice(SHAPES),
                "peak": _wei(_odd(rng, 5 * 10**19)),
                "periods": rng.randint(1, 8),
                "period_days": rng.randint(5, 120),
                "noise": round(rng.uniform(0, 0.5), 3),
            },
        }
        for i in range(rng.randint(0, 3))
    ]


def _disputes(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.2:
        return {}
    named = rng.sample(OUTCOMES, rng.randint(1, len(OUTCOMES)))
    weights = [rng.randint(1, 10) for _ in named]
    return {
        "probability": round(rng.uniform(0.1, 0.7), 3),
        "outcomes": {o: w / sum(weights) for o, w in zip(named, weights, strict=True)},
        "mediation_days": _distribution(rng, 0, 30),
    }


def _alternative(rng: random.Random) -> dict[str, Any]:
    """A tiered rule with changed terms (each change present or not)."""
    rule: dict[str, Any] = {"kind": "tiered", "description": "changed terms"}
    if rng.random() < 0.5:
        rule["core_band"] = _band(rng)
    if rng.random() < 0.5:
        rule["derivative_lead"] = rng.randint(0, BPS)
    if rng.random() < 0.5:
        rule["valuation"] = {k: rng.randint(1, 3000) for k in rng.sample(KINDS, 3)}
    if rng.random() < 0.5:  # every tier weighs something, the anchors' tier included
        fixed = {t: bps + 1 for t, bps in zip(TIERS, _split(rng, 3, BPS - 3), strict=True)}
        rule["tier_weights"] = rng.choice(("by_contribution", fixed))
    return rule
