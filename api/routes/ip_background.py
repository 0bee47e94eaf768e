"""Background IP in escrow: deposits, their metadata, key release and the released document.

A deposit takes two calls, because the owner signs a commitment to a key the ledger makes:
``POST …/background/prepare`` returns the terms to sign and an opaque ``handle``; ``POST
…/background`` sends the same inputs back with the handle and the owner's signature.
Nothing is stored between the two. The document travels base64-encoded in both bodies and
is never shown by a list or a read of metadata; only its owner and the party the chain
released its key to read it (``GET …/document``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlmodel import Session

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.routes.ip_common import MAX_ID, DepositIdPath, in_project, router
from api.schemas import (
    CURSOR_PATTERN,
    DEFAULT_LIMIT,
    Address,
    Hash,
    Page,
    Signature,
    decode_cursor,
    page,
    problems,
)
from ledger import background_service as background
from ledger import ip_queries
from ledger.background_reads import owner_of
from ledger.chain.background import DepositTerms
from ledger.db import BackgroundDeposit, Principal, session_scope
from ledger.errors import Unauthorized
from ledger.permissions import require

#: The largest document a deposit takes, in bytes (before base64).
MAX_DOCUMENT_BYTES = 1024 * 1024
#: The longest base64 text of such a document.
MAX_DOCUMENT_BASE64 = 4 * ((MAX_DOCUMENT_BYTES + 2) // 3)
#: The longest licence terms, as compact JSON.
MAX_TERMS_CHARS = 16 * 1024
#: The deepest nesting of objects and arrays in the terms.
MAX_TERMS_DEPTH = 16


def _depth(value: Any) -> int:
    """How deep objects and arrays nest in a JSON value (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        )
        if children is None:
            continue
        deepest = max(deepest, level)
        if level <= MAX_TERMS_DEPTH:
            stack.extend((child, level + 1) for child in children)
    return deepest


_TERMS_EXAMPLE = {"use": "project research only", "sublicence": False, "royalty_bps": 0}
_OWNER = "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"
_BENEFICIARY = "0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69"


class DepositInputs(BaseModel):
    """What a deposit is: the owner, the document, its terms, who gets the key and when."""

    model_config = ConfigDict(extra="forbid")

    owner: Address = Field(description="The depositing partner's address: the caller's own.")
    document: str = Field(
        min_length=1,
        max_length=MAX_DOCUMENT_BASE64,
        description=f"The document, base64 (RFC 4648 with padding), at most "
        f"{MAX_DOCUMENT_BYTES} bytes before encoding.",
    )
    terms: dict[str, Any] = Field(
        description="The licence terms for project use: a JSON object, at most "
        f"{MAX_TERMS_CHARS} characters as compact JSON, nested at most {MAX_TERMS_DEPTH} "
        "levels; integers up to 2**53.",
    )
    beneficiary: Address = Field(description="Who gets the key on the release milestone.")
    release_milestone: int = Field(
        ge=1, le=MAX_ID, description="The milestone number whose release releases the key."
    )

    @field_validator("document")
    @classmethod
    def _base64(cls, value: str) -> str:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("the document is not base64") from None
        if len(raw) > MAX_DOCUMENT_BYTES:
            raise ValueError(f"the document is larger than {MAX_DOCUMENT_BYTES} bytes")
        return value

    @field_validator("terms")
    @classmethod
    def _terms_size(cls, value: dict[str, Any]) -> dict[str, Any]:
        if _depth(value) > MAX_TERMS_DEPTH:
            raise ValueError(f"the terms nest deeper than {MAX_TERMS_DEPTH} levels")
        if len(json.dumps(value, separators=(",", ":"))) > MAX_TERMS_CHARS:
            raise ValueError(f"the terms are longer than {MAX_TERMS_CHARS} characters as JSON")
        return value

    def document_bytes(self) -> bytes:
        return base64.b64decode(self.document, validate=True)

    def arguments(self, project_id: int) -> dict[str, Any]:
        """The keyword arguments both service calls share."""
        return {
            "project_id": project_id,
            "owner": self.owner,
            "document": self.document_bytes(),
            "terms": self.terms,
            "beneficiary": self.beneficiary,
            "release_milestone": self.release_milestone,
        }


_INPUTS_EXAMPLE = {
    "owner": _OWNER,
    "document": base64.b64encode(b"%PDF-1.7 calibration process").decode(),
    "terms": _TERMS_EXAMPLE,
    "beneficiary": _BENEFICIARY,
    "release_milestone": 1,
}


class PrepareDepositIn(DepositInputs):
    """A deposit to prepare: the terms its owner will sign."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_INPUTS_EXAMPLE]})


class DepositIn(DepositInputs):
    """A prepared deposit, with the handle the preparation gave and the owner's signature."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    **_INPUTS_EXAMPLE,
                    "title": "Calibration process",
                    "handle": "0x" + "5e" * 60,
                    "signature": "0x" + "1b" * 65,
                }
            ]
        },
    )

    title: str = Field(min_length=1, max_length=200, description="The ledger's label.")
    handle: str = Field(
        pattern=r"^0x[0-9a-fA-F]{2,512}$", description="The `handle` the preparation returned."
    )
    signature: Signature = Field(
        description="The owner's EIP-712 `BackgroundDeposit` signature over the prepared terms."
    )


