// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IMilestoneEscrow} from "../IMilestoneEscrow.sol";
import {Outcome} from "../IPLedgerTypes.sol";

/// @title RulingRelay
/// @notice Test only: stands in for the disputes contract so tests can apply any ruling to an
/// escrow directly. Nothing is frozen unless a test says so.
contract RulingRelay {
    mapping(uint256 projectId => mapping(uint256 milestoneId => bool)) private _frozen;

    /// @notice A test froze or unfroze a milestone.
    event FrozenSet(uint256 indexed projectId, uint256 indexed milestoneId, bool frozen);

    /// @notice Freeze or unfreeze a milestone in `escrow` as its disputes contract (test only).
    function setFrozen(IMilestoneEscrow escrow, uint256 projectId, uint256 milestoneId, bool frozen) external {
        _frozen[projectId][milestoneId] = frozen;
        emit FrozenSet(projectId, milestoneId, frozen);
        escrow.setFrozen(projectId, milestoneId, frozen);
    }

    /// @notice Pass a ruling to `escrow` as its disputes contract (test only).
    function relay(
        IMilestoneEscrow escrow,
        uint256 projectId,
        uint256 milestoneId,
        Outcome outcome,
        bytes32 newRoot,
        uint256 newTotal,
        address arbiter,
        uint256 fee
    ) external {
        escrow.applyRuling(projectId, milestoneId, outcome, newRoot, newTotal, arbiter, fee);
    }

    /// @notice Whether a test froze the milestone.
    function isFrozen(uint256 projectId, uint256 milestoneId) external view returns (bool) {
        return _frozen[projectId][milestoneId];
    }
}
