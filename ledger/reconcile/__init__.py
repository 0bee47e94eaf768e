"""Reconciling the ledger with the chain: what each records of a project, compared.

Events and views are read back from the contracts and compared with the ledger's rows and
journal; a mismatch is a :class:`Discrepancy` in the report, never silently fixed.
:func:`reconcile` only reads. See ``docs/reconciliation.md`` for the table of checks.

::

    with session_scope(engine) as session:
        for d in reconcile(session, ledger, project_id=7):
            print(d.subject, d.ref, d.field, d.ledger, d.chain)
"""

from ledger.reconcile._model import PRESENCE, Discrepancy
from ledger.reconcile._reconcile import reconcile

__all__ = ["PRESENCE", "Discrepancy", "reconcile"]
