// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Funds, IMilestoneEscrow, Milestone, MilestoneStatus} from "./IMilestoneEscrow.sol";
import {Agreement, Outcome} from "./IPLedgerTypes.sol";
import {MilestoneEscrowFunds} from "./MilestoneEscrowFunds.sol";
import {ProjectRegistry} from "./ProjectRegistry.sol";

/// @title MilestoneEscrow
/// @notice Holds a project's funds and pays released milestones. A quorum of partners (plus an
/// arbiter where the agreement asks) releases a milestone with the Merkle root of its payout
/// vector; after the dispute window each leaf's account is paid once, by anyone's claim with a
/// proof; after the claim window anyone sweeps the rest back to the pool. The operator only binds
/// the disputes contract, once: it can never move funds or approve anything.
/// @dev A claim touches only the escrow's own storage: the milestone keeps the project's asset
/// (copied at release; agreements never change) and its freeze flag (set by the disputes
/// contract when disputes open and close), so it calls neither the registry nor the disputes.
contract MilestoneEscrow is Ownable, EIP712, MilestoneEscrowFunds {
    bytes32 private constant RELEASE_TYPEHASH =
        keccak256("Release(uint256 projectId,uint256 milestoneId,bytes32 root,uint256 total)");

    address private _disputes;
    mapping(uint256 projectId => mapping(uint256 milestoneId => Milestone)) private _milestones;
    mapping(uint256 projectId => mapping(uint256 milestoneId => mapping(uint256 word => uint256))) private _claimed;

    /// @param registry_ The registry of projects, partners and arbiters.
    /// @param operator The account that binds the disputes contract (its only power).
    constructor(ProjectRegistry registry_, address operator)
        Ownable(operator)
        EIP712("MilestoneEscrow", "1")
        MilestoneEscrowFunds(registry_)
    {}

    // ------------------------------------------------------------------ writes

    /// @notice Bind the disputes contract, once (operator only).
    function bindDisputes(address disputes_) external onlyOwner {
        if (_disputes != address(0)) revert MilestoneEscrowDisputesAlreadyBound(_disputes);
        if (disputes_ == address(0)) revert MilestoneEscrowInvalidDisputes(disputes_);
        _disputes = disputes_;
        emit DisputesBound(disputes_);
    }

    /// @notice Release a milestone: set `total` aside for the payout tree `root`. Needs a quorum of
    /// partner signatures (ascending signers) over Release(projectId,milestoneId,root,total), plus
    /// an arbiter's when the agreement asks. Cost does not depend on the number of partners.
    function release(
        uint256 projectId,
        uint256 milestoneId,
        bytes32 root,
        uint256 total,
        bytes[] calldata partnerSignatures,
        bytes calldata arbiterSignature
    ) external {
        Agreement memory agreement = _registry.agreementOf(projectId);
        if (_registry.isTerminated(projectId)) revert MilestoneEscrowProjectTerminated(projectId);
        Milestone storage m = _milestones[projectId][milestoneId];
        if (m.status != MilestoneStatus.Planned) revert MilestoneEscrowAlreadyDecided(projectId, milestoneId, m.status);
        if (m.frozen) revert MilestoneEscrowFrozen(projectId, milestoneId);
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(RELEASE_TYPEHASH, projectId, milestoneId, root, total)));
        _registry.verifyQuorum(projectId, digest, partnerSignatures);
        if (agreement.arbiterApproval) _registry.verifyArbiter(projectId, digest, arbiterSignature);
        if (root == bytes32(0) || total == 0 || total > type(uint128).max) revert MilestoneEscrowInvalidPayout(root, total);
        Funds storage funds = _funds[projectId];
        if (total > funds.available) revert MilestoneEscrowInsufficientFunds(projectId, funds.available, total);

        funds.available -= total;
        funds.openMilestones += 1;
        uint40 claimsOpenAt = _time(block.timestamp + agreement.disputeWindow);
        uint40 claimDeadline = _time(uint256(claimsOpenAt) + agreement.claimWindow);
        (m.root, m.total, m.token, m.status) = (root, uint128(total), agreement.token, MilestoneStatus.Released);
        (m.releasedAt, m.claimsOpenAt, m.claimDeadline) = (uint40(block.timestamp), claimsOpenAt, claimDeadline);
        emit MilestoneReleased(projectId, milestoneId, root, total, claimsOpenAt, claimDeadline);
    }

    /// @notice Pay leaf `index` of a released milestone to `account`. Anyone may submit it; the
    /// funds go only to `account`. Leaf = keccak256(bytes.concat(keccak256(abi.encode(index, account, amount)))).
    function claim(
        uint256 projectId,
        uint256 milestoneId,
        uint256 index,
        address account,
        uint256 amount,
        bytes32[] calldata proof
    ) external nonReentrant {
        Milestone storage m = _milestones[projectId][milestoneId];
        {
            // One read of the packed slot; the checks come in the same order as in sweep.
            (uint40 opensAt, uint40 deadline, MilestoneStatus status, bool frozen) =
                (m.claimsOpenAt, m.claimDeadline, m.status, m.frozen);
            if (status != MilestoneStatus.Released) revert MilestoneEscrowNotReleased(projectId, milestoneId, status);
            if (frozen) revert MilestoneEscrowFrozen(projectId, milestoneId);
            if (block.timestamp < opensAt) revert MilestoneEscrowClaimsNotOpen(projectId, milestoneId, opensAt);
            if (block.timestamp > deadline) revert MilestoneEscrowClaimsClosed(projectId, milestoneId, deadline);
        }
        uint256 bit = 1 << (index & 0xff);
        uint256 word = _claimed[projectId][milestoneId][index >> 8];
        if (word & bit != 0) revert MilestoneEscrowAlreadyClaimed(projectId, milestoneId, index);
        {
            bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(index, account, amount))));
            if (!MerkleProof.verifyCalldata(proof, m.root, leaf)) revert MilestoneEscrowInvalidProof(projectId, milestoneId, index);
        }
        (uint256 total, uint256 before) = (m.total, m.claimed);
        if (before + amount > total) revert MilestoneEscrowExceedsTotal(projectId, milestoneId, before, amount, total);

        _claimed[projectId][milestoneId][index >> 8] = word | bit;
        m.claimed = uint128(before + amount); // at most total < 2^128, checked above
        emit Claimed(projectId, milestoneId, index, account, amount);
        _send(m.token, account, amount);
    }

    /// @notice After the claim window, return a milestone's unclaimed rest to the project's pool (anyone).
    function sweep(uint256 projectId, uint256 milestoneId) external {
        Milestone storage m = _released(projectId, milestoneId);
        if (m.frozen) revert MilestoneEscrowFrozen(projectId, milestoneId);
        if (block.timestamp <= m.claimDeadline) revert MilestoneEscrowClaimWindowOpen(projectId, milestoneId, m.claimDeadline);
        uint256 rest = m.total - m.claimed;
        m.status = MilestoneStatus.Swept;
        _close(projectId, rest);
        emit MilestoneSwept(projectId, milestoneId, rest);
    }

    /// @inheritdoc IMilestoneEscrow
    function applyRuling(
        uint256 projectId,
        uint256 milestoneId,
        Outcome outcome,
        bytes32 newRoot,
        uint256 newTotal,
        address arbiter,
        uint256 fee
    ) external {
        _onlyDisputes();
        if (outcome == Outcome.None) revert MilestoneEscrowInvalidOutcome(outcome);
        Milestone storage m = _milestones[projectId][milestoneId];
        Funds storage funds = _funds[projectId];
        if (m.status == MilestoneStatus.Released) {
            if (outcome == Outcome.Reject) {
                m.status = MilestoneStatus.Rejected;
                _close(projectId, m.total - m.claimed);
            } else {
                if (outcome == Outcome.Replace) {
                    if (newRoot == bytes32(0) || newTotal == 0 || newTotal < m.claimed || newTotal > type(uint128).max) {
                        revert MilestoneEscrowInvalidPayout(newRoot, newTotal);
                    }
                    uint256 pool = funds.available + m.total;
                    if (newTotal > pool) revert MilestoneEscrowInsufficientFunds(projectId, pool, newTotal);
                    funds.available = pool - newTotal;
                    (m.root, m.total) = (newRoot, uint128(newTotal));
                }
                if (outcome == Outcome.Replace || m.claimsOpenAt > block.timestamp) _openClaimsNow(projectId, m);
            }
        } else if (m.status == MilestoneStatus.Planned && outcome == Outcome.Reject) {
            m.status = MilestoneStatus.Rejected;
        }
        if (fee > funds.available) revert MilestoneEscrowInsufficientFunds(projectId, funds.available, fee);
        funds.available -= fee;
        funds.feesOwed += fee;
        _fees[projectId][arbiter] += fee;
        emit RulingApplied(projectId, milestoneId, outcome, m.root, m.total, arbiter, fee);
    }

    /// @inheritdoc IMilestoneEscrow
    function setFrozen(uint256 projectId, uint256 milestoneId, bool frozen) external {
        _onlyDisputes();
        _milestones[projectId][milestoneId].frozen = frozen;
        emit FreezeChanged(projectId, milestoneId, frozen);
    }

    // ------------------------------------------------------------------ views

    /// @notice The bound disputes contract (zero until bound).
    function disputes() external view returns (address) {
        return _disputes;
    }

    /// @inheritdoc IMilestoneEscrow
    function milestoneOf(uint256 projectId, uint256 milestoneId) external view returns (Milestone memory) {
        return _milestones[projectId][milestoneId];
    }

    /// @inheritdoc IMilestoneEscrow
    function isReleased(uint256 projectId, uint256 milestoneId) external view returns (bool) {
        MilestoneStatus status = _milestones[projectId][milestoneId].status;
        return status == MilestoneStatus.Released || status == MilestoneStatus.Swept;
    }

    /// @notice Whether leaf `index` of the milestone was claimed.
    function isClaimed(uint256 projectId, uint256 milestoneId, uint256 index) external view returns (bool) {
        return _claimed[projectId][milestoneId][index >> 8] & (1 << (index & 0xff)) != 0;
    }

    /// @notice The EIP-712 digest partners (and an arbiter) sign to release a milestone.
    function releaseDigest(uint256 projectId, uint256 milestoneId, bytes32 root, uint256 total)
        external
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(RELEASE_TYPEHASH, projectId, milestoneId, root, total)));
    }

    // ------------------------------------------------------------------ internal

    function _released(uint256 projectId, uint256 milestoneId) private view returns (Milestone storage m) {
        m = _milestones[projectId][milestoneId];
        if (m.status != MilestoneStatus.Released) revert MilestoneEscrowNotReleased(projectId, milestoneId, m.status);
    }

    function _onlyDisputes() private view {
        if (msg.sender != _disputes || msg.sender == address(0)) revert MilestoneEscrowNotDisputes(msg.sender);
    }

    function _time(uint256 timestamp) private pure returns (uint40) {
        if (timestamp > type(uint40).max) revert MilestoneEscrowTimeOutOfRange(timestamp);
        return uint40(timestamp);
    }

    /// @dev A released milestone leaves the books: its unclaimed rest goes back to the pool.
    function _close(uint256 projectId, uint256 rest) private {
        Funds storage funds = _funds[projectId];
        funds.available += rest;
        funds.openMilestones -= 1;
    }

    function _openClaimsNow(uint256 projectId, Milestone storage m) private {
        m.claimsOpenAt = _time(block.timestamp);
        m.claimDeadline = _time(block.timestamp + _registry.agreementOf(projectId).claimWindow);
    }
}
