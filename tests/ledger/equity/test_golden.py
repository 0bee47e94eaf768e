"""A hand-computed example through every step, the arithmetic written out in comments."""

from __future__ import annotations

from ledger.equity import (
    UNBOUNDED,
    Agreement,
    Bracket,
    Contribution,
    Partner,
    Tier,
    compute_snapshot,
    split_revenue,
)

# Partners 1 and 3 are foreign, 2 and 4 local.
PARTNERS = [Partner(1, "foreign"), Partner(2, "local"), Partner(3, "foreign"), Partner(4, "local")]
AGREEMENT = Agreement(coefficients={"code": 1500, "tacit_training": 500})  # the rest count 1000
CONTRIBUTIONS = [
    # core: weights 700·1000 = 700_000 (1), 400·500 = 200_000 (3), 100·1500 = 150_000 (2),
    # 75·1000 = 75_000 (4); Σ = 1_125_000
    Contribution(1, "core", "funding", 700, recorded_at=10),
    Contribution(3, "core", "tacit_training", 400, recorded_at=11),
    Contribution(2, "core", "code", 100, recorded_at=12),
    Contribution(4, "core", "labor_hours", 75, recorded_at=13),
    # application: 30_000 (2), 25_000 (3), 15_000 (4); Σ = 70_000
    Contribution(2, "application", "data", 30, recorded_at=20),
    Contribution(3, "application", "data", 25, recorded_at=21),
    Contribution(4, "application", "data", 15, recorded_at=22),
    # derivative: 40·1500 = 60_000 (1), 20_000 (2), 10_000 (4); Σ = 90_000
    Contribution(1, "derivative", "code", 40, recorded_at=30),
    Contribution(2, "derivative", "funding", 20, recorded_at=31),
    Contribution(4, "derivative", "funding", 10, recorded_at=32),
    # left out: after the cutoff, and under dispute
    Contribution(2, "core", "funding", 10**6, recorded_at=101),
    Contribution(4, "core", "funding", 10**6, recorded_at=50, disputed=True),
]
CUTOFF = 100


def snapshot():
    return compute_snapshot(
        agreement=AGREEMENT, partners=PARTNERS, contributions=CONTRIBUTIONS, cutoff=CUTOFF
    )


def test_core_column_clamps_foreign_side_to_hi() -> None:
    # F = 900_000 / 1_125_000 = 0.8 > 0.7 → F' = 0.7: sides foreign 7000, local 3000.
    # foreign: 7000·7/9 = 5444.44, 7000·2/9 = 1555.56 → floors 5444 + 1555 = 6999,
    #   the missing 1 bps to the larger remainder (.56, partner 3) → 5444, 1556.
    # local: 3000·2/3 = 2000, 3000·1/3 = 1000.
    assert snapshot().columns[Tier.CORE].rights() == {1: 5444, 2: 2000, 3: 1556, 4: 1000}


def test_application_column_equal_rights_contribution_profit() -> None:
    # rights: 10000/3 = 3333.33 each; the missing 1 bps ties → smaller id (2).
    # profit: 30/70 → 4285.71, 25/70 → 3571.43, 15/70 → 2142.86; floors sum 9998,
    #   missing 2 → remainders .86 (4), .71 (2) → 4286, 3571, 2143.
    column = snapshot().columns[Tier.APPLICATION]
    assert column.rights() == {2: 3334, 3: 3333, 4: 3333}
    assert column.profit() == {2: 4286, 3: 3571, 4: 2143}


def test_derivative_column_lifts_local_side_to_lead() -> None:
    # L = 30_000 / 90_000 = 1/3 < 0.51 → local 5100, foreign 4900.
    # foreign: partner 1 holds all foreign weight → 4900; partner 3 → 0.
    # local: 5100·2/3 = 3400, 5100·1/3 = 1700.
    assert snapshot().columns[Tier.DERIVATIVE].rights() == {1: 4900, 2: 3400, 3: 0, 4: 1700}


def test_tier_weights_by_contribution() -> None:
    # Σ = 1_125_000 + 70_000 + 90_000 = 1_285_000.
    # core 8754.86, application 544.75, derivative 700.39 → floors 9998,
    # missing 2 → core (.86), application (.75).
    assert dict(snapshot().weights) == {
        Tier.CORE: 8755,
        Tier.APPLICATION: 545,
        Tier.DERIVATIVE: 700,
    }


def test_payout_vector() -> None:
    # s[p]·10000 = Σ_t W[t]·E[p,t]:
    # 1: 8755·5444 + 700·4900            = 51_092_220 → 5109.2220
    # 2: 8755·2000 + 545·3334 + 700·3400 = 21_707_030 → 2170.7030
    # 3: 8755·1556 + 545·3333            = 15_439_265 → 1543.9265
    # 4: 8755·1000 + 545·3333 + 700·1700 = 11_761_485 → 1176.1485
    # floors 5109 + 2170 + 1543 + 1176 = 9998; missing 2 → .9265 (3), .7030 (2).
    assert dict(snapshot().payout_vector) == {1: 5109, 2: 2171, 3: 1544, 4: 1176}


