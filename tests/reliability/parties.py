"""A two-party project over a served API: the agreement, its partners' keys, their joins."""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount

from api.client import Client

KINDS = (
    ("TU Example", "university", "DE", "foreign"),
    ("Vision Works", "enterprise", "CN", "local"),
)


def agreement(accounts: list[LocalAccount], title: str) -> dict[str, Any]:
    """A DE university and a CN enterprise (``accounts[:2]``), ``accounts[2]`` arbitrating."""
    return {
        "title": title,
        "host_jurisdiction": "CN",
        "parties": [
            {"name": name, "kind": kind, "jurisdiction": where, "address": account.address}
            for (name, kind, where, _), account in zip(KINDS, accounts[:2], strict=True)
        ],
        "arbiters": [{"name": "Arbiter", "address": accounts[2].address}],
        "tiers": {"core": {"territories": ["CN", "DE"]}},
        "quorum": {"partners": 2},
    }


def join_partners(
    admin: Client, project: dict[str, Any], accounts: list[LocalAccount]
) -> list[tuple[LocalAccount, str]]:
    """A partner principal for each party, joined by its signature; (account, API key)."""
    joined = []
    for (_, _, _, side), account in zip(KINDS, accounts[:2], strict=True):
        created = admin.post(
            "/v1/principals",
            {
                "name": side,
                "role": "partner",
                "project_id": project["id"],
                "address": account.address,
            },
        )
        admin.as_key(created["api_key"]).join(project["id"], account, side)  # shares admin's pool
        joined.append((account, created["api_key"]))
    return joined