class DepositTermsOut(BaseModel):
    """The `BackgroundDeposit` struct the owner signs (escrow's domain)."""

    project_id: int = Field(description="The project's id on chain.")
    owner: Address
    document_hash: Hash = Field(description="sha256 of the document.")
    key_commitment: Hash = Field(description='sha256("ipledger/key/v1" || key).')
    terms_hash: Hash = Field(description="sha256 of the terms as RFC 8785 JSON.")
    beneficiary: Address
    release_milestone: int

    @classmethod
    def of(cls, terms: DepositTerms) -> DepositTermsOut:
        return cls(
            project_id=terms.project_id,
            owner=terms.owner,
            document_hash=terms.document_hash.hex(),
            key_commitment=terms.key_commitment.hex(),
            terms_hash=terms.terms_hash.hex(),
            beneficiary=terms.beneficiary,
            release_milestone=terms.release_milestone,
        )


class PreparedDepositOut(BaseModel):
    """What the owner signs, and the handle to send back with the signature."""

    terms: DepositTermsOut
    handle: str = Field(description="The document key wrapped by the ledger's vault: opaque.")


DepositState = Literal["held", "released", "withdrawn"]


class DepositOut(BaseModel):
    """A background deposit's metadata: never the document or its key."""

    id: int
    project_id: int
    owner: Address
    title: str
    document_hash: Hash
    key_commitment: Hash
    terms: dict[str, Any]
    terms_hash: Hash
    beneficiary: Address | None = Field(description="Who gets the key on the milestone.")
    release_milestone: int | None
    chain_deposit_id: int | None = Field(description="The deposit's id in the escrow contract.")
    state: DepositState
    released_to: Address | None = Field(description="Who the chain released the key to.")
    tx_hash: str | None = Field(description="The deposit's transaction.")
    created_at: datetime

    @classmethod
    def of(cls, session: Session, row: BackgroundDeposit, entry: dict[str, Any]) -> DepositOut:
        assert row.id is not None
        return cls(
            id=row.id,
            project_id=row.project_id,
            owner=owner_of(session, row),
            title=row.title,
            document_hash=row.document_hash,
            key_commitment=row.key_commitment,
            terms=json.loads(row.terms),
            terms_hash=hashlib.sha256(row.terms.encode("utf-8")).hexdigest(),
            beneficiary=entry.get("beneficiary"),
            release_milestone=entry.get("release_milestone"),
            chain_deposit_id=row.chain_deposit_id,
            state=row.state,  # type: ignore[arg-type]
            released_to=row.released_to,
            tx_hash=entry.get("tx"),
            created_at=row.created_at,
        )


def deposits_out(
    session: Session, project_id: int, rows: list[BackgroundDeposit]
) -> list[DepositOut]:
    ids = [row.id for row in rows if row.id is not None]
    entries = ip_queries.recorded(session, project_id, "background.deposited", "deposit_id", ids)
    return [DepositOut.of(session, row, entries.get(row.id or 0, {})) for row in rows]


def _deposit(session: Session, project_id: int, deposit_id: int) -> BackgroundDeposit:
    row = background.get_deposit(session, deposit_id)
    return in_project(row, project_id, "background deposit", "deposit_id", deposit_id)


class ReleaseIn(BaseModel):
    """Release a deposit's key: empty on its milestone, or an arbiter's ruling."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {},
                {"recipient": _BENEFICIARY, "arbiter_signature": "0x" + "1b" * 65},
            ]
        },
    )

    recipient: Address | None = Field(default=None, description="For a ruling: who gets the key.")
    arbiter_signature: Signature | None = Field(
        default=None,
        description="For a ruling: an arbiter's EIP-712 `BackgroundRelease(depositId, "
        "recipient)` signature, `depositId` being the id on chain.",
    )


class WithdrawIn(BaseModel):
    """The owner's withdrawal of its unreleased deposit, once the project is terminated."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"signature": "0x" + "1b" * 65}]}
    )

    signature: Signature = Field(
        description="The owner's EIP-712 `BackgroundWithdrawal(depositId)` signature."
    )


class DocumentOut(BaseModel):
    """A deposited document, opened for its owner or the party its key was released to."""

    deposit_id: int
    document_hash: Hash
    size: int = Field(description="The document's length in bytes.")
    document: str = Field(description="The document, base64.")


