"""The client's calls on the audit resources (see docs/api/audit.md).

``project_id`` 0 is record 0, the registry's (admins only).
"""

from __future__ import annotations

from typing import Any

from api.client._base import Base


class AuditApi(Base):
    """Calls on the audit routes."""

    def audit_entries(
        self,
        project_id: int,
        *,
        from_seq: int | None = None,
        to_seq: int | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        """One page of the record's entries from ``from_seq`` to ``to_seq``."""
        return self.get(  # type: ignore[no-any-return]
            f"/v1/audit/{project_id}/entries",
            from_seq=from_seq,
            to_seq=to_seq,
            limit=limit,
            cursor=cursor,
        )

    def audit_entry(
        self, project_id: int, seq: int, *, tree_size: int | None = None
    ) -> dict[str, Any]:
        """Entry ``seq``, its leaf hash and inclusion proof against a signed tree head (the
        latest, or that of ``tree_size``)."""
        return self.get(  # type: ignore[no-any-return]
            f"/v1/audit/{project_id}/entries/{seq}", tree_size=tree_size
        )

    def consistency(self, project_id: int, first: int, second: int | None = None) -> dict[str, Any]:
        """The heads of sizes ``first`` and ``second`` (default: all) and the consistency
        proof between them."""
        return self.get(  # type: ignore[no-any-return]
            f"/v1/audit/{project_id}/consistency", first=first, second=second
        )

    def tree_head(self, project_id: int) -> dict[str, Any]:
        """The signed tree head of the whole record."""
        return self.get(f"/v1/audit/{project_id}/head")  # type: ignore[no-any-return]

    def tree_heads(
        self, project_id: int, *, limit: int | None = None, cursor: str | None = None
    ) -> dict[str, Any]:
        """One page of the tree heads the ledger published."""
        return self.get(  # type: ignore[no-any-return]
            f"/v1/audit/{project_id}/heads", limit=limit, cursor=cursor
        )

    def anchors(
        self, project_id: int, *, limit: int | None = None, cursor: str | None = None
    ) -> dict[str, Any]:
        """One page of the tree heads anchored on chain."""
        return self.get(  # type: ignore[no-any-return]
            f"/v1/audit/{project_id}/anchors", limit=limit, cursor=cursor
        )

    def verify(self, project_id: int) -> dict[str, Any]:
        """The full check of the record: ``ok`` and each problem where it is seen."""
        return self.get(f"/v1/audit/{project_id}/verify")  # type: ignore[no-any-return]
