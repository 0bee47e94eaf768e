// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Bracket} from "./IPLedgerTypes.sol";

/// @title RevenueSplit
/// @notice Exact integer arithmetic for sharing revenue: the bracket-weighted foreign part of a core
/// payment, and flooring exact rational amounts to wei with the leftover handed out by largest remainder.
/// @dev Every partner's exact amount is `numerators[k] / denominator` over one common denominator, so
/// remainders compare exactly without any division. Callers guarantee Σ numerators == amount × denominator.
library RevenueSplit {
    /// @notice Σ portion_i × foreignBps_i for the slice (cumulative, cumulative + amount] of the brackets.
    /// @dev Bracket i covers (cap_{i-1}, cap_i]; the last cap is unbounded (type(uint256).max).
    /// The foreign side's exact part of the payment is the result divided by 10000.
    function foreignWeighted(Bracket[] memory brackets, uint256 cumulative, uint256 amount)
        internal
        pure
        returns (uint256 weighted)
    {
        uint256 end = cumulative + amount;
        uint256 floor = 0;
        for (uint256 i = 0; i < brackets.length; ++i) {
            uint256 cap = brackets[i].cap;
            uint256 low = cumulative > floor ? cumulative : floor;
            uint256 high = end < cap ? end : cap;
            if (high > low) weighted += (high - low) * brackets[i].foreignBps;
            if (end <= cap) break;
            floor = cap;
        }
    }

    /// @notice Floor every `numerators[k] / denominator` and give the `amount - Σ floors` leftover wei
    /// one each to the largest remainders, ties to the smaller `ids[k]`.
    function allocate(uint256[] memory numerators, uint256 denominator, uint256 amount, uint256[] memory ids)
        internal
        pure
        returns (uint256[] memory amounts)
    {
        uint256 n = numerators.length;
        amounts = new uint256[](n);
        uint256[] memory remainders = new uint256[](n);
        uint256 given = 0;
        for (uint256 k = 0; k < n; ++k) {
            amounts[k] = numerators[k] / denominator;
            remainders[k] = numerators[k] % denominator;
            given += amounts[k];
        }
        // Checked: Σ floors never exceeds amount when Σ numerators == amount × denominator.
        uint256 leftover = amount - given;
        bool[] memory taken = new bool[](n);
        for (uint256 round = 0; round < leftover; ++round) {
            uint256 best = n;
            for (uint256 k = 0; k < n; ++k) {
                if (taken[k]) continue;
                if (
                    best == n || remainders[k] > remainders[best]
                        || (remainders[k] == remainders[best] && ids[k] < ids[best])
                ) best = k;
            }
            taken[best] = true;
            amounts[best] += 1;
        }
    }
}
