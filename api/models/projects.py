"""Projects and the agreement document they are created from: what the routes take and
answer (see docs/api/projects.md)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.schemas import Address, Hash
from ledger.agreements import ZERO_ADDRESS
from ledger.db import Project

#: The most characters an agreement document may take as JSON.
MAX_DOCUMENT = 100_000

#: An agreement as the examples show it: host CN, two German parties and a Chinese one.
EXAMPLE_AGREEMENT: dict[str, Any] = {
    "title": "Industrial vision",
    "host_jurisdiction": "CN",
    "parties": [
        {
            "name": "TU Example",
            "kind": "university",
            "jurisdiction": "DE",
            "address": "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
        },
        {
            "name": "Vision Works",
            "kind": "enterprise",
            "jurisdiction": "CN",
            "address": "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF",
        },
        {
            "name": "A. Talent",
            "kind": "individual",
            "jurisdiction": "DE",
            "address": "0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69",
        },
    ],
    "arbiters": [{"name": "Arbiter", "address": "0x1efF47bc3a10a45D4B230B5d10E37751FE6AA718"}],
    "tiers": {
        "core": {"territories": ["CN", "DE"]},
        "application": {"industries": ["C26", "C28"]},
    },
    "quorum": {"partners": 2},
}


def _bounded(document: dict[str, Any]) -> dict[str, Any]:
    if len(json.dumps(document, separators=(",", ":"))) > MAX_DOCUMENT:
        raise ValueError(f"an agreement document takes at most {MAX_DOCUMENT} characters of JSON")
    return document


#: The agreement document (``docs/projects.md``), validated by the ledger's rules.
AgreementDocument = Annotated[
    dict[str, Any],
    AfterValidator(_bounded),
    Field(
        description=(
            "The agreement document: every field is described in docs/projects.md "
            "(The agreement document). Unknown fields are refused; a field that breaks a rule "
            "is a 422 rule violation naming it by its dotted path."
        ),
        examples=[EXAMPLE_AGREEMENT],
    ),
]


class ProjectOut(BaseModel):
    """A project: where it lives on chain, its agreement's title and hash, its state."""

    id: int = Field(description="The project's id in the ledger (the `{project_id}` of paths).")
    chain_project_id: int = Field(
        description="Its id in the ProjectRegistry: the `projectId` every EIP-712 message names."
    )
    title: str
    host_jurisdiction: str = Field(
        description="ISO 3166-1 alpha-2; a party from it is `local`, any other `foreign`."
    )
    agreement_hash: Hash = Field(
        description=(
            "sha256 of the agreement document as created (version 1): the hash stored in the "
            "registry, which every partner signs when joining."
        )
    )
    state: str = Field(description="`active`, or `terminated` once the project is closed.")
    agreement_version: int = Field(description="The current version of the agreement.")
    token: Address | None = Field(
        description="The ERC-20 token the project's escrow holds; `null` for ether."
    )
    created_at: datetime

    @classmethod
    def of(cls, row: Project) -> ProjectOut:
        assert row.id is not None and row.chain_project_id is not None
        return cls(
            id=row.id,
            chain_project_id=row.chain_project_id,
            title=row.name,
            host_jurisdiction=row.host_jurisdiction,
            agreement_hash=row.agreement_hash,
            state=row.status,
            agreement_version=row.agreement_version,
            token=None if row.token.lower() == ZERO_ADDRESS else row.token,
            created_at=row.created_at,
        )


class ProjectIn(BaseModel):
    """A project to create, with its agreement."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"agreement": EXAMPLE_AGREEMENT}]}
    )

    agreement: AgreementDocument
