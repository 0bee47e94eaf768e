// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice What a dispute is about. Only milestone disputes freeze funds; snapshot and
/// contribution disputes are recorded for the ledger, which enforces their windows.
enum Subject {
    Milestone,
    Snapshot,
    Contribution
}

/// @title IDisputeResolution
/// @notice What the escrow asks of the disputes contract.
interface IDisputeResolution {
    /// @notice Whether an open dispute on the milestone exists (it freezes release, claims and sweep).
    function isFrozen(uint256 projectId, uint256 milestoneId) external view returns (bool);
}
