// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {PaymentSplitter} from "node_modules/oz-v4/finance/PaymentSplitter.sol";

/// @title BenchPaymentSplitter
/// @notice Benchmark baseline only: OpenZeppelin 4.9's PaymentSplitter (installed as the npm
/// alias oz-v4, for benchmarks only), deployed as it is.
contract BenchPaymentSplitter is PaymentSplitter {
    /// @param payees Accounts to pay.
    /// @param shares_ Their shares.
    constructor(address[] memory payees, uint256[] memory shares_) payable PaymentSplitter(payees, shares_) {}
}
