// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title GatewayProbe
/// @notice Test-only: the smallest contract with storage, an event and a custom error, used to
/// exercise the chain gateway and the embedded chain's persistence. Never deployed by the ledger.
contract GatewayProbe {
    /// @notice Key zero is refused, to have a revert to decode.
    error GatewayProbeZeroKey();

    /// @notice A value was stored under a key.
    event ValueSet(uint256 indexed key, uint256 value, address indexed by);

    /// @notice Stored values (storage slot 0).
    mapping(uint256 key => uint256 value) public valueOf;
    /// @notice Number of successful `set` calls (storage slot 1).
    uint256 public count;

    /// @notice Store `value` under `key` (non-zero).
    function set(uint256 key, uint256 value) external {
        if (key == 0) revert GatewayProbeZeroKey();
        valueOf[key] = value;
        count += 1;
        emit ValueSet(key, value, msg.sender);
    }
}
