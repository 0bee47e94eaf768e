// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Tier} from "../IPLedgerTypes.sol";

/// @title ITieredRightsEvents
/// @notice The errors and events of TieredRights, kept apart so that the contract stays small.
interface ITieredRightsEvents {
    // ------------------------------------------------------------------ errors

    /// @notice The column's arrays differ in length (`profit` must be 0 outside the application tier).
    error TieredRightsLengthMismatch(uint256 partners, uint256 rights, uint256 profit);
    /// @notice Partner `index` is not strictly above the previous address.
    error TieredRightsPartnersNotAscending(uint256 index, address partner);
    /// @notice The account is not a partner of the project.
    error TieredRightsNotPartner(uint256 projectId, address account);
    /// @notice A bps column does not sum to exactly 10000; `column` is "rights", "profit" or "split".
    error TieredRightsBadSum(string column, uint256 sum);
    /// @notice Core: the foreign side's total is outside the agreement's band.
    error TieredRightsCoreBand(uint256 foreignTotal, uint16 lo, uint16 hi);
    /// @notice Application: shares are not equal (max - min above 1 bps).
    error TieredRightsApplicationUnequal(uint16 min, uint16 max);
    /// @notice Derivative: the local side's total is below the agreed lead.
    error TieredRightsDerivativeLead(uint256 localTotal, uint16 lead);
    /// @notice The snapshot id does not exceed the last one committed for the project and tier.
    error TieredRightsStaleSnapshot(uint256 projectId, Tier tier, uint256 snapshotId, uint256 last);
    /// @notice The negotiated split's nonce does not exceed the last one.
    error TieredRightsStaleSplit(uint256 projectId, uint256 nonce, uint256 last);

    // ------------------------------------------------------------------ events

    /// @notice A quorum committed a tier's column; it supersedes the previous one.
    event SnapshotCommitted(
        uint256 indexed projectId, uint256 indexed snapshotId, Tier indexed tier, bytes32 root, bytes32 columnHash
    );
    /// @notice Every partner signed a new split of derivative revenue.
    event NegotiatedSplitSet(uint256 indexed projectId, uint256 indexed nonce, bytes32 splitHash);
}
