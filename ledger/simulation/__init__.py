"""Disbursement scenarios: what each partner would receive under different rules and outcomes.

A scenario file (:mod:`ledger.simulation.scenario`) describes a consortium and what may
happen to it. Each seeded run draws one history of it and computes the milestone payouts
and revenue shares with the pure equity engine; the Monte Carlo runner repeats that over
many seeds and several rules side by side, and the on-chain replay runs chosen seeds
through the contracts. See ``docs/simulation.md``.
"""
