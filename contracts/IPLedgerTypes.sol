// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice Side of a partner relative to the project's host jurisdiction.
enum Side {
    None,
    Foreign,
    Local
}

/// @notice The three tiers of Table 2: core algorithms, application development, derivative technologies.
enum Tier {
    Core,
    Application,
    Derivative
}

/// @notice What a dispute ruling (or a lapsed arbitration) decides.
enum Outcome {
    None,
    Uphold,
    Reject,
    Replace
}

/// @notice The part of a project's agreement that the chain enforces.
/// @param agreementHash Hash of the full agreement document (its canonical JSON); partners sign it when joining.
/// @param ledgerSigner The only account that may anchor the project's record.
/// @param token The escrow and revenue asset: address(0) for native ETH, else an ERC-20.
/// @param coreLo Lowest total share of the foreign side in a core column, in bps.
/// @param coreHi Highest total share of the foreign side in a core column, in bps.
/// @param derivativeLead Lowest total share of the local side in a derivative column, in bps.
/// @param quorum Partner signatures needed to commit a snapshot, release a milestone, grant a licence.
/// @param arbiterApproval Whether a release also needs an arbiter's signature.
/// @param disputeWindow Seconds after a release or a snapshot during which a partner may open a dispute.
/// @param arbitrationPeriod Seconds an arbiter has to rule on a dispute.
/// @param claimWindow Seconds partners have to claim a released milestone, once claims open.
/// @param arbiterFeeCapBps Highest arbiter fee, in bps of the disputed amount.
/// @param lapseOutcome What a dispute resolves to when the arbitration period lapses (Uphold or Reject).
struct Agreement {
    bytes32 agreementHash;
    address ledgerSigner;
    address token;
    uint16 coreLo;
    uint16 coreHi;
    uint16 derivativeLead;
    uint16 quorum;
    bool arbiterApproval;
    uint32 disputeWindow;
    uint32 arbitrationPeriod;
    uint32 claimWindow;
    uint16 arbiterFeeCapBps;
    Outcome lapseOutcome;
}

/// @notice One bracket of the core tier's profit sharing: up to `cap` cumulative revenue, the foreign side gets `foreignBps`.
struct Bracket {
    uint256 cap;
    uint16 foreignBps;
}
