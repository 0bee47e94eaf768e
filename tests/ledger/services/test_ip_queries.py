"""Pages of the IP books: after an id, up to a limit, with filters; and what the journal adds."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from ledger import background_service as background
from ledger import ip_queries, licensing
from ledger.chain.registry import Tier
from ledger.context import Ledger
from ledger.db import Project, session_scope
from ledger.errors import NotFound, RuleViolation
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B
from tests.ledger.services.ip_support import (
    APPLICATION,
    APPLICATION_PROFIT,
    CORE,
    LICENSEE,
    STRANGER,
    commit_column,
    fund,
    ip_agreement,
    release_milestone,
)
from tests.ledger.services.test_background_service import DOCUMENT
from tests.ledger.services.test_background_service import deposit as deposit_document
from tests.ledger.services.test_licensing import grant, pay, register

A, B, C = FOREIGN_A.address, LOCAL_B.address, FOREIGN_C.address


@pytest.fixture
def project(make_project: Callable[..., Project], ledger: Ledger) -> Project:
    made = make_project(ip_agreement())
    fund(ledger, LOCAL_B, LICENSEE, STRANGER)
    return made


def ids(rows: list) -> list[int]:  # type: ignore[type-arg]
    return [row.id for row in rows]


def test_deposits_page_after_an_id_and_filter(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    made = [
        deposit_document(engine, ledger, project, document=DOCUMENT + bytes([n])) for n in range(3)
    ]
    mine = deposit_document(engine, ledger, project, owner=A, beneficiary=B, document=b"A's")
    release_milestone(ledger, project, 1)
    with session_scope(engine) as session:
        background.release(session, ledger, deposit_id=made[1].id)
    with session_scope(engine) as session:
        page = ip_queries.deposits_after(session, project.id, after=0, limit=2)
        assert ids(page) == ids(made[:2])
        rest = ip_queries.deposits_after(session, project.id, after=made[1].id, limit=10)
        assert ids(rest) == [made[2].id, mine.id]
        held = ip_queries.deposits_after(session, project.id, after=0, limit=10, state="held")
        assert ids(held) == [made[0].id, made[2].id, mine.id]
        by_a = ip_queries.deposits_after(session, project.id, after=0, limit=10, owner=A.lower())
        assert ids(by_a) == [mine.id]
        assert ip_queries.deposits_after(session, project.id, after=0, limit=10, owner=C) == []
        with pytest.raises(RuleViolation) as bad:
            ip_queries.deposits_after(session, project.id, after=0, limit=10, owner="0x12")
        assert bad.value.fields["field"] == "owner"
        with pytest.raises(NotFound):
            ip_queries.deposits_after(session, 999, after=0, limit=10)
        entries = ip_queries.recorded(
            session, project.id, "background.deposited", "deposit_id", [mine.id]
        )
        assert list(entries) == [mine.id]
        assert (entries[mine.id]["beneficiary"], entries[mine.id]["release_milestone"]) == (B, 1)
        every = ip_queries.recorded(session, project.id, "background.deposited", "deposit_id")
        assert sorted(every) == sorted(ids([*made, mine]))


def test_assets_and_licences_page_after_an_id_and_filter(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    core = register(engine, ledger, project, Tier.CORE, b"core algorithm")
    app = register(engine, ledger, project, Tier.APPLICATION, b"inspection app")
    kit = register(engine, ledger, project, Tier.DERIVATIVE, b"retrofit kit")
    first = grant(engine, ledger, core)
    second = grant(engine, ledger, kit, licensee=STRANGER.address, territory="US")
    third = grant(engine, ledger, kit, fee=5)
    commit_column(ledger, project, Tier.CORE, CORE)
    receipt = ledger.foreground.pay_licence_fee(1, value=900, sender=LICENSEE)
    with session_scope(engine) as session:
        licensing.record_licence_fee(session, ledger, licence_id=first.id, tx_hash=receipt.tx_hash)
    with session_scope(engine) as session:
        assert ids(ip_queries.assets_after(session, project.id, after=0, limit=2)) == [
            core.id,
            app.id,
        ]
        assert ids(ip_queries.assets_after(session, project.id, after=app.id, limit=2)) == [kit.id]
        application = ip_queries.assets_after(
            session, project.id, after=0, limit=9, tier="application"
        )
        assert ids(application) == [app.id]

        def licences(**filters: object) -> list[int]:
            return ids(ip_queries.licences_after(session, project.id, after=0, limit=9, **filters))

        assert licences() == [first.id, second.id, third.id]
        assert ids(ip_queries.licences_after(session, project.id, after=first.id, limit=1)) == [
            second.id
        ]
        assert licences(asset_id=kit.id) == [second.id, third.id]
        assert licences(licensee=STRANGER.address.lower()) == [second.id]
        assert licences(state="paid") == [first.id]
        assert licences(asset_id=app.id) == []
        with pytest.raises(RuleViolation):
            licences(licensee="nobody")
        with pytest.raises(NotFound):
            ip_queries.assets_after(session, 999, after=0, limit=1)
        registered = ip_queries.recorded(session, project.id, "foreground.registered", "asset_id")
        assert {n: e["registrant"] for n, e in registered.items()} == {
            core.id: B,
            app.id: B,
            kit.id: B,
        }


def test_payments_page_filter_and_sum_by_tier_to_the_wei(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    commit_column(ledger, project, Tier.CORE, CORE)
    commit_column(ledger, project, Tier.APPLICATION, APPLICATION, APPLICATION_PROFIT)
    core = register(engine, ledger, project, Tier.CORE, b"core algorithm")
    app = register(engine, ledger, project, Tier.APPLICATION, b"inspection app")
    first, second = pay(engine, ledger, core, 800), pay(engine, ledger, app, 1001)
    assert core.chain_asset_id is not None
    receipt = ledger.revenue.deposit_revenue(core.chain_asset_id, 700, sender=STRANGER)
    with session_scope(engine) as session:
        third = licensing.record_revenue(session, ledger, asset_id=core.id, tx_hash=receipt.tx_hash)
    with session_scope(engine) as session:

        def payments(**filters: object) -> list[tuple[int, str]]:
            rows = ip_queries.payments_after(session, project.id, after=0, limit=9, **filters)
            return [(payment.id, tier) for payment, tier in rows]  # type: ignore[misc]

        assert payments() == [(first.id, "core"), (second.id, "application"), (third.id, "core")]
        page = ip_queries.payments_after(session, project.id, after=first.id, limit=1)
        assert [p.id for p, _ in page] == [second.id]
        assert payments(asset_id=core.id) == [(first.id, "core"), (third.id, "core")]
        assert payments(tier="application") == [(second.id, "application")]
        assert payments(payer=STRANGER.address.lower()) == [(third.id, "core")]
        assert payments(tier="derivative") == []
        with pytest.raises(RuleViolation):
            payments(payer="0x12")

        totals = ip_queries.revenue_by_tier(session, project.id)
        assert list(totals) == ["core", "application", "derivative"]
        assert (totals["core"].payments, totals["core"].amount) == (2, 1500)
        assert totals["core"].split == {
            a: ip_queries.split_of(first).get(a, 0) + ip_queries.split_of(third).get(a, 0)
            for a in (A, B, C)
        }
        assert totals["application"].split == {A: 501, B: 300, C: 200}
        assert (totals["derivative"].payments, totals["derivative"].split) == (0, {})
        for total in totals.values():
            assert sum(total.split.values()) == total.amount
        with pytest.raises(NotFound):
            ip_queries.revenue_by_tier(session, 999)
