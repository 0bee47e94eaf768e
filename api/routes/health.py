"""Liveness and what this process runs on."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from api.deps import RuntimeDep
from ledger import __version__
from ledger.db import current_revision
from ledger.errors import StorageUnavailable

router = APIRouter(tags=["health"])


class ChainHealth(BaseModel):
    backend: str
    chain_id: int
    block_number: int
    block_hash: str


class DatabaseHealth(BaseModel):
    backend: str
    revision: str


class Health(BaseModel):
    status: str
    version: str
    chain: ChainHealth
    db: DatabaseHealth
    contracts: dict[str, str]


@router.get("/health", response_model=Health)
def health(runtime: RuntimeDep) -> Health:
    """Report the chain, the database and the deployed contracts; 503 if one is down."""
    chain = runtime.chain
    latest = chain.block()
    try:
        revision = current_revision(runtime.engine) or ""
    except SQLAlchemyError as exc:
        raise StorageUnavailable(
            f"the database does not answer: {exc.__class__.__name__}"
        ) from None
    return Health(
        status="ok",
        version=__version__,
        chain=ChainHealth(
            backend=chain.backend,
            chain_id=chain.chain_id,
            block_number=latest.number,
            block_hash=latest.hash,
        ),
        db=DatabaseHealth(backend=runtime.settings.db_backend, revision=revision),
        contracts={name: row.address for name, row in runtime.deployments.items()},
    )