@router.post(
    "/projects/{project_id}/background/prepare",
    response_model=PreparedDepositOut,
    responses=problems(401, 403, 404, 409, 422, 502, 503),
)
def prepare_deposit(
    project_id: ProjectId,
    body: PrepareDepositIn,
    caller: Annotated[Principal, allowed("background.deposit")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> PreparedDepositOut:
    """The terms the owner signs to deposit a document, and a handle; stores nothing."""
    require(caller, "background.deposit", project_id=project_id, acting_as=body.owner)
    with session_scope(runtime.engine) as session:
        prepared = background.prepare_deposit(session, ledger, **body.arguments(project_id))
        return PreparedDepositOut(terms=DepositTermsOut.of(prepared.terms), handle=prepared.handle)


@router.post(
    "/projects/{project_id}/background",
    status_code=status.HTTP_201_CREATED,
    response_model=DepositOut,
    responses=problems(401, 403, 404, 409, 422, 502, 503),
)
def deposit(
    project_id: ProjectId,
    body: DepositIn,
    caller: Annotated[Principal, allowed("background.deposit")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> DepositOut:
    """Deposit a prepared document with its owner's signature: sealed off chain, on chain
    its hash and key commitment."""
    require(caller, "background.deposit", project_id=project_id, acting_as=body.owner)
    with session_scope(runtime.engine) as session:
        row = background.deposit(
            session,
            ledger,
            title=body.title,
            handle=body.handle,
            signature=body.signature,
            **body.arguments(project_id),
        )
        (out,) = deposits_out(session, project_id, [row])
    response.headers["Location"] = f"/v1/projects/{project_id}/background/{out.id}"
    return out


@router.get(
    "/projects/{project_id}/background",
    response_model=Page[DepositOut],
    responses=problems(401, 403, 404, 422),
)
def list_deposits(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
    state: Annotated[DepositState | None, Query(description="Only deposits in this state.")] = None,
    owner: Annotated[
        str | None,
        Query(pattern=r"^0x[0-9a-fA-F]{40}$", description="Only this partner's deposits."),
    ] = None,
) -> Page[DepositOut]:
    """The project's background deposits, oldest first (metadata only)."""
    with session_scope(runtime.engine) as session:
        rows = ip_queries.deposits_after(
            session,
            project_id,
            after=decode_cursor(cursor),
            limit=limit + 1,
            state=state,
            owner=owner,
        )
        return page(deposits_out(session, project_id, rows), limit, lambda d: d.id)


@router.get(
    "/projects/{project_id}/background/{deposit_id}",
    response_model=DepositOut,
    responses=problems(401, 403, 404, 422),
)
def get_deposit(
    project_id: ProjectId,
    deposit_id: DepositIdPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> DepositOut:
    """One background deposit's metadata."""
    with session_scope(runtime.engine) as session:
        (out,) = deposits_out(session, project_id, [_deposit(session, project_id, deposit_id)])
        return out


@router.post(
    "/projects/{project_id}/background/{deposit_id}/release",
    response_model=DepositOut,
    responses=problems(401, 403, 404, 409, 422, 502, 503),
)
def release(
    project_id: ProjectId,
    deposit_id: DepositIdPath,
    body: ReleaseIn,
    caller: Annotated[Principal, allowed("background.release")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> DepositOut:
    """Release a deposit's key: on its milestone (empty body; the chain checks the escrow
    released it), or to `recipient` by an arbiter's signed ruling."""
    with session_scope(runtime.engine) as session:
        _deposit(session, project_id, deposit_id)
        row = background.release(
            session,
            ledger,
            deposit_id=deposit_id,
            recipient=body.recipient,
            arbiter_signature=body.arbiter_signature,
        )
        (out,) = deposits_out(session, project_id, [row])
        return out


@router.post(
    "/projects/{project_id}/background/{deposit_id}/withdraw",
    response_model=DepositOut,
    responses=problems(401, 403, 404, 409, 422, 502, 503),
)
def withdraw(
    project_id: ProjectId,
    deposit_id: DepositIdPath,
    body: WithdrawIn,
    caller: Annotated[Principal, allowed("background.deposit")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> DepositOut:
    """Withdraw an unreleased deposit, as its owner, once the project is terminated."""
    with session_scope(runtime.engine) as session:
        held = _deposit(session, project_id, deposit_id)
        owner = owner_of(session, held)
        require(caller, "background.deposit", project_id=project_id, acting_as=owner)
        row = background.withdraw(session, ledger, deposit_id=deposit_id, signature=body.signature)
        (out,) = deposits_out(session, project_id, [row])
        return out


@router.get(
    "/projects/{project_id}/background/{deposit_id}/document",
    response_model=DocumentOut,
    responses=problems(401, 403, 404, 422, 502, 503),
)
def read_document(
    project_id: ProjectId,
    deposit_id: DepositIdPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> DocumentOut:
    """The document, for the party the chain released its key to (and its owner); 403 for
    anyone else, and for a principal without an address."""
    with session_scope(runtime.engine) as session:
        row = _deposit(session, project_id, deposit_id)
        if caller.address is None:
            raise Unauthorized(
                f"principal {caller.id} has no address the key could have been released to",
                field="reader",
            )
        document = background.read_document(
            session, ledger, deposit_id=deposit_id, reader=caller.address
        )
        return DocumentOut(
            deposit_id=deposit_id,
            document_hash=row.document_hash,
            size=len(document),
            document=base64.b64encode(document).decode("ascii"),
        )
