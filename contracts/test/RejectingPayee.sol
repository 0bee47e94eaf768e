// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {RevenueSharing} from "../RevenueSharing.sol";

/// @title RejectingPayee
/// @notice Test-only: a payout address that withdraws its credit but cannot receive ether (no
/// receive or fallback function), to test the failed-transfer path.
contract RejectingPayee {
    /// @notice Withdraw this contract's ether credit from `target` (the transfer back will fail).
    function withdrawFrom(RevenueSharing target) external {
        target.withdraw();
    }
}
