// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Side} from "../IPLedgerTypes.sol";

/// @title IProjectRegistryEvents
/// @notice The errors and events of ProjectRegistry, kept apart so that the contract stays small.
interface IProjectRegistryEvents {
    // ------------------------------------------------------------------ errors

    /// @notice No project has this id.
    error ProjectRegistryUnknownProject(uint256 projectId);
    /// @notice An agreement parameter is out of range; `field` names it.
    error ProjectRegistryInvalidAgreement(string field, uint256 value);
    /// @notice Core brackets must have increasing caps, bps within 10000, and end with an unbounded cap.
    error ProjectRegistryInvalidBrackets(uint256 index);
    /// @notice The side must be Foreign or Local.
    error ProjectRegistryInvalidSide(uint8 side);
    /// @notice The account is a partner of the project already.
    error ProjectRegistryAlreadyPartner(uint256 projectId, address partner);
    /// @notice The project was terminated.
    error ProjectRegistryTerminated(uint256 projectId);

    // ------------------------------------------------------------------ events

    /// @notice A project was created with its agreement.
    event ProjectCreated(uint256 indexed projectId, bytes32 agreementHash, address indexed ledgerSigner);
    /// @notice An arbiter was named for a project (at creation).
    event ArbiterNamed(uint256 indexed projectId, address indexed arbiter);
    /// @notice A partner joined by its own signature; `partnerId` counts from 1 in order of joining.
    event PartnerJoined(uint256 indexed projectId, address indexed partner, uint16 partnerId, Side side);
    /// @notice A quorum of partners terminated the project.
    event ProjectTerminated(uint256 indexed projectId, bytes32 reason);
}
