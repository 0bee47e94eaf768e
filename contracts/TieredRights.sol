// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Agreement, Side, Tier} from "./IPLedgerTypes.sol";
import {ProjectRegistry} from "./ProjectRegistry.sol";
import {ITieredRightsEvents} from "./interfaces/ITieredRightsEvents.sol";

/// @title TieredRights
/// @notice The latest rights column of each tier of a project (Table 2), committed by a quorum of
/// partners, and the derivative tier's negotiated split, signed by every partner. The contract
/// enforces the tier rules itself, so a quorum cannot commit a column the agreement forbids.
/// @dev For core and derivative columns `profitBps` must be empty: their revenue follows the
/// rights column (core through the brackets). Only the application column carries profit bps.
contract TieredRights is ITieredRightsEvents, EIP712 {
    /// @notice A committed column: partners in ascending address order, their bps, and its provenance.
    struct Column {
        uint256 snapshotId;
        uint64 committedAt;
        bytes32 root;
        bytes32 inputsHash;
        address[] partners;
        uint16[] rightsBps;
        uint16[] profitBps;
    }

    /// @notice A column as submitted: partners in ascending address order and their bps.
    struct ColumnInput {
        address[] partners;
        uint16[] rightsBps;
        uint16[] profitBps;
    }

    /// @notice A split of derivative revenue signed by every partner.
    struct NegotiatedSplit {
        uint256 nonce;
        address[] partners;
        uint16[] bps;
    }

    bytes32 private constant SNAPSHOT_TYPEHASH = keccak256(
        "Snapshot(uint256 projectId,uint256 snapshotId,uint8 tier,bytes32 root,bytes32 inputsHash,bytes32 columnHash)"
    );
    bytes32 private constant SPLIT_TYPEHASH =
        keccak256("NegotiatedSplit(uint256 projectId,uint256 nonce,bytes32 splitHash)");
    uint256 private constant BPS = 10_000;

    // ------------------------------------------------------------------ storage

    ProjectRegistry private immutable _registry;
    mapping(uint256 projectId => mapping(Tier tier => Column)) private _columns;
    mapping(uint256 projectId => NegotiatedSplit) private _splits;

    // ------------------------------------------------------------------ constructor

    /// @param registry_ The registry of projects, partners and agreements.
    constructor(ProjectRegistry registry_) EIP712("TieredRights", "1") {
        _registry = registry_;
    }

    // ------------------------------------------------------------------ writes

    /// @notice Commit a tier's column signed by a quorum of partners (signers in ascending order).
    /// @param column Partners in ascending address order with their rights bps (and profit bps for the application tier).
    function commitSnapshot(
        uint256 projectId,
        uint256 snapshotId,
        Tier tier,
        ColumnInput calldata column,
        bytes32 root,
        bytes32 inputsHash,
        bytes[] calldata signatures
    ) external {
        _checkColumn(projectId, tier, column.partners, column.rightsBps, column.profitBps);
        Column storage stored = _columns[projectId][tier];
        if (snapshotId <= stored.snapshotId) {
            revert TieredRightsStaleSnapshot(projectId, tier, snapshotId, stored.snapshotId);
        }
        bytes32 columnHash = keccak256(abi.encode(column.partners, column.rightsBps, column.profitBps));
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(SNAPSHOT_TYPEHASH, projectId, snapshotId, tier, root, inputsHash, columnHash))
        );
        _registry.verifyQuorum(projectId, digest, signatures);
        stored.snapshotId = snapshotId;
        stored.committedAt = uint64(block.timestamp);
        stored.root = root;
        stored.inputsHash = inputsHash;
        stored.partners = column.partners;
        stored.rightsBps = column.rightsBps;
        stored.profitBps = column.profitBps;
        emit SnapshotCommitted(projectId, snapshotId, tier, root, columnHash);
    }

    /// @notice Set the derivative tier's negotiated split, signed by every partner (ascending order).
    function setNegotiatedSplit(
        uint256 projectId,
        uint256 nonce,
        address[] calldata partners,
        uint16[] calldata bps,
        bytes[] calldata signatures
    ) external {
        if (partners.length != bps.length) revert TieredRightsLengthMismatch(partners.length, bps.length, 0);
        _checkPartners(projectId, partners);
        uint256 sum = _sum(bps);
        if (sum != BPS) revert TieredRightsBadSum("split", sum);
        NegotiatedSplit storage split = _splits[projectId];
        if (nonce <= split.nonce) revert TieredRightsStaleSplit(projectId, nonce, split.nonce);
        bytes32 splitHash = keccak256(abi.encode(partners, bps));
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(SPLIT_TYPEHASH, projectId, nonce, splitHash)));
        _registry.verifyAllPartners(projectId, digest, signatures);
        split.nonce = nonce;
        split.partners = partners;
        split.bps = bps;
        emit NegotiatedSplitSet(projectId, nonce, splitHash);
    }

    // ------------------------------------------------------------------ views

    /// @notice The latest column of a tier; `snapshotId` is 0 when none was committed.
    function columnOf(uint256 projectId, Tier tier) external view returns (Column memory) {
        return _columns[projectId][tier];
    }

    /// @notice The latest negotiated split of derivative revenue; `nonce` is 0 when none was set.
    function negotiatedSplitOf(uint256 projectId) external view returns (NegotiatedSplit memory) {
        return _splits[projectId];
    }

    /// @notice The registry this contract reads partners and agreements from.
    function registry() external view returns (ProjectRegistry) {
        return _registry;
    }

    // ------------------------------------------------------------------ internal

    function _checkColumn(
        uint256 projectId,
        Tier tier,
        address[] calldata partners,
        uint16[] calldata rightsBps,
        uint16[] calldata profitBps
    ) private view {
        bool application = tier == Tier.Application;
        if (rightsBps.length != partners.length || (application ? profitBps.length != partners.length : profitBps.length != 0)) {
            revert TieredRightsLengthMismatch(partners.length, rightsBps.length, profitBps.length);
        }
        Side[] memory sides = _checkPartners(projectId, partners);
        uint256 sum = _sum(rightsBps);
        if (sum != BPS) revert TieredRightsBadSum("rights", sum);
        Agreement memory agreement = _registry.agreementOf(projectId);
        if (tier == Tier.Core) {
            uint256 foreign = _sideTotal(sides, rightsBps, Side.Foreign);
            if (foreign < agreement.coreLo || foreign > agreement.coreHi) {
                revert TieredRightsCoreBand(foreign, agreement.coreLo, agreement.coreHi);
            }
        } else if (application) {
            sum = _sum(profitBps);
            if (sum != BPS) revert TieredRightsBadSum("profit", sum);
            (uint16 low, uint16 high) = _range(rightsBps);
            if (high - low > 1) revert TieredRightsApplicationUnequal(low, high);
        } else {
            uint256 local = _sideTotal(sides, rightsBps, Side.Local);
            if (local < agreement.derivativeLead) revert TieredRightsDerivativeLead(local, agreement.derivativeLead);
        }
    }

    function _checkPartners(uint256 projectId, address[] calldata partners) private view returns (Side[] memory sides) {
        sides = new Side[](partners.length);
        address previous = address(0);
        for (uint256 i = 0; i < partners.length; ++i) {
            if (partners[i] <= previous) revert TieredRightsPartnersNotAscending(i, partners[i]);
            (uint16 partnerId, Side side) = _registry.partnerOf(projectId, partners[i]);
            if (partnerId == 0) revert TieredRightsNotPartner(projectId, partners[i]);
            sides[i] = side;
            previous = partners[i];
        }
    }

    function _sum(uint16[] calldata bps) private pure returns (uint256 sum) {
        for (uint256 i = 0; i < bps.length; ++i) sum += bps[i];
    }

    function _sideTotal(Side[] memory sides, uint16[] calldata bps, Side side) private pure returns (uint256 total) {
        for (uint256 i = 0; i < bps.length; ++i) if (sides[i] == side) total += bps[i];
    }

    function _range(uint16[] calldata bps) private pure returns (uint16 low, uint16 high) {
        low = type(uint16).max;
        for (uint256 i = 0; i < bps.length; ++i) {
            if (bps[i] < low) low = bps[i];
            if (bps[i] > high) high = bps[i];
        }
    }
}
