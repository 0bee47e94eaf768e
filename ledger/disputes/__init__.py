"""Disputes on milestones and snapshots (Med-Arb, seed 4.2), decided on chain.

A partner opens a dispute with its own transaction to ``DisputeResolution``: the ledger
prepares the call (:func:`prepare_opening`), the partner signs it with its key, and
:func:`open_dispute` relays it only if it is exactly that call, then records what the chain
did. While it is open the milestone is ``disputed``: it can't be released or claimed, and
no other milestone is submitted (the equity is under dispute).

It ends once, in one of three ways, each with an outcome: ``uphold`` (the milestone or
snapshot stands), ``reject`` (a rejected milestone pays nothing more; a rejected snapshot
is withdrawn and its milestone is submitted again later) or ``replace`` (the named
contributions stop counting and a superseding snapshot replaces the disputed one; on a
released milestone the escrow takes its payout root):

- :func:`settle` (mediation): every partner signs ``Settlement(disputeId, outcome,
  newRoot, newTotal)`` in the contract's domain; anyone may send it.
- :func:`rule` (arbitration): an arbiter's own ``rule`` transaction, prepared by
  :func:`prepare_ruling` and relayed like an opening, before the arbitration deadline.
- :func:`lapse`: after the deadline, the agreement's lapse outcome, sent by the ledger.

:func:`propose` computes what an outcome would do (the new root and total everyone signs)
without storing anything. Disputes on one contribution are kept by
:mod:`ledger.contributions`. See ``docs/disputes.md``.
"""

from ledger.disputes._fields import OUTCOMES, SUBJECTS
from ledger.disputes._opening import open_dispute, prepare_opening
from ledger.disputes._proposals import Proposal, propose
from ledger.disputes._resolving import lapse, prepare_ruling, rule, settle
from ledger.disputes._subjects import get_dispute, list_disputes

__all__ = [
    "OUTCOMES",
    "SUBJECTS",
    "Proposal",
    "get_dispute",
    "lapse",
    "list_disputes",
    "open_dispute",
    "prepare_opening",
    "prepare_ruling",
    "propose",
    "rule",
    "settle",
]
