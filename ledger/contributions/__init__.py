"""Contributions: registered with the partner's signature, countersigned, disputed.

- :func:`register` stores a partner's contribution once per idempotency key, after
  checking every field and the partner's EIP-712 ``Contribution`` signature; a retry with
  the same key and fields returns the stored one.
- :func:`attest` adds another partner's or an arbiter's countersignature.
- :func:`dispute`, :func:`resolve_contribution_dispute` and
  :func:`lapse_contribution_dispute` run a dispute on one contribution in the ledger; while
  it is open the contribution counts in no snapshot, a rejected one never again.
- :func:`counted_since`, :func:`last_recorded_id` and :func:`not_counted` are what an
  incremental equity snapshot reads.

Statuses, the signed structs and the journal entries are in ``docs/contributions.md``.
"""

from ledger.contributions._disputes import (
    lapse_contribution_dispute,
    resolve_contribution_dispute,
)
from ledger.contributions._fields import OUTCOMES, RESOLUTIONS, STATUSES
from ledger.contributions._listing import Filters, partner_of
from ledger.contributions._listing import page as page_of
from ledger.contributions._opening import dispute
from ledger.contributions._queries import (
    PAGE_MAX,
    NotCounted,
    as_engine_input,
    attestations_of,
    counted_since,
    disputes_of,
    get,
    get_dispute,
    last_recorded_id,
    list_contributions,
    not_counted,
)
from ledger.contributions._registration import Registered, attest, register

__all__ = [
    "OUTCOMES",
    "Filters",
    "PAGE_MAX",
    "RESOLUTIONS",
    "STATUSES",
    "NotCounted",
    "Registered",
    "as_engine_input",
    "attest",
    "attestations_of",
    "counted_since",
    "dispute",
    "disputes_of",
    "get",
    "get_dispute",
    "lapse_contribution_dispute",
    "last_recorded_id",
    "list_contributions",
    "not_counted",
    "page_of",
    "partner_of",
    "register",
    "resolve_contribution_dispute",
]
