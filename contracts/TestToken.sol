// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestToken
/// @notice An ERC-20 for tests and simulations only: anyone may mint. Never use it for real funds.
contract TestToken is ERC20 {
    /// @param name_ The token's name.
    /// @param symbol_ The token's symbol.
    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}

    /// @notice Create `amount` tokens for `to` (test and simulation only: open to everyone).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
