"""The client's calls on the projects resources (see docs/api/projects.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from eth_account.signers.local import LocalAccount

from api.client._base import Base
from ledger.agreements import parse_agreement
from ledger.chain.registry import Side

_SIDES = {"foreign": Side.FOREIGN, "local": Side.LOCAL}


class ProjectsApi(Base):
    """Calls on the projects routes."""

    def create_project(self, agreement: Mapping[str, Any]) -> Any:
        """Create a project from its agreement document (admins); the new project."""
        return self.post("/v1/projects", {"agreement": dict(agreement)})

    def projects(self) -> list[Any]:
        """Every project, by id, following every page (admins)."""
        return self.pages("/v1/projects")

    def project(self, project_id: int) -> Any:
        """One project."""
        return self.get(f"/v1/projects/{project_id}")

    def agreement(self, project_id: int) -> Any:
        """The current version of the project's agreement."""
        return self.get(f"/v1/projects/{project_id}/agreement")

    def agreement_versions(self, project_id: int) -> list[Any]:
        """Every version of the project's agreement, oldest first."""
        return self.pages(f"/v1/projects/{project_id}/agreement/versions")

    def agreement_version(self, project_id: int, version: int) -> Any:
        """One version of the project's agreement."""
        return self.get(f"/v1/projects/{project_id}/agreement/versions/{version}")

    def amend_agreement(
        self,
        project_id: int,
        agreement: Mapping[str, Any],
        accounts: Iterable[LocalAccount],
        *,
        reason: str,
    ) -> Any:
        """Adopt ``agreement`` as the next version, signed here by each of ``accounts``
        (every partner); the new version."""
        project = self.project(project_id)
        version = project["agreement_version"] + 1
        document_hash = parse_agreement(agreement).document_hash()
        signatures = [
            self.signer(account).amendment(project["chain_project_id"], version, document_hash)
            for account in accounts
        ]
        body = {
            "version": version,
            "agreement": dict(agreement),
            "reason": reason,
            "signatures": signatures,
        }
        return self.post(f"/v1/projects/{project_id}/agreement/amendments", body)

    def partners(self, project_id: int) -> list[Any]:
        """The project's partners in joining order."""
        return self.pages(f"/v1/projects/{project_id}/partners")

    def partner(self, project_id: int, number: int) -> Any:
        """One partner of the project, by number."""
        return self.get(f"/v1/projects/{project_id}/partners/{number}")

    def join(
        self,
        project_id: int,
        account: LocalAccount,
        side: Side | str,
        *,
        payout_address: str | None = None,
    ) -> Any:
        """Join the project as ``account`` on ``side`` (``"foreign"``, ``"local"`` or a
        registry :class:`~ledger.chain.registry.Side`), signed here; the new partner."""
        if isinstance(side, str) and side not in _SIDES:
            raise ValueError(f"side is 'foreign' or 'local', not {side!r}")
        chain_side = _SIDES[side] if isinstance(side, str) else Side(side)
        project = self.project(project_id)
        signature = self.signer(account).join(
            project["chain_project_id"], project["agreement_hash"], chain_side
        )
        body: dict[str, Any] = {"address": account.address, "signature": signature}
        if payout_address is not None:
            body["payout_address"] = payout_address
        return self.post(f"/v1/projects/{project_id}/partners", body)
