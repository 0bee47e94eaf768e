// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {MilestoneEscrow} from "../MilestoneEscrow.sol";

/// @title ReentrantClaimer
/// @notice Test only: a payee that, when paid, tries once to re-enter the escrow (claim, refund or
/// fee withdrawal) and records how that attempt ended. It shows re-entry gains nothing.
contract ReentrantClaimer {
    /// @notice Which call the payee tries when it receives ETH.
    enum Attack {
        None,
        Claim,
        Refund,
        WithdrawFee
    }

    MilestoneEscrow private immutable _escrow;
    Attack private _attack;
    uint256 private _projectId;
    uint256 private _milestoneId;
    uint256 private _index;
    uint256 private _amount;
    bytes32[] private _proof;

    /// @notice Number of re-entry attempts made.
    uint256 public attempts;
    /// @notice Number of re-entry attempts that succeeded (should stay 0).
    uint256 public successes;
    /// @notice Revert data of the last failed re-entry.
    bytes public lastError;

    /// @notice A re-entry attempt ended; `succeeded` tells whether the escrow accepted it.
    event ReentryAttempted(Attack attack, bool succeeded);

    /// @param escrow_ The escrow to attack.
    constructor(MilestoneEscrow escrow_) {
        _escrow = escrow_;
    }

    /// @notice Choose the re-entry to try on the next payment, and the claim it replays.
    function arm(
        Attack attack,
        uint256 projectId,
        uint256 milestoneId,
        uint256 index,
        uint256 amount,
        bytes32[] calldata proof
    ) external {
        (_attack, _projectId, _milestoneId, _index, _amount, _proof) =
            (attack, projectId, milestoneId, index, amount, proof);
    }

    /// @notice Deposit ETH into a project as a funder.
    function deposit(uint256 projectId) external payable {
        _escrow.deposit{value: msg.value}(projectId);
    }

    /// @notice Ask the escrow for this funder's refund.
    function refund(uint256 projectId) external {
        _escrow.refund(projectId);
    }

    /// @notice Withdraw the fees credited to this contract as an arbiter.
    function withdrawFee(uint256 projectId) external {
        _escrow.withdrawFee(projectId);
    }

    /// @notice On payment, try the armed re-entry once and record its result.
    receive() external payable {
        if (_attack == Attack.None || attempts != 0) return;
        attempts += 1;
        bool ok;
        bytes memory reason;
        if (_attack == Attack.Claim) {
            try _escrow.claim(_projectId, _milestoneId, _index, address(this), _amount, _proof) {
                ok = true;
            } catch (bytes memory r) {
                reason = r;
            }
        } else if (_attack == Attack.Refund) {
            try _escrow.refund(_projectId) {
                ok = true;
            } catch (bytes memory r) {
                reason = r;
            }
        } else {
            try _escrow.withdrawFee(_projectId) {
                ok = true;
            } catch (bytes memory r) {
                reason = r;
            }
        }
        if (ok) successes += 1;
        lastError = reason;
        emit ReentryAttempted(_attack, ok);
    }
}
