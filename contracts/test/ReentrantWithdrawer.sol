// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {RevenueSharing} from "../RevenueSharing.sol";

/// @title ReentrantWithdrawer
/// @notice Test-only attacker: a partner's payout address that re-enters `withdraw` when paid.
/// It catches the re-entry's failure so the outer withdrawal completes and the test can see what it got.
contract ReentrantWithdrawer {
    /// @notice The contract attacked.
    RevenueSharing public immutable target;
    /// @notice Re-entries to attempt on each receipt.
    uint256 public attempts;
    /// @notice Re-entries that succeeded (must stay 0).
    uint256 public reentered;
    /// @notice Re-entries that reverted.
    uint256 public refused;
    /// @notice The revert data of the last refused re-entry.
    bytes public lastError;

    constructor(RevenueSharing target_) {
        target = target_;
    }

    /// @notice Withdraw, re-entering `withdraw` up to `attempts_` times while being paid.
    function attack(uint256 attempts_) external {
        attempts = attempts_;
        target.withdraw();
    }

    receive() external payable {
        if (attempts == 0) return;
        attempts -= 1;
        try target.withdraw() {
            reentered += 1;
        } catch (bytes memory reason) {
            refused += 1;
            lastError = reason;
        }
    }
}
