"""The client's calls on principals: who may call the API, and their keys (docs/auth.md)."""

from __future__ import annotations

from typing import Any

from api.client._base import Base


class PrincipalsApi(Base):
    """Calls on ``/v1/principals`` and ``/v1/me``."""

    def me(self) -> dict[str, Any]:
        """The principal this client's key belongs to."""
        return self.get("/v1/me")  # type: ignore[no-any-return]

    def create_principal(
        self,
        name: str,
        role: str,
        *,
        project_id: int | None = None,
        address: str | None = None,
        issuer_urn: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Create a principal (admins): ``principal`` and its ``api_key``, shown this once."""
        body = {
            "name": name,
            "role": role,
            "project_id": project_id,
            "address": address,
            "issuer_urn": issuer_urn,
        }
        return self.post("/v1/principals", body, idempotency_key=idempotency_key)  # type: ignore[no-any-return]

    def principals(self, project_id: int | None = None) -> list[dict[str, Any]]:
        """Every principal, revoked ones included, or those of one project (admins)."""
        return self.get("/v1/principals", project_id=project_id)  # type: ignore[no-any-return]

    def principal(self, principal_id: int) -> dict[str, Any]:
        """One principal (admins; every principal itself)."""
        return self.get(f"/v1/principals/{principal_id}")  # type: ignore[no-any-return]

    def revoke_principal(self, principal_id: int) -> dict[str, Any]:
        """Revoke a principal's key for good (admins; every principal itself)."""
        return self.request("DELETE", f"/v1/principals/{principal_id}")  # type: ignore[no-any-return]
