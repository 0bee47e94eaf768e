"""CredentialRegistry: issuers' own signatures anchor and revoke; a revocation is final."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from ledger.chain.compiler import Build
from ledger.chain.credentials import CredentialRegistryGateway
from ledger.chain.gateway import Chain
from ledger.errors import ContractReverted
from tests.contracts.conftest import key

CREDENTIAL = keccak(b"jcs of a degree credential")
REASON = keccak(b"degree withdrawn")


@pytest.fixture
def credentials(chain: Chain, build: Build) -> CredentialRegistryGateway:
    bound, _ = chain.deploy(build["CredentialRegistry"], chain.operator.address)
    gateway = CredentialRegistryGateway(chain, bound)
    gateway.register_issuer(key("tu-berlin").address, "DE", keccak(b"TU Berlin"))
    return gateway


def reverted(exc: pytest.ExceptionInfo[ContractReverted], error: str, **values: object) -> None:
    assert (exc.value.error, exc.value.values) == (error, values)


def anchored(credentials: CredentialRegistryGateway) -> None:
    issuer = key("tu-berlin")
    credentials.anchor(issuer.address, CREDENTIAL, credentials.anchor_signature(issuer, CREDENTIAL))


def test_issuer_anchors_and_revokes(chain: Chain, credentials: CredentialRegistryGateway) -> None:
    issuer = key("tu-berlin")
    receipt = credentials.anchor(
        issuer.address, CREDENTIAL, credentials.anchor_signature(issuer, CREDENTIAL)
    )
    (event,) = chain.decode_events(credentials.bound, "CredentialAnchored", receipt)
    assert event["args"]["issuer"] == issuer.address
    status = credentials.status(CREDENTIAL)
    assert status.issuer == issuer.address and not status.revoked

    signature = credentials.revocation_signature(issuer, CREDENTIAL, REASON)
    receipt = credentials.revoke(issuer.address, CREDENTIAL, REASON, signature)
    (event,) = chain.decode_events(credentials.bound, "CredentialRevoked", receipt)
    assert event["args"]["reason"] == REASON
    status = credentials.status(CREDENTIAL)
    assert status.revoked and status.revocation_reason == REASON
    assert status.revoked_at == chain.block(receipt.block_number).timestamp


def test_unknown_credential_has_no_issuer(credentials: CredentialRegistryGateway) -> None:
    assert credentials.status(keccak(b"never")).issuer is None


def test_revoked_credential_cannot_be_unrevoked_or_reanchored(
    credentials: CredentialRegistryGateway,
) -> None:
    issuer = key("tu-berlin")
    anchored(credentials)
    first = credentials.revoke(
        issuer.address,
        CREDENTIAL,
        REASON,
        credentials.revocation_signature(issuer, CREDENTIAL, REASON),
    )
    revoked_at = credentials.status(CREDENTIAL).revoked_at
    assert first.block_number > 0
    with pytest.raises(ContractReverted) as exc:
        credentials.revoke(
            issuer.address,
            CREDENTIAL,
            b"\0" * 32,
            credentials.revocation_signature(issuer, CREDENTIAL, b"\0" * 32),
        )
    reverted(
        exc, "CredentialRegistryAlreadyRevoked", credentialHash=CREDENTIAL, revokedAt=revoked_at
    )
    with pytest.raises(ContractReverted) as exc:
        anchored(credentials)
    reverted(
        exc,
        "CredentialRegistryAlreadyAnchored",
        credentialHash=CREDENTIAL,
        issuer=issuer.address.lower(),
    )


def test_unregistered_issuer_cannot_anchor(credentials: CredentialRegistryGateway) -> None:
    rogue = key("diploma-mill")
    with pytest.raises(ContractReverted) as exc:
        credentials.anchor(
            rogue.address, CREDENTIAL, credentials.anchor_signature(rogue, CREDENTIAL)
        )
    reverted(exc, "CredentialRegistryUnknownIssuer", issuer=rogue.address.lower())


def test_anchor_needs_the_issuers_signature(
    chain: Chain, credentials: CredentialRegistryGateway
) -> None:
    issuer = key("tu-berlin")
    forged = credentials.anchor_signature(chain.operator, CREDENTIAL)
    with pytest.raises(ContractReverted) as exc:
        credentials.anchor(issuer.address, CREDENTIAL, forged)
    reverted(exc, "CredentialRegistryBadSignature", issuer=issuer.address.lower())


def test_zero_hash_is_refused(credentials: CredentialRegistryGateway) -> None:
    issuer = key("tu-berlin")
    with pytest.raises(ContractReverted) as exc:
        credentials.anchor(
            issuer.address, bytes(32), credentials.anchor_signature(issuer, bytes(32))
        )
    reverted(exc, "CredentialRegistryZeroHash")


def test_only_the_issuer_revokes(credentials: CredentialRegistryGateway) -> None:
    anchored(credentials)
    other = key("other-university")
    credentials.register_issuer(other.address, "CN", keccak(b"other"))
    with pytest.raises(ContractReverted) as exc:
        credentials.revoke(
            other.address,
            CREDENTIAL,
            REASON,
            credentials.revocation_signature(other, CREDENTIAL, REASON),
        )
    reverted(
        exc,
        "CredentialRegistryNotIssuer",
        credentialHash=CREDENTIAL,
        issuer=key("tu-berlin").address.lower(),
        caller=other.address.lower(),
    )


def test_revoke_unknown_credential(credentials: CredentialRegistryGateway) -> None:
    issuer = key("tu-berlin")
    with pytest.raises(ContractReverted) as exc:
        credentials.revoke(
            issuer.address,
            CREDENTIAL,
            REASON,
            credentials.revocation_signature(issuer, CREDENTIAL, REASON),
        )
    reverted(exc, "CredentialRegistryUnknownCredential", credentialHash=CREDENTIAL)


def test_revocation_signature_is_bound_to_reason(credentials: CredentialRegistryGateway) -> None:
    issuer = key("tu-berlin")
    anchored(credentials)
    signature = credentials.revocation_signature(issuer, CREDENTIAL, REASON)
    with pytest.raises(ContractReverted) as exc:
        credentials.revoke(issuer.address, CREDENTIAL, keccak(b"other reason"), signature)
    reverted(exc, "CredentialRegistryBadSignature", issuer=issuer.address.lower())


def test_register_issuer_twice_or_by_stranger(
    chain: Chain, credentials: CredentialRegistryGateway
) -> None:
    issuer = key("tu-berlin")
    with pytest.raises(ContractReverted) as exc:
        credentials.register_issuer(issuer.address, "DE", b"\0" * 32)
    reverted(exc, "CredentialRegistryIssuerExists", issuer=issuer.address.lower())
    with pytest.raises(ContractReverted) as exc:
        chain.transact(
            credentials.bound,
            "registerIssuer",
            key("x").address,
            b"DE",
            b"\0" * 32,
            sender=chain.accounts[1],
        )
    reverted(exc, "OwnableUnauthorizedAccount", account=chain.accounts[1].address.lower())
    with pytest.raises(ContractReverted) as exc:
        chain.transact(credentials.bound, "registerIssuer", key("y").address, b"\0\0", b"\0" * 32)
    reverted(exc, "CredentialRegistryUnknownIssuer", issuer=key("y").address.lower())
    assert chain.call(credentials.bound, "issuerJurisdiction", issuer.address) == b"DE"
