// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title PartnerQuorum
/// @notice Signature checks shared by the registry: one signer, k-of-n partners, an arbiter.
/// @dev Signatures are 65-byte ECDSA over an EIP-712 digest. OpenZeppelin's ECDSA refuses malleable
/// (high-s) signatures and zero-address recoveries. Partner signatures must come in strictly ascending
/// signer order, which rules out counting one signer twice without a set in storage.
abstract contract PartnerQuorum {
    /// @notice Signature `index` is malformed, malleable or recovers no address.
    error PartnerQuorumInvalidSignature(uint256 index);
    /// @notice The signature does not come from the expected account.
    error PartnerQuorumWrongSigner(address expected, address recovered);
    /// @notice Signers must be in strictly ascending address order.
    error PartnerQuorumSignersNotAscending(uint256 index, address signer);
    /// @notice Signer `index` is not a partner of the project.
    error PartnerQuorumNotPartner(uint256 index, address signer);
    /// @notice Fewer valid partner signatures than required.
    error PartnerQuorumNotMet(uint256 signers, uint256 required);
    /// @notice The signer is not an arbiter of the project.
    error PartnerQuorumNotArbiter(address signer);

    function _isPartner(uint256 projectId, address account) internal view virtual returns (bool);

    function _isArbiter(uint256 projectId, address account) internal view virtual returns (bool);

    function _recover(bytes32 digest, bytes calldata signature, uint256 index) internal pure returns (address signer) {
        ECDSA.RecoverError failure;
        (signer, failure,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (failure != ECDSA.RecoverError.NoError) revert PartnerQuorumInvalidSignature(index);
    }

    function _requireSigner(bytes32 digest, bytes calldata signature, address expected) internal pure {
        address signer = _recover(digest, signature, 0);
        if (signer != expected) revert PartnerQuorumWrongSigner(expected, signer);
    }

    function _requireQuorum(uint256 projectId, bytes32 digest, bytes[] calldata signatures, uint256 required)
        internal
        view
    {
        address previous = address(0);
        for (uint256 i = 0; i < signatures.length; ++i) {
            address signer = _recover(digest, signatures[i], i);
            if (signer <= previous) revert PartnerQuorumSignersNotAscending(i, signer);
            if (!_isPartner(projectId, signer)) revert PartnerQuorumNotPartner(i, signer);
            previous = signer;
        }
        if (signatures.length < required || required == 0) revert PartnerQuorumNotMet(signatures.length, required);
    }

    function _requireArbiter(uint256 projectId, bytes32 digest, bytes calldata signature)
        internal
        view
        returns (address signer)
    {
        signer = _recover(digest, signature, 0);
        if (!_isArbiter(projectId, signer)) revert PartnerQuorumNotArbiter(signer);
    }
}
