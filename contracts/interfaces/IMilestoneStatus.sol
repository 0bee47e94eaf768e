// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IMilestoneStatus
/// @notice What other contracts need to know of a project's milestones.
interface IMilestoneStatus {
    /// @notice Whether the milestone was released (and not rejected since).
    function isReleased(uint256 projectId, uint256 milestoneId) external view returns (bool);
}
