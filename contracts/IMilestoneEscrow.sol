// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Outcome} from "./IPLedgerTypes.sol";

/// @notice Where a milestone stands in the escrow: Planned until a quorum releases it, then
/// Released until it is swept (claim window over) or Rejected (by a dispute outcome).
enum MilestoneStatus {
    Planned,
    Released,
    Swept,
    Rejected
}

/// @notice A milestone's payout as the escrow holds it, packed so that a claim reads three slots
/// (root; total and claimed; asset, claim window, status and freeze) and never the fourth.
/// @param root Merkle root of the payout leaves (index, account, amount).
/// @param total Amount set aside for the milestone (at most 2^128 - 1).
/// @param claimed Amount paid out by claims so far (never above total).
/// @param token The project's asset, copied from the agreement at release: address(0) for ETH.
/// @param claimsOpenAt First second claims are accepted (the dispute window ends just before).
/// @param claimDeadline Last second claims are accepted; afterwards anyone may sweep the rest.
/// @param status Where the milestone stands.
/// @param frozen Whether a dispute on the milestone is open (set by the disputes contract).
/// @param releasedAt When the quorum released it.
struct Milestone {
    bytes32 root;
    uint128 total;
    uint128 claimed;
    address token;
    uint40 claimsOpenAt;
    uint40 claimDeadline;
    MilestoneStatus status;
    bool frozen;
    uint40 releasedAt;
}

/// @notice A project's funds in the escrow. Claims are counted per milestone (`Milestone.claimed`),
/// not here, so a claim touches no project-wide slot. Conservation, per project:
/// deposited == available + Σ(total - claimed of open released milestones) + feesOwed
///              + (refundPool - refunded) + paidOut,
/// where paidOut = Σ(claimed of every milestone) + refunded + feesPaid is all that left the escrow.
/// @param deposited Total ever deposited.
/// @param available Not allocated to a milestone: the pool for releases, fees and refunds.
/// @param feesPaid Arbiter fees withdrawn so far.
/// @param feesOwed Arbiter fees credited and not yet withdrawn.
/// @param refundPool The pool fixed at the first refund (0 before).
/// @param refunded Total refunded so far.
/// @param funders Number of distinct funders.
/// @param refundedFunders Number of funders refunded so far.
/// @param openMilestones Released milestones not yet swept or rejected.
/// @param refundsOpened Whether the first refund happened (the pool is then fixed).
struct Funds {
    uint256 deposited;
    uint256 available;
    uint256 feesPaid;
    uint256 feesOwed;
    uint256 refundPool;
    uint256 refunded;
    uint32 funders;
    uint32 refundedFunders;
    uint32 openMilestones;
    bool refundsOpened;
}

/// @title IMilestoneEscrow
/// @notice Errors, events and the functions other contracts use of the milestone escrow.
interface IMilestoneEscrow {
    // ------------------------------------------------------------------ errors

    /// @notice The disputes contract is bound already (it is set once).
    error MilestoneEscrowDisputesAlreadyBound(address disputes);
    /// @notice The disputes contract can't be the zero address.
    error MilestoneEscrowInvalidDisputes(address disputes);
    /// @notice Only the bound disputes contract may apply rulings and freeze milestones.
    error MilestoneEscrowNotDisputes(address caller);
    /// @notice The deposit's kind (ETH or ERC-20) does not match the project's asset `token`.
    error MilestoneEscrowWrongAsset(uint256 projectId, address token);
    /// @notice A deposit must be more than zero.
    error MilestoneEscrowZeroAmount(uint256 projectId);
    /// @notice The project was terminated: no deposits or releases any more.
    error MilestoneEscrowProjectTerminated(uint256 projectId);
    /// @notice Refunds need a terminated project.
    error MilestoneEscrowNotTerminated(uint256 projectId);
    /// @notice Refunds wait until every released milestone is swept or rejected.
    error MilestoneEscrowMilestonesOutstanding(uint256 projectId, uint256 openMilestones);
    /// @notice The account deposited nothing into the project.
    error MilestoneEscrowNotFunder(uint256 projectId, address funder);
    /// @notice The funder was refunded already.
    error MilestoneEscrowAlreadyRefunded(uint256 projectId, address funder);
    /// @notice The account has no fee to withdraw in this project.
    error MilestoneEscrowNoFee(uint256 projectId, address arbiter);
    /// @notice The milestone was released, swept or rejected already; it can't be released.
    error MilestoneEscrowAlreadyDecided(uint256 projectId, uint256 milestoneId, MilestoneStatus status);
    /// @notice The milestone is not in the Released state.
    error MilestoneEscrowNotReleased(uint256 projectId, uint256 milestoneId, MilestoneStatus status);
    /// @notice An open dispute freezes the milestone.
    error MilestoneEscrowFrozen(uint256 projectId, uint256 milestoneId);
    /// @notice A payout needs a non-zero root, a total from 1 to 2^128 - 1, and a total not below what was claimed.
    error MilestoneEscrowInvalidPayout(bytes32 root, uint256 total);
    /// @notice The project's available pool can't cover `needed`.
    error MilestoneEscrowInsufficientFunds(uint256 projectId, uint256 available, uint256 needed);
    /// @notice Claims are not open yet (dispute window).
    error MilestoneEscrowClaimsNotOpen(uint256 projectId, uint256 milestoneId, uint256 opensAt);
    /// @notice The claim window is over.
    error MilestoneEscrowClaimsClosed(uint256 projectId, uint256 milestoneId, uint256 deadline);
    /// @notice The claim window is still running; sweeping comes after `deadline`.
    error MilestoneEscrowClaimWindowOpen(uint256 projectId, uint256 milestoneId, uint256 deadline);
    /// @notice Leaf `index` was claimed already.
    error MilestoneEscrowAlreadyClaimed(uint256 projectId, uint256 milestoneId, uint256 index);
    /// @notice The Merkle proof does not prove leaf `index` under the milestone's root.
    error MilestoneEscrowInvalidProof(uint256 projectId, uint256 milestoneId, uint256 index);
    /// @notice The claim would take the milestone's claims past its total.
    error MilestoneEscrowExceedsTotal(uint256 projectId, uint256 milestoneId, uint256 claimed, uint256 amount, uint256 total);
    /// @notice A ruling must have an outcome.
    error MilestoneEscrowInvalidOutcome(Outcome outcome);
    /// @notice A claim window bound does not fit the milestone's 40-bit timestamps.
    error MilestoneEscrowTimeOutOfRange(uint256 timestamp);

