// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Tier} from "../IPLedgerTypes.sol";

/// @title IRevenueSharingEvents
/// @notice The errors and events of RevenueSharing, kept apart so that the contract stays small.
interface IRevenueSharingEvents {
    // ------------------------------------------------------------------ errors

    /// @notice The asset's tier has no committed column (nor, for derivative, a negotiated split).
    error RevenueSharingNoColumn(uint256 assetId, uint256 projectId, Tier tier);
    /// @notice Revenue must be above zero.
    error RevenueSharingZeroAmount(uint256 assetId);
    /// @notice The ether sent does not match: `amount` for an ETH project, 0 for an ERC-20 one.
    error RevenueSharingWrongValue(uint256 expected, uint256 sent);
    /// @notice The account has no credit in this token (address(0) is ether).
    error RevenueSharingNothingToWithdraw(address account, address token);
    /// @notice Sending ether to the account failed.
    error RevenueSharingTransferFailed(address account, uint256 amount);
    /// @notice The payout nonce must exceed the partner's last one.
    error RevenueSharingStalePayout(address partner, uint256 nonce, uint256 last);
    /// @notice The payout signature is not the partner's.
    error RevenueSharingWrongSigner(address partner, address recovered);

    // ------------------------------------------------------------------ events

    /// @notice Revenue arrived for an asset; `cumulative` includes it.
    event RevenueReceived(
        uint256 indexed assetId, uint256 indexed projectId, address indexed payer, uint256 amount, uint256 cumulative
    );
    /// @notice A partner's part of a payment was credited to `payee` (its payout address, or itself).
    event RevenueCredited(uint256 indexed assetId, address indexed partner, address indexed payee, uint256 amount);
    /// @notice A payee withdrew its credit in `token` (address(0) is ether).
    event Withdrawn(address indexed payee, address indexed token, uint256 amount);
    /// @notice A partner named the address its future credits go to (address(0): itself).
    event PayoutAddressSet(address indexed partner, address indexed payout, uint256 nonce);
}
