"""The checks a new principal passes before it is stored: its shape, its address, its issuer.

Each refusal is a :class:`~ledger.errors.RuleViolation` naming the argument in ``field``.
"""

from __future__ import annotations

from eth_utils import to_checksum_address
from sqlmodel import Session, select

from ledger.db import IssuerRecord, Partner
from ledger.errors import RuleViolation
from ledger.permissions import (
    ADDRESS_ALLOWED,
    ADDRESS_ROLES,
    ARBITER,
    GLOBAL_ROLES,
    ISSUER,
    PARTNER,
    ROLES,
)
from ledger.projects import agreement_of

MAX_NAME = 200


def principal_shape(
    name: str,
    role: str,
    project_id: int | None,
    address: str | None,
    issuer_urn: str | None,
) -> str:
    """Check what needs no database; returns the name, trimmed.

    Raises:
        RuleViolation: naming ``role``, ``name``, ``project_id``, ``address`` or
            ``issuer_urn``.
    """
    if role not in ROLES:
        raise RuleViolation(
            f"{role!r} is not a role; one of {', '.join(ROLES)}", field="role", role=role
        )
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
        raise RuleViolation(f"a principal's name has 1 to {MAX_NAME} characters", field="name")
    if role in GLOBAL_ROLES and project_id is not None:
        raise RuleViolation(
            f"{_a(role)} is global and belongs to no project", field="project_id", role=role
        )
    if role not in GLOBAL_ROLES and project_id is None:
        raise RuleViolation(
            f"{_a(role)} belongs to one project: name it", field="project_id", role=role
        )
    if address is None and role in ADDRESS_ROLES:
        raise RuleViolation(
            f"{_a(role)} acts with its signing address: name it", field="address", role=role
        )
    if address is not None and role not in ADDRESS_ALLOWED:
        raise RuleViolation(f"{_a(role)} acts with no address", field="address", role=role)
    if issuer_urn is not None and role != ISSUER:
        raise RuleViolation(
            "only an issuer principal names an issuer", field="issuer_urn", role=role
        )
    return name.strip()


def principal_address(
    session: Session, role: str, project_id: int | None, address: str | None
) -> str | None:
    """The checksummed address, checked against the project: a partner's must be a partner
    of it or a party its current agreement names (so a party gets its key before it joins,
    and joins through the API), an arbiter's an arbiter of its current agreement.

    Raises:
        RuleViolation: ``field="address"``.
    """
    if address is None:
        return None
    try:
        wanted = to_checksum_address(address)
    except (ValueError, TypeError):
        raise RuleViolation(f"{address!r} is not an address", field="address") from None
    if role == PARTNER:
        joined = session.exec(
            select(Partner.id)
            .where(Partner.project_id == project_id)
            .where(Partner.address == wanted)
        ).first()
        assert project_id is not None
        named = {p.address.lower() for p in agreement_of(session, project_id).parties}
        if joined is None and wanted.lower() not in named:
            raise RuleViolation(
                f"{wanted} is neither a partner of project {project_id} nor a party its "
                "agreement names",
                field="address",
                address=wanted,
                project_id=project_id,
            )
    if role == ARBITER:
        assert project_id is not None
        arbiters = {a.address.lower() for a in agreement_of(session, project_id).arbiters}
        if wanted.lower() not in arbiters:
            raise RuleViolation(
                f"{wanted} is not an arbiter of project {project_id}'s agreement",
                field="address",
                address=wanted,
                project_id=project_id,
            )
    return wanted


def principal_issuer(session: Session, issuer_urn: str | None) -> str | None:
    """The issuer URN, if it names a registered issuer.

    Raises:
        RuleViolation: ``field="issuer_urn"``.
    """
    if issuer_urn is None:
        return None
    known = session.exec(select(IssuerRecord.id).where(IssuerRecord.urn == issuer_urn)).first()
    if known is None:
        raise RuleViolation(
            f"{issuer_urn!r} names no registered issuer",
            field="issuer_urn",
            issuer_urn=issuer_urn,
        )
    return issuer_urn


def _a(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"
