"""The deployment a client signs against: the chain id and each contract's address."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import LedgerDep, PrincipalDep
from api.schemas import AUTH_PROBLEMS, Address, problems

router = APIRouter(prefix="/v1", tags=["chain"])


class ChainOut(BaseModel):
    """What an EIP-712 signature and a raw transaction of this deployment are bound to."""

    chain_id: int = Field(examples=[131277322940537])
    operator: Address = Field(description="The account that submits the ledger's transactions.")
    contracts: dict[str, Address] = Field(
        description="Each contract's address by name (`ProjectRegistry`, `MilestoneEscrow`, …).",
    )


@router.get("/chain", response_model=ChainOut, responses=problems(*AUTH_PROBLEMS))
def chain(caller: PrincipalDep, ledger: LedgerDep) -> ChainOut:
    """The chain id, the operator and the contracts' addresses (any principal)."""
    return ChainOut(
        chain_id=ledger.chain.chain_id,
        operator=ledger.operator.address,
        contracts={
            "ProjectRegistry": ledger.registry.address,
            "MilestoneEscrow": ledger.escrow.address,
            "DisputeResolution": ledger.disputes.address,
            "TieredRights": ledger.rights.address,
            "BackgroundEscrow": ledger.background.address,
            "ForegroundRegistry": ledger.foreground.address,
            "CredentialRegistry": ledger.credentials.address,
            "RecordAnchor": ledger.anchor.address,
        },
    )
