// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/// @title CredentialRegistry
/// @notice Anchors the hashes of verifiable credentials and their revocations. The operator
/// registers issuers; only an issuer's own signature anchors or revokes its credentials (anyone may
/// relay it). A revoked credential stays revoked: there is no way back, and its hash cannot be
/// anchored again.
contract CredentialRegistry is Ownable, EIP712 {
    /// @notice What the chain knows of one credential.
    struct Status {
        address issuer;
        uint64 anchoredAt;
        uint64 revokedAt;
        bytes32 revocationReason;
    }

    bytes32 private constant ANCHOR_TYPEHASH = keccak256("CredentialAnchor(bytes32 credentialHash)");
    bytes32 private constant REVOKE_TYPEHASH = keccak256("CredentialRevocation(bytes32 credentialHash,bytes32 reason)");

    // ------------------------------------------------------------------ errors

    /// @notice The account is not a registered issuer.
    error CredentialRegistryUnknownIssuer(address issuer);
    /// @notice The issuer is registered already.
    error CredentialRegistryIssuerExists(address issuer);
    /// @notice The signature is malformed, malleable, or not the issuer's.
    error CredentialRegistryBadSignature(address issuer);
    /// @notice The credential hash is zero.
    error CredentialRegistryZeroHash();
    /// @notice The credential was anchored before (perhaps revoked since).
    error CredentialRegistryAlreadyAnchored(bytes32 credentialHash, address issuer);
    /// @notice No credential with this hash was anchored.
    error CredentialRegistryUnknownCredential(bytes32 credentialHash);
    /// @notice Only the credential's own issuer may revoke it.
    error CredentialRegistryNotIssuer(bytes32 credentialHash, address issuer, address caller);
    /// @notice The credential is revoked already.
    error CredentialRegistryAlreadyRevoked(bytes32 credentialHash, uint64 revokedAt);

    // ------------------------------------------------------------------ events

    /// @notice The operator registered an issuer (ISO 3166-1 alpha-2 jurisdiction).
    event IssuerRegistered(address indexed issuer, bytes2 jurisdiction, bytes32 nameHash);
    /// @notice An issuer anchored a credential hash.
    event CredentialAnchored(bytes32 indexed credentialHash, address indexed issuer);
    /// @notice An issuer revoked a credential, for good.
    event CredentialRevoked(bytes32 indexed credentialHash, address indexed issuer, bytes32 reason);

    // ------------------------------------------------------------------ storage

    mapping(address issuer => bytes2 jurisdiction) private _issuers;
    mapping(bytes32 credentialHash => Status) private _credentials;

    // ------------------------------------------------------------------ constructor

    /// @param operator The account that registers issuers.
    constructor(address operator) Ownable(operator) EIP712("CredentialRegistry", "1") {}

    // ------------------------------------------------------------------ writes

    /// @notice Register an issuer of credentials for a jurisdiction.
    function registerIssuer(address issuer, bytes2 jurisdiction, bytes32 nameHash) external onlyOwner {
        if (_issuers[issuer] != bytes2(0)) revert CredentialRegistryIssuerExists(issuer);
        if (issuer == address(0) || jurisdiction == bytes2(0)) revert CredentialRegistryUnknownIssuer(issuer);
        _issuers[issuer] = jurisdiction;
        emit IssuerRegistered(issuer, jurisdiction, nameHash);
    }

    /// @notice Anchor a credential hash with its issuer's signature.
    function anchor(address issuer, bytes32 credentialHash, bytes calldata signature) external {
        if (_issuers[issuer] == bytes2(0)) revert CredentialRegistryUnknownIssuer(issuer);
        if (credentialHash == bytes32(0)) revert CredentialRegistryZeroHash();
        Status storage status = _credentials[credentialHash];
        if (status.issuer != address(0)) revert CredentialRegistryAlreadyAnchored(credentialHash, status.issuer);
        _requireSignature(issuer, keccak256(abi.encode(ANCHOR_TYPEHASH, credentialHash)), signature);
        status.issuer = issuer;
        status.anchoredAt = uint64(block.timestamp);
        emit CredentialAnchored(credentialHash, issuer);
    }

    /// @notice Revoke a credential with its issuer's signature. Final.
    function revoke(address issuer, bytes32 credentialHash, bytes32 reason, bytes calldata signature) external {
        Status storage status = _credentials[credentialHash];
        if (status.issuer == address(0)) revert CredentialRegistryUnknownCredential(credentialHash);
        if (status.issuer != issuer) revert CredentialRegistryNotIssuer(credentialHash, status.issuer, issuer);
        if (status.revokedAt != 0) revert CredentialRegistryAlreadyRevoked(credentialHash, status.revokedAt);
        _requireSignature(issuer, keccak256(abi.encode(REVOKE_TYPEHASH, credentialHash, reason)), signature);
        status.revokedAt = uint64(block.timestamp);
        status.revocationReason = reason;
        emit CredentialRevoked(credentialHash, issuer, reason);
    }

    // ------------------------------------------------------------------ views

    /// @notice The jurisdiction of an issuer, or zero when not registered.
    function issuerJurisdiction(address issuer) external view returns (bytes2) {
        return _issuers[issuer];
    }

    /// @notice What the chain knows of a credential (all zero when never anchored).
    function statusOf(bytes32 credentialHash) external view returns (Status memory) {
        return _credentials[credentialHash];
    }

    // ------------------------------------------------------------------ internal

    function _requireSignature(address issuer, bytes32 structHash, bytes calldata signature) private view {
        (address signer, ECDSA.RecoverError failure,) = ECDSA.tryRecoverCalldata(_hashTypedDataV4(structHash), signature);
        if (failure != ECDSA.RecoverError.NoError || signer != issuer) revert CredentialRegistryBadSignature(issuer);
    }
}