def test_payouts_of_amount_not_dividing_evenly() -> None:
    # 1_000_003 × s / 10000: 1 → 510_901.53, 2 → 217_100.65, 3 → 154_400.46,
    # 4 → 117_600.35; floors sum 1_000_001, missing 2 → .65 (2), .53 (1).
    payouts = snapshot().payouts(1_000_003)
    assert payouts == {1: 510_902, 2: 217_101, 3: 154_400, 4: 117_600}
    assert snapshot().payout_entries(1_000_003) == list(payouts.items())


def test_fixed_tier_weights_renormalized_over_present_tiers() -> None:
    # agreed 5000/2000/3000, all three tiers present → unchanged.
    agreement = Agreement(
        coefficients={"code": 1500, "tacit_training": 500},
        tier_weights={"core": 5000, "application": 2000, "derivative": 3000},
    )
    full = compute_snapshot(
        agreement=agreement, partners=PARTNERS, contributions=CONTRIBUTIONS, cutoff=CUTOFF
    )
    assert dict(full.weights) == {Tier.CORE: 5000, Tier.APPLICATION: 2000, Tier.DERIVATIVE: 3000}
    # without the application tier: 5000/8000 = 6250, 3000/8000 = 3750.
    no_app = [c for c in CONTRIBUTIONS if c.tier is not Tier.APPLICATION]
    part = compute_snapshot(
        agreement=agreement, partners=PARTNERS, contributions=no_app, cutoff=CUTOFF
    )
    assert Tier.APPLICATION not in part.columns
    assert dict(part.weights) == {Tier.CORE: 6250, Tier.DERIVATIVE: 3750}


def test_split_core_revenue_across_brackets() -> None:
    # brackets in wei: up to 1_000_000 → 7000, up to 5_000_000 → 6500, above → 6000.
    brackets = [Bracket(1_000_000, 7000), Bracket(5_000_000, 6500), Bracket(UNBOUNDED, 6000)]
    column = snapshot().columns[Tier.CORE]
    # slice (900_000, 1_100_003]: 100_000 at 7000 + 100_003 at 6500
    # foreign = (700_000_000 + 650_019_500) / 10000 = 135_001.95; local = 65_001.05
    # 1: 135_001.95·5444/7000 = 104_992.945   3: ·1556/7000 = 30_009.005
    # 2: 65_001.05·2000/3000 = 43_334.033     4: ·1000/3000 = 21_667.017
    # floors sum 200_002, missing 1 → .945 (1).
    split = split_revenue(Tier.CORE, 200_003, 900_000, column, brackets)
    assert split == {1: 104_993, 2: 43_334, 3: 30_009, 4: 21_667}


def test_split_application_revenue_by_profit_bps() -> None:
    # 1001 × (4286, 3571, 2143) / 10000 = 429.03, 357.46, 214.51 → floors 1000, +1 → .51 (4)
    column = snapshot().columns[Tier.APPLICATION]
    assert split_revenue(Tier.APPLICATION, 1001, 0, column, []) == {2: 429, 3: 357, 4: 215}


def test_split_derivative_revenue_negotiated_or_rights() -> None:
    column = snapshot().columns[Tier.DERIVATIVE]
    # rights 4900/3400/0/1700 of 7: 3.43, 2.38, 0, 1.19 → floors 6, +1 → .43 (1)
    assert split_revenue(Tier.DERIVATIVE, 7, 0, column, []) == {1: 4, 2: 2, 3: 0, 4: 1}
    negotiated = {1: 2500, 2: 2500, 3: 2500, 4: 2500}
    # 1.75 each → floors 4, missing 3 → ties to the smaller ids 1, 2, 3
    assert split_revenue(Tier.DERIVATIVE, 7, 0, column, [], negotiated) == {1: 2, 2: 2, 3: 2, 4: 1}


def test_payout_entries_build_the_payout_tree() -> None:
    from ledger.chain.payout_tree import PayoutTree

    address_of = {pid: "0x" + f"{pid:040x}" for pid in (1, 2, 3, 4)}
    entries = snapshot().payout_entries(1_000_003)
    tree = PayoutTree.of([(address_of[pid], wei) for pid, wei in entries])
    assert tree.total == 1_000_003
    assert [p.amount for p in tree.payouts] == [510_902, 217_101, 154_400, 117_600]


def test_engine_imports_no_chain_database_or_web() -> None:
    import ast
    from pathlib import Path

    import ledger.equity

    banned = ("ledger.chain", "ledger.db", "web3", "eth_", "fastapi", "sqlmodel", "sqlalchemy")
    for source in Path(ledger.equity.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
                assert not any(n.startswith(banned) for n in names), (source.name, names)
