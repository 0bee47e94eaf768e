"""The transport every part of the client shares: requests, problems, keys, signing."""

from __future__ import annotations

import uuid
from typing import Any

import httpx2
from eth_account.signers.local import LocalAccount

from ledger.client import Domains, Signer


class ApiError(Exception):
    """An answer of 400 or more, with its problem document (RFC 9457)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        super().__init__(f"{status} {problem.get('title', '')}: {problem.get('detail', '')}")

    @property
    def type(self) -> str:
        return str(self.problem.get("type", "about:blank"))


class Base:
    """One principal's view of the API over an :class:`httpx2.Client` (httpx's next generation).

    Args:
        http: the HTTP client (its ``base_url`` is the server's root); a
            :class:`fastapi.testclient.TestClient` works too.
        api_key: the principal's key; ``None`` for unauthenticated calls (``/health``).
    """

    def __init__(self, http: httpx2.Client, api_key: str | None = None) -> None:
        self.http = http
        self.api_key = api_key
        self._domains: Domains | None = None

    @classmethod
    def connect(cls, base_url: str, api_key: str | None = None, *, timeout: float = 60.0) -> Any:
        """A client of the server at ``base_url`` (``http://127.0.0.1:8000``)."""
        return cls(httpx2.Client(base_url=base_url, timeout=timeout), api_key)

    def as_key(self, api_key: str) -> Any:
        """The same server as another principal (shares the connection pool)."""
        other = type(self)(self.http, api_key)
        other._domains = self._domains
        return other

    def close(self) -> None:
        self.http.close()

    # ------------------------------------------------------------------ requests

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Send a request; the decoded JSON body, or :class:`ApiError` for 400 and above.

        Every POST carries an ``Idempotency-Key`` (a fresh UUID unless given), so a caller
        that retries the same call with the same key cannot create twice.
        """
        headers: dict[str, str] = {}
        if self.api_key is not None:
            headers["Authorization"] = f"Bearer {self.api_key}"
        if method == "POST":
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        query = {k: v for k, v in (params or {}).items() if v is not None}
        response = self.http.request(method, path, json=json, params=query, headers=headers)
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason_phrase, "detail": response.text}
            raise ApiError(response.status_code, problem)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None, *, idempotency_key: str | None = None) -> Any:
        return self.request("POST", path, json=body, idempotency_key=idempotency_key)

    def pages(self, path: str, **params: Any) -> list[Any]:
        """Every item of a paged list, following ``next_cursor`` to the end."""
        items: list[Any] = []
        cursor = None
        while True:
            page = self.get(path, **params, cursor=cursor)
            items.extend(page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                return items

    # ------------------------------------------------------------------ signing

    def domains(self) -> Domains:
        """The deployment's EIP-712 domains, read once from ``GET /v1/chain``."""
        if self._domains is None:
            chain = self.get("/v1/chain")
            contracts = chain["contracts"]
            self._domains = Domains(
                chain_id=chain["chain_id"],
                registry=contracts["ProjectRegistry"],
                escrow=contracts["MilestoneEscrow"],
                disputes=contracts["DisputeResolution"],
                rights=contracts["TieredRights"],
                background=contracts["BackgroundEscrow"],
                foreground=contracts["ForegroundRegistry"],
            )
        return self._domains

    def signer(self, account: LocalAccount) -> Signer:
        """Signatures by ``account`` over this deployment's acts."""
        return Signer(account, self.domains())