    // ------------------------------------------------------------------ events

    /// @notice The disputes contract was bound (once).
    event DisputesBound(address indexed disputes);
    /// @notice A funder deposited into a project.
    event Deposited(uint256 indexed projectId, address indexed funder, uint256 amount);
    /// @notice A quorum released a milestone; claims run from `claimsOpenAt` to `claimDeadline`.
    event MilestoneReleased(
        uint256 indexed projectId,
        uint256 indexed milestoneId,
        bytes32 root,
        uint256 total,
        uint64 claimsOpenAt,
        uint64 claimDeadline
    );
    /// @notice Leaf `index` was claimed and `amount` sent to `account`.
    event Claimed(
        uint256 indexed projectId, uint256 indexed milestoneId, uint256 index, address indexed account, uint256 amount
    );
    /// @notice The unclaimed rest of a milestone went back to the project's pool.
    event MilestoneSwept(uint256 indexed projectId, uint256 indexed milestoneId, uint256 returned);
    /// @notice The first refund fixed the refund pool of a terminated project.
    event RefundsOpened(uint256 indexed projectId, uint256 pool);
    /// @notice A funder of a terminated project was refunded its share of the pool.
    event Refunded(uint256 indexed projectId, address indexed funder, uint256 amount);
    /// @notice A dispute outcome was applied to a milestone; `fee` was credited to `arbiter`.
    event RulingApplied(
        uint256 indexed projectId,
        uint256 indexed milestoneId,
        Outcome outcome,
        bytes32 root,
        uint256 total,
        address indexed arbiter,
        uint256 fee
    );
    /// @notice An arbiter withdrew its fees of a project.
    event FeeWithdrawn(uint256 indexed projectId, address indexed arbiter, uint256 amount);
    /// @notice The disputes contract froze (a dispute opened) or unfroze (the last one resolved) a milestone.
    event FreezeChanged(uint256 indexed projectId, uint256 indexed milestoneId, bool frozen);

    // ------------------------------------------------------------------ functions

    /// @notice Apply a dispute outcome to a milestone and credit the arbiter's fee (disputes contract only).
    function applyRuling(
        uint256 projectId,
        uint256 milestoneId,
        Outcome outcome,
        bytes32 newRoot,
        uint256 newTotal,
        address arbiter,
        uint256 fee
    ) external;

    /// @notice Freeze a milestone while a dispute on it is open, unfreeze it when the last one
    /// resolves (disputes contract only). A frozen milestone can't be released, claimed or swept.
    function setFrozen(uint256 projectId, uint256 milestoneId, bool frozen) external;

    /// @notice A milestone's payout and status.
    function milestoneOf(uint256 projectId, uint256 milestoneId) external view returns (Milestone memory);

    /// @notice Whether the milestone was released (and not rejected since); swept milestones count as released.
    function isReleased(uint256 projectId, uint256 milestoneId) external view returns (bool);
}
