"""What the domain services need besides a database session: the contracts, keys and clock.

Services are functions ``service(session, ledger, *, ...)``: the caller owns the session
(one transaction per act), :class:`Ledger` carries the rest. :meth:`Ledger.of` builds it
from an open :class:`~ledger.runtime.Runtime`; tests build it from their own chain.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eth_account.signers.local import LocalAccount

from ledger.background_ip import DocumentStore, KeyVault
from ledger.chain.background import BackgroundEscrowGateway
from ledger.chain.compiler import Artifact, Build
from ledger.chain.contract import ContractGateway
from ledger.chain.credentials import CredentialRegistryGateway
from ledger.chain.disputes import DisputeResolutionGateway
from ledger.chain.escrow import MilestoneEscrowGateway
from ledger.chain.gateway import Chain
from ledger.chain.record_anchor import RecordAnchorGateway
from ledger.chain.registry import ProjectRegistryGateway
from ledger.chain.rights import (
    ForegroundRegistryGateway,
    RevenueSharingGateway,
    TieredRightsGateway,
)
from ledger.errors import ConfigurationError, NotFound
from ledger.runtime import Runtime
from ledger.settings import Settings

G = TypeVar("G", bound=ContractGateway)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Ledger:
    """The collaborators of every service.

    Attributes:
        chain: The chain; its operator account submits the ledger's transactions and is
            each project's ledger signer (the only account that anchors its record).
        record_key: The Ed25519 key that signs the record's tree heads.
        anchor_every: The record is anchored on chain at least every this many entries.
        documents: Where sealed background documents are stored.
        vault: Where their keys are kept.
        clock: The ledger's time (tests move it).
    """

    chain: Chain
    registry: ProjectRegistryGateway
    escrow: MilestoneEscrowGateway
    disputes: DisputeResolutionGateway
    rights: TieredRightsGateway
    foreground: ForegroundRegistryGateway
    background: BackgroundEscrowGateway
    credentials: CredentialRegistryGateway
    anchor: RecordAnchorGateway
    record_key: Ed25519PrivateKey
    documents: DocumentStore
    vault: KeyVault
    revenue_artifact: Artifact
    anchor_every: int = 100
    clock: Callable[[], datetime] = field(default=utc_now)

    @property
    def operator(self) -> LocalAccount:
        return self.chain.operator

    @property
    def revenue(self) -> RevenueSharingGateway:
        """The RevenueSharing contract the foreground registry deployed."""
        address = self.foreground.revenue_address()
        return RevenueSharingGateway(self.chain, self.chain.at(self.revenue_artifact, address))

    @classmethod
    def of(cls, runtime: Runtime) -> Ledger:
        """The collaborators in a process opened by :func:`~ledger.runtime.open_runtime`."""
        settings = runtime.settings
        return cls.connect(
            runtime.chain,
            runtime.build,
            {name: row.address for name, row in runtime.deployments.items()},
            record_key=record_key(settings),
            home=settings.home,
            vault_key=vault_key(settings),
            anchor_every=settings.anchor_every,
        )

    @classmethod
    def connect(
        cls,
        chain: Chain,
        build: Build,
        addresses: Mapping[str, str],
        *,
        record_key: Ed25519PrivateKey,
        home: Path,
        vault_key: bytes,
        anchor_every: int = 100,
    ) -> Ledger:
        """The collaborators over contracts deployed at ``addresses`` (name -> address).

        Raises:
            NotFound: when a contract the services need is not among ``addresses``.
        """

        def gateway(kind: type[G]) -> G:
            address = addresses.get(kind.NAME)
            if address is None:
                raise NotFound(f"{kind.NAME} is not deployed on this chain", contract=kind.NAME)
            return kind(chain, chain.at(build[kind.NAME], address))

        return cls(
            chain=chain,
            registry=gateway(ProjectRegistryGateway),
            escrow=gateway(MilestoneEscrowGateway),
            disputes=gateway(DisputeResolutionGateway),
            rights=gateway(TieredRightsGateway),
            foreground=gateway(ForegroundRegistryGateway),
            background=gateway(BackgroundEscrowGateway),
            credentials=gateway(CredentialRegistryGateway),
            anchor=gateway(RecordAnchorGateway),
            record_key=record_key,
            documents=DocumentStore(home / "documents"),
            vault=KeyVault(home / "vault.json", vault_key),
            revenue_artifact=build["RevenueSharing"],
            anchor_every=anchor_every,
        )


def record_key(settings: Settings) -> Ed25519PrivateKey:
    """The record's signing key: ``IPLEDGER_RECORD_KEY``, else one kept in the data folder.

    Raises:
        ConfigurationError: in production without ``IPLEDGER_RECORD_KEY``.
    """
    if settings.record_key is not None:
        seed = bytes.fromhex(settings.record_key.get_secret_value().removeprefix("0x"))
        return Ed25519PrivateKey.from_private_bytes(seed)
    if settings.env == "production":
        raise ConfigurationError("IPLEDGER_RECORD_KEY is required in production")
    return Ed25519PrivateKey.from_private_bytes(_secret_file(settings.home / "record.key"))


def vault_key(settings: Settings) -> bytes:
    """The key that encrypts the vault of document keys, kept in the data folder."""
    return _secret_file(settings.home / "vault.key")


def _secret_file(path: Path) -> bytes:
    """32 random bytes created once (mode 0600) and read back on every start."""
    if path.exists():
        data = bytes.fromhex(path.read_text().strip())
        if len(data) != 32:
            raise ConfigurationError(f"{path} does not hold 32 bytes of hex")
        return data
    path.parent.mkdir(parents=True, exist_ok=True)
    data = os.urandom(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(data.hex())
    return data
