// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title BaselineMerkleDistributor
/// @notice Benchmark baseline only: the least a Merkle-claim payout can do. One root, one
/// bitmap, a claim verifies the proof and sends. No quorum, no deadlines, no disputes. Its leaves
/// are the same as MilestoneEscrow's, so the same tree and proofs serve both.
contract BaselineMerkleDistributor {
    /// @notice The proof does not lead to the root.
    error BaselineMerkleDistributorInvalidProof();
    /// @notice The leaf was claimed already.
    error BaselineMerkleDistributorClaimed(uint256 index);
    /// @notice Sending the amount failed.
    error BaselineMerkleDistributorSendFailed(address account);

    /// @notice A leaf was claimed.
    event Claimed(uint256 indexed index, address indexed account, uint256 amount);

    bytes32 private immutable _root;
    mapping(uint256 word => uint256 bits) private _claimed;

    /// @param root The payout tree's root; fund the contract with the constructor's value.
    constructor(bytes32 root) payable {
        _root = root;
    }

    /// @notice Pay leaf `index` to `account`.
    function claim(uint256 index, address account, uint256 amount, bytes32[] calldata proof) external {
        uint256 word = index / 256;
        uint256 bit = 1 << (index % 256);
        if (_claimed[word] & bit != 0) revert BaselineMerkleDistributorClaimed(index);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(index, account, amount))));
        if (!MerkleProof.verifyCalldata(proof, _root, leaf)) revert BaselineMerkleDistributorInvalidProof();
        _claimed[word] |= bit;
        emit Claimed(index, account, amount);
        (bool sent,) = account.call{value: amount}("");
        if (!sent) revert BaselineMerkleDistributorSendFailed(account);
    }
}
