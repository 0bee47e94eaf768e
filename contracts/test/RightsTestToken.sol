// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title RightsTestToken
/// @notice Test-only ERC-20 for revenue in a token: anyone may mint.
contract RightsTestToken is ERC20 {
    constructor() ERC20("Rights Test Token", "RTT") {}

    /// @notice Mint `amount` to `to` (tests only).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
