// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title RecordAnchor
/// @notice Keeps the signed tree heads of the ledger's append-only record on chain.
/// @dev A tree head is the pair (tree size, root hash) of an RFC 9162 Merkle tree over
/// the record's entries. Heads are appended with strictly increasing sizes, so the
/// chain holds a monotone history an arbiter can check consistency proofs against.
/// Only the owner (the ledger's operator key) appends; nobody can edit or remove a head.
contract RecordAnchor is Ownable {
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

    /// @notice A head must cover at least one entry.
    error RecordAnchorEmptyTree();

    /// @notice A head must carry a non-zero root hash.
    /// @param treeSize The size given with the zero root.
    error RecordAnchorZeroRoot(uint64 treeSize);

    /// @notice The size was already anchored with a different root.
    /// @param treeSize The size in question.
    /// @param anchoredRoot The root anchored earlier for that size.
    /// @param givenRoot The conflicting root now given.
    error RecordAnchorConflictingHead(uint64 treeSize, bytes32 anchoredRoot, bytes32 givenRoot);

    /// @notice The same head was already anchored; nothing to do.
    /// @param treeSize The size in question.
    error RecordAnchorAlreadyAnchored(uint64 treeSize);

    /// @notice Sizes must strictly increase.
    /// @param treeSize The size given.
    /// @param latestSize The size of the latest anchored head.
    error RecordAnchorSizeNotIncreasing(uint64 treeSize, uint64 latestSize);

    /// @notice No head exists at that index.
    /// @param index The index asked for.
    /// @param count The number of anchored heads.
    error RecordAnchorIndexOutOfRange(uint256 index, uint256 count);

    // ------------------------------------------------------------------ events

    /// @notice Emitted once for every anchored head.
    /// @param treeSize Number of entries covered.
    /// @param rootHash Merkle tree hash over those entries.
    /// @param index Position of the head in the anchor history (0-based).
    /// @param anchoredBy The account that anchored it.
    event HeadAnchored(uint64 indexed treeSize, bytes32 rootHash, uint256 index, address indexed anchoredBy);

    // ------------------------------------------------------------------ storage

    Head[] private _heads;
    mapping(uint64 treeSize => bytes32 rootHash) private _rootBySize;

    // ------------------------------------------------------------------ constructor

    /// @param initialOwner The account allowed to anchor heads.
    constructor(address initialOwner) Ownable(initialOwner) {}

    // ------------------------------------------------------------------ writes

    /// @notice Anchor a tree head of the record.
    /// @param treeSize Number of entries the root covers; must exceed every earlier size.
    /// @param rootHash The RFC 9162 Merkle tree hash; must be non-zero.
    /// @return index Position of the new head in the anchor history.
    function anchor(uint64 treeSize, bytes32 rootHash) external onlyOwner returns (uint256 index) {
        if (treeSize == 0) revert RecordAnchorEmptyTree();
        if (rootHash == bytes32(0)) revert RecordAnchorZeroRoot(treeSize);
        bytes32 anchored = _rootBySize[treeSize];
        if (anchored != bytes32(0)) {
            if (anchored == rootHash) revert RecordAnchorAlreadyAnchored(treeSize);
            revert RecordAnchorConflictingHead(treeSize, anchored, rootHash);
        }
        uint256 count = _heads.length;
        if (count > 0) {
            uint64 latestSize = _heads[count - 1].treeSize;
            if (treeSize <= latestSize) revert RecordAnchorSizeNotIncreasing(treeSize, latestSize);
        }

        index = count;
        _heads.push(Head(treeSize, rootHash, uint64(block.timestamp), uint64(block.number)));
        _rootBySize[treeSize] = rootHash;
        emit HeadAnchored(treeSize, rootHash, index, msg.sender);
    }

    // ------------------------------------------------------------------ views

    /// @notice Number of anchored heads.
    function headCount() external view returns (uint256) {
        return _heads.length;
    }

    /// @notice The head at a position of the anchor history.
    /// @param index 0-based position; reverts with RecordAnchorIndexOutOfRange past the end.
    function headAt(uint256 index) external view returns (Head memory) {
        if (index >= _heads.length) revert RecordAnchorIndexOutOfRange(index, _heads.length);
        return _heads[index];
    }

    /// @notice The latest anchored head, or an all-zero head when none exists.
    function latestHead() external view returns (Head memory head) {
        uint256 count = _heads.length;
        if (count > 0) head = _heads[count - 1];
    }

    /// @notice The root anchored for a tree size, or zero when that size was never anchored.
    /// @param treeSize The size to look up.
    function rootAt(uint64 treeSize) external view returns (bytes32) {
        return _rootBySize[treeSize];
    }
}
