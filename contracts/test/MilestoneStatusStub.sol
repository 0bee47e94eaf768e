// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IMilestoneStatus} from "../interfaces/IMilestoneStatus.sol";

/// @title MilestoneStatusStub
/// @notice Test-only: a milestone status a test sets by hand, to test contracts that depend on
/// milestone releases without the escrow. Never deployed by the ledger.
contract MilestoneStatusStub is IMilestoneStatus {
    /// @notice A test marked a milestone as released.
    event StubReleased(uint256 indexed projectId, uint256 indexed milestoneId);

    mapping(uint256 projectId => mapping(uint256 milestoneId => bool)) private _released;

    /// @notice Mark a milestone as released.
    function markReleased(uint256 projectId, uint256 milestoneId) external {
        _released[projectId][milestoneId] = true;
        emit StubReleased(projectId, milestoneId);
    }

    /// @inheritdoc IMilestoneStatus
    function isReleased(uint256 projectId, uint256 milestoneId) external view returns (bool) {
        return _released[projectId][milestoneId];
    }
}
