"""Who acts in the demo, with which key, and what each partner contributes when.

The parties act with the embedded chain's prefunded development accounts (account 0 is the
server's operator), so each pays the gas of the transactions it signs, as on a real chain.
Issuers only sign (the operator sends their anchors): their keys come from fixed seeds.

The contributions follow the scenario without chance: for each milestone, every stream
active in the milestone's period (from the previous due day to this one) is registered once,
standing for the stream's expected output over the days it is active: ``rate × days / 30``
contributions (at least one) of its mean value, each rounded to a whole number.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_tester.backends.pyevm.main import get_default_account_keys

from api.demo.errors import DemoError
from ledger.equity import Kind, Tier
from ledger.simulation.scenario import Scenario

#: Accounts the embedded chain funds at genesis (``EmbeddedNode``'s default).
FUNDED_ACCOUNTS = 10
#: Funded accounts that are not partners: the funder, the licensee and the arbiter.
OTHER_PARTIES = 3


def evidence(text: str) -> str:
    """The hash that stands for a document (hex sha256 of its text)."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Cast:
    """Every party's chain account: the partners by key, then the others."""

    partners: dict[str, LocalAccount]
    funder: LocalAccount
    licensee: LocalAccount
    arbiter: LocalAccount

    @classmethod
    def of(cls, scenario: Scenario) -> Cast:
        """The prefunded accounts 1, 2, … for the partners in file order, then the others.

        Raises:
            DemoError: if the chain funds too few accounts for the scenario's partners.
        """
        keys = list(get_default_account_keys(FUNDED_ACCOUNTS))[1:]
        room = len(keys) - OTHER_PARTIES
        if len(scenario.partners) > room:
            raise DemoError(
                f"the scenario has {len(scenario.partners)} partners; the demo's chain funds "
                f"accounts for at most {room}"
            )
        accounts = [Account.from_key(k.to_bytes()) for k in keys]
        partners = {p.key: accounts[i] for i, p in enumerate(scenario.partners)}
        funder, licensee, arbiter = accounts[room : room + OTHER_PARTIES]
        return cls(partners=partners, funder=funder, licensee=licensee, arbiter=arbiter)


@dataclass(frozen=True)
class IssuerKeys:
    """An issuer of one jurisdiction: its URN, name, Ed25519 key and signing account."""

    urn: str
    name: str
    jurisdiction: str
    key: Ed25519PrivateKey
    account: LocalAccount

    @classmethod
    def of(cls, jurisdiction: str) -> IssuerKeys:
        """The demo's accreditation office of ``jurisdiction``, its keys from fixed seeds."""
        seed = hashlib.sha256(f"ipledger demo issuer {jurisdiction}".encode()).digest()
        return cls(
            urn=f"urn:ipledger:issuer:demo-accreditation-{jurisdiction.lower()}",
            name=f"Accreditation office {jurisdiction}",
            jurisdiction=jurisdiction,
            key=Ed25519PrivateKey.from_private_bytes(seed),
            account=Account.from_key(hashlib.sha256(seed).digest()),
        )


@dataclass(frozen=True)
class Planned:
    """One contribution the demo registers: whose, where, what, how much."""

    label: str
    partner: str
    tier: Tier
    kind: Kind
    value: int


def plan_contributions(scenario: Scenario) -> dict[int, list[Planned]]:
    """The contributions of each milestone (by number, from 1), in stream order."""
    plan: dict[int, list[Planned]] = {}
    start = 0
    for number, milestone in enumerate(scenario.milestones, start=1):
        end = milestone.due_day
        planned = []
        for index, stream in enumerate(scenario.streams):
            lo = max(start, stream.from_day)
            hi = end if stream.until_day is None else min(end, stream.until_day)
            if hi <= lo:
                continue
            count = max(1, round(stream.rate * (hi - lo) / 30))
            value = count * round(stream.value.mean())
            if value > 0:
                label = f"m{number}-s{index}-{stream.partner}-{stream.tier}-{stream.kind}"
                planned.append(Planned(label, stream.partner, stream.tier, stream.kind, value))
        plan[number] = planned
        start = end
    return plan
