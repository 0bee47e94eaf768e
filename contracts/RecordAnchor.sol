// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ProjectRegistry} from "./ProjectRegistry.sol";

/// @title RecordAnchor
/// @notice Keeps the signed tree heads of each project's append-only record on chain.
/// @dev A tree head is the pair (tree size, root hash) of an RFC 9162 Merkle tree over the
/// project's record entries. Heads are appended with strictly increasing sizes, so the chain holds
/// a monotone history an arbiter can check consistency proofs against. Only the project's ledger
/// signer (named in its agreement) appends; nobody can edit or remove a head.
contract RecordAnchor {
    /// @notice One anchored tree head.
    /// @param treeSize Number of record entries covered by the root.
    /// @param rootHash RFC 9162 Merkle tree hash over those entries.
    /// @param anchoredAt Block timestamp of the anchoring transaction.
    /// @param blockNumber Block number of the anchoring transaction.
    struct Head {
        uint64 treeSize;
        bytes32 rootHash;
        uint64 anchoredAt;
        uint64 blockNumber;
    }

    // ------------------------------------------------------------------ errors

    /// @notice Only the project's ledger signer may anchor its record.
    error RecordAnchorNotLedgerSigner(uint256 projectId, address account);
    /// @notice A head must cover at least one entry.
    error RecordAnchorEmptyTree();
    /// @notice A head must carry a non-zero root hash.
    error RecordAnchorZeroRoot(uint64 treeSize);
    /// @notice The size was already anchored with a different root.
    error RecordAnchorConflictingHead(uint64 treeSize, bytes32 anchoredRoot, bytes32 givenRoot);
    /// @notice The same head was already anchored; nothing to do.
    error RecordAnchorAlreadyAnchored(uint64 treeSize);
    /// @notice Sizes must strictly increase.
    error RecordAnchorSizeNotIncreasing(uint64 treeSize, uint64 latestSize);
    /// @notice No head exists at that index.
    error RecordAnchorIndexOutOfRange(uint256 index, uint256 count);

    // ------------------------------------------------------------------ events

    /// @notice Emitted once for every anchored head.
    /// @param projectId The project whose record it is.
    /// @param treeSize Number of entries covered.
    /// @param rootHash Merkle tree hash over those entries.
    /// @param index Position of the head in the project's anchor history (0-based).
    /// @param anchoredBy The ledger signer that anchored it.
    event HeadAnchored(
        uint256 indexed projectId, uint64 indexed treeSize, bytes32 rootHash, uint256 index, address indexed anchoredBy
    );

    // ------------------------------------------------------------------ storage

    ProjectRegistry private immutable _registry;
    mapping(uint256 projectId => Head[]) private _heads;
    mapping(uint256 projectId => mapping(uint64 treeSize => bytes32 rootHash)) private _rootBySize;

    // ------------------------------------------------------------------ constructor

    /// @param registry_ The registry that names each project's ledger signer.
    constructor(ProjectRegistry registry_) {
        _registry = registry_;
    }

    // ------------------------------------------------------------------ writes

    /// @notice Anchor a tree head of a project's record.
    /// @param projectId The project (it must exist; its ledger signer must be the caller).
    /// @param treeSize Number of entries the root covers; must exceed every earlier size.
    /// @param rootHash The RFC 9162 Merkle tree hash; must be non-zero.
    /// @return index Position of the new head in the project's anchor history.
    function anchor(uint256 projectId, uint64 treeSize, bytes32 rootHash) external returns (uint256 index) {
        if (_registry.agreementOf(projectId).ledgerSigner != msg.sender) {
            revert RecordAnchorNotLedgerSigner(projectId, msg.sender);
        }
        if (treeSize == 0) revert RecordAnchorEmptyTree();
        if (rootHash == bytes32(0)) revert RecordAnchorZeroRoot(treeSize);
        bytes32 anchored = _rootBySize[projectId][treeSize];
        if (anchored != bytes32(0)) {
            if (anchored == rootHash) revert RecordAnchorAlreadyAnchored(treeSize);
            revert RecordAnchorConflictingHead(treeSize, anchored, rootHash);
        }
        Head[] storage heads = _heads[projectId];
        index = heads.length;
        if (index > 0) {
            uint64 latestSize = heads[index - 1].treeSize;
            if (treeSize <= latestSize) revert RecordAnchorSizeNotIncreasing(treeSize, latestSize);
        }

        heads.push(Head(treeSize, rootHash, uint64(block.timestamp), uint64(block.number)));
        _rootBySize[projectId][treeSize] = rootHash;
        emit HeadAnchored(projectId, treeSize, rootHash, index, msg.sender);
    }

    // ------------------------------------------------------------------ views

    /// @notice The registry this anchor trusts for ledger signers.
    function registry() external view returns (ProjectRegistry) {
        return _registry;
    }

    /// @notice Number of heads anchored for a project.
    function headCount(uint256 projectId) external view returns (uint256) {
        return _heads[projectId].length;
    }

    /// @notice The head at a position of a project's anchor history.
    /// @param index 0-based position; reverts with RecordAnchorIndexOutOfRange past the end.
    function headAt(uint256 projectId, uint256 index) external view returns (Head memory) {
        Head[] storage heads = _heads[projectId];
        if (index >= heads.length) revert RecordAnchorIndexOutOfRange(index, heads.length);
        return heads[index];
    }

    /// @notice The root anchored for a tree size of a project, or zero when never anchored.
    function rootAt(uint256 projectId, uint64 treeSize) external view returns (bytes32) {
        return _rootBySize[projectId][treeSize];
    }
}
