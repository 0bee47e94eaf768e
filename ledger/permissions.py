"""Who may do what: the roles of the API's principals and the authorization matrix.

:data:`PERMISSIONS` is the one place that says which roles may take each action; the API
calls :func:`require` before every service, and ``docs/auth.md`` shows the same table
(a test keeps the two equal). Three more rules apply on top of the table:

- Project: a project-scoped principal (partner, funder, arbiter, licensee) acts only within
  its own project; admins and issuers are global.
- Acting as: where the API knows whose address (or issuer URN) an act is taken as, it passes
  ``acting_as``, which must be the principal's own. :data:`SELF_ACTIONS` cannot be taken
  without it.
- Party: :func:`require_not_party` refuses a principal that is a party to the dispute it
  would rule on.

See ``docs/auth.md``.
"""

from __future__ import annotations

from ledger.db import Principal
from ledger.errors import Unauthorized

ADMIN = "admin"
PARTNER = "partner"
FUNDER = "funder"
ISSUER = "issuer"
ARBITER = "arbiter"
LICENSEE = "licensee"

#: Every role, in the order the matrix shows them.
ROLES: tuple[str, ...] = (ADMIN, PARTNER, FUNDER, ISSUER, ARBITER, LICENSEE)
#: Roles that belong to no project.
GLOBAL_ROLES = frozenset({ADMIN, ISSUER})
#: Roles that belong to exactly one project.
PROJECT_ROLES = frozenset(ROLES) - GLOBAL_ROLES
#: Roles that act with a signing address of their own, and must name it.
ADDRESS_ROLES = frozenset({PARTNER, ARBITER})
#: Roles that may name a signing address (funders and licensees need not).
ADDRESS_ALLOWED = ADDRESS_ROLES | {FUNDER, LICENSEE}

_EVERYONE_OF_A_PROJECT = frozenset({ADMIN}) | PROJECT_ROLES

#: Action name → the roles allowed to take it.
PERMISSIONS: dict[str, frozenset[str]] = {
    "project.create": frozenset({ADMIN}),
    "project.read": _EVERYONE_OF_A_PROJECT,
    "project.amend": frozenset({ADMIN, PARTNER}),
    "partner.join": frozenset({PARTNER}),
    "contribution.register": frozenset({PARTNER}),
    "contribution.attest": frozenset({PARTNER, ARBITER}),
    "dispute.open": frozenset({PARTNER}),
    "dispute.settle": frozenset({PARTNER}),
    "dispute.rule": frozenset({ARBITER}),
    "dispute.lapse": frozenset({PARTNER, ARBITER}),
    "milestone.plan": frozenset({ADMIN, PARTNER}),
    "milestone.submit": frozenset({PARTNER}),
    "milestone.release": frozenset({PARTNER, ARBITER}),
    "milestone.claim": frozenset({PARTNER, ARBITER}),
    "funding.deposit": frozenset({FUNDER}),
    "issuer.register": frozenset({ADMIN}),
    "credential.issue": frozenset({ISSUER}),
    "credential.revoke": frozenset({ISSUER}),
    "credential.read": frozenset(ROLES),
    "recognition.register": frozenset({ADMIN}),
    "background.deposit": frozenset({PARTNER}),
    "background.release": frozenset({ARBITER}),
    "asset.register": frozenset({PARTNER}),
    "rights.commit": frozenset({PARTNER}),
    "split.negotiate": frozenset({PARTNER}),
    "licence.grant": frozenset({PARTNER}),
    "revenue.record": frozenset({LICENSEE, PARTNER}),
    "audit.read": frozenset({ADMIN, PARTNER, ARBITER}),
    "alert.read": frozenset({PARTNER, ARBITER}),
    "principal.create": frozenset({ADMIN}),
    "principal.read": frozenset({ADMIN}),
    "principal.revoke": frozenset({ADMIN}),
}

#: Actions on things outside any project (the registry of issuers, credentials and
#: recognitions; principals; creating a project): the project rule does not apply.
GLOBAL_ACTIONS = frozenset(
    {
        "project.create",
        "issuer.register",
        "credential.issue",
        "credential.revoke",
        "credential.read",
        "recognition.register",
        "principal.create",
        "principal.read",
        "principal.revoke",
    }
)

#: Actions a principal takes only as itself: ``acting_as`` is required and must be its own.
SELF_ACTIONS = frozenset(
    {
        "partner.join",
        "contribution.register",
        "contribution.attest",
        "dispute.open",
        "background.deposit",
    }
)


def identity_of(principal: Principal) -> str | None:
    """Whom the principal acts as: its signing address, its issuer URN, or no one."""
    return principal.address or principal.issuer_urn


def require(
    principal: Principal,
    action: str,
    *,
    project_id: int | None = None,
    acting_as: str | None = None,
) -> None:
    """Refuse unless ``principal`` may take ``action`` in ``project_id`` as ``acting_as``.

    Args:
        principal: The authenticated principal.
        action: A key of :data:`PERMISSIONS`.
        project_id: The project the act concerns; ``None`` for acts outside any project.
        acting_as: The address (or issuer URN) the act is taken as, where the request
            names one: the signer of a contribution, the opener of a dispute, …

    Raises:
        Unauthorized: with ``rule`` naming the rule that refuses (``revoked``, ``role``,
            ``project`` or ``acting_as``) and ``action``.
        ValueError: for an action the table does not know (a mistake in the caller).
    """
    allowed = PERMISSIONS.get(action)
    if allowed is None:
        raise ValueError(f"no action {action!r} in the authorization matrix")
    if principal.revoked_at is not None:
        raise Unauthorized(f"principal {principal.id} is revoked", rule="revoked", action=action)
    if principal.role not in allowed:
        raise Unauthorized(
            f"the {principal.role} role may not take {action}",
            rule="role",
            action=action,
            role=principal.role,
        )
    if (
        principal.role in PROJECT_ROLES
        and action not in GLOBAL_ACTIONS
        and project_id != principal.project_id
    ):
        where = "outside any project" if project_id is None else f"in project {project_id}"
        raise Unauthorized(
            f"principal {principal.id} acts only within project {principal.project_id}, "
            f"not {where}",
            rule="project",
            action=action,
            project_id=project_id,
        )
    if acting_as is None:
        if action in SELF_ACTIONS:
            raise Unauthorized(
                f"{action} is taken only as oneself, and names no one",
                rule="acting_as",
                action=action,
            )
        return
    own = identity_of(principal)
    if not _same(own, acting_as):
        raise Unauthorized(
            f"principal {principal.id} acts as {own or 'no one'}, not as {acting_as}",
            rule="acting_as",
            action=action,
            acting_as=acting_as,
        )


def require_not_party(principal: Principal, opened_by: str) -> None:
    """Refuse a principal that opened the dispute it would rule on.

    Called for ``dispute.rule`` only: an arbiter's address is never a party's (the agreement
    refuses it), so this holds by construction and is checked anyway. A settlement is signed
    by every partner, the opener included, so ``dispute.settle`` does not call it.

    Raises:
        Unauthorized: ``rule="party"``.
    """
    if principal.address is not None and _same(principal.address, opened_by):
        raise Unauthorized(
            f"principal {principal.id} opened this dispute and may not rule on it",
            rule="party",
            opened_by=opened_by,
        )


def _same(own: str | None, other: str) -> bool:
    """One identity: addresses compare without regard to checksum case, URNs exactly."""
    if own is None or not isinstance(other, str):
        return False
    if own.startswith("0x"):
        return own.lower() == other.lower()
    return own == other
