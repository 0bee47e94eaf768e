"""The project and its partners: the ledger's rows against the project registry."""

from __future__ import annotations

from ledger.chain import history
from ledger.projects import partners_of
from ledger.reconcile._model import address_text, hex_text, tx_text
from ledger.reconcile._scope import Scope


def check_project(scope: Scope) -> None:
    """The agreement hash partners joined under, and whether the project is terminated."""
    registry, project, found = scope.ledger.registry, scope.project, scope.found
    ref, what = str(scope.project_id), f"project {scope.project_id}"
    terms = registry.agreement(scope.chain_id)
    found.compare(
        "project", ref, "agreement_hash", project.agreement_hash, hex_text(bytes(terms[0])), what
    )
    terminated = registry.is_terminated(scope.chain_id)
    ledger_status = "terminated" if project.status != "active" else "active"
    found.compare(
        "project",
        ref,
        "status",
        ledger_status,
        "terminated" if terminated else "active",
        what,
    )


def check_partners(scope: Scope) -> None:
    """Partner rows against the registry's ``PartnerJoined`` events, by partner number."""
    found = scope.found
    rows = {p.number: p for p in partners_of(scope.session, scope.project_id)}
    joined = {
        e.event.partner_id: e
        for e in history.partners_joined(scope.ledger.registry, scope.chain_id)
    }
    for number, row in rows.items():
        ref, what = str(number), f"partner {number}"
        event = joined.get(number)
        if event is None:
            found.ledger_only("partner", ref, row.address, what)
            continue
        found.compare(
            "partner", ref, "address", address_text(row.address), event.event.partner, what
        )
        found.compare("partner", ref, "side", row.side, event.event.side.name.lower(), what)
        found.compare("partner", ref, "joined_tx", tx_text(row.joined_tx), event.tx_hash, what)
    for number in sorted(set(joined) - set(rows)):
        found.chain_only("partner", joined[number].event.partner, f"partner {number}")
