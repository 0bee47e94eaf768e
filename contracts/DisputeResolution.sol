// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Dispute, DisputeStatus, IDisputeResolution, Subject} from "./IDisputeResolution.sol";
import {IMilestoneEscrow, Milestone, MilestoneStatus} from "./IMilestoneEscrow.sol";
import {Agreement, Outcome} from "./IPLedgerTypes.sol";
import {ProjectRegistry} from "./ProjectRegistry.sol";

/// @title DisputeResolution
/// @notice Med-Arb disputes. A partner opens one on a milestone, snapshot or contribution; an open
/// milestone dispute freezes that milestone in the escrow (this contract tells the escrow when the
/// first dispute on a milestone opens and the last one resolves). It resolves once: by a settlement every
/// partner signs (mediation), by an arbiter's ruling within the arbitration period, or, after the
/// period, by the agreement's lapse outcome (anyone may trigger it). The operator has no role here.
contract DisputeResolution is IDisputeResolution, EIP712 {
    bytes32 private constant SETTLEMENT_TYPEHASH =
        keccak256("Settlement(uint256 disputeId,uint8 outcome,bytes32 newRoot,uint256 newTotal)");
    uint256 private constant BPS = 10_000;

    // ------------------------------------------------------------------ storage

    ProjectRegistry private immutable _registry;
    IMilestoneEscrow private immutable _escrow;
    uint256 private _disputeCount;
    mapping(uint256 disputeId => Dispute) private _disputes;
    mapping(uint256 projectId => mapping(uint256 milestoneId => uint256)) private _openOnMilestone;

    // ------------------------------------------------------------------ constructor

    /// @param registry_ The registry of projects, partners and arbiters.
    /// @param escrow_ The escrow whose milestones the outcomes apply to.
    constructor(ProjectRegistry registry_, IMilestoneEscrow escrow_) EIP712("DisputeResolution", "1") {
        _registry = registry_;
        _escrow = escrow_;
    }

    // ------------------------------------------------------------------ writes

    /// @notice Open a dispute as a partner. A released milestone may be disputed until its claims
    /// open; an unreleased one at any time (it then can't be released until the dispute resolves).
    /// @return disputeId The new dispute's id (counting from 1).
    function open(uint256 projectId, Subject subject, uint256 subjectId, bytes32 evidenceHash)
        external
        returns (uint256 disputeId)
    {
        (uint16 partnerId,) = _registry.partnerOf(projectId, msg.sender);
        if (partnerId == 0) revert DisputeResolutionNotPartner(projectId, msg.sender);
        uint256 openOnMilestone;
        if (subject == Subject.Milestone) {
            Milestone memory m = _escrow.milestoneOf(projectId, subjectId);
            if (m.status != MilestoneStatus.Planned) {
                uint256 deadline = m.status == MilestoneStatus.Released ? m.claimsOpenAt : 0;
                if (block.timestamp >= deadline) revert DisputeResolutionWindowClosed(projectId, subjectId, deadline);
            }
            openOnMilestone = ++_openOnMilestone[projectId][subjectId];
        }
        disputeId = ++_disputeCount;
        _disputes[disputeId] = Dispute({
            projectId: projectId,
            subjectId: subjectId,
            evidenceHash: evidenceHash,
            openedBy: msg.sender,
            openedAt: uint64(block.timestamp),
            subject: subject,
            status: DisputeStatus.Open,
            outcome: Outcome.None
        });
        emit DisputeOpened(disputeId, projectId, subject, subjectId, msg.sender, evidenceHash);
        if (openOnMilestone == 1) _escrow.setFrozen(projectId, subjectId, true);
    }

    /// @notice Settle by mediation: every partner signs Settlement(disputeId,outcome,newRoot,newTotal),
    /// signers in ascending order. Possible until the dispute is resolved otherwise.
    function settle(
        uint256 disputeId,
        Outcome outcome,
        bytes32 newRoot,
        uint256 newTotal,
        bytes[] calldata signatures
    ) external {
        Dispute storage d = _open(disputeId, outcome);
        bytes32 digest = settlementDigest(disputeId, outcome, newRoot, newTotal);
        _registry.verifyAllPartners(d.projectId, digest, signatures);
        _resolve(d, DisputeStatus.Settled, outcome);
        emit DisputeSettled(disputeId, d.projectId, outcome, newRoot, newTotal);
        _apply(d, outcome, newRoot, newTotal, address(0), 0);
    }

    /// @notice Rule as an arbiter of the project, until openedAt + arbitrationPeriod. The fee, taken
    /// from the project's pool, is at most arbiterFeeCapBps of the disputed milestone's total.
    function rule(uint256 disputeId, Outcome outcome, bytes32 newRoot, uint256 newTotal, uint256 fee) external {
        Dispute storage d = _open(disputeId, outcome);
        if (!_registry.isArbiter(d.projectId, msg.sender)) revert DisputeResolutionNotArbiter(d.projectId, msg.sender);
        Agreement memory agreement = _registry.agreementOf(d.projectId);
        uint256 deadline = d.openedAt + agreement.arbitrationPeriod;
        if (block.timestamp > deadline) revert DisputeResolutionArbitrationOver(disputeId, deadline);
        uint256 disputed = d.subject == Subject.Milestone ? _escrow.milestoneOf(d.projectId, d.subjectId).total : 0;
        uint256 cap = (disputed * agreement.arbiterFeeCapBps) / BPS;
        if (fee > cap) revert DisputeResolutionFeeAboveCap(fee, cap);
        _resolve(d, DisputeStatus.Ruled, outcome);
        emit DisputeRuled(disputeId, d.projectId, outcome, newRoot, newTotal, msg.sender, fee);
        _apply(d, outcome, newRoot, newTotal, msg.sender, fee);
    }

    /// @notice After the arbitration period, resolve with the agreement's lapse outcome (anyone).
    function lapse(uint256 disputeId) external {
        Dispute storage d = _open(disputeId, Outcome.Uphold);
        Agreement memory agreement = _registry.agreementOf(d.projectId);
        uint256 deadline = d.openedAt + agreement.arbitrationPeriod;
        if (block.timestamp <= deadline) revert DisputeResolutionArbitrationRunning(disputeId, deadline);
        _resolve(d, DisputeStatus.Lapsed, agreement.lapseOutcome);
        emit DisputeLapsed(disputeId, d.projectId, agreement.lapseOutcome);
        _apply(d, agreement.lapseOutcome, bytes32(0), 0, address(0), 0);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IDisputeResolution
    function isFrozen(uint256 projectId, uint256 milestoneId) external view returns (bool) {
        return _openOnMilestone[projectId][milestoneId] != 0;
    }

    /// @notice A dispute by id.
    function disputeOf(uint256 disputeId) external view returns (Dispute memory) {
        return _disputes[disputeId];
    }

    /// @notice Number of disputes opened.
    function disputeCount() external view returns (uint256) {
        return _disputeCount;
    }

    /// @notice The EIP-712 digest every partner signs to settle a dispute.
    function settlementDigest(uint256 disputeId, Outcome outcome, bytes32 newRoot, uint256 newTotal)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(SETTLEMENT_TYPEHASH, disputeId, outcome, newRoot, newTotal)));
    }

    // ------------------------------------------------------------------ internal

    function _open(uint256 disputeId, Outcome outcome) private view returns (Dispute storage d) {
        d = _disputes[disputeId];
        if (d.status == DisputeStatus.None) revert DisputeResolutionUnknownDispute(disputeId);
        if (d.status != DisputeStatus.Open) revert DisputeResolutionAlreadyResolved(disputeId, d.status);
        if (outcome == Outcome.None) revert DisputeResolutionInvalidOutcome(outcome);
    }

    function _resolve(Dispute storage d, DisputeStatus status, Outcome outcome) private {
        d.status = status;
        d.outcome = outcome;
        if (d.subject == Subject.Milestone) _openOnMilestone[d.projectId][d.subjectId] -= 1;
    }

    /// @dev Milestone outcomes (and any fee) go to the escrow, after unfreezing the milestone if no
    /// other dispute on it is open; other subjects only record the outcome.
    function _apply(Dispute storage d, Outcome outcome, bytes32 newRoot, uint256 newTotal, address arbiter, uint256 fee)
        private
    {
        if (d.subject == Subject.Milestone) {
            if (_openOnMilestone[d.projectId][d.subjectId] == 0) _escrow.setFrozen(d.projectId, d.subjectId, false);
            _escrow.applyRuling(d.projectId, d.subjectId, outcome, newRoot, newTotal, arbiter, fee);
        }
    }
}
