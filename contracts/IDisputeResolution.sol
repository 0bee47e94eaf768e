// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Outcome} from "./IPLedgerTypes.sol";

/// @notice What a dispute is about. Only milestone disputes freeze funds; snapshot and
/// contribution disputes are recorded for the ledger, which enforces their windows.
enum Subject {
    Milestone,
    Snapshot,
    Contribution
}

/// @notice Where a dispute stands.
enum DisputeStatus {
    None,
    Open,
    Settled,
    Ruled,
    Lapsed
}

/// @notice One dispute. `subjectId` is a milestone, snapshot or contribution id of the project.
struct Dispute {
    uint256 projectId;
    uint256 subjectId;
    bytes32 evidenceHash;
    address openedBy;
    uint64 openedAt;
    Subject subject;
    DisputeStatus status;
    Outcome outcome;
}

/// @title IDisputeResolution
/// @notice Errors, events and views of the disputes contract. It tells the escrow when a
/// milestone's first dispute opens and its last one resolves (`IMilestoneEscrow.setFrozen`).
interface IDisputeResolution {
    // ------------------------------------------------------------------ errors

    /// @notice Only a partner of the project may open a dispute.
    error DisputeResolutionNotPartner(uint256 projectId, address account);
    /// @notice Only an arbiter of the project may rule.
    error DisputeResolutionNotArbiter(uint256 projectId, address account);
    /// @notice The milestone can no longer be disputed: disputes close when its claims open (`deadline`), or
    /// at once (deadline 0) when it was swept or rejected.
    error DisputeResolutionWindowClosed(uint256 projectId, uint256 milestoneId, uint256 deadline);
    /// @notice No dispute has this id.
    error DisputeResolutionUnknownDispute(uint256 disputeId);
    /// @notice The dispute was resolved already.
    error DisputeResolutionAlreadyResolved(uint256 disputeId, DisputeStatus status);
    /// @notice A resolution needs an outcome (Uphold, Reject or Replace).
    error DisputeResolutionInvalidOutcome(Outcome outcome);
    /// @notice The arbitration period ended at `deadline`: the dispute can only lapse or be settled.
    error DisputeResolutionArbitrationOver(uint256 disputeId, uint256 deadline);
    /// @notice The arbitration period runs until `deadline`; it can't lapse before.
    error DisputeResolutionArbitrationRunning(uint256 disputeId, uint256 deadline);
    /// @notice The fee exceeds the agreement's cap on the disputed amount.
    error DisputeResolutionFeeAboveCap(uint256 fee, uint256 cap);

    // ------------------------------------------------------------------ events

    /// @notice A partner opened a dispute.
    event DisputeOpened(
        uint256 indexed disputeId,
        uint256 indexed projectId,
        Subject subject,
        uint256 subjectId,
        address indexed openedBy,
        bytes32 evidenceHash
    );
    /// @notice Every partner signed a settlement.
    event DisputeSettled(
        uint256 indexed disputeId, uint256 indexed projectId, Outcome outcome, bytes32 newRoot, uint256 newTotal
    );
    /// @notice An arbiter ruled, with a fee taken from the project's pool.
    event DisputeRuled(
        uint256 indexed disputeId,
        uint256 indexed projectId,
        Outcome outcome,
        bytes32 newRoot,
        uint256 newTotal,
        address indexed arbiter,
        uint256 fee
    );
    /// @notice The arbitration period lapsed; the agreement's lapse outcome applies.
    event DisputeLapsed(uint256 indexed disputeId, uint256 indexed projectId, Outcome outcome);

    // ------------------------------------------------------------------ views

    /// @notice Whether an open dispute on the milestone exists (it freezes release, claims and sweep).
    function isFrozen(uint256 projectId, uint256 milestoneId) external view returns (bool);
}
